import { Prng } from "../../core/prng.js";

/**
 * A random unit vector fixed by `key`: the same key gives the same vector in every process and
 * on every machine (FNV-1a of the key seeds the project's PRNG), so embeddings built from these
 * vectors can be compared across training sessions. Distinct keys give nearly orthogonal
 * vectors (cosine about ±1/√dimension).
 */
export function hashedDirection(key: string, dimension: number): Float32Array {
  const prng = new Prng(fnv1a(key));
  const out = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const value = prng.normal();
    out[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Scales `vector` to unit length in place (the caller guarantees it is not all zeros). */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}
