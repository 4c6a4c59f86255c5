/**
 * One HTTP request with the retry policy every remote data source shares: network errors, 429
 * and 5xx are retried with exponential backoff, honouring `Retry-After`; anything else is
 * returned to the caller, which knows what a 401 or a 404 means for its input.
 */
export interface RetryOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  /** Time allowed for a response to start (not for its body to download). */
  readonly timeoutMs?: number;
  /** Attempts in all, the first included. */
  readonly attempts?: number;
  /** First backoff; doubled after each failure. */
  readonly backoffMs?: number;
}

/** The request failed at the network level on every attempt (refused, reset, timed out). */
export class NetworkFailure extends Error {
  constructor(
    readonly attempts: number,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`request failed after ${attempts} attempts: ${reason}`, options);
    this.name = "NetworkFailure";
  }
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_ATTEMPTS = 4;
const DEFAULT_BACKOFF_MS = 500;
/** A server asking for a longer pause than this is waited on for this long only. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The response to `url`: the first one that is not transient, or the last transient one once
 * the attempts are used up. Throws `NetworkFailure` when no response came at all.
 */
export async function fetchRetrying(
  url: string,
  init: RequestInit,
  options: RetryOptions = {},
): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const backoff = (attempt: number) =>
    (options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1);
  for (let attempt = 1; ; attempt++) {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error("timed out")), timeoutMs);
    let response: Response;
    try {
      const signals =
        options.signal === undefined ? [timeout.signal] : [options.signal, timeout.signal];
      response = await doFetch(url, { ...init, signal: AbortSignal.any(signals) });
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      const reason = timeout.signal.aborted
        ? `no response in ${timeoutMs} ms`
        : describeNetworkError(error);
      if (attempt < attempts) {
        await sleep(backoff(attempt));
        continue;
      }
      throw new NetworkFailure(attempt, reason, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const transient = response.status === 429 || response.status >= 500;
    if (!transient || attempt >= attempts) return response;
    await response.body?.cancel();
    await sleep(retryAfterMs(response) ?? backoff(attempt));
  }
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), capped; null when absent. */
export function retryAfterMs(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.min(date - Date.now(), MAX_RETRY_AFTER_MS));
}

/** undici hides the useful part ("ECONNREFUSED 127.0.0.1:9") in `cause`. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message !== "") return `${error.message} (${cause.message})`;
  return error.message;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
