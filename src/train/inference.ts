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
 * The HRM-ACTV1 forward of docs/MODEL.md for inference: no gradient, no carry across calls, and
 * any context length `n <= max_seq_len` (the trainer's HrmModel works on exactly `T`
 * positions). Because attention is causal, positions `0..n-1` get the values they would get in a
 * longer window; the Q head reads position `n - 1`, the one that has seen the whole context.
 *
 * Per call ("Inference" in docs/MODEL.md): `z_H`, `z_L` start from `h_init`, `l_init`; segments
 * run one after another from the carry (each `h_cycles * l_cycles` L updates and `h_cycles` H
 * updates); with `act`, it stops after the first segment whose `q_halt > q_continue`, and in any
 * case after `halt_max_steps`.
 */
export class HrmInference {
  readonly arch: Architecture;
  private readonly weights = new Map<string, tf.Tensor>();
  private readonly rope: RopeTables | null;
  private readonly sinusoid: tf.Tensor2D | null;
  private readonly mask: tf.Tensor2D;

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
    let segments = 0;
    let q: [number, number] = [0, 0];
    // tidy walks what it returns: hand back the tensor, read it outside.
    const logits = tf.tidy(() => {
      const n = ids.length;
      const x = this.input(tf.tensor2d([...ids], [1, n], "int32"));
      let zH = tf.broadcastTo(this.w("h_init"), [1, n, this.arch.hidden_size]) as tf.Tensor3D;
      let zL = tf.broadcastTo(this.w("l_init"), [1, n, this.arch.hidden_size]) as tf.Tensor3D;
      while (segments < this.arch.halt_max_steps) {
        [zH, zL] = this.segment(zH, zL, x);
        segments += 1;
        const last = tf.reshape(tf.slice(zH, [0, n - 1, 0], [1, 1, -1]), [1, -1]);
        const qv = tf
          .add(tf.matMul(last, this.w("q_head.weight")), this.w("q_head.bias"))
          .dataSync();
        q = [qv[0] as number, qv[1] as number];
        if (act && q[0] > q[1]) break;
      }
      const last = tf.reshape(tf.slice(zH, [0, n - 1, 0], [1, 1, -1]), [1, -1]);
      return tf.matMul(last, this.w("lm_head.weight"));
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return { logits: values, segments, q };
  }

  /**
   * Logits at every position `[rows, n, V]` (row-major) after exactly `segments` segments:
   * what conformance tests compare with the PyTorch package.
   */
  logitsAll(ids: Int32Array, rows: number, segments = this.arch.halt_max_steps): Float32Array {
    const logits = tf.tidy(() => {
      const n = ids.length / rows;
      const x = this.input(tf.tensor2d(ids, [rows, n], "int32"));
      let zH = tf.broadcastTo(this.w("h_init"), [rows, n, this.arch.hidden_size]) as tf.Tensor3D;
      let zL = tf.broadcastTo(this.w("l_init"), [rows, n, this.arch.hidden_size]) as tf.Tensor3D;
      for (let s = 0; s < segments; s++) [zH, zL] = this.segment(zH, zL, x);
      const flat = tf.reshape(zH, [rows * n, this.arch.hidden_size]) as tf.Tensor2D;
      return tf.matMul(flat, this.w("lm_head.weight"));
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return values;
  }

  dispose(): void {
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

  /** One segment from the carry: every cycle of docs/MODEL.md, "One segment". */
  private segment(zH0: tf.Tensor3D, zL0: tf.Tensor3D, x: tf.Tensor3D): [tf.Tensor3D, tf.Tensor3D] {
    let zH = zH0;
    let zL = zL0;
    const { h_cycles: H, l_cycles: L } = this.arch;
    for (let i = 1; i <= H; i++) {
      for (let j = 1; j <= L; j++) zL = this.module("l", zL, tf.add(zH, x) as tf.Tensor3D);
      zH = this.module("h", zH, zL);
    }
    return [zH, zL];
  }

  private input(ids: tf.Tensor2D): tf.Tensor3D {
    const [r, n] = ids.shape;
    const d = this.arch.hidden_size;
    const scale = Math.sqrt(d);
    const tok = tf.reshape(tf.gather(this.w("embed.weight"), tf.reshape(ids, [-1])), [r, n, d]);
    switch (this.arch.pos_encodings) {
      case "rope":
        return tf.mul(tok, scale);
      case "learned":
        return tf.mul(
          tf.add(tok, tf.slice(this.w("pos.weight"), [0, 0], [n, d])),
          scale * INV_SQRT2,
        );
      case "sinusoidal":
        return tf.mul(
          tf.add(tf.mul(tok, scale), tf.slice(this.sinusoid as tf.Tensor2D, [0, 0], [n, d])),
          INV_SQRT2,
        );
    }
  }

  private module(which: "h" | "l", z: tf.Tensor3D, injection: tf.Tensor3D): tf.Tensor3D {
    const layers = which === "h" ? this.arch.h_layers : this.arch.l_layers;
    let h = tf.add(z, injection) as tf.Tensor3D;
    for (let i = 0; i < layers; i++) {
      const prefix = `${which}.blocks.${i}`;
      h = rmsNorm(tf.add(h, this.attention(h, prefix)));
      h = rmsNorm(tf.add(h, this.swiglu(h, prefix)));
    }
    return h;
  }

  private linear(x: tf.Tensor3D, name: string): tf.Tensor3D {
    const [r, n, dIn] = x.shape;
    const w = this.w(name) as tf.Tensor2D;
    return tf.reshape(tf.matMul(tf.reshape(x, [r * n, dIn]) as tf.Tensor2D, w), [r, n, w.shape[1]]);
  }

  private attention(h: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const [r, n, d] = h.shape;
    const nh = this.arch.num_heads;
    const hd = d / nh;
    const qkv = this.linear(h, `${prefix}.attn.qkv.weight`);
    const heads = (i: number) =>
      tf.transpose(
        tf.reshape(tf.slice(qkv, [0, 0, i * d], [r, n, d]), [r, n, nh, hd]),
        [0, 2, 1, 3],
      );
    let q = heads(0);
    let k = heads(1);
    if (this.rope !== null) {
      const table = {
        cos: tf.slice(this.rope.cos, [0, 0], [n, hd]) as tf.Tensor2D,
        sin: tf.slice(this.rope.sin, [0, 0], [n, hd]) as tf.Tensor2D,
        rotateHalf: this.rope.rotateHalf,
      };
      q = applyRope(q, table);
      k = applyRope(k, table);
    }
    const scores = tf.add(
      tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)),
      tf.slice(this.mask, [0, 0], [n, n]),
    );
    const out = tf.matMul(tf.softmax(scores), heads(2));
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
