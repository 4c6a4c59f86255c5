import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { type MemoryConfig, memoryConfigSchema } from "../config/memory-config.js";
import { formatMixFlag, sourceName } from "../config/mix-syntax.js";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError } from "../core/errors.js";
import { Prng } from "../core/prng.js";
import type { SequenceStream } from "../data/pipeline/sequence-stream.js";
import { addSourceCounts } from "../data/pipeline/source-tally.js";
import { openTokenizer, tokenizerSource } from "../data/tokenizer/resolve-tokenizer.js";
import {
  type Tokenizer,
  type TokenizerSpec,
  tokenizerIdentity,
} from "../data/tokenizer/tokenizer.js";
import type { SourceCount, StreamPosition } from "../data/types.js";
import { ActBatch } from "./act-batch.js";
import { learningRate } from "./adamw.js";
import {
  type Architecture,
  architectureOf,
  type ParamLayout,
  paramLayout,
} from "./architecture.js";
import {
  assertFreshBundle,
  type BundlePaths,
  bundlePaths,
  type SessionSummary,
  saveBundleTokenizer,
  writeBundle,
} from "./bundle.js";
import {
  architectureMismatch,
  type Checkpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.js";
import type { TrainEvent } from "./events.js";
import { type GemmEngine, resolveGemm } from "./gemm-kernel.js";
import { initialParams } from "./init.js";
import { type EvalRecord, MetricsLog, type ResumeRecord, type StepRecord } from "./metrics-log.js";
import { ReplicaPool } from "./replica-pool.js";
import { SequenceFeed, skippedSamples } from "./sequence-feed.js";
import { TraceSync } from "./trace-sync.js";

export interface TrainOptions {
  readonly config: TrainingConfig;
  /** The `memory:` section; `persistent_traces` turns trace capture and warm start on. Default: all off. */
  readonly memory?: MemoryConfig;
  /**
   * The tokenizer the sequences were made with (`RunPlan.tokenizer`, loaded): its vocabulary
   * sizes the model, and the brain keeps it. Default: the one `config.model` names.
   */
  readonly tokenizer?: Tokenizer;
  /** The training stream, continuing after `from` (null: from the start). It loops over epochs. */
  readonly openSequences: (from: StreamPosition | null) => SequenceStream;
  /** A finite stream of held-out sequences (`--eval-file`), or null. */
  readonly openEvalSequences: (() => SequenceStream) | null;
  readonly onEvent: (event: TrainEvent) => void;
  /** Aborting stops training after the current step, with checkpoint and bundle written. */
  readonly signal?: AbortSignal;
}

export interface TrainSummary {
  readonly firstStep: number;
  readonly lastStep: number;
  readonly stopReason: SessionSummary["stop_reason"];
  readonly bundleDir: string;
  readonly eval: EvalRecord | null;
}

/** Model, optimizer and data state that a checkpoint holds. */
interface RunState {
  readonly params: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly prng: Prng;
  readonly batch: ActBatch;
  step: number;
  position: StreamPosition | null;
}

/**
 * `aios hrm-hf train-actv1`: trains HRM-ACTV1 (docs/MODEL.md) with one ACT segment per optimizer
 * step, data-parallel over `--workers` replica threads, and writes metrics, checkpoints and the
 * brain bundle (docs/TRAINING.md).
 */
export async function trainActV1(options: TrainOptions): Promise<TrainSummary> {
  const { config } = options;
  const tokenizer =
    options.tokenizer ?? (await openTokenizer(config.model, tokenizerSource(config)));
  const arch = architectureOf(config, tokenizer.vocabSize);
  const layout = paramLayout(arch);
  const paths = bundlePaths(config);
  // First: `--gemm native` without a BLAS must fail before anything is written.
  const gemm = resolveGemm(config.gemm);
  const startedAt = new Date().toISOString();
  const state = config.resume
    ? await resumeState(paths, arch, layout, config, tokenizer.spec)
    : await freshState(paths, layout, config);
  const firstStep = state.step + 1;
  const lastStep = state.step + config.steps;
  const log = new MetricsLog(config.log_file);
  await log.open();
  // Opened before the workers start, so a bad vector store setting fails before any work.
  const traces = await TraceSync.open(options.memory ?? memoryConfigSchema.parse({}), config);

  const { params, m, v } = state;
  let pool: ReplicaPool | null = null;
  let feed: SequenceFeed | null = null;
  try {
    // Every check of a resume is done before this point but the data position, which only the
    // backend can read: reading the first sequence now makes a doomed resume fail before
    // anything is trained or logged.
    feed = await SequenceFeed.open(options.openSequences(state.position), config.max_seq_len + 1);
    if (config.resume) {
      const resumed: ResumeRecord = {
        event: "resume",
        step: state.step,
        brain: config.brain_name,
        ts: new Date().toISOString(),
      };
      await log.append(resumed);
    }
    const warm = await traces?.warmStart(state.step);
    if (warm !== null && warm !== undefined) {
      await log.append(warm);
      options.onEvent({ kind: "traces", record: warm });
    }
    pool = await ReplicaPool.start(arch, layout, { params, m, v }, config.workers, gemm.engine);
    options.onEvent({
      kind: "start",
      firstStep,
      lastStep,
      params: layout.trainableCount,
      workers: pool.size,
      resumed: config.resume,
      bundleDir: paths.dir,
      gemm,
    });
    let tokenizerSaved = false;
    const checkpoint = async () => {
      // The brain's tokenizer files go first: a checkpoint is only resumable with them.
      if (!tokenizerSaved) await saveBundleTokenizer(paths, tokenizer.spec);
      tokenizerSaved = true;
      await saveCheckpoint(paths.checkpoints, checkpointOf(state, arch, tokenizer.spec));
      options.onEvent({ kind: "checkpoint", step: state.step, dir: paths.checkpoints });
    };
    const stopReason = await trainSteps(
      options,
      state,
      pool,
      feed,
      log,
      lastStep,
      checkpoint,
      traces,
      gemm.engine,
    );
    options.onEvent({ kind: "data", final: true, step: state.step, stats: feed.stats() });
    await checkpoint();
    if (stopReason !== "completed")
      options.onEvent({ kind: "stopped", reason: stopReason, step: state.step });

    const evalRecord =
      options.openEvalSequences === null || config.eval_batches === 0
        ? null
        : await evaluate(config, pool, options.openEvalSequences(), state.step);
    if (evalRecord !== null) {
      await log.append(evalRecord);
      options.onEvent({ kind: "eval", record: evalRecord });
    }
    await writeBundle(paths, {
      config,
      tokenizer,
      arch,
      layout,
      params: state.params,
      totalSteps: state.step,
      session: {
        steps_completed: state.step - firstStep + 1,
        stop_reason: stopReason,
        dataset:
          config.dataset_mix !== null
            ? formatMixFlag(config.dataset_mix)
            : (config.dataset_file ?? config.hf_name ?? config.wds_pattern ?? ""),
        log_file: config.log_file,
        gemm: gemm.engine,
        started_at: startedAt,
        finished_at: new Date().toISOString(),
      },
    });
    if (!config.keep_checkpoint && stopReason === "completed") {
      // The bundle holds the trained weights; the checkpoint only serves --resume.
      await rm(paths.checkpoints, { recursive: true, force: true });
    }
    options.onEvent({
      kind: "finished",
      steps: state.step - firstStep + 1,
      bundleDir: paths.dir,
      logFile: config.log_file,
    });
    return { firstStep, lastStep: state.step, stopReason, bundleDir: paths.dir, eval: evalRecord };
  } finally {
    await feed?.close();
    await pool?.close();
    await traces?.close();
  }
}

async function trainSteps(
  options: TrainOptions,
  state: RunState,
  pool: ReplicaPool,
  feed: SequenceFeed,
  log: MetricsLog,
  lastStep: number,
  checkpoint: () => Promise<void>,
  traces: TraceSync | null,
  gemm: GemmEngine,
): Promise<SessionSummary["stop_reason"]> {
  const { config } = options;
  const T = config.max_seq_len;
  let dataWaitMs = 0;
  let stepSources: Record<string, SourceCount> | null = null;
  const nextSequence = async (): Promise<Int32Array> => {
    const waitStart = performance.now();
    const next = await feed.next();
    dataWaitMs += performance.now() - waitStart;
    state.position = next.position;
    if (next.sources !== undefined && stepSources !== null)
      addSourceCounts(stepSources, next.sources);
    return next.ids;
  };
  const mixture = config.dataset_mix;
  // Skipped data is said once on stderr as it starts, then counted in every record.
  let skipReported = false;

  try {
    while (state.step < lastStep) {
      const stop = stopRequested(config, options.signal);
      if (stop !== null) return stop;
      const stepStart = performance.now();
      dataWaitMs = 0;
      // Every source is named in every record, with 0 when this step drew nothing of it.
      stepSources =
        mixture === null
          ? null
          : Object.fromEntries(
              mixture.map((entry) => [sourceName(entry), { samples: 0, tokens: 0 }]),
            );
      const step = state.step + 1;
      const reset = await state.batch.refill(nextSequence, state.prng);
      const result = await pool.segment({
        ids: state.batch.ids(T),
        reset,
        lastStep: state.batch.lastStepFlags(),
        captureAttention: traces?.captureAt(step) ?? 0,
      });

      const norm = await pool.reduceGradients();
      const finite = Number.isFinite(norm);
      const lr = learningRate(step, config.lr, config.warmup_steps);
      if (finite) {
        const clip = config.grad_clip > 0 && norm > config.grad_clip ? config.grad_clip / norm : 1;
        await pool.update(step, clip, { lr, weightDecay: config.weight_decay });
      }
      const halt = state.batch.advance(result.qHalt, result.qContinue);
      state.step = step;

      const rows = config.batch_size;
      const tokens = rows * T;
      const stepTime = (performance.now() - stepStart) / 1000;
      const data = feed.stats();
      const skipped = skippedSamples(data.backend);
      const lmLoss = result.lmLossSum / tokens;
      const qHaltLoss = result.qHaltLossSum / rows;
      const qContinueLoss = result.qContinueLossSum / rows;
      const haltLoss = 0.5 * (qHaltLoss + qContinueLoss);
      const record: StepRecord = {
        event: "step",
        step,
        loss: lmLoss + haltLoss,
        lm_loss: lmLoss,
        halt_loss: haltLoss,
        q_halt_loss: qHaltLoss,
        q_continue_loss: qContinueLoss,
        accuracy: result.correct.reduce((a, b) => a + b, 0) / tokens,
        avg_halt_steps: halt.avgHaltSteps,
        halted: halt.halted,
        lr,
        grad_norm: finite ? norm : -1,
        skipped_update: !finite,
        tokens,
        tokens_per_s: tokens / stepTime,
        step_time_s: stepTime,
        data_wait_s: dataWaitMs / 1000,
        skipped_samples: skipped,
        ...(stepSources === null ? {} : { sources: stepSources }),
        backend: mixture === null ? config.dataset_backend : "mixture",
        gemm,
        brain: config.brain_name,
        ts: new Date().toISOString(),
      };
      await log.append(record);
      options.onEvent({ kind: "step", record, lastStep });
      if (skipped > 0 && !skipReported) {
        skipReported = true;
        options.onEvent({ kind: "data", final: false, step, stats: data });
      }
      if (traces !== null && result.attention.length > 0) {
        const synced = await traces.sync(step, result.attention, rows);
        await log.append(synced);
        options.onEvent({ kind: "traces", record: synced });
      }
      if (config.checkpoint_every > 0 && step % config.checkpoint_every === 0 && step < lastStep) {
        await checkpoint();
      }
    }
    return "completed";
  } finally {
    // Released before evaluation reads its own stream.
    await feed.close();
  }
}

function stopRequested(
  config: TrainingConfig,
  signal: AbortSignal | undefined,
): "stop_file" | "signal" | null {
  if (signal?.aborted === true) return "signal";
  if (config.stop_file !== null && existsSync(config.stop_file)) return "stop_file";
  return null;
}

async function freshState(
  paths: BundlePaths,
  layout: ParamLayout,
  config: TrainingConfig,
): Promise<RunState> {
  await assertFreshBundle(paths, config.brain_name);
  const params = sharedFloats(layout.total);
  initialParams(layout, config.seed, params);
  return {
    params,
    m: sharedFloats(layout.total),
    v: sharedFloats(layout.total),
    // A stream apart from the initialisation's, so exploration does not mirror the weights.
    prng: new Prng((config.seed ^ 0x9e3779b9) >>> 0),
    batch: new ActBatch(config.batch_size, config.halt_max_steps, config.halt_exploration_prob),
    step: 0,
    position: null,
  };
}

async function resumeState(
  paths: BundlePaths,
  arch: Architecture,
  layout: ParamLayout,
  config: TrainingConfig,
  tokenizer: TokenizerSpec,
): Promise<RunState> {
  const checkpoint = await loadCheckpoint(paths.checkpoints);
  const saved = checkpoint.state;
  // Checkpoints written before the tokenizer was recorded all used GPT-2, the only one there was.
  const savedName = saved.tokenizer ?? "gpt2";
  const savedIdentity =
    saved.tokenizer_sha256 === undefined ? savedName : `sha256:${saved.tokenizer_sha256}`;
  if (savedIdentity !== tokenizerIdentity(tokenizer)) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: brain "${config.brain_name}" was trained with the tokenizer ${savedName}, this run's is ${tokenizer.name}${tokenizer.kind === "tokenizer.json" && saved.tokenizer_sha256 !== undefined ? ", whose files differ (SHA-256)" : ""}`,
      {
        hint: "leave --model out when resuming (the brain's own tokenizer is used), or start a new --brain-name",
      },
    );
  }
  const mismatch = architectureMismatch(checkpoint.state.arch, arch);
  if (mismatch.length > 0) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: brain "${config.brain_name}" was trained with a different architecture: ${mismatch.join(", ")}`,
      {
        hint: "pass the architecture flags the brain was created with (see its config.json), or a new --brain-name",
      },
    );
  }
  if (checkpoint.params.length !== layout.total) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: the checkpoint in ${paths.checkpoints} holds ${checkpoint.params.length} parameters, the model needs ${layout.total}`,
    );
  }
  const [params, m, v] = [checkpoint.params, checkpoint.m, checkpoint.v].map((saved) => {
    const shared = sharedFloats(layout.total);
    shared.set(saved);
    return shared;
  }) as [Float32Array, Float32Array, Float32Array];
  const batch = new ActBatch(
    config.batch_size,
    config.halt_max_steps,
    config.halt_exploration_prob,
  );
  // A different --batch-size keeps as many in-flight rows as fit; the rest take new sequences.
  batch.restore(checkpoint.state.rows.slice(0, config.batch_size));
  return {
    params,
    m,
    v,
    prng: new Prng(checkpoint.state.prng),
    batch,
    step: checkpoint.state.step,
    position: checkpoint.state.position,
  };
}

function checkpointOf(state: RunState, arch: Architecture, tokenizer: TokenizerSpec): Checkpoint {
  return {
    params: state.params,
    m: state.m,
    v: state.v,
    state: {
      version: 1,
      step: state.step,
      arch,
      tokenizer: tokenizer.name,
      ...(tokenizer.kind === "tokenizer.json" ? { tokenizer_sha256: tokenizer.sha256 } : {}),
      position: state.position,
      rows: state.batch.save(),
      prng: state.prng.state(),
    },
  };
}

/**
 * Validation loss and perplexity on up to `--eval-batches` batches of held-out sequences, each
 * run for `halt_max_steps` segments from a fresh state (no gradient).
 */
async function evaluate(
  config: TrainingConfig,
  pool: ReplicaPool,
  stream: SequenceStream,
  step: number,
): Promise<EvalRecord> {
  const T = config.max_seq_len;
  let lossSum = 0;
  let correct = 0;
  let tokens = 0;
  let batches = 0;
  let pending: Int32Array[] = [];
  const flush = async () => {
    const ids = new Int32Array(pending.length * (T + 1));
    for (const [i, seq] of pending.entries()) ids.set(seq, i * (T + 1));
    const r = await pool.evaluate(ids, pending.length);
    lossSum += r.lossSum;
    correct += r.correct;
    tokens += r.tokens;
    batches += 1;
    pending = [];
  };
  for await (const sequence of stream) {
    // The last sequence of a finite stream may be short; the model evaluates full ones only.
    if (sequence.ids.length !== T + 1) continue;
    pending.push(sequence.ids);
    if (pending.length === config.batch_size) await flush();
    if (batches === config.eval_batches) break;
  }
  if (pending.length > 0 && batches < config.eval_batches) await flush();
  if (tokens === 0) {
    throw new AiosError(
      "DATASET_EMPTY",
      `--eval-file ${config.eval_file}: fewer than ${T + 1} tokens, not one full sequence to evaluate`,
      {
        hint: "give a longer held-out file, or a smaller --max-seq-len",
      },
    );
  }
  const loss = lossSum / tokens;
  return {
    event: "eval",
    step,
    loss,
    ppl: Math.exp(loss),
    accuracy: correct / tokens,
    tokens,
    batches,
    brain: config.brain_name,
    ts: new Date().toISOString(),
  };
}

function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
}
