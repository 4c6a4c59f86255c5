import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Architecture, paramLayout } from "../../src/train/architecture.js";
import { useGemm } from "../../src/train/gemm-kernel.js";
import { initialParams } from "../../src/train/init.js";
import { HrmModel } from "../../src/train/model.js";
import { initTensorflow } from "../../src/train/tf-setup.js";
import { gemmEngines } from "../helpers/native-gemm.js";

/**
 * With one H and one L cycle the one-step gradient is the full gradient, so central finite
 * differences of the segment loss must match the model's analytic gradients, tensor by tensor.
 */
const B = 2;
const T = 4;

function tinyArch(pos: Architecture["pos_encodings"]): Architecture {
  return {
    hidden_size: 8,
    num_heads: 2,
    expansion: 2,
    h_layers: 1,
    l_layers: 1,
    h_cycles: 1,
    l_cycles: 1,
    pos_encodings: pos,
    max_seq_len: T,
    vocab_size: 16,
    halt_max_steps: 1,
  };
}

function segmentLoss(arch: Architecture, params: Float32Array, ids: Int32Array) {
  const model = new HrmModel(arch, params);
  try {
    const r = model.trainSegment({
      ids,
      reset: [true, true],
      lastStep: [true, true],
      globalTokens: B * T,
      globalRows: B,
    });
    return {
      loss: r.lmLossSum / (B * T) + (0.5 * r.qHaltLossSum) / B,
      grads: Float32Array.from(r.grads),
    };
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await initTensorflow();
});

describe.each(gemmEngines("the gradient check"))("HRM-ACTV1 gradients, %s GEMM", (engine) => {
  beforeAll(() => useGemm(engine));
  afterAll(() => useGemm("wasm"));

  for (const pos of ["rope", "learned", "sinusoidal"] as const) {
    it(`match finite differences for every trainable tensor (${pos} positions)`, () => {
      const arch = tinyArch(pos);
      const layout = paramLayout(arch);
      const params = initialParams(layout, 3);
      const ids = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 5 + 3) % 16);
      const { grads } = segmentLoss(arch, params, ids);
      const eps = 1e-2;
      for (const spec of layout.specs) {
        if (!spec.trainable) continue;
        // The largest-magnitude analytic entries: the ones float32 differences resolve well.
        const order = Array.from({ length: spec.size }, (_, k) => spec.offset + k).sort(
          (a, b) => Math.abs(grads[b] as number) - Math.abs(grads[a] as number),
        );
        for (const i of order.slice(0, 3)) {
          const up = Float32Array.from(params);
          const down = Float32Array.from(params);
          up[i] = (up[i] as number) + eps;
          down[i] = (down[i] as number) - eps;
          const numeric =
            (segmentLoss(arch, up, ids).loss - segmentLoss(arch, down, ids).loss) / (2 * eps);
          const analytic = grads[i] as number;
          expect(Math.abs(numeric - analytic), `${spec.name}[${i - spec.offset}]`).toBeLessThan(
            2e-3 + 0.05 * Math.abs(numeric),
          );
        }
      }
    });
  }
});
