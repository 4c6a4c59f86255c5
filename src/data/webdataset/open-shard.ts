import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AiosError, isAiosError } from "../../core/errors.js";
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

/**
 * The shard's tar bytes, gunzipped on the fly when they are gzip data. As in webdataset, whose
 * `tarfile.open(mode="r|*")` sniffs the stream (`tarfile._StreamProxy.getcomptype`), the first
 * bytes decide, not the name: a gzip'd `x.tar` is read, a plain `x.tar.gz` too. bzip2 and xz
 * shards, which Python also reads, are an error naming the shard (Node has no decoder for them).
 */
export async function openShard(
  source: ShardSource,
  options: OpenShardOptions = {},
): Promise<Readable> {
  const raw = await openRaw(source, options);
  const { head, stream } = await peek(raw, MAGIC_BYTES, source.url);
  const compression = compressionOf(head);
  if (compression === "tar") return stream;
  if (compression !== "gz") {
    stream.destroy();
    throw new AiosError(
      "SHARD_READ",
      `shard ${source.url}: ${compression}-compressed, which aios does not read`,
      {
        hint: `decompress it (e.g. into .tar or .tar.gz), or read it through a command: "pipe:${compression === "bz2" ? "bzcat" : "xzcat"} ${source.url}"`,
      },
    );
  }
  const gunzip = createGunzip();
  stream.on("error", (error) => gunzip.destroy(error));
  return stream.pipe(gunzip);
}

/** Bytes `compressionOf` looks at. */
const MAGIC_BYTES = 10;

/** Python's `tarfile._StreamProxy.getcomptype`, magic for magic. */
export function compressionOf(head: Buffer): "gz" | "bz2" | "xz" | "tar" {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
  if (starts([0x1f, 0x8b, 0x08])) return "gz";
  if (
    head.subarray(0, 3).toString("latin1") === "BZh" &&
    head.subarray(4, 10).toString("latin1") === "1AY&SY"
  )
    return "bz2";
  if (starts([0x5d, 0x00, 0x00, 0x80]) || starts([0xfd, 0x37, 0x7a, 0x58, 0x5a])) return "xz";
  return "tar";
}

/**
 * The first `n` bytes of a stream (fewer if it ends sooner) and a stream of all its bytes, the
 * first ones included. A failure to read them is an error naming the shard.
 */
async function peek(
  raw: Readable,
  n: number,
  url: string,
): Promise<{ head: Buffer; stream: Readable }> {
  const chunks = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  try {
    while (size < n) {
      const next = await chunks.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      head.push(next.value);
      size += next.value.length;
    }
  } catch (error) {
    if (isAiosError(error)) throw error;
    throw shardError(url, (error as Error).message, error);
  }
  const first = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    try {
      if (first.length > 0) yield first;
      if (ended) return;
      for (;;) {
        const next = await chunks.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // The reader stopped early: release the file, the connection or the command.
      await chunks.return?.();
    }
  }
  return { head: first, stream: Readable.from(all(), { objectMode: false }) };
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
