import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { AiosError } from "../../src/core/errors.js";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, jsLoops } from "../../src/train/adamw.js";
import { resolveGemm, softmaxCrossEntropy, useGemm } from "../../src/train/gemm-kernel.js";
import { addonPath, loadNativeGemm, type NativeGemm } from "../../src/train/native-gemm.js";
import { initTensorflow, tf } from "../../src/train/tf-setup.js";
import { nativeGemmMissing } from "../helpers/native-gemm.js";

const BOGUS = { ...process.env, AIOS_BLAS_LIBRARY: "/nonexistent/libbogus-blas.so" };

/** Deterministic values in [-1, 1). */
function values(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** C = op(A) @ op(B) in float64, from row-major A, B with the given leading dims and offsets. */
function reference(
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aOff + (tA ? p * lda + i : i * lda + p)] as number;
        const bv = b[bOff + (tB ? j * ldb + p : p * ldb + j)] as number;
        sum += av * bv;
      }
      out.push(sum);
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    expect(Math.abs((actual[i] as number) - e), `${what}[${i}]`).toBeLessThanOrEqual(
      1e-5 * Math.max(1, Math.abs(e)),
    );
  }
}

describe("the native GEMM in CI", () => {
  it.runIf(process.env.CI === "true")(
    "loads there (.ci/run installs OpenBLAS), so CI tests both engines",
    () => {
      expect(nativeGemmMissing).toBeNull();
    },
  );
});

describe("a missing BLAS library", () => {
  it("makes --gemm auto fall back to WASM with one line saying why and how", () => {
    const load = loadNativeGemm(BOGUS);
    expect(load.ok).toBe(false);
    const selection = resolveGemm("auto", BOGUS);
    expect(selection.engine).toBe("wasm");
    expect(selection.library).toBeNull();
    expect(selection.fallback).not.toContain("\n");
    if (nativeGemmMissing === null) {
      // The addon is built, so the cause is the library the variable names.
      expect(selection.fallback).toContain("/nonexistent/libbogus-blas.so");
      expect(selection.fallback).toContain("AIOS_BLAS_LIBRARY");
    }
    if (process.platform === "linux") {
      expect(selection.fallback).toContain("apt-get install libopenblas0-pthread");
    }
  });

  it("makes --gemm native an error that names the library and the fix", () => {
    expect(() => resolveGemm("native", BOGUS)).toThrow(AiosError);
    try {
      resolveGemm("native", BOGUS);
    } catch (error) {
      expect((error as AiosError).code).toBe("TRAINING");
      expect((error as AiosError).exitCode).toBe(2);
      expect((error as AiosError).hint).toContain("--gemm wasm");
    }
  });

  it("leaves --gemm wasm alone", () => {
    expect(resolveGemm("wasm", BOGUS)).toEqual({ engine: "wasm", library: null, fallback: null });
  });
});

describe.skipIf(nativeGemmMissing !== null)("the native GEMM addon", () => {
  let native: NativeGemm;
  beforeAll(() => {
    const load = loadNativeGemm();
    if (!load.ok) throw new Error(load.reason);
    native = load.native;
  });

  it("multiplies with every transpose, strided operands and broadcast batches", () => {
    const [m, n, k, batch] = [5, 4, 3, 3];
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        // A padded: leading dim 2 wider than the matrix, offset 7; B one matrix for all batches.
        const lda = (tA ? m : k) + 2;
        const aStride = (tA ? k : m) * lda;
        const a = values(7 + batch * aStride, 1);
        const ldb = tB ? k : n;
        const b = values(k * n, 2);
        const c = new Float32Array(batch * m * n).fill(Number.NaN);
        native.gemm(a, 7, lda, aStride, b, 0, ldb, 0, c, 0, n, m * n, batch, m, n, k, tA, tB, 1, 0);
        for (let i = 0; i < batch; i++) {
          const expected = reference(a, 7 + i * aStride, lda, b, 0, ldb, m, n, k, tA, tB);
          expectClose(c.subarray(i * m * n, (i + 1) * m * n), expected, `tA ${tA} tB ${tB} #${i}`);
        }
      }
    }
  });

  it("applies alpha and beta", () => {
    const a = values(6, 3);
    const b = values(6, 4);
    const c = values(4, 5);
    const before = Array.from(c);
    native.gemm(a, 0, 3, 0, b, 0, 2, 0, c, 0, 2, 0, 1, 2, 2, 3, false, false, 2, 0.5);
    const ab = reference(a, 0, 3, b, 0, 2, 2, 2, 3, false, false);
    expectClose(
      c,
      ab.map((x, i) => 2 * x + 0.5 * (before[i] as number)),
      "alpha/beta",
    );
  });

  it("refuses a matrix that reaches past its array instead of touching memory", () => {
    const call = () =>
      native.gemm(
        new Float32Array(5),
        0,
        3,
        0,
        new Float32Array(6),
        0,
        2,
        0,
        new Float32Array(4),
        0,
        2,
        0,
        1,
        2,
        2,
        3,
        false,
        false,
        1,
        0,
      );
    expect(call).toThrow(RangeError);
  });

  it("loads in two worker threads at once (a context-aware addon)", async () => {
    const code = `
      const { parentPort, workerData } = require("node:worker_threads");
      const addon = require(workerData.path);
      addon.open(workerData.library);
      const c = new Float32Array(4);
      addon.gemm(Float32Array.of(1, 2, 3, 4, 5, 6), 0, 3, 0, Float32Array.of(1, 0, 0, 1, 1, 1), 0, 2, 0,
        c, 0, 2, 0, 1, 2, 2, 3, false, false, 1, 0);
      parentPort.postMessage(Array.from(c));
    `;
    const run = () =>
      new Promise<number[]>((resolve, reject) => {
        const worker = new Worker(code, {
          eval: true,
          workerData: { path: addonPath(), library: native.library },
        });
        worker.once("message", (m: number[]) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once("error", reject);
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) expect(r).toEqual([4, 5, 10, 11]);
  });
});

describe.skipIf(nativeGemmMissing !== null)("BatchMatMul on the native GEMM", () => {
  beforeAll(async () => {
    await initTensorflow();
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ["2-D", [5, 7], [7, 3], false, false],
    ["2-D, A transposed", [7, 5], [7, 3], true, false],
    ["2-D, B transposed", [5, 7], [3, 7], false, true],
    ["2-D, both transposed", [7, 5], [3, 7], true, true],
    ["batched", [4, 5, 7], [4, 7, 3], false, false],
    ["batched, B transposed", [4, 5, 7], [4, 3, 7], false, true],
    ["A broadcast over B's batch", [1, 5, 7], [4, 7, 3], false, false],
    ["B broadcast over A's batch (rank 3 @ rank 2)", [4, 5, 7], [7, 3], false, false],
    ["rank 4", [2, 3, 5, 7], [2, 3, 7, 4], false, false],
  ];

  for (const [what, aShape, bShape, tA, tB] of cases) {
    it(`equals the WASM kernel: ${what}`, () => {
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const run = (engine: "wasm" | "native") => {
        useGemm(engine);
        return tf.tidy(() => {
          const a = tf.tensor(values(size(aShape), 11), aShape);
          const b = tf.tensor(values(size(bShape), 12), bShape);
          const y = tf.matMul(a, b, tA, tB);
          return { shape: y.shape, data: y.dataSync() };
        });
      };
      try {
        const wasm = run("wasm");
        const native = run("native");
        expect(native.shape).toEqual(wasm.shape);
        expectClose(native.data, wasm.data, what);
      } finally {
        useGemm("wasm");
      }
    });
  }

  it("gives zeros for an empty inner dimension, as a sum over nothing", () => {
    useGemm("native");
    try {
      const y = tf.tidy(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 2])).dataSync());
      expect(Array.from(y)).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      useGemm("wasm");
    }
  });
});

describe.skipIf(nativeGemmMissing !== null)("the optimizer's loops in C", () => {
  let native: NativeGemm;
  beforeAll(() => {
    const load = loadNativeGemm();
    if (!load.ok) throw new Error(load.reason);
    native = load.native;
  });

  /** Gradients over many magnitudes, as a real gradient has (and zeros). */
  function gradients(length: number, seed: number): Float32Array {
    const u = values(length, seed);
    return u.map((x, i) => (i % 17 === 0 ? 0 : x * 10 ** ((i % 13) - 9)));
  }

  it("apply AdamW bit for bit as the JavaScript loop does, step after step", () => {
    const n = 10_007;
    const state = () => ({
      params: values(n, 21),
      m: new Float32Array(n),
      v: new Float32Array(n),
    });
    const js = state();
    const c = state();
    for (let step = 1; step <= 5; step++) {
      const grads = gradients(n, 100 + step);
      const c1 = 1 - ADAM_BETA1 ** step;
      const c2 = 1 - ADAM_BETA2 ** step;
      const [scale, stepSize, sqrtC2] = [0.37 * step, 1e-3 / c1, Math.sqrt(c2)];
      for (const [start, end, decay] of [
        [0, 5000, 1 - 1e-3 * 0.1],
        [5000, n, 1],
      ] as const) {
        for (const [loops, s] of [
          [jsLoops, js],
          [native.loops, c],
        ] as const) {
          loops.adamw(
            s.params,
            grads,
            s.m,
            s.v,
            start,
            end,
            scale,
            ADAM_BETA1,
            ADAM_BETA2,
            stepSize,
            sqrtC2,
            ADAM_EPS,
            decay,
          );
        }
      }
    }
    expect(c.params).toEqual(js.params);
    expect(c.m).toEqual(js.m);
    expect(c.v).toEqual(js.v);
    expect(c.params).not.toEqual(values(n, 21)); // it did update
  });

  it("sum gradients and their squares bit for bit as the JavaScript loops do", () => {
    const a = gradients(9_001, 7);
    const b = gradients(9_001, 8);
    const js = Float32Array.from(a);
    const c = Float32Array.from(a);
    jsLoops.addInto(js, b, 10, 9_000);
    native.loops.addInto(c, b, 10, 9_000);
    expect(c).toEqual(js);
    expect(native.loops.sumOfSquares(c, 3, 8_999)).toBe(jsLoops.sumOfSquares(js, 3, 8_999));
  });

  it("refuse a range outside the arrays", () => {
    const x = new Float32Array(4);
    expect(() => native.loops.sumOfSquares(x, 0, 5)).toThrow();
    expect(() => native.loops.addInto(x, new Float32Array(2), 0, 3)).toThrow();
  });
});

describe.skipIf(nativeGemmMissing !== null)("softmax cross-entropy on the native engine", () => {
  beforeAll(async () => {
    await initTensorflow();
  });

  /** Softmax, -log p[label] and the first argmax of one row, in float64. */
  function reference(row: Float32Array, label: number) {
    let max = Number.NEGATIVE_INFINITY;
    let best = 0;
    for (let i = 0; i < row.length; i++) {
      if ((row[i] as number) > max) [max, best] = [row[i] as number, i];
    }
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const probs = Array.from(row, (x) => Math.exp(x - max) / sum);
    return { probs, nll: Math.log(sum) + max - (row[label] as number), correct: best === label };
  }

  it("gives the softmax, the loss and the argmax accuracy of every row", () => {
    // Rows wider than the SIMD blocks, a row where the label wins, logits far apart (underflow).
    const [rows, vocab] = [5, 1000];
    const data = values(rows * vocab, 31).map((x, i) => (i < vocab ? x * 120 : x * 6));
    const labelValues = [3, 999, 0, 517, 42];
    data[2 * vocab] = 50; // row 2: its label 0 is the maximum
    useGemm("native");
    try {
      const out = tf.tidy(() => {
        const r = softmaxCrossEntropy(
          tf.tensor2d(data, [rows, vocab]),
          tf.tensor1d(labelValues, "int32"),
        );
        if (r === null) throw new Error("the native engine is active");
        return { probs: r.probs.dataSync(), nll: r.nll.dataSync(), correct: r.correct.dataSync() };
      });
      for (let r = 0; r < rows; r++) {
        const row = data.subarray(r * vocab, (r + 1) * vocab);
        const ref = reference(row, labelValues[r] as number);
        const probs = out.probs.subarray(r * vocab, (r + 1) * vocab);
        for (let i = 0; i < vocab; i++) {
          expect(Math.abs((probs[i] as number) - (ref.probs[i] as number))).toBeLessThanOrEqual(
            1e-5 * (ref.probs[i] as number) + 1e-38,
          );
        }
        expect(Math.abs((out.nll[r] as number) - ref.nll)).toBeLessThanOrEqual(1e-5 * ref.nll);
        expect(out.correct[r]).toBe(ref.correct ? 1 : 0);
      }
      expect(out.correct[2]).toBe(1);
    } finally {
      useGemm("wasm");
    }
  });

  it("refuses a label outside the vocabulary and is off on the WASM engine", () => {
    const run = () =>
      tf.tidy(() => {
        softmaxCrossEntropy(tf.zeros([2, 4]), tf.tensor1d([1, 4], "int32"));
      });
    useGemm("native");
    try {
      expect(run).toThrow(RangeError);
    } finally {
      useGemm("wasm");
    }
    const off = tf.tidy(() => {
      const r = softmaxCrossEntropy(tf.zeros([2, 4]), tf.tensor1d([1, 2], "int32"));
      return r === null ? tf.scalar(0) : tf.scalar(1);
    });
    expect(off.dataSync()[0]).toBe(0);
  });
});

describe.skipIf(nativeGemmMissing !== null)("Slice and Transpose on the native engine", () => {
  beforeAll(async () => {
    await initTensorflow();
  });

  /** `op` on both engines: copies are exact, so the results must be identical. */
  function sameOnBothEngines(op: () => tf.Tensor): void {
    const run = (engine: "wasm" | "native") => {
      useGemm(engine);
      return tf.tidy(() => {
        const y = op();
        return { shape: y.shape, dtype: y.dtype, data: Array.from(y.dataSync()) };
      });
    };
    try {
      const wasm = run("wasm");
      expect(run("native")).toEqual(wasm);
    } finally {
      useGemm("wasm");
    }
  }

  const x4 = () => tf.tensor(values(2 * 3 * 5 * 6, 41), [2, 3, 5, 6]);
  const slices: [string, () => tf.Tensor][] = [
    ["rank 2, columns", () => tf.slice(tf.tensor(values(7 * 9, 42), [7, 9]), [1, 2], [5, 4])],
    [
      "rank 3, the qkv split",
      () => tf.slice(tf.tensor(values(2 * 4 * 12, 43), [2, 4, 12]), [0, 0, 4], [2, 4, 4]),
    ],
    ["rank 4, inner dims", () => tf.slice(x4(), [1, 1, 2, 3], [1, 2, 3, 3])],
    ["rank 4, size -1", () => tf.slice(x4(), [0, 1, 0, 2], [-1, -1, -1, 2])],
    ["contiguous rows", () => tf.slice(x4(), [1, 0, 0, 0], [1, 3, 5, 6])],
    ["int32", () => tf.slice(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], "int32"), [0, 1], [2, 2])],
    [
      "bool",
      () => tf.slice(tf.tensor2d([true, false, true, false], [2, 2], "bool"), [0, 1], [2, 1]),
    ],
    ["empty", () => tf.slice(x4(), [0, 0, 0, 0], [2, 0, 5, 6])],
  ];
  for (const [what, op] of slices) {
    it(`slices as the WASM kernel does: ${what}`, () => sameOnBothEngines(op));
  }

  const transposes: [string, number[]][] = [
    ["heads split [0, 2, 1, 3]", [0, 2, 1, 3]],
    ["outer axes [1, 0, 2, 3]", [1, 0, 2, 3]],
    ["three axes [2, 0, 1, 3]", [2, 0, 1, 3]],
    ["last axis moves [0, 1, 3, 2]", [0, 1, 3, 2]],
  ];
  for (const [what, perm] of transposes) {
    it(`transposes as the WASM kernel does: ${what}`, () =>
      sameOnBothEngines(() => tf.transpose(x4(), perm)));
  }
  it("transposes int32 as the WASM kernel does", () =>
    sameOnBothEngines(() =>
      tf.transpose(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], "int32"), [1, 0, 2]),
    ));
});
