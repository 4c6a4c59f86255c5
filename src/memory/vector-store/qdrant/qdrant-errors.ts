import { AiosError, errnoCode } from "../../../core/errors.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** True for "no answer at all" (refused, unknown host, timeout), as opposed to an HTTP error. */
export function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = errnoCode(e);
    if (code !== undefined && NETWORK_CODES.has(code)) return true;
    if (e instanceof Error) {
      if (e.name === "QdrantClientTimeoutError" || /fetch failed/.test(e.message)) return true;
      e = e.cause;
    } else break;
  }
  return false;
}

export function unreachableError(url: string, cause: unknown): AiosError {
  return new AiosError(
    "VECTOR_STORE_UNREACHABLE",
    `Qdrant is not reachable at ${url}: start it with \`docker compose up -d qdrant\`, or use \`--backend lancedb\``,
    { exitCode: 2, cause },
  );
}

/** Any Qdrant failure as an AiosError: unreachable, or the server's own message. */
export function qdrantError(url: string, action: string, error: unknown): AiosError {
  if (error instanceof AiosError) return error;
  if (isUnreachable(error)) return unreachableError(url, error);
  const detail = describeQdrantError(error);
  return new AiosError("VECTOR_STORE", `Qdrant at ${url} refused to ${action}: ${detail}`, {
    hint: "check memory.vector_store.qdrant (host, port, api_key) and the server log",
    cause: error,
  });
}

function describeQdrantError(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const data = (error as { data?: { status?: { error?: unknown } } }).data;
    const serverMessage = data?.status?.error;
    if (typeof serverMessage === "string") return serverMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
