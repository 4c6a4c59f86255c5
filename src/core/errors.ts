/**
 * The one error type a user sees. `code` is stable (tests and scripts match on it), `message`
 * names the input at fault, `hint` says how to fix it. Entry points print message + hint and
 * exit with `exitCode`; the stack trace is shown only with `--debug`.
 */
export type AiosErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_FILE"
  | "DATASET_NOT_FOUND"
  | "DATASET_EMPTY"
  | "DATASET_BAD_ROWS"
  /** A dataset card's YAML (`configs:`, `data_files`) that `datasets` would refuse too. */
  | "DATASET_CARD"
  /** A dataset file holds bytes that are not valid in its encoding (`--encoding-errors strict`). */
  | "DATASET_ENCODING"
  /** `--model` names a tokenizer that cannot be used: missing, malformed, unsupported, no EOS. */
  | "TOKENIZER"
  | "CHECKPOINT"
  | "TRAINING"
  | "SHARD_READ"
  /** The Hugging Face Hub refused the token (401/403), or a gated dataset needs one. */
  | "HUB_AUTH"
  /** The Hub (or the HF_ENDPOINT server) could not be reached or answered with an error. */
  | "HUB_REQUEST"
  | "IO"
  /** Vectors, ids or metadata given to a vector store break a rule (dimension, NaN, duplicate id). */
  | "VECTOR_INPUT"
  /** A metadata filter that cannot be understood (unknown operator, bad key or value). */
  | "VECTOR_FILTER"
  /** The vector store server cannot be reached (Qdrant down, wrong URL). */
  | "VECTOR_STORE_UNREACHABLE"
  /** memory.vector_store.backend is "disabled" and a memory feature was asked for. */
  | "VECTOR_STORE_DISABLED"
  /** The store refused an operation or holds data this version cannot read. */
  | "VECTOR_STORE"
  /**
   * Another process holds the embedded store (its lock file) past the wait, or concurrent
   * writers kept preempting a LanceDB commit; nothing of the operation was written.
   */
  | "VECTOR_STORE_BUSY"
  /** A vector backup file is not in the format `vs-backup` writes. */
  | "VECTOR_BACKUP";

export class AiosError extends Error {
  readonly code: AiosErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(
    code: AiosErrorCode,
    message: string,
    options: { hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AiosError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}

/**
 * `text` on one line: line breaks and other control characters, which parsers' messages and
 * text quoted from a file may hold (V8's JSON.parse quotes the input it rejects), written as
 * `\n`, `\r`, `\u001b`, so that a message stays the one line read after `aios: ` or `warning: `.
 */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

export function isAiosError(error: unknown): error is AiosError {
  return error instanceof AiosError;
}

/** Node's fs errors carry a `code`; this narrows to them without `any`. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}
