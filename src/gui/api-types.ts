/**
 * The JSON the GUI server and its page exchange. Self-contained (no imports) so that the page,
 * compiled for the browser, can share it without pulling server code in.
 */

/** A form value: text inputs and dropdowns send strings, checkboxes booleans. */
export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

export interface FieldView {
  /** TrainingConfig key. */
  readonly key: string;
  readonly flag: string;
  readonly label: string;
  /** The field's help from the config schema: shown as its tooltip. */
  readonly help: string;
  readonly kind: "string" | "number" | "boolean" | "enum";
  readonly choices: readonly string[] | null;
  /** The schema default, as the form shows it ("" where there is none). */
  readonly initial: FormValue;
  /** Shown beside the field, not only as a tooltip (streaming, shard patterns). */
  readonly explain: boolean;
  /** Takes a whole row (long paths and patterns). */
  readonly wide: boolean;
  /** Edited as rows of source + weight (`--dataset-mix`); the value is still the flag text. */
  readonly rows: boolean;
}

export interface SectionView {
  readonly id: string;
  readonly title: string;
  /** Shown only while this dataset backend is selected (null: always). */
  readonly backend: string | null;
  readonly fields: readonly FieldView[];
}

export interface FormView {
  readonly sections: readonly SectionView[];
  readonly vectorStoreBackends: readonly string[];
}

export interface GuiState {
  readonly version: 1;
  readonly training: FormValues;
  readonly memory: { readonly backend: string; readonly collection: string };
}

export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint: string | null;
}

export interface FieldProblem {
  readonly key: string;
  readonly message: string;
  readonly fix: string;
}

/** Start found the brain already there: the page offers to resume it or to use `freeName`. */
export interface ExistingBrain {
  readonly name: string;
  readonly trainedSteps: number | null;
  readonly freeName: string;
}

export type StartResponse =
  | { readonly ok: true; readonly status: RunStatus }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] }
  | { readonly ok: false; readonly existingBrain: ExistingBrain };

export type ValidateResponse =
  | { readonly ok: true; readonly config: Record<string, unknown> }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export interface DatasetEstimate {
  readonly description: string;
  readonly samples: readonly { readonly text: string; readonly tokens: number }[];
  readonly tokensPerSample: number;
}

export interface MemoryEstimateView {
  readonly trainableParams: number;
  readonly totalParams: number;
  readonly weightsAndOptimizerBytes: number;
  readonly gradientBytes: number;
  readonly replicaBytes: number;
  readonly activationBytes: number;
  readonly totalBytes: number;
}

export type RunStatus =
  | { readonly state: "idle" }
  | {
      readonly state: "running";
      readonly logFile: string;
      readonly steps: number;
      readonly startedAt: string;
      readonly stopping: boolean;
    }
  | {
      readonly state: "finished";
      readonly logFile: string;
      readonly exitCode: number | null;
      readonly stopped: boolean;
      /** The last lines the run printed (its error, when it failed). */
      readonly output: string;
    };

/** One metrics JSONL record as the trainer writes it (see src/train/metrics-log.ts). */
export interface MetricView {
  readonly event: string;
  readonly step: number;
  readonly loss: number;
  readonly tokens_per_s?: number;
  readonly step_time_s?: number;
  readonly data_wait_s?: number;
  readonly avg_halt_steps?: number | null;
}

export interface LatencySummary {
  readonly queries: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export interface CollectionView {
  readonly backend: string;
  readonly collection: string;
  readonly count: number;
  readonly dimension: number | null;
  readonly storageBytes: number | null;
  readonly indexed: boolean;
  /** What answers queries, in words: "HNSW (hnswlib), M 32, ...", "none: exact search". */
  readonly index: string;
  readonly latency: LatencySummary;
}

export interface QueryView {
  readonly hits: readonly { readonly id: string; readonly score: number | null }[];
  readonly latencyMs: number;
  readonly latency: LatencySummary;
}

/** The NDJSON lines the page reads: text as it is decoded, then `done` or `error`. */
export type GenerateLine =
  | { readonly text: string }
  | { readonly done: { readonly summary: string } }
  | { readonly error: { readonly message: string; readonly hint: string | null } };
