import * as tf from "@tensorflow/tfjs-core";

/**
 * Matrix products whose gradients use only non-transposed operands.
 *
 * WASM BatchMatMul is 7-17x slower when an operand is transposed (measured.md), and autodiff's
 * own matMul gradient uses `transposeA/B`. Materialising the transpose with `tf.transpose` and
 * multiplying plainly is much cheaper.
 */

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
      const da = tf.matMul(dy2, tf.transpose(sb));
      const db = tf.matMul(tf.transpose(sa), dy2);
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
      const d3 = dy as tf.Tensor3D;
      return [
        tf.matMul(d3, tf.transpose(sb, [0, 2, 1])),
        tf.matMul(tf.transpose(sa, [0, 2, 1]), d3),
      ];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
