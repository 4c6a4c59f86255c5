import cliProgress from "cli-progress";
import type { SequenceStreamStats } from "../data/pipeline/sequence-stream.js";
import type { TrainEvent } from "../train/events.js";
import { describeGemm } from "../train/gemm-kernel.js";
import { skippedSamples } from "../train/sequence-feed.js";

export interface ProgressReporter {
  readonly onEvent: (event: TrainEvent) => void;
  close(): void;
}

/**
 * Training progress on `stream`: a bar with loss and throughput on a terminal, one plain line
 * per step otherwise (logs, CI, the GUI's subprocess pipe).
 */
export function createProgressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  return stream.isTTY === true ? barReporter(stream) : lineReporter(stream);
}

function lineReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const write = (line: string) => stream.write(`${line}\n`);
  return {
    onEvent: (event) => {
      const line = describe(event);
      if (line !== null) write(line);
    },
    close: () => {},
  };
}

function barReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        "train |{bar}| step {value}/{total} · loss {loss} · {tps} tok/s · {eta_formatted} left",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let first = 1;
  let running = false;
  return {
    onEvent: (event) => {
      if (event.kind === "start") {
        first = event.firstStep;
        stream.write(`${describe(event)}\n`);
        bar.start(event.lastStep - event.firstStep + 1, 0, { loss: "-", tps: "-" });
        running = true;
        return;
      }
      if (event.kind === "step") {
        bar.update(event.record.step - first + 1, {
          loss: event.record.loss.toFixed(3),
          tps: Math.round(event.record.tokens_per_s),
        });
        return;
      }
      // Trace syncs and the first skipped sample are in the metrics log; a line would break the bar.
      if (
        event.kind === "checkpoint" ||
        (running && (event.kind === "traces" || (event.kind === "data" && !event.final)))
      )
        return;
      if (running) {
        bar.stop();
        running = false;
      }
      const line = describe(event);
      if (line !== null) stream.write(`${line}\n`);
    },
    close: () => {
      if (running) bar.stop();
    },
  };
}

function describe(event: TrainEvent): string | null {
  switch (event.kind) {
    case "start": {
      const { gemm } = event;
      const engine = describeGemm(gemm);
      return (
        (gemm.fallback === null ? "" : `${gemm.fallback}\n`) +
        `${event.resumed ? "resuming" : "training"} ${event.bundleDir}: steps ${event.firstStep}-${event.lastStep}, ` +
        `${(event.params / 1e6).toFixed(2)} M parameters, ${event.workers} worker${event.workers === 1 ? "" : "s"}, ${engine}`
      );
    }
    case "step": {
      const r = event.record;
      return (
        `step ${r.step}/${event.lastStep} loss ${r.loss.toFixed(4)} lm ${r.lm_loss.toFixed(4)} ` +
        `acc ${r.accuracy.toFixed(3)} halt ${r.avg_halt_steps?.toFixed(2) ?? "-"} ` +
        `${Math.round(r.tokens_per_s)} tok/s ${r.step_time_s.toFixed(2)} s (data ${r.data_wait_s.toFixed(3)} s)`
      );
    }
    case "checkpoint":
      return `checkpoint at step ${event.step}: ${event.dir}`;
    case "eval":
      return `eval: loss ${event.record.loss.toFixed(4)} ppl ${event.record.ppl.toFixed(2)} accuracy ${event.record.accuracy.toFixed(3)} (${event.record.tokens} tokens)`;
    case "stopped":
      return `stopped after step ${event.step} (${event.reason === "stop_file" ? "stop file found" : "interrupted"}); checkpoint written, --resume continues`;
    case "traces": {
      const r = event.record;
      return r.action === "warm_start"
        ? `warm start: ${r.count} attention traces of brain ${r.brain} loaded from ${r.vector_store} ${r.collection} (${r.edges} edges)`
        : `step ${r.step}: ${r.count} attention traces synced to ${r.vector_store} ${r.collection}`;
    }
    case "data":
      return event.final
        ? `data: ${describeData(event.stats)}`
        : `data: step ${event.step}: samples are being skipped (${describeSkips(event.stats)} so far); training goes on, skipped_samples in the metrics counts them`;
    case "finished":
      return `done: ${event.steps} steps; brain in ${event.bundleDir}, metrics in ${event.logFile}`;
  }
}

/** `N samples read, M skipped (reason: n, ...)`, and what --ascii-only dropped. */
/** `N samples read, M skipped (reason: n, …)`, as the end of a run says it. */
export function describeData(stats: SequenceStreamStats): string {
  const skipped = skippedSamples(stats.backend);
  const ascii =
    stats.droppedNonAscii > 0 ? `, ${stats.droppedNonAscii} dropped by --ascii-only` : "";
  return `${stats.backend.samples} samples read, ${skipped} skipped${skipped > 0 ? ` (${describeSkips(stats)})` : ""}${ascii}`;
}

function describeSkips(stats: SequenceStreamStats): string {
  const { badRows, skipped } = stats.backend;
  return [...Object.entries(badRows), ...Object.entries(skipped)]
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(", ");
}
