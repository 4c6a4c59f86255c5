import * as tf from "@tensorflow/tfjs-core";
import { softmaxCrossEntropy } from "./gemm-kernel.js";
import { matMulT } from "./matmul.js";
import { heapView } from "./tf-setup.js";

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
 * probabilities (not logits and a log-softmax graph) and lets the backward be exactly
 * `dlogits = (p - onehot) * dy`, then `dh = dlogits @ Wᵀ` and `dW = hᵀ @ dlogits` (transposes as
 * BLAS flags with the native GEMM, materialised on WASM: see matmul.ts).
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
      const logits = tf.matMul(hIn as tf.Tensor2D, wIn as tf.Tensor2D) as tf.Tensor2D;
      // The native engine does softmax, loss and argmax in one vectorised pass (3x faster).
      const fused = softmaxCrossEntropy(logits, labels);
      if (fused !== null) {
        side.correct = tf.keep(fused.correct);
        return [fused.nll, fused.probs];
      }
      // The WASM Softmax kernel is one fused pass, 5x faster than max/sub/exp/sum/div ops.
      const p = tf.softmax(logits);
      // -log p[label], exactly and without underflow: with a = argmax, log Σexp = l[a] - log p[a]
      // and p[a] >= 1/V, so nll = l[a] - l[label] - log p[a].
      const n = logits.shape[0];
      const rowStart = tf.mul(tf.range(0, n, 1, "int32"), tf.scalar(vocab, "int32"));
      const best = tf.argMax(logits, 1);
      const flatLogits = tf.reshape(logits, [-1]);
      const atBest = tf.add(rowStart, best);
      const loss = tf.sub(
        tf.sub(tf.gather(flatLogits, atBest), tf.gather(flatLogits, tf.add(rowStart, labels))),
        tf.log(tf.gather(tf.reshape(p, [-1]), atBest)),
      );
      side.correct = tf.keep(tf.cast(tf.equal(best, labels), "float32") as tf.Tensor1D);
      return [loss as tf.Tensor1D, p];
    });
    save([hIn, wIn, probs]);
    return {
      value: nll,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sh, sw, sp] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // dlogits = (p - onehot(label)) * dy: scale the probabilities, then subtract dy at each
        // row's label in place (N writes instead of three [N, V] passes for a one-hot).
        const dlogits = tf.mul(sp, tf.reshape(dy, [-1, 1])) as tf.Tensor2D;
        const dyValues = dy.dataSync();
        const labelValues = labels.dataSync();
        const heap = heapView(dlogits);
        for (let n = 0; n < labelValues.length; n++) {
          const at = n * vocab + (labelValues[n] as number);
          heap[at] = (heap[at] as number) - (dyValues[n] as number);
        }
        const dh = matMulT(dlogits, sw, false, true);
        const dw = matMulT(sh, dlogits, true, false);
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
