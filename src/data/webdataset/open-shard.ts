import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AiosError } from "../../core/errors.js";
import { fetchRetrying, NetworkFailure, type RetryOptions } from "../http/fetch-retrying.js";
import type { ShardSource } from "./shard-list.js";

/** HTTP shards: timeout, attempts and backoff of transient failures (network errors, 429, 5xx). */
export type OpenShardOptions = RetryOptions;

const READ_CHUNK = 1 << 20;

export function shardError(url: string, problem: string, cause?: unknown): AiosError {
  return new AiosError("SHARD_READ", `shard ${url}: ${problem}`, {
    hint: "check the shard, or pass --wds-on-error skip to count and skip unreadable shards",
    cause,
  });
}

/** The shard's tar bytes, gunzipped on the fly for `.tar.gz` / `.tgz`. */
export async function openShard(
  source: ShardSource,
  options: OpenShardOptions = {},
): Promise<Readable> {
  const raw = await openRaw(source, options);
  if (!/\.(tgz|tar\.gz|gz)$/i.test(source.url)) return raw;
  const gunzip = createGunzip();
  raw.on("error", (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

async function openRaw(source: ShardSource, options: OpenShardOptions): Promise<Readable> {
  switch (source.kind) {
    case "file":
      // Large reads: per-chunk stream overhead, not the disk, limits tar parsing speed.
      return createReadStream(source.path, { highWaterMark: READ_CHUNK });
    case "pipe":
      return openPipe(source.command, source.url);
    case "http":
      return openHttp(source.url, options);
  }
}

/** A command's stdout; a non-zero exit becomes a stream error naming the shard and stderr. */
function openPipe(command: string, url: string): Readable {
  const child = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
  const out = new PassThrough();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.stdout.pipe(out, { end: false });
  child.on("error", (error) =>
    out.destroy(shardError(url, `cannot run the command: ${error.message}`)),
  );
  child.on("close", (code, signal) => {
    if (code === 0) out.end();
    else {
      const why = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      out.destroy(
        shardError(url, `the command ${why}${stderr.trim() ? `: ${stderr.trim()}` : ""}`),
      );
    }
  });
  // The reader stopping early (an error elsewhere, the run ending) must not leave the child behind.
  out.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}

async function openHttp(url: string, options: OpenShardOptions): Promise<Readable> {
  let response: Response;
  try {
    response = await fetchRetrying(url, {}, options);
  } catch (error) {
    if (error instanceof NetworkFailure) throw shardError(url, error.message, error);
    throw error;
  }
  if (response.ok && response.body !== null) {
    return Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  }
  await response.body?.cancel();
  throw shardError(url, `HTTP ${response.status} ${response.statusText}`.trim());
}
