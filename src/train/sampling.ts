import type { Prng } from "../core/prng.js";

/** How the next token is drawn from the logits (the knobs of Hugging Face's `generate`). */
export interface SamplingSettings {
  /** 0: greedy (argmax, no randomness); else logits are divided by it before the softmax. */
  readonly temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  readonly topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. */
  readonly topP: number;
}

/**
 * The next token id from `[V]` logits. Greedy takes the first maximum. Sampling applies
 * temperature, then top-k, then top-p (as transformers' TemperatureLogitsWarper,
 * TopKLogitsWarper, TopPLogitsWarper do, in that order), renormalises and draws one uniform from
 * `prng`, so a seeded run is reproducible.
 */
export function pickToken(logits: Float32Array, settings: SamplingSettings, prng: Prng): number {
  if (settings.temperature === 0) return argmax(logits);
  const V = logits.length;
  const order = Array.from({ length: V }, (_, i) => i).sort(
    (a, b) => (logits[b] as number) - (logits[a] as number) || a - b,
  );
  const keep = settings.topK > 0 ? Math.min(settings.topK, V) : V;
  const top = (logits[order[0] as number] as number) / settings.temperature;
  const weights: number[] = [];
  let total = 0;
  for (let r = 0; r < keep; r++) {
    const w = Math.exp((logits[order[r] as number] as number) / settings.temperature - top);
    weights.push(w);
    total += w;
  }
  // Nucleus: the shortest prefix of the sorted tokens whose mass reaches top_p (at least one).
  let kept = weights.length;
  if (settings.topP < 1) {
    let mass = 0;
    for (let r = 0; r < weights.length; r++) {
      mass += (weights[r] as number) / total;
      if (mass >= settings.topP) {
        kept = r + 1;
        break;
      }
    }
  }
  let keptTotal = 0;
  for (let r = 0; r < kept; r++) keptTotal += weights[r] as number;
  let u = prng.uniform() * keptTotal;
  for (let r = 0; r < kept; r++) {
    u -= weights[r] as number;
    if (u < 0) return order[r] as number;
  }
  return order[kept - 1] as number;
}

export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}
