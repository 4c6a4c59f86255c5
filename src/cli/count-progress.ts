import cliProgress from "cli-progress";

export interface CountProgress {
  /** `done` of `total` items so far. */
  update(done: number, total: number): void;
  close(): void;
}

/** Plain-text mode prints a line at most every this share of the total (and at the end). */
const LINE_STEP = 0.1;

/**
 * Progress of a long count (vectors backed up, restored, upserted) on `stream`: a bar on a
 * terminal, a plain line per tenth otherwise (logs, CI, pipes), so output stays readable.
 */
export function createCountProgress(
  stream: NodeJS.WriteStream,
  label: string,
  unit: string,
): CountProgress {
  const started = performance.now();
  const rate = (done: number) =>
    Math.round(done / Math.max(1e-3, (performance.now() - started) / 1000));
  if (stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} |{bar}| {value}/{total} ${unit} · {rate}/s · {eta_formatted} left`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    return {
      update(done, total) {
        if (!running) {
          bar.start(total, 0, { rate: 0 });
          running = true;
        }
        bar.setTotal(total);
        bar.update(done, { rate: rate(done) });
      },
      close() {
        if (running) bar.stop();
      },
    };
  }
  let nextShare = LINE_STEP;
  let last = -1;
  let lastTotal = 0;
  const line = (done: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor((100 * done) / total);
    stream.write(`${label}: ${done}/${total} ${unit} (${percent}%, ${rate(done)}/s)\n`);
    last = done;
  };
  return {
    update(done, total) {
      lastTotal = total;
      if (total === 0 || done / total >= nextShare) {
        line(done, total);
        while (total > 0 && done / total >= nextShare) nextShare += LINE_STEP;
      }
    },
    close() {
      if (last !== lastTotal && lastTotal > 0) line(lastTotal, lastTotal);
    },
  };
}
