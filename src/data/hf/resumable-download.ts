import { Readable } from "node:stream";
import { AiosError } from "../../core/errors.js";
import { describeNetworkError } from "../http/fetch-retrying.js";
import { type HubClient, hubFetch, unexpectedStatus } from "./hub-client.js";

/** Reconnections after a dropped connection, per file. */
const RESUMES = 5;

export interface DownloadStats {
  bytes: number;
  /** Times the connection dropped mid-file and the download went on from the last byte read. */
  resumes: number;
}

/**
 * A remote file's bytes as a stream. A connection that drops mid-file is reopened with
 * `Range: bytes=N-` from the last byte received; a server without Range support sends the file
 * again, and the bytes already delivered are skipped. The consumer sees one unbroken stream.
 */
export function resumableDownload(
  hub: HubClient,
  url: string,
  stats: DownloadStats = { bytes: 0, resumes: 0 },
): Readable {
  // 1 MiB buffered ahead: the body keeps arriving while the consumer parses what came.
  return Readable.from(chunks(hub, url, stats), { objectMode: false, highWaterMark: 1 << 20 });
}

async function* chunks(hub: HubClient, url: string, stats: DownloadStats): AsyncGenerator<Buffer> {
  let received = 0;
  for (let resume = 0; ; resume++) {
    const headers: Record<string, string> = received > 0 ? { Range: `bytes=${received}-` } : {};
    const response = await hubFetch(hub, url, { headers });
    // The connection broke after the last byte: nothing is left to fetch.
    if (response.status === 416 && received > 0) {
      await response.body?.cancel();
      return;
    }
    if (response.status === 404)
      throw new AiosError("DATASET_NOT_FOUND", `${url} not found (HTTP 404)`, {
        hint: "the dataset changed since its files were listed; run again",
      });
    if (!(response.ok && response.body !== null)) throw await unexpectedStatus(url, response);
    // 200 to a Range request: the server starts from byte 0 again.
    let skip = received > 0 && response.status === 200 ? received : 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (skip > 0) {
          const dropped = Math.min(skip, bytes.length);
          skip -= dropped;
          bytes = bytes.subarray(dropped);
          if (bytes.length === 0) continue;
        }
        received += bytes.length;
        stats.bytes += bytes.length;
        yield bytes;
      }
      return;
    } catch (error) {
      if (resume >= RESUMES) {
        throw new AiosError(
          "HUB_REQUEST",
          `downloading ${url} broke off ${resume + 1} times, last after ${received} bytes: ${describeNetworkError(error)}`,
          {
            hint: "check the network and run again (--resume continues where training stopped)",
            cause: error,
          },
        );
      }
      stats.resumes++;
    }
  }
}
