import type { IncomingMessage, ServerResponse } from "node:http";
import { AiosError, isAiosError } from "../core/errors.js";
import type { ApiError } from "./api-types.js";

/** Largest request body the API accepts: form state is a few kilobytes. */
const MAX_BODY = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(text);
}

/**
 * Errors about the state of something shared, not the request: a run already going, a store
 * another process holds. The same request may succeed later (RFC 9110 409 Conflict).
 */
const CONFLICT_CODES: ReadonlySet<string> = new Set(["TRAINING", "VECTOR_STORE_BUSY"]);

/** An error as the page shows it: AiosErrors with message and hint, anything else as a bug. */
export function sendError(res: ServerResponse, error: unknown): void {
  const body: ApiError = isAiosError(error)
    ? { code: error.code, message: error.message, hint: error.hint ?? null }
    : {
        code: "INTERNAL",
        message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
        hint: "see the server's terminal, and report it",
      };
  if (!isAiosError(error))
    process.stderr.write(`aios gui: ${String(error instanceof Error ? error.stack : error)}\n`);
  const status = !isAiosError(error) ? 500 : CONFLICT_CODES.has(error.code) ? 409 : 400;
  sendJson(res, status, { error: body });
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new AiosError("IO", "request body too large");
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AiosError("IO", "request body is not valid JSON");
  }
}
