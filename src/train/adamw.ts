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

/** Σ g² over the trainable entries of `range` (the whole buffer by default). */
export function sumOfSquares(
  layout: ParamLayout,
  grads: Float32Array,
  range: FlatRange = { start: 0, end: layout.total },
): number {
  let total = 0;
  for (const { start, end } of trainableRanges(layout, range)) {
    // A local accumulator: hot loops must not write to variables captured by closures.
    let sum = 0;
    for (let i = start; i < end; i++) {
      const g = grads[i] as number;
      sum += g * g;
    }
    total += sum;
  }
  return total;
}

/**
 * AdamW on flat float32 buffers, in plain JS: weights and moments live outside TF in shared
 * memory, and each replica updates its own range of them in parallel, one pass per buffer.
 * `step` is 1-based (bias correction). Gradients are scaled by `gradScale` first (clipping).
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
): void {
  const { lr, weightDecay } = settings;
  const c1 = 1 - ADAM_BETA1 ** step;
  const c2 = 1 - ADAM_BETA2 ** step;
  const stepSize = lr / c1;
  const sqrtC2 = Math.sqrt(c2);
  for (const { start, end, decay: decayed } of trainableRanges(layout, range)) {
    const decay = decayed ? 1 - lr * weightDecay : 1;
    for (let i = start; i < end; i++) {
      const g = (grads[i] as number) * gradScale;
      const mi = ADAM_BETA1 * (m[i] as number) + (1 - ADAM_BETA1) * g;
      const vi = ADAM_BETA2 * (v[i] as number) + (1 - ADAM_BETA2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] =
        (params[i] as number) * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + ADAM_EPS);
    }
  }
}
