/**
 * The order in which epoch `epoch` visits `n` items: a Fisher–Yates permutation drawn from a
 * generator seeded by (seed, epoch, stream). Same inputs, same order, on every machine and Node
 * version. `stream` tells apart independent orders of one epoch (the custom backend's blocks,
 * stream 0, and the samples of each of its windows, streams 1, 2, ...).
 */
export function epochPermutation(n: number, seed: number, epoch: number, stream = 0): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = sfc32(seed, epoch, stream);
  for (let i = n - 1; i > 0; i--) {
    // 32 random bits: the modulo bias is below 2^-32 * n, far under anything measurable.
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = swap;
  }
  return order;
}

/**
 * Small fast PRNG (sfc32) returning floats in [0, 1). Seed, epoch and stream are mixed rather
 * than added, so that (seed 1, epoch 0) and (seed 0, epoch 1) give unrelated orders. Stream 0
 * is the generator this function made before streams existed.
 */
export function sfc32(seed: number, epoch: number, stream = 0): () => number {
  let a = mix(seed >>> 0);
  let b = mix((seed / 2 ** 32) >>> 0);
  let c = mix((epoch >>> 0) ^ 0x9e3779b9);
  // sfc32's fourth word is a counter: any start is sound, and a mixed stream id spreads streams.
  let d = stream === 0 ? 1 : mix((stream >>> 0) ^ 0x85ebca6b) | 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 2 ** 32;
  };
  // Warm up: the first outputs of sfc32 still resemble the seed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** murmur3's 32-bit finaliser: spreads nearby seeds to unrelated states. */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
