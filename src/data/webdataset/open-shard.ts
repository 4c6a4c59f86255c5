import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AiosError } from "../../errors.js";
import type { ShardSource } from "./shard-list.js";

export interface OpenShardOptions {
  readonly signal?: AbortSignal;
  /** Time allowed for an HTTP response to start. */
  readonly timeoutMs?: number;
  /** Attempts for transient HTTP failures (network errors, 429, 5xx). */
  readonly attempts?: number;
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_ATTEMPTS = 4;
const BACKOFF_MS = 500;
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
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    // The timeout covers the wait for the response, not the download of a large shard.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error("timed out")),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    try {
      const signals =
        options.signal === undefined ? [timeout.signal] : [options.signal, timeout.signal];
      response = await doFetch(url, { signal: AbortSignal.any(signals) });
    } catch (error) {
      const reason = timeout.signal.aborted
        ? `no response in ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
        : (error as Error).message;
      if (attempt < attempts && options.signal?.aborted !== true) {
        await sleep(BACKOFF_MS * 2 ** (attempt - 1));
        continue;
      }
      throw shardError(url, `request failed after ${attempt} attempts: ${reason}`, error);
    } finally {
      clearTimeout(timer);
    }
    if (response.ok && response.body !== null) {
      return Readable.fromWeb(
        response.body as import("node:stream/web").ReadableStream<Uint8Array>,
      );
    }
    const transient = response.status === 429 || response.status >= 500;
    await response.body?.cancel();
    if (transient && attempt < attempts) {
      await sleep(retryAfterMs(response) ?? BACKOFF_MS * 2 ** (attempt - 1));
      continue;
    }
    throw shardError(url, `HTTP ${response.status} ${response.statusText}`.trim());
  }
}

function retryAfterMs(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, 60_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.min(date - Date.now(), 60_000));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
