/**
 * Seeded PRNG (xoshiro128**) whose whole state is four uint32s, so a checkpoint can store it
 * and a resumed run draws exactly what the uninterrupted run would have drawn.
 */
export type PrngState = readonly [number, number, number, number];

export class Prng {
  private s: Uint32Array;
  /** Box-Muller makes normals in pairs; the spare is part of the state. */
  private spare: number | null = null;

  constructor(seed: number | PrngState) {
    this.s = new Uint32Array(4);
    if (typeof seed === "number") {
      // splitmix32 spreads a small integer seed over the 128-bit state (all-zero is forbidden).
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
      if (this.s.every((v) => v === 0)) this.s[0] = 1;
    } else {
      this.s.set(seed);
    }
  }

  state(): PrngState {
    return [this.s[0] as number, this.s[1] as number, this.s[2] as number, this.s[3] as number];
  }

  nextUint32(): number {
    const s = this.s;
    const s0 = s[0] as number;
    const s1 = s[1] as number;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s[2] = (s[2] as number) ^ s0;
    s[3] = (s[3] as number) ^ s1;
    s[1] = s1 ^ (s[2] as number);
    s[0] = s0 ^ (s[3] as number);
    s[2] = (s[2] as number) ^ t;
    s[3] = rotl(s[3] as number, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] inclusive. */
  intInclusive(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Fill with a normal truncated at ±2σ whose *actual* std is `std` (JAX / HRM convention):
   * the kept part of N(0, 1) on [-2, 2] has std 0.8796, so σ is scaled up by 1/0.8796.
   */
  fillTruncatedNormal(out: Float32Array, std: number): void {
    const scale = std / TRUNCATED_STD;
    for (let i = 0; i < out.length; i++) {
      let x = this.normal();
      while (x < -2 || x > 2) x = this.normal();
      out[i] = x * scale;
    }
  }
}

/** Std of a standard normal truncated to [-2, 2]. */
const TRUNCATED_STD = 0.8796256610342398;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
