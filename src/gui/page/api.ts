import type { ApiError } from "../api-types.js";

/** A failed API call, carrying the server's message and hint. */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }

  /** Message and hint, as one line for the page. */
  describe(): string {
    return this.error.hint === null
      ? this.error.message
      : `${this.error.message} (${this.error.hint})`;
  }
}

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json()) as unknown;
  if (!response.ok) {
    const error = (body as { error?: ApiError }).error;
    throw new ApiFailure(error ?? { code: "HTTP", message: `HTTP ${response.status}`, hint: null });
  }
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: { accept: "application/json" } }));
}

export async function sendJson<T>(method: "POST" | "PUT", path: string, body: unknown): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method,
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

/** Text for any failure: the server's message and hint, or the browser's. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiFailure) return error.describe();
  return error instanceof Error ? error.message : String(error);
}
