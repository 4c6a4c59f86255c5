/** JSON-serialisable values: stream positions go into checkpoints as JSON. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Where a backend's stream stands; opaque outside the backend that made it. */
export type BackendPosition = { readonly [key: string]: JsonValue };

export interface IterTextOptions {
  /** Continue after this position (from `position()` of an earlier iteration). */
  readonly from?: BackendPosition;
  /** Start a new epoch when the data runs out (training), instead of ending (preview, eval). */
  readonly loop?: boolean;
}

export interface BackendStats {
  /** Samples yielded so far. */
  readonly samples: number;
  /** Rows that could not be read (malformed JSON line, missing column), by reason. */
  readonly badRows: Readonly<Record<string, number>>;
  /** Samples dropped by filters inside the backend (empty text, missing key), by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /**
   * Samples yielded with a repair, by reason: `--encoding-errors replace` keeps rows holding
   * bytes not valid in their file's encoding, with U+FFFD in their place.
   */
  readonly repaired: Readonly<Record<string, number>>;
}

/**
 * A source of text samples. One iteration at a time: `position()` and `stats()` describe the
 * iteration in progress (or the last one).
 */
export interface DatasetBackend {
  readonly kind: "custom" | "hf" | "webdataset" | "mixture";
  /** A short description of what is read, for logs (`custom: data/sample.txt`). */
  readonly description: string;
  iterText(options?: IterTextOptions): AsyncIterable<string>;
  /** Position after the last sample yielded; resuming from it yields the next sample. */
  position(): BackendPosition;
  stats(): BackendStats;
  /** A mixture's: the name of the source the last sample yielded came from. */
  lastSource?(): string | null;
  close?(): Promise<void>;
}

/** Position of the whole data pipeline: the backend's, plus tokens packed but not yet used. */
export interface StreamPosition {
  readonly backend: BackendPosition;
  /** Tokens of the last sample that did not fit in the sequence just yielded. */
  readonly carry: readonly number[];
  /** A mixture's: the source the carried tokens came from, to count them when resumed. */
  readonly carry_source?: string;
}

/** What one mixture source put into a sequence. */
export interface SourceCount {
  /** Samples whose first token is in the sequence (a sample is counted once). */
  readonly samples: number;
  /** Tokens of the sequence, end-of-sequence ids included. */
  readonly tokens: number;
}

/** One training sequence of `max_seq_len + 1` token ids: inputs are [0, T), labels [1, T]. */
export interface PackedSequence {
  readonly ids: Int32Array;
  /** Resuming from here yields the sequence after this one. */
  readonly position: StreamPosition;
  /** A mixture's: what each source put into this sequence (absent for a single dataset). */
  readonly sources?: Readonly<Record<string, SourceCount>>;
}
