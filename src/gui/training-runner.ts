import { type ChildProcess, spawn } from "node:child_process";
import { resolve as resolvePath } from "node:path";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError } from "../core/errors.js";
import { planRun, type RunPlan } from "../train/run-preflight.js";
import type { MetricView, RunStatus } from "./api-types.js";
import { trainingFlags } from "./config-flags.js";
import { fileSize, MetricsTail } from "./metrics-tail.js";
import { MetricRecords } from "./superseded-records.js";

export type RunEvent =
  | { readonly type: "status"; readonly status: RunStatus }
  | { readonly type: "metric"; readonly record: MetricView };

export interface TrainingRunnerOptions {
  /** The CLI entry (`dist/src/cli/main.js`): runs are `node <cliPath> hrm-hf train-actv1 ...`. */
  readonly cliPath: string;
  /** Working directory of runs: relative paths in the config are relative to it. */
  readonly cwd: string;
}

/** Characters of a run's output kept to show when it fails. */
const OUTPUT_KEPT = 4000;

/**
 * One training run at a time, as a child process of the CLI itself: the same config, the same
 * trainer and the same metrics JSONL as `aios hrm-hf train-actv1`, and the server stays
 * responsive while TF.js computes. Metrics reach listeners by tailing that JSONL.
 */
export class TrainingRunner {
  private child: ChildProcess | null = null;
  private launching = false;
  private current: RunStatus = { state: "idle" };
  private records = new MetricRecords<MetricView>();
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: TrainingRunnerOptions) {}

  get status(): RunStatus {
    return this.current;
  }

  /** The metrics records of the current (or last) run so far. */
  get metrics(): readonly MetricView[] {
    return this.records.all;
  }

  subscribe(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * What starting `config` would do, checked as the CLI checks it (`planRun`) with paths in the
   * runs' directory: on resume the architecture is the checkpoint's (the form's is replaced).
   * @throws BrainExistsError when a fresh run names an existing brain.
   */
  async plan(config: TrainingConfig): Promise<RunPlan> {
    const here = { ...config, bundle_dir: resolvePath(this.options.cwd, config.bundle_dir) };
    const plan = await planRun(here, new Set());
    return { ...plan, config: { ...plan.config, bundle_dir: config.bundle_dir } };
  }

  async start(config: TrainingConfig): Promise<RunStatus> {
    if (this.child !== null || this.launching) {
      throw new AiosError("TRAINING", "a training run is already in progress", {
        hint: "stop it first, or wait for it to finish",
      });
    }
    // Claimed before the first await, so two quick Starts cannot both launch a run.
    this.launching = true;
    let from: number;
    const logFile = resolvePath(this.options.cwd, config.log_file);
    try {
      // Only what this run appends is shown: the file keeps earlier runs' records.
      from = await fileSize(logFile);
    } finally {
      this.launching = false;
    }
    const tail = new MetricsTail(logFile, from, (record) => {
      const metric = record as unknown as MetricView;
      this.records.add(metric);
      this.emit({ type: "metric", record: metric });
    });
    const child = spawn(
      process.execPath,
      [this.options.cliPath, "hrm-hf", "train-actv1", ...trainingFlags(config)],
      // Its own process group: Ctrl+C in the server's terminal must not reach the run as well
      // as the one SIGINT the server forwards (a second SIGINT would kill it mid-checkpoint).
      { cwd: this.options.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    this.child = child;
    this.records = new MetricRecords();
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEPT);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    tail.start();
    this.exited = new Promise((resolve) => {
      child.on("close", (code) => {
        void tail.stop().then(() => {
          const stopped = this.current.state === "running" && this.current.stopping;
          this.child = null;
          this.setStatus({
            state: "finished",
            logFile: config.log_file,
            exitCode: code,
            stopped,
            output,
          });
          resolve();
        });
      });
    });
    child.on("error", (error) => keep(Buffer.from(`\n${error.message}\n`)));
    this.setStatus({
      state: "running",
      logFile: config.log_file,
      steps: config.steps,
      startedAt: new Date().toISOString(),
      stopping: false,
    });
    return this.current;
  }

  /**
   * Graceful stop: SIGINT, which the trainer turns into "finish this step, write the checkpoint
   * and the bundle, exit". Stopping when nothing runs is not an error.
   */
  stop(): RunStatus {
    if (this.child !== null && this.current.state === "running" && !this.current.stopping) {
      this.child.kill("SIGINT");
      this.setStatus({ ...this.current, stopping: true });
    }
    return this.current;
  }

  /** Stops a run in progress and waits until it has exited. */
  async close(): Promise<void> {
    this.stop();
    await this.exited;
  }

  private setStatus(status: RunStatus): void {
    this.current = status;
    this.emit({ type: "status", status });
  }

  private emit(event: RunEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
