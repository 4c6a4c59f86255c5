import * as tf from "@tensorflow/tfjs-core";

/** What the fused head computes besides the loss, produced outside the gradient tape. */
export interface LmHeadSide {
  /** `[N]` float 1/0: the argmax prediction equals the label. */
  correct: tf.Tensor1D | null;
}

/**
 * `lm_head` matmul + softmax cross-entropy in one custom-gradient op, returning the per-token
 * negative log-likelihood `[N]`.
 *
 * At small d the full-vocab head dominates a step. Fusing lets the forward keep only the
 * probabilities (not logits, exp and the log-softmax graph) and lets the backward be exactly
 * `dlogits = (p - onehot) * dy`, then `dh = dlogits @ Wᵀ` and `dW = hᵀ @ dlogits`, with the
 * transposes materialised because WASM matmul is slow on transposed operands.
 * The argmax accuracy is taken from the same logits and handed back through `side`
 * (kept, so the caller must dispose it).
 */
export function lmHeadNll(
  h: tf.Tensor2D,
  weight: tf.Tensor2D,
  labels: tf.Tensor1D,
  side: LmHeadSide,
): tf.Tensor1D {
  const vocab = weight.shape[1];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [hIn, wIn, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [nll, probs] = tf.tidy(() => {
      const logits = tf.matMul(hIn as tf.Tensor2D, wIn as tf.Tensor2D);
      const max = tf.max(logits, 1, true);
      const exp = tf.exp(tf.sub(logits, max));
      const sum = tf.sum(exp, 1, true);
      const p = tf.div(exp, sum);
      const n = logits.shape[0];
      const flatIndex = tf.add(
        tf.mul(tf.range(0, n, 1, "int32"), tf.scalar(vocab, "int32")),
        labels,
      );
      const picked = tf.gather(tf.reshape(logits, [-1]), flatIndex);
      const loss = tf.sub(tf.add(tf.reshape(tf.log(sum), [-1]), tf.reshape(max, [-1])), picked);
      side.correct = tf.keep(
        tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32") as tf.Tensor1D,
      );
      return [loss as tf.Tensor1D, p];
    });
    save([hIn, wIn, probs]);
    return {
      value: nll,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sh, sw, sp] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dyCol = tf.reshape(dy, [-1, 1]);
        const dlogits = tf.sub(tf.mul(sp, dyCol), tf.mul(oneHotFloat(labels, vocab), dyCol));
        const dh = tf.matMul(dlogits as tf.Tensor2D, tf.transpose(sw));
        const dw = tf.matMul(tf.transpose(sh), dlogits as tf.Tensor2D);
        return [dh, dw];
      },
    };
  });
  return op(h, weight) as tf.Tensor1D;
}

/** Binary cross-entropy with logits, elementwise, numerically stable. */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.add(
    tf.sub(tf.relu(logits), tf.mul(logits, target)),
    tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
  );
}

/**
 * Runs `fn` on `inputs` without recording it on the gradient tape (ops inside a custom-grad
 * forward are not taped) and gives the inputs zero gradient: a stop-gradient for a whole
 * computation, including the weights it reads by closure.
 */
export function untaped(
  fn: (...inputs: tf.Tensor[]) => tf.Tensor,
  ...inputs: tf.Tensor[]
): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ins = args.slice(0, inputs.length) as tf.Tensor[];
    return {
      value: tf.tidy(() => fn(...ins)),
      gradFunc: () => ins.map((t) => tf.zerosLike(t)),
    };
  });
  return op(...inputs);
}

/**
 * One-hot rows as float32. The WASM OneHot kernel ignores a float32 `dtype` and writes int32
 * bits (1 reads back as 1.4e-45), so build int32 and cast.
 */
function oneHotFloat(labels: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(labels, depth), "float32") as tf.Tensor2D;
}
