import * as tf from "@tensorflow/tfjs-core";
import { transposesAreFree } from "./gemm-kernel.js";

/**
 * Matrix products whose gradients suit the GEMM engine in use.
 *
 * WASM BatchMatMul is 7-17x slower when an operand is transposed (measured.md), and autodiff's
 * own matMul gradient uses `transposeA/B`, so on WASM the transpose is materialised with
 * `tf.transpose` and the product taken plainly. The native GEMM takes transposes as BLAS flags
 * at no cost, so there the flags are passed and no transposed copy is made.
 */

/**
 * `op(a) @ op(b)`, where op transposes the last two dims when asked: as BLAS flags with the
 * native GEMM, as materialised transposes on WASM.
 */
export function matMulT(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
): tf.Tensor {
  if (transposesAreFree() || (!transposeA && !transposeB)) {
    return tf.matMul(a, b, transposeA, transposeB);
  }
  return tf.matMul(transposeA ? lastTwoSwapped(a) : a, transposeB ? lastTwoSwapped(b) : b);
}

function lastTwoSwapped(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
  return tf.transpose(x, perm);
}

/** `a [n, k] @ b [k, m]`, any leading dims of `a` flattened into rows. */
export const matMul2d = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const a2 = a.rank === 2 ? a : tf.reshape(a, [-1, a.shape[a.rank - 1] as number]);
  save([a2, b]);
  const y = tf.matMul(a2 as tf.Tensor2D, b as tf.Tensor2D);
  const outShape = [...a.shape.slice(0, -1), b.shape[1] as number];
  return {
    value: a.rank === 2 ? y : tf.reshape(y, outShape),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = tf.reshape(dy, [-1, sb.shape[1]]) as tf.Tensor2D;
      const da = matMulT(dy2, sb, false, true);
      const db = matMulT(sa, dy2, true, false);
      return [tf.reshape(da, a.shape), db];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Batched `a [n, p, k] @ b [n, k, m]`. */
export const batchMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      return [matMulT(dy, sb, false, true), matMulT(sa, dy, true, false)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Batched `a [n, p, k] @ b [n, m, k]ᵀ`, for attention scores `q @ kᵀ` without materialising
 * `kᵀ` when transposes are free.
 */
export const batchMatMulBT = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: matMulT(a, b, false, true),
    // y = a bᵀ: da = dy b, db = dyᵀ a.
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      return [tf.matMul(dy as tf.Tensor3D, sb), matMulT(dy, sa, true, false)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
