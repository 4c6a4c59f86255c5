import type { ParamLayout } from "./architecture.js";

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.95;
export const ADAM_EPS = 1e-8;

export interface AdamWSettings {
  readonly lr: number;
  readonly weightDecay: number;
}

/** Linear warm-up over `warmup` steps (step 1 gets lr/warmup), then constant. */
export function learningRate(step: number, peak: number, warmup: number): number {
  if (warmup <= 0) return peak;
  return peak * Math.min(1, step / warmup);
}

/** L2 norm over the trainable part of a flat gradient. */
export function globalNorm(layout: ParamLayout, grads: Float32Array): number {
  let sum = 0;
  for (const spec of layout.specs) {
    if (!spec.trainable) continue;
    const end = spec.offset + spec.size;
    for (let i = spec.offset; i < end; i++) {
      const g = grads[i] as number;
      sum += g * g;
    }
  }
  return Math.sqrt(sum);
}

/**
 * AdamW on flat float32 buffers, in plain JS: the trainer keeps weights and moments outside TF
 * (in shared memory the replicas read), so the update is one pass over each buffer.
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
): void {
  const { lr, weightDecay } = settings;
  const c1 = 1 - ADAM_BETA1 ** step;
  const c2 = 1 - ADAM_BETA2 ** step;
  const stepSize = lr / c1;
  const sqrtC2 = Math.sqrt(c2);
  for (const spec of layout.specs) {
    if (!spec.trainable) continue;
    const decay = spec.decay ? 1 - lr * weightDecay : 1;
    const end = spec.offset + spec.size;
    for (let i = spec.offset; i < end; i++) {
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
