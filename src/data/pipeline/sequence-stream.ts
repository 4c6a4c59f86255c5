/**
 * The data pipeline's public face: `openSequenceStream` composes the stages in `pipeline/`
 * (one small async generator each); batching and preview are re-exported for the trainer and
 * the CLI.
 */
import type { TrainingConfig } from "../../config/training-config.js";
import { AiosError } from "../../core/errors.js";
import { openTokenizer, tokenizerSource } from "../tokenizer/resolve-tokenizer.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { BackendStats, DatasetBackend, PackedSequence, StreamPosition } from "../types.js";
import { asciiOnly, type FilterCounts } from "./ascii-filter.js";
import { packSequences } from "./pack.js";
import { prefetch } from "./prefetch.js";
import { type PositionedSample, positionedSamples, type TokenizedSample } from "./samples.js";
import { tokenizeSamples } from "./tokenize.js";
import { tokenizeInWorkers } from "./tokenize-pool.js";

/** Sequences waiting ahead of the trainer (the design asks for 2–4). */
export const PREFETCH_SEQUENCES = 4;

export type SequenceStreamConfig = Pick<TrainingConfig, "model" | "max_seq_len" | "ascii_only"> &
  Partial<
    Pick<
      TrainingConfig,
      "dataset_backend" | "dataset_mix" | "hf_num_workers" | "hf_token_env" | "hf_cache_dir"
    >
  >;

export interface SequenceStreamOptions {
  /** Training: start a new epoch when the data runs out. Eval: end, with a last short sequence. */
  readonly loop: boolean;
  /** Defaults to the tokenizer `config.model` names, opened when the stream is first read. */
  readonly tokenizer?: Tokenizer;
}

export interface SequenceStreamStats {
  readonly backend: BackendStats;
  /** Samples dropped by `--ascii-only`. Counted as read, which runs a few sequences ahead. */
  readonly droppedNonAscii: number;
}

/** Packed training sequences; iterate once. */
export interface SequenceStream extends AsyncIterable<PackedSequence> {
  stats(): SequenceStreamStats;
}

/**
 * The data pipeline, stage by stage: samples with positions → ASCII filter → tokens + EOS →
 * sequences of `max_seq_len + 1` ids → prefetch. `from` is a `PackedSequence.position` from an
 * earlier run (null to start at the beginning); the stream then continues with exactly the
 * sequence that followed it.
 */
export function openSequenceStream(
  config: SequenceStreamConfig,
  backend: DatasetBackend,
  from: StreamPosition | null,
  options: SequenceStreamOptions,
): SequenceStream {
  const counts: FilterCounts = { nonAscii: 0 };
  if (from !== null && "mixture" in from.backend && backend.kind !== "mixture") {
    throw new AiosError(
      "CHECKPOINT",
      `the saved data position was written by a run reading a dataset mixture; this run reads one dataset (${backend.description})`,
      {
        hint: "resume with the --dataset-mix (or memory.dataset.mix) the checkpoint was written with, or start again without --resume",
      },
    );
  }

  let samples: AsyncIterable<PositionedSample> = positionedSamples(backend, {
    loop: options.loop,
    ...(from === null ? {} : { from: from.backend }),
  });
  if (config.ascii_only) samples = asciiOnly(samples, counts);
  const tokens = tokenize(samples, config, options.tokenizer);
  const sequences = packSequences(tokens, {
    length: config.max_seq_len + 1,
    from,
    keepRemainder: !options.loop,
  });
  const ready = prefetch(sequences, PREFETCH_SEQUENCES);

  return {
    [Symbol.asyncIterator]: () => ready,
    stats: () => ({ backend: backend.stats(), droppedNonAscii: counts.nonAscii }),
  };
}

async function* tokenize(
  samples: AsyncIterable<PositionedSample>,
  config: SequenceStreamConfig,
  given: Tokenizer | undefined,
): AsyncGenerator<TokenizedSample> {
  const tokenizer = given ?? (await openTokenizer(config.model, tokenizerSource(config)));
  // Remote rows can arrive faster than one thread encodes them: the hf backend tokenizes in
  // workers, and so does a mixture with an hf source.
  const remote =
    config.dataset_backend === "hf" ||
    (config.dataset_mix ?? []).some((entry) => entry.uri.startsWith("hf://"));
  const workers = remote ? (config.hf_num_workers ?? 0) : 0;
  yield* workers > 0
    ? tokenizeInWorkers(samples, { tokenizer: tokenizer.spec, workers })
    : tokenizeSamples(samples, tokenizer);
}

export { type Batch, type CollateOptions, collateBatch, IGNORE_LABEL } from "./collate.js";
export { previewSamples, type SamplePreview } from "./preview.js";
export type { PositionedSample, TokenizedSample } from "./samples.js";
