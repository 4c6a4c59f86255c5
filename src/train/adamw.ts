import type { ParamLayout } from "./architecture.js";

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.95;
export const ADAM_EPS = 1e-8;

export interface AdamWSettings {
  readonly lr: number;
  readonly weightDecay: number;
}

/** A range `[start, end)` of the flat parameter buffer; replicas each update one. */
export interface FlatRange {
  readonly start: number;
  readonly end: number;
}

/** Linear warm-up over `warmup` steps (step 1 gets lr/warmup), then constant. */
export function learningRate(step: number, peak: number, warmup: number): number {
  if (warmup <= 0) return peak;
  return peak * Math.min(1, step / warmup);
}

/** Each trainable tensor's part of `range`, and whether weight decay applies to it. */
function trainableRanges(
  layout: ParamLayout,
  range: FlatRange,
): { start: number; end: number; decay: boolean }[] {
  const out: { start: number; end: number; decay: boolean }[] = [];
  for (const spec of layout.specs) {
    if (!spec.trainable) continue;
    const start = Math.max(spec.offset, range.start);
    const end = Math.min(spec.offset + spec.size, range.end);
    if (start < end) out.push({ start, end, decay: spec.decay });
  }
  return out;
}

/**
 * The loops of the optimizer over `[start, end)` of flat float32 buffers. `jsLoops` is the
 * reference; the native addon's (src/train/native-gemm.ts) compute the same double-precision
 * operations in the same order, bit for bit, several times faster.
 */
export interface OptimizerLoops {
  /** Σ x[i]² in double, in index order. */
  sumOfSquares(x: Float32Array, start: number, end: number): number;
  /** `target[i] += source[i]`. */
  addInto(target: Float32Array, source: Float32Array, start: number, end: number): void;
  /** One AdamW update of the range; coefficients as computed in `adamwUpdate`. */
  adamw(
    params: Float32Array,
    grads: Float32Array,
    m: Float32Array,
    v: Float32Array,
    start: number,
    end: number,
    gradScale: number,
    beta1: number,
    beta2: number,
    stepSize: number,
    sqrtC2: number,
    eps: number,
    decay: number,
  ): void;
}

export const jsLoops: OptimizerLoops = {
  sumOfSquares(x, start, end) {
    // A local accumulator: hot loops must not write to variables captured by closures.
    let sum = 0;
    for (let i = start; i < end; i++) {
      const g = x[i] as number;
      sum += g * g;
    }
    return sum;
  },
  addInto(target, source, start, end) {
    for (let i = start; i < end; i++) target[i] = (target[i] as number) + (source[i] as number);
  },
  adamw(params, grads, m, v, start, end, gradScale, beta1, beta2, stepSize, sqrtC2, eps, decay) {
    for (let i = start; i < end; i++) {
      const g = (grads[i] as number) * gradScale;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = (params[i] as number) * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
    }
  },
};

/** Σ g² over the trainable entries of `range` (the whole buffer by default). */
export function sumOfSquares(
  layout: ParamLayout,
  grads: Float32Array,
  range: FlatRange = { start: 0, end: layout.total },
  loops: OptimizerLoops = jsLoops,
): number {
  let total = 0;
  for (const { start, end } of trainableRanges(layout, range)) {
    total += loops.sumOfSquares(grads, start, end);
  }
  return total;
}

/**
 * AdamW on flat float32 buffers, in plain JS: weights and moments live outside TF in shared
 * memory, and each replica updates its own range of them in parallel, one pass per buffer.
 * `step` is 1-based (bias correction). Gradients are scaled by `gradScale` first (clipping).
 * `loops` runs the per-element work (JS, or the native addon's bit-identical loops).
 */
export function adamwUpdate(
  layout: ParamLayout,
  params: Float32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  step: number,
  gradScale: number,
  settings: AdamWSettings,
  range: FlatRange = { start: 0, end: layout.total },
  loops: OptimizerLoops = jsLoops,
): void {
  const { lr, weightDecay } = settings;
  const c1 = 1 - ADAM_BETA1 ** step;
  const c2 = 1 - ADAM_BETA2 ** step;
  const stepSize = lr / c1;
  const sqrtC2 = Math.sqrt(c2);
  for (const { start, end, decay: decayed } of trainableRanges(layout, range)) {
    const decay = decayed ? 1 - lr * weightDecay : 1;
    loops.adamw(
      params,
      grads,
      m,
      v,
      start,
      end,
      gradScale,
      ADAM_BETA1,
      ADAM_BETA2,
      stepSize,
      sqrtC2,
      ADAM_EPS,
      decay,
    );
  }
}
