import * as tf from "@tensorflow/tfjs-core";
import type { Architecture, ParamLayout } from "./architecture.js";
import { paramLayout } from "./architecture.js";
import { type AttentionEdgeSum, topAttentionEdges } from "./attention-edges.js";
import { bceWithLogits, type LmHeadSide, lmHeadNll, untaped } from "./lm-loss.js";
import { batchMatMul, batchMatMulBT, matMul2d as mm } from "./matmul.js";
import { heapView } from "./tf-setup.js";

const RMS_EPS = 1e-5;
let instanceCounter = 0;
const ROPE_BASE = 10000;
const INV_SQRT2 = Math.SQRT1_2;

/** One batch shard handed to a replica: `rows` sequences of `T + 1` ids each. */
export interface SegmentInput {
  /** `[rows * (T + 1)]` token ids, row-major. */
  readonly ids: Int32Array;
  /** Per row: the row took a new sequence, so its state restarts from h_init / l_init. */
  readonly reset: readonly boolean[];
  /** Per row: this segment is the row's last allowed one (`steps + 1 >= halt_max_steps`). */
  readonly lastStep: readonly boolean[];
  /** Normalisers of the *global* batch, so that shard gradients simply add up. */
  readonly globalTokens: number;
  readonly globalRows: number;
  /**
   * When above 0, also report this many of the strongest attention edges per head of every
   * block, from the segment's final (gradient) cycle: trace capture on sync steps only.
   */
  readonly captureAttention?: number;
}

export interface SegmentResult {
  /** Gradients in the flat layout (zero for non-trainable tensors); same buffer each call. */
  readonly grads: Float32Array;
  /** Sum over this shard's tokens of the cross-entropy. */
  readonly lmLossSum: number;
  readonly qHaltLossSum: number;
  readonly qContinueLossSum: number;
  /** Per row: correctly predicted tokens. */
  readonly correct: number[];
  readonly qHalt: number[];
  readonly qContinue: number[];
  /** The strongest attention edges, summed over this replica's rows; empty unless captured. */
  readonly attention: AttentionEdgeSum[];
}

export interface EvalResult {
  readonly lossSum: number;
  readonly correct: number;
  readonly tokens: number;
}

interface Carry {
  zH: tf.Tensor3D;
  zL: tf.Tensor3D;
}

/**
 * The HRM-ACTV1 network of docs/MODEL.md on one replica: its weights as TF variables, fixed
 * tables (RoPE, causal mask) and the ACT carry of the rows this replica owns.
 */
export class HrmModel {
  readonly arch: Architecture;
  readonly layout: ParamLayout;
  private readonly weights = new Map<string, tf.Variable>();
  private readonly trainable: tf.Variable[] = [];
  private readonly T: number;
  private readonly d: number;
  private readonly headDim: number;
  private readonly rope: RopeTables | null;
  private readonly sinusoid: tf.Tensor2D | null;
  private readonly causalMask: tf.Tensor2D;
  private carry: Carry | null = null;
  private readonly gradBuffer: Float32Array;
  /** While set, `attention` keeps each block's probabilities here, by block prefix. */
  private attentionSink: Map<string, tf.Tensor> | null = null;

  /** `gradBuffer` receives each segment's gradients (shared memory when run in a worker). */
  constructor(arch: Architecture, params: Float32Array, gradBuffer?: Float32Array) {
    instanceCounter += 1;
    this.arch = arch;
    this.layout = paramLayout(arch);
    this.T = arch.max_seq_len;
    this.d = arch.hidden_size;
    this.headDim = arch.hidden_size / arch.num_heads;
    for (const spec of this.layout.specs) {
      const value = tf.tensor(params.slice(spec.offset, spec.offset + spec.size), [...spec.shape]);
      // Variable names are global to the TF engine; a suffix lets replicas share a process.
      const variable = tf.variable(value, spec.trainable, `${spec.name}#${instanceCounter}`);
      value.dispose();
      this.weights.set(spec.name, variable);
      if (spec.trainable) this.trainable.push(variable);
    }
    this.gradBuffer = gradBuffer ?? new Float32Array(this.layout.total);
    this.rope = arch.pos_encodings === "rope" ? ropeTables(this.T, this.headDim) : null;
    this.sinusoid = arch.pos_encodings === "sinusoidal" ? sinusoidTable(this.T, this.d) : null;
    this.causalMask = causalMaskTable(this.T);
  }

  /** Copy new weights in (after an optimizer step). */
  loadParams(params: Float32Array): void {
    for (const spec of this.layout.specs) {
      if (!spec.trainable) continue;
      const value = tf.tensor(params.subarray(spec.offset, spec.offset + spec.size), [
        ...spec.shape,
      ]);
      this.w(spec.name).assign(value);
      value.dispose();
    }
  }

  private w(name: string): tf.Variable {
    const v = this.weights.get(name);
    if (v === undefined) throw new Error(`missing weight ${name}`);
    return v;
  }

  // ---- the network ------------------------------------------------------------------------

  /** Token ids `[r, T]` → `[r, T, d]` input per the position scheme. */
  private input(ids: tf.Tensor2D): tf.Tensor3D {
    const [r, T] = ids.shape;
    const scale = Math.sqrt(this.d);
    const tok = tf.reshape(tf.gather(this.w("embed.weight"), tf.reshape(ids, [-1])), [
      r,
      T,
      this.d,
    ]);
    switch (this.arch.pos_encodings) {
      case "rope":
        return tf.mul(tok, scale);
      case "learned":
        return tf.mul(tf.add(tok, this.w("pos.weight")), scale * INV_SQRT2);
      case "sinusoidal":
        return tf.mul(tf.add(tf.mul(tok, scale), this.sinusoid as tf.Tensor2D), INV_SQRT2);
    }
  }

  private attention(h: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const [r, T, d] = h.shape;
    const nh = this.arch.num_heads;
    const hd = this.headDim;
    const qkv = mm(h, this.w(`${prefix}.attn.qkv.weight`));
    const heads = (i: number) =>
      tf.transpose(
        tf.reshape(tf.slice(qkv, [0, 0, i * d], [r, T, d]), [r, T, nh, hd]),
        [0, 2, 1, 3],
      );
    let q = heads(0);
    let k = heads(1);
    const v = tf.reshape(heads(2), [r * nh, T, hd]);
    if (this.rope !== null) {
      q = applyRope(q, this.rope);
      k = applyRope(k, this.rope);
    }
    const scores = tf.add(
      tf.mul(
        batchMatMulBT(tf.reshape(q, [r * nh, T, hd]), tf.reshape(k, [r * nh, T, hd])),
        1 / Math.sqrt(hd),
      ),
      this.causalMask,
    );
    const probs = tf.softmax(scores);
    // The tape holds the probabilities for the backward pass anyway; keeping them costs nothing.
    this.attentionSink?.set(prefix, tf.keep(probs));
    const heads4 = tf.reshape(batchMatMul(probs, v), [r, nh, T, hd]);
    const out = tf.reshape(tf.transpose(heads4, [0, 2, 1, 3]), [r, T, d]);
    return mm(out, this.w(`${prefix}.attn.o_proj.weight`)) as tf.Tensor3D;
  }

  private swiglu(h: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const [r, T] = h.shape;
    const gu = mm(h, this.w(`${prefix}.mlp.gate_up.weight`));
    const inner = (gu.shape[2] as number) / 2;
    const g = tf.slice(gu, [0, 0, 0], [r, T, inner]);
    const u = tf.slice(gu, [0, 0, inner], [r, T, inner]);
    return mm(
      tf.mul(tf.mul(g, tf.sigmoid(g)), u),
      this.w(`${prefix}.mlp.down.weight`),
    ) as tf.Tensor3D;
  }

  /** `f(z, injection) = blocks(z + injection)`, post-norm blocks. */
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

  /** Every cycle of a segment except the last L and H updates (the no-gradient part). */
  private earlyCycles(carry: Carry, x: tf.Tensor3D): Carry {
    let { zH, zL } = carry;
    const { h_cycles: H, l_cycles: L } = this.arch;
    for (let i = 1; i <= H; i++) {
      for (let j = 1; j <= L; j++) {
        if (i === H && j === L) break;
        zL = this.module("l", zL, tf.add(zH, x) as tf.Tensor3D);
        if (j === L && i < H) zH = this.module("h", zH, zL);
      }
    }
    return { zH, zL };
  }

  /** The one-step-gradient update: last L update, then last H update. */
  private finalCycle(carry: Carry, x: tf.Tensor3D): Carry {
    const zL = this.module("l", carry.zL, tf.add(carry.zH, x) as tf.Tensor3D);
    const zH = this.module("h", carry.zH, zL);
    return { zH, zL };
  }

  /** `[q_halt, q_continue]` logits `[r, 2]` from the last position of `z_H`. */
  private qHead(zH: tf.Tensor3D): tf.Tensor2D {
    const [r, T, d] = zH.shape;
    const last = tf.reshape(tf.slice(zH, [0, T - 1, 0], [r, 1, d]), [r, d]);
    return tf.add(mm(last, this.w("q_head.weight")), this.w("q_head.bias")) as tf.Tensor2D;
  }

  private initialCarry(rows: number): Carry {
    // A broadcasting add: the WASM Tile kernel behind broadcastTo is 4x slower.
    const spread = (w: tf.Tensor) => tf.add(tf.zeros([rows, this.T, this.d]), w) as tf.Tensor3D;
    return tf.tidy(() => ({ zH: spread(this.w("h_init")), zL: spread(this.w("l_init")) }));
  }

  /** Restart the rows marked in `reset` from h_init / l_init; others keep their carry. */
  private startCarry(reset: readonly boolean[]): Carry {
    const rows = reset.length;
    const fresh = this.initialCarry(rows);
    if (this.carry === null || this.carry.zH.shape[0] !== rows) return fresh;
    const old = this.carry;
    return tf.tidy(() => {
      const m = tf.tensor3d(
        reset.map((x) => (x ? 1 : 0)),
        [rows, 1, 1],
      );
      const keep = tf.sub(1, m);
      const mix = (a: tf.Tensor3D, b: tf.Tensor3D) =>
        tf.add(tf.mul(a, keep), tf.mul(b, m)) as tf.Tensor3D;
      const out = { zH: mix(old.zH, fresh.zH), zL: mix(old.zL, fresh.zL) };
      fresh.zH.dispose();
      fresh.zL.dispose();
      return out;
    });
  }

  private setCarry(next: Carry): void {
    if (this.carry !== null) {
      this.carry.zH.dispose();
      this.carry.zL.dispose();
    }
    this.carry = next;
  }

  /** Drop the ACT carry (its rows restart on the next segment). */
  resetCarry(): void {
    if (this.carry !== null) {
      this.carry.zH.dispose();
      this.carry.zL.dispose();
    }
    this.carry = null;
  }

  /**
   * One training segment on this replica's rows: the forward of docs/MODEL.md, the losses with
   * the bootstrap Q target, and the gradients of this shard's share of the global loss.
   */
  trainSegment(input: SegmentInput): SegmentResult {
    const rows = input.reset.length;
    const T = this.T;
    const start = this.startCarry(input.reset);
    const side: LmHeadSide = { correct: null };
    const held: {
      next: Carry | null;
      q: tf.Tensor2D | null;
      result: SegmentResult | null;
      attention: Map<string, tf.Tensor> | null;
    } = { next: null, q: null, result: null, attention: null };
    const capture = input.captureAttention ?? 0;
    // The tidy returns nothing: tidy walks returned containers, and a 13M-float array is slow.
    tf.tidy(() => {
      const all = tf.tensor2d(input.ids, [rows, T + 1], "int32");
      const ids = tf.slice(all, [0, 0], [rows, T]);
      const labels = tf.reshape(tf.slice(all, [0, 1], [rows, T]), [-1]) as tf.Tensor1D;
      const early = tf.tidy(() => {
        const e = this.earlyCycles(start, this.input(ids));
        return [e.zH, e.zL];
      }) as [tf.Tensor3D, tf.Tensor3D];
      const c0: Carry = { zH: early[0], zL: early[1] };
      const lastStep = tf.tensor1d(input.lastStep.map((x) => (x ? 1 : 0)));
      const parts: Record<string, tf.Tensor> = {};
      const { value, grads } = tf.variableGrads(() => {
        const x = this.input(ids);
        // Only the final cycle's attention is captured: the state the segment ends in.
        if (capture > 0) this.attentionSink = new Map();
        let c: Carry;
        try {
          c = this.finalCycle(c0, x);
        } finally {
          held.attention = this.attentionSink;
          this.attentionSink = null;
        }
        held.next = { zH: tf.keep(c.zH), zL: tf.keep(c.zL) };
        const nll = lmHeadNll(
          tf.reshape(c.zH, [-1, this.d]) as tf.Tensor2D,
          this.w("lm_head.weight") as tf.Tensor2D,
          labels,
          side,
        );
        const lmSum = tf.sum(nll);
        const qLogits = this.qHead(c.zH);
        held.q = tf.keep(qLogits);
        const qHalt = tf.reshape(tf.slice(qLogits, [0, 0], [rows, 1]), [rows]);
        const qCont = tf.reshape(tf.slice(qLogits, [0, 1], [rows, 1]), [rows]);
        // q_halt target: the row's next-token accuracy reaches 0.5 (docs/MODEL.md, Losses).
        const rowAccuracy = tf.mean(tf.reshape(side.correct as tf.Tensor1D, [rows, T]), 1);
        const haltTarget = tf.cast(tf.greaterEqual(rowAccuracy, 0.5), "float32");
        const qHaltSum = tf.sum(bceWithLogits(qHalt, haltTarget));
        parts.lm = tf.keep(lmSum);
        parts.qHalt = tf.keep(qHaltSum);
        let halting = qHaltSum as tf.Tensor;
        if (this.arch.halt_max_steps > 1) {
          // Bootstrap target: a second segment from the new carry, off the tape.
          const target = untaped(
            (zH, zL, xIn) => {
              const e = this.earlyCycles(
                { zH: zH as tf.Tensor3D, zL: zL as tf.Tensor3D },
                xIn as tf.Tensor3D,
              );
              const f = this.finalCycle(e, xIn as tf.Tensor3D);
              const qn = this.qHead(f.zH);
              const h2 = tf.reshape(tf.slice(qn, [0, 0], [rows, 1]), [rows]);
              const c2 = tf.reshape(tf.slice(qn, [0, 1], [rows, 1]), [rows]);
              const best = tf.where(tf.cast(lastStep, "bool"), h2, tf.maximum(h2, c2));
              return tf.sigmoid(best);
            },
            c.zH,
            c.zL,
            x,
          );
          const qContSum = tf.sum(bceWithLogits(qCont, target));
          parts.qCont = tf.keep(qContSum);
          halting = tf.add(halting, qContSum);
        }
        return tf.add(
          tf.div(lmSum, input.globalTokens),
          tf.mul(halting, 0.5 / input.globalRows),
        ) as tf.Scalar;
      }, this.trainable);
      value.dispose();
      const buffer = this.gradBuffer;
      for (const spec of this.layout.specs) {
        if (!spec.trainable) continue;
        const g = grads[this.w(spec.name).name];
        if (g === undefined) buffer.fill(0, spec.offset, spec.offset + spec.size);
        else buffer.set(heapView(g), spec.offset);
      }
      const qValues = held.q?.arraySync() ?? [];
      held.q?.dispose();
      const correctRows = tf
        .sum(tf.reshape(side.correct as tf.Tensor1D, [rows, T]), 1)
        .arraySync() as number[];
      held.result = {
        grads: buffer,
        lmLossSum: scalarOf(parts.lm),
        qHaltLossSum: scalarOf(parts.qHalt),
        qContinueLossSum: scalarOf(parts.qCont),
        correct: correctRows,
        qHalt: qValues.map((row) => row[0] as number),
        qContinue: qValues.map((row) => row[1] as number),
        attention: this.edgesOf(held.attention, rows, capture),
      };
      for (const t of Object.values(parts)) t.dispose();
    });
    side.correct?.dispose();
    start.zH.dispose();
    start.zL.dispose();
    if (held.next === null || held.result === null)
      throw new Error("training segment produced no carry");
    this.setCarry(held.next);
    return held.result;
  }

  /** The captured probabilities' strongest edges; disposes them. */
  private edgesOf(
    captured: Map<string, tf.Tensor> | null,
    rows: number,
    perHead: number,
  ): AttentionEdgeSum[] {
    if (captured === null) return [];
    const edges: AttentionEdgeSum[] = [];
    for (const [prefix, probs] of captured) {
      const [which, , index] = prefix.split(".");
      const layer = Number(index) + (which === "l" ? this.arch.h_layers : 0);
      edges.push(...topAttentionEdges(probs, rows, this.arch.num_heads, perHead, layer));
      probs.dispose();
    }
    return edges;
  }

  /**
   * Evaluation of fresh sequences: every row runs `halt_max_steps` segments without gradient;
   * the loss is the cross-entropy of the final segment's logits.
   */
  evaluate(ids: Int32Array, rows: number): EvalResult {
    const T = this.T;
    return tf.tidy(() => {
      const all = tf.tensor2d(ids, [rows, T + 1], "int32");
      const inputs = tf.slice(all, [0, 0], [rows, T]);
      const labels = tf.reshape(tf.slice(all, [0, 1], [rows, T]), [-1]) as tf.Tensor1D;
      const x = this.input(inputs);
      let carry = this.initialCarry(rows);
      for (let s = 0; s < this.arch.halt_max_steps; s++) {
        carry = this.finalCycle(this.earlyCycles(carry, x), x);
      }
      const side: LmHeadSide = { correct: null };
      const nll = lmHeadNll(
        tf.reshape(carry.zH, [-1, this.d]) as tf.Tensor2D,
        this.w("lm_head.weight") as tf.Tensor2D,
        labels,
        side,
      );
      const correct = side.correct as tf.Tensor1D | null;
      const result = {
        lossSum: tf.sum(nll).dataSync()[0] as number,
        correct: correct === null ? 0 : (tf.sum(correct).dataSync()[0] as number),
        tokens: rows * T,
      };
      correct?.dispose();
      return result;
    }) as EvalResult;
  }

  dispose(): void {
    this.resetCarry();
    for (const v of this.weights.values()) v.dispose();
    this.rope?.cos.dispose();
    this.rope?.sin.dispose();
    this.rope?.rotateHalf.dispose();
    this.sinusoid?.dispose();
    this.causalMask.dispose();
  }
}

function scalarOf(t: tf.Tensor | undefined): number {
  return t === undefined ? 0 : (t.dataSync()[0] as number);
}

/** Additive causal mask `[T, T]`: 0 on and below the diagonal, -1e9 above. */
function causalMaskTable(T: number): tf.Tensor2D {
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
  return tf.tensor2d(mask, [T, T]);
}

function rmsNorm(x: tf.Tensor): tf.Tensor3D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), RMS_EPS))) as tf.Tensor3D;
}

interface RopeTables {
  readonly cos: tf.Tensor2D;
  readonly sin: tf.Tensor2D;
  /** `[hd, hd]`: `x @ rotateHalf = [-x₂, x₁]`. */
  readonly rotateHalf: tf.Tensor2D;
}

/** cos / sin `[T, hd]` with the frequencies repeated over both halves (HRM's RoPE). */
function ropeTables(T: number, hd: number): RopeTables {
  const half = hd / 2;
  const cos = new Float32Array(T * hd);
  const sin = new Float32Array(T * hd);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * ROPE_BASE ** ((-2 * i) / hd);
      for (const j of [i, i + half]) {
        cos[t * hd + j] = Math.cos(angle);
        sin[t * hd + j] = Math.sin(angle);
      }
    }
  }
  const rotate = new Float32Array(hd * hd);
  for (let i = 0; i < half; i++) {
    rotate[(i + half) * hd + i] = -1; // out[i] = -x[i + half]
    rotate[i * hd + i + half] = 1; // out[i + half] = x[i]
  }
  return {
    cos: tf.tensor2d(cos, [T, hd]),
    sin: tf.tensor2d(sin, [T, hd]),
    rotateHalf: tf.tensor2d(rotate, [hd, hd]),
  };
}

/**
 * `x·cos + [-x₂, x₁]·sin` on `[r, nh, T, hd]`. The half rotation is a product with a signed
 * permutation matrix: exact (one ±1 term per output), and one GEMM instead of two strided
 * slices, a negation and a concatenation (4x faster on WASM, more with the native GEMM).
 */
function applyRope(x: tf.Tensor, rope: RopeTables): tf.Tensor {
  const rotated = mm(x, rope.rotateHalf);
  return tf.add(tf.mul(x, rope.cos), tf.mul(rotated, rope.sin));
}

/** The fixed Transformer sinusoid table `[T, d]` (sin on even, cos on odd channels). */
function sinusoidTable(T: number, d: number): tf.Tensor2D {
  const table = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < d; i += 2) {
      const angle = t / 10000 ** (i / d);
      table[t * d + i] = Math.sin(angle);
      if (i + 1 < d) table[t * d + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(table, [T, d]);
}
