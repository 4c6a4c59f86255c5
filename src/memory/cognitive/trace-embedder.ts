import { AiosError } from "../../core/errors.js";
import { checkEmbeddingDimension } from "./embedding-dimension.js";
import { hashedDirection } from "./hashed-direction.js";
import type { AttentionTrace } from "./types.js";

/** Widths of the position features, in positions: fine enough for neighbours, wide enough for 8192. */
const POSITION_SCALES = [2, 8, 32, 128, 512, 2048] as const;

/**
 * Attention trace → unit vector of `dimension` components (`memory.persistent_traces.embedding_dim`),
 * the same for the same trace on every run. Half the squared length says *where* the edge is: a
 * direction fixed by layer and head (other heads are nearly orthogonal). The other half says
 * *which* positions it joins: for the query and the key position, at each of six widths w, the
 * position is placed between two fixed random directions ("anchors" at multiples of w), linearly
 * by where it falls between them. Two positions less than w apart share anchors, so their
 * features overlap, more the closer they are; positions 2w apart share none. Summed over the
 * widths this gives a similarity that falls smoothly with distance and, unlike sinusoids, never
 * comes back (no aliasing). Salience and age are not embedded: they are metadata, read back exactly.
 */
export class TraceEmbedder {
  readonly dimension: number;
  readonly #identityDims: number;
  readonly #positionDims: number;
  /** Directions built once: a sync embeds thousands of traces of a few heads and positions. */
  readonly #directions = new Map<string, Float32Array>();

  constructor(dimension = 128) {
    this.dimension = checkEmbeddingDimension(dimension, "memory.persistent_traces.embedding_dim");
    this.#identityDims = Math.floor(dimension / 2);
    this.#positionDims = dimension - this.#identityDims;
  }

  embed(trace: AttentionTrace): Float32Array {
    checkTrace(trace);
    const out = new Float32Array(this.dimension);
    const identity = this.#direction(`head:${trace.layer}/${trace.head}`, this.#identityDims);
    for (let i = 0; i < this.#identityDims; i++) out[i] = identity[i] as number;
    const position = new Float32Array(this.#positionDims);
    for (const [signal, value] of [
      ["q", trace.queryIndex],
      ["k", trace.keyIndex],
    ] as const) {
      for (const width of POSITION_SCALES) {
        const place = value / width;
        const low = Math.floor(place);
        const upper = place - low;
        this.#addAnchor(position, `${signal}${width}:${low}`, 1 - upper);
        if (upper > 0) this.#addAnchor(position, `${signal}${width}:${low + 1}`, upper);
      }
    }
    // Each half gets squared length 1/2, so the whole vector has length 1.
    let norm = 0;
    for (const value of position) norm += value * value;
    const positionScale = Math.SQRT1_2 / Math.sqrt(norm);
    for (let i = 0; i < this.#identityDims; i++) out[i] = (out[i] as number) * Math.SQRT1_2;
    for (let i = 0; i < this.#positionDims; i++) {
      out[this.#identityDims + i] = (position[i] as number) * positionScale;
    }
    return out;
  }

  #addAnchor(into: Float32Array, key: string, weight: number): void {
    const direction = this.#direction(`pos:${key}`, this.#positionDims);
    for (let i = 0; i < into.length; i++)
      into[i] = (into[i] as number) + (direction[i] as number) * weight;
  }

  #direction(key: string, dimension: number): Float32Array {
    let direction = this.#directions.get(key);
    if (direction === undefined) {
      direction = hashedDirection(`trace-${key}`, dimension);
      this.#directions.set(key, direction);
    }
    return direction;
  }
}

/** Layer, head and positions become ids and vector components: they must be whole and ≥ 0. */
export function checkTrace(trace: AttentionTrace): void {
  for (const key of ["layer", "head", "queryIndex", "keyIndex"] as const) {
    const value = trace[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new AiosError(
        "VECTOR_INPUT",
        `attention trace ${describeTrace(trace)}: ${key} = ${String(value)} must be a non-negative integer`,
      );
    }
  }
  for (const key of ["salience", "age"] as const) {
    if (!Number.isFinite(trace[key])) {
      throw new AiosError(
        "VECTOR_INPUT",
        `attention trace ${describeTrace(trace)}: ${key} = ${String(trace[key])} must be a finite number`,
      );
    }
  }
}

function describeTrace(trace: AttentionTrace): string {
  return `(layer ${trace.layer}, head ${trace.head}, ${trace.queryIndex}→${trace.keyIndex})`;
}
