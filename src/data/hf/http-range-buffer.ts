import type { AsyncBuffer } from "hyparquet";
import { AiosError } from "../../core/errors.js";
import { describeNetworkError } from "../http/fetch-retrying.js";
import { type HubClient, hubFetch, unexpectedStatus } from "./hub-client.js";

/** Attempts at one byte range whose body broke off mid-way (the request itself is retried below that). */
const BODY_ATTEMPTS = 3;

export interface RangeBufferStats {
  /** Body bytes received for this file. */
  bytes: number;
  requests: number;
  /** The server ignored Range and the whole file was downloaded instead. */
  wholeFile: boolean;
}

/**
 * A remote file as the random-access buffer hyparquet reads from: each `slice` is one HTTP Range
 * request, so only the footer and the row groups actually read cross the network. A server that
 * ignores Range (answers 200 with the whole body) is read once in full, and every later slice is
 * cut from that copy.
 */
export function httpRangeBuffer(
  hub: HubClient,
  url: string,
  byteLength: number,
  stats: RangeBufferStats = { bytes: 0, requests: 0, wholeFile: false },
): AsyncBuffer {
  let whole: Promise<ArrayBuffer> | null = null;
  const rangeOnce = async (start: number, end: number): Promise<ArrayBuffer> => {
    stats.requests++;
    const response = await hubFetch(hub, url, {
      headers: { Range: `bytes=${start}-${end - 1}` },
    });
    if (response.status === 200) {
      // No Range support: this body is the whole file; keep it for every later slice.
      stats.wholeFile = true;
      whole = readBody(response, stats);
      return (await whole).slice(start, end);
    }
    if (response.status !== 206) throw await unexpectedStatus(url, response);
    return readBody(response, stats);
  };
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      if (whole !== null) return (await whole).slice(start, end);
      for (let attempt = 1; ; attempt++) {
        try {
          return await rangeOnce(start, end);
        } catch (error) {
          if (error instanceof AiosError || attempt >= BODY_ATTEMPTS) throw readFailed(url, error);
          whole = null;
        }
      }
    },
  };
}

async function readBody(response: Response, stats: RangeBufferStats): Promise<ArrayBuffer> {
  const body = await response.arrayBuffer();
  stats.bytes += body.byteLength;
  return body;
}

function readFailed(url: string, error: unknown): AiosError {
  if (error instanceof AiosError) return error;
  return new AiosError("HUB_REQUEST", `reading ${url} broke off: ${describeNetworkError(error)}`, {
    hint: "the connection kept dropping; check the network and run again (--resume continues)",
    cause: error,
  });
}
