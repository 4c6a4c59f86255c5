import * as tf from "@tensorflow/tfjs-core";
import type { Architecture } from "./architecture.js";
import { paramLayout } from "./architecture.js";
import {
  applyRope,
  causalMaskTable,
  type RopeTables,
  rmsNorm,
  ropeTables,
  sinusoidTable,
} from "./model.js";

const INV_SQRT2 = Math.SQRT1_2;

/** What one forward of a context gives. */
export interface ContextOutput {
  /** `[V]` logits of the context's last position, from the final segment's `z_H`. */
  readonly logits: Float32Array;
  /** Segments run (1..halt_max_steps). */
  readonly segments: number;
  /** `[q_halt, q_continue]` after the final segment. */
  readonly q: readonly [number, number];
}

/**
 * What one segment left for the positions it has run: the states at its end and, per attention
 * call in it (in order), the keys (after RoPE) and values `[1, nh, length, hd]`.
 */
interface SegmentCache {
  readonly length: number;
  readonly zH: tf.Tensor3D;
  readonly zL: tf.Tensor3D;
  readonly keys: tf.Tensor4D[];
  readonly values: tf.Tensor4D[];
}

/** Keys (after RoPE) and values `[r, nh, positions, hd]` of one attention call. */
interface KeysValues {
  readonly keys: tf.Tensor4D;
  readonly values: tf.Tensor4D;
}

/**
 * The HRM-ACTV1 forward of docs/MODEL.md for inference: no gradient, no carry across calls, and
 * any context length `n <= max_seq_len` (the trainer's HrmModel works on exactly `T`
 * positions). Because attention is causal, positions `0..n-1` get the values they would get in a
 * longer window; the Q head reads position `n - 1`, the one that has seen the whole context.
 *
 * Per call ("Inference" in docs/MODEL.md): `z_H`, `z_L` start from `h_init`, `l_init`; segments
 * run one after another from the carry (each `h_cycles * l_cycles` L updates and `h_cycles` H
 * updates); with `act`, it stops after the first segment whose `q_halt > q_continue`, and in any
 * case after `halt_max_steps`.
 *
 * A key/value cache makes `next` cost one position per segment when the context grows by one
 * token: causal attention leaves every earlier position's states, keys and values as the last
 * call computed them, at every segment, cycle and layer. Each segment keeps its own length:
 * when ACT runs a segment the previous call did not, that segment computes every position it
 * has not seen (from the previous segment's cached end states). A context that is not the
 * cached one plus new tokens (a new prompt, or a window that slid past `max_seq_len`, which
 * moves every position) starts the cache again. The result equals the uncached forward up to
 * float rounding.
 */
export class HrmInference {
  readonly arch: Architecture;
  private readonly weights = new Map<string, tf.Tensor>();
  private readonly rope: RopeTables | null;
  private readonly sinusoid: tf.Tensor2D | null;
  private readonly mask: tf.Tensor2D;
  /** Ids the cache covers, and per segment run on them, what it left. */
  private cachedIds: number[] = [];
  private cache: SegmentCache[] = [];

  /** `params`: the flat training-layout buffer (architecture.ts; `loadBrain` gives it). */
  constructor(arch: Architecture, params: Float32Array) {
    this.arch = arch;
    for (const spec of paramLayout(arch).specs) {
      this.weights.set(
        spec.name,
        tf.tensor(params.slice(spec.offset, spec.offset + spec.size), [...spec.shape]),
      );
    }
    const hd = arch.hidden_size / arch.num_heads;
    this.rope = arch.pos_encodings === "rope" ? ropeTables(arch.max_seq_len, hd) : null;
    this.sinusoid =
      arch.pos_encodings === "sinusoidal"
        ? sinusoidTable(arch.max_seq_len, arch.hidden_size)
        : null;
    this.mask = causalMaskTable(arch.max_seq_len);
  }

  /**
   * The next-token logits for `ids` (`1..max_seq_len` ids).
   * @param act true: halt on the Q head as above; false: run exactly `halt_max_steps` segments
   *   (evaluation, docs/MODEL.md).
   */
  next(ids: readonly number[], act = true): ContextOutput {
    const n = ids.length;
    const cached = this.cachedIds;
    const grows = cached.length <= n && cached.every((id, i) => ids[i] === id);
    if (!grows) this.resetCache();
    this.cachedIds = [...ids];
    let segments = 0;
    let q: [number, number] = [0, 0];
    let last: tf.Tensor2D | null = null;
    while (segments < this.arch.halt_max_steps) {
      last?.dispose();
      last = this.extendSegment(segments, ids);
      segments += 1;
      const qv = tf.tidy(() =>
        tf.add(tf.matMul(last as tf.Tensor2D, this.w("q_head.weight")), this.w("q_head.bias")),
      );
      const values = qv.dataSync();
      qv.dispose();
      q = [values[0] as number, values[1] as number];
      if (act && q[0] > q[1]) break;
    }
    const logits = tf.tidy(() => tf.matMul(last as tf.Tensor2D, this.w("lm_head.weight")));
    last?.dispose();
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return { logits: values, segments, q };
  }

  /** Forgets the cached context (the next `next` computes every position). */
  resetCache(): void {
    for (const segment of this.cache) {
      segment.zH.dispose();
      segment.zL.dispose();
      for (const t of [...segment.keys, ...segment.values]) t.dispose();
    }
    this.cache = [];
    this.cachedIds = [];
  }

  /**
   * Runs segment `s` on the positions of `ids` it has not run yet and caches what they left;
   * returns `z_H` of the last position `[1, d]`.
   */
  private extendSegment(s: number, ids: readonly number[]): tf.Tensor2D {
    const n = ids.length;
    const old = this.cache[s];
    const from = old?.length ?? 0;
    const d = this.arch.hidden_size;
    if (from === n && old !== undefined) {
      return tf.tidy(() => tf.reshape(tf.slice(old.zH, [0, n - 1, 0], [1, 1, d]), [1, d]));
    }
    const fresh = tf.tidy(() => {
      const x = this.input(tf.tensor2d(ids.slice(from), [1, n - from], "int32"), from);
      const before = this.cache[s - 1];
      const zH0 =
        before === undefined
          ? (tf.broadcastTo(this.w("h_init"), [1, n - from, d]) as tf.Tensor3D)
          : (tf.slice(before.zH, [0, from, 0], [1, n - from, d]) as tf.Tensor3D);
      const zL0 =
        before === undefined
          ? (tf.broadcastTo(this.w("l_init"), [1, n - from, d]) as tf.Tensor3D)
          : (tf.slice(before.zL, [0, from, 0], [1, n - from, d]) as tf.Tensor3D);
      const past: KeysValues[] = (old?.keys ?? []).map((keys, i) => ({
        keys,
        values: old?.values[i] as tf.Tensor4D,
      }));
      const kv: KeysValues[] = [];
      const [zH, zL] = this.segment(zH0, zL0, x, from, past, kv);
      return {
        zH: old === undefined ? zH : (tf.concat([old.zH, zH], 1) as tf.Tensor3D),
        zL: old === undefined ? zL : (tf.concat([old.zL, zL], 1) as tf.Tensor3D),
        keys: kv.map((c) => c.keys),
        values: kv.map((c) => c.values),
        last: tf.reshape(tf.slice(zH, [0, n - from - 1, 0], [1, 1, d]), [1, d]) as tf.Tensor2D,
      };
    });
    if (old !== undefined) {
      old.zH.dispose();
      old.zL.dispose();
      for (const t of [...old.keys, ...old.values]) t.dispose();
    }
    this.cache[s] = {
      length: n,
      zH: fresh.zH,
      zL: fresh.zL,
      keys: fresh.keys,
      values: fresh.values,
    };
    return fresh.last;
  }

  /**
   * Logits at every position `[rows, n, V]` (row-major) after exactly `segments` segments:
   * what conformance tests compare with the PyTorch package.
   */
  logitsAll(ids: Int32Array, rows: number, segments = this.arch.halt_max_steps): Float32Array {
    const logits = tf.tidy(() => {
      const n = ids.length / rows;
      const x = this.input(tf.tensor2d(ids, [rows, n], "int32"), 0);
      let zH = tf.broadcastTo(this.w("h_init"), [rows, n, this.arch.hidden_size]) as tf.Tensor3D;
      let zL = tf.broadcastTo(this.w("l_init"), [rows, n, this.arch.hidden_size]) as tf.Tensor3D;
      for (let s = 0; s < segments; s++) [zH, zL] = this.segment(zH, zL, x, 0, [], []);
      const flat = tf.reshape(zH, [rows * n, this.arch.hidden_size]) as tf.Tensor2D;
      return tf.matMul(flat, this.w("lm_head.weight"));
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return values;
  }

  dispose(): void {
    this.resetCache();
    for (const t of this.weights.values()) t.dispose();
    this.rope?.cos.dispose();
    this.rope?.sin.dispose();
    this.rope?.rotateHalf.dispose();
    this.sinusoid?.dispose();
    this.mask.dispose();
  }

  private w(name: string): tf.Tensor {
    const t = this.weights.get(name);
    if (t === undefined) throw new Error(`missing weight ${name}`);
    return t;
  }

  /**
   * One segment from the carry: every cycle of docs/MODEL.md, "One segment", on positions
   * `from..from+n-1`. `past[i]` holds the keys and values of positions `0..from-1` for the
   * segment's i-th attention call (none: `from` is 0); `kv` receives each call's keys and values
   * of all positions so far.
   */
  private segment(
    zH0: tf.Tensor3D,
    zL0: tf.Tensor3D,
    x: tf.Tensor3D,
    from: number,
    past: readonly KeysValues[],
    kv: KeysValues[],
  ): [tf.Tensor3D, tf.Tensor3D] {
    let zH = zH0;
    let zL = zL0;
    const { h_cycles: H, l_cycles: L } = this.arch;
    const calls = { from, past, kv };
    for (let i = 1; i <= H; i++) {
      for (let j = 1; j <= L; j++) zL = this.module("l", zL, tf.add(zH, x) as tf.Tensor3D, calls);
      zH = this.module("h", zH, zL, calls);
    }
    return [zH, zL];
  }

  /** Input embeddings of `ids [r, n]` at positions `from..from+n-1`. */
  private input(ids: tf.Tensor2D, from: number): tf.Tensor3D {
    const [r, n] = ids.shape;
    const d = this.arch.hidden_size;
    const scale = Math.sqrt(d);
    const tok = tf.reshape(tf.gather(this.w("embed.weight"), tf.reshape(ids, [-1])), [r, n, d]);
    switch (this.arch.pos_encodings) {
      case "rope":
        return tf.mul(tok, scale);
      case "learned":
        return tf.mul(
          tf.add(tok, tf.slice(this.w("pos.weight"), [from, 0], [n, d])),
          scale * INV_SQRT2,
        );
      case "sinusoidal":
        return tf.mul(
          tf.add(tf.mul(tok, scale), tf.slice(this.sinusoid as tf.Tensor2D, [from, 0], [n, d])),
          INV_SQRT2,
        );
    }
  }

  private module(
    which: "h" | "l",
    z: tf.Tensor3D,
    injection: tf.Tensor3D,
    calls: AttentionCalls,
  ): tf.Tensor3D {
    const layers = which === "h" ? this.arch.h_layers : this.arch.l_layers;
    let h = tf.add(z, injection) as tf.Tensor3D;
    for (let i = 0; i < layers; i++) {
      const prefix = `${which}.blocks.${i}`;
      h = rmsNorm(tf.add(h, this.attention(h, prefix, calls)));
      h = rmsNorm(tf.add(h, this.swiglu(h, prefix)));
    }
    return h;
  }

  private linear(x: tf.Tensor3D, name: string): tf.Tensor3D {
    const [r, n, dIn] = x.shape;
    const w = this.w(name) as tf.Tensor2D;
    return tf.reshape(tf.matMul(tf.reshape(x, [r * n, dIn]) as tf.Tensor2D, w), [r, n, w.shape[1]]);
  }

  /**
   * Causal self-attention of positions `from..from+n-1` over `0..from+n-1`: the earlier keys and
   * values come from `calls.past` (the call's index is how many calls `calls.kv` holds).
   */
  private attention(h: tf.Tensor3D, prefix: string, calls: AttentionCalls): tf.Tensor3D {
    const [r, n, d] = h.shape;
    const { from } = calls;
    const nh = this.arch.num_heads;
    const hd = d / nh;
    const qkv = this.linear(h, `${prefix}.attn.qkv.weight`);
    const heads = (i: number) =>
      tf.transpose(
        tf.reshape(tf.slice(qkv, [0, 0, i * d], [r, n, d]), [r, n, nh, hd]),
        [0, 2, 1, 3],
      ) as tf.Tensor4D;
    let q = heads(0);
    let k = heads(1);
    if (this.rope !== null) {
      const table = {
        cos: tf.slice(this.rope.cos, [from, 0], [n, hd]) as tf.Tensor2D,
        sin: tf.slice(this.rope.sin, [from, 0], [n, hd]) as tf.Tensor2D,
        rotateHalf: this.rope.rotateHalf,
      };
      q = applyRope(q, table) as tf.Tensor4D;
      k = applyRope(k, table) as tf.Tensor4D;
    }
    const past = calls.past[calls.kv.length];
    const keys = past === undefined ? k : (tf.concat([past.keys, k], 2) as tf.Tensor4D);
    const values =
      past === undefined ? heads(2) : (tf.concat([past.values, heads(2)], 2) as tf.Tensor4D);
    calls.kv.push({ keys, values });
    const scores = tf.add(
      tf.mul(tf.matMul(q, keys, false, true), 1 / Math.sqrt(hd)),
      tf.slice(this.mask, [from, 0], [n, from + n]),
    );
    const out = tf.matMul(tf.softmax(scores), values);
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [r, n, d]) as tf.Tensor3D;
    return this.linear(merged, `${prefix}.attn.o_proj.weight`);
  }

  private swiglu(h: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const [r, n] = h.shape;
    const gu = this.linear(h, `${prefix}.mlp.gate_up.weight`);
    const inner = (gu.shape[2] as number) / 2;
    const g = tf.slice(gu, [0, 0, 0], [r, n, inner]);
    const u = tf.slice(gu, [0, 0, inner], [r, n, inner]);
    return this.linear(
      tf.mul(tf.mul(g, tf.sigmoid(g)), u) as tf.Tensor3D,
      `${prefix}.mlp.down.weight`,
    );
  }
}

/** Where a segment's attention calls start, their cached keys and values, and the new ones. */
interface AttentionCalls {
  readonly from: number;
  readonly past: readonly KeysValues[];
  readonly kv: KeysValues[];
}
