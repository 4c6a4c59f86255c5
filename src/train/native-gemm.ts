import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { nativeAddonPath } from "../core/native-addon.js";
import type { OptimizerLoops } from "./adamw.js";
import { BLAS_LIBRARY_ENV, type BlasCandidates, blasCandidates } from "./blas-library.js";

/**
 * `C_i = alpha·op(A_i)·op(B_i) + beta·C_i` for `i < batch`, row-major, on Float32Arrays (views of
 * the WASM heap: no copies). Matrix `X_i` starts at `xOffset + i·xStride` elements and has
 * leading dimension `ldx`; op() transposes when asked, so op(A) is `[m, k]`, op(B) `[k, n]`,
 * C `[m, n]`. A stride of 0 reuses one matrix across the batch. Throws RangeError when a
 * matrix reaches past its array.
 */
export type GemmFunction = (
  a: Float32Array,
  aOffset: number,
  lda: number,
  aStride: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  bStride: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
  cStride: number,
  batch: number,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  alpha: number,
  beta: number,
) => void;

/**
 * Per row of `logits [rows, vocab]`: `probs` = softmax, `nll` = log Σ exp(row) - row[label]
 * (computed from the row maximum: no overflow or underflow), `correct` = 1 when the row's first
 * maximum is at the label. Labels outside `[0, vocab)` throw RangeError. Vectorised with the
 * widest SIMD the CPU has; exp to ~1e-7 relative.
 */
export type SoftmaxCrossEntropyFunction = (
  logits: Float32Array,
  labels: Int32Array,
  probs: Float32Array,
  nll: Float32Array,
  correct: Float32Array,
  rows: number,
  vocab: number,
) => void;

/**
 * Copies the block `shape` of `src` (element `(i0, i1, …)` at `srcOffset + Σ ik·srcStrides[k]`,
 * last stride 1) densely into `dst` from `dstOffset`: a slice, or a transpose that keeps the
 * last axis. 4-byte elements; rank 1-8; RangeError past an array.
 */
export type StridedCopyFunction = (
  src: Float32Array | Int32Array,
  srcOffset: number,
  dst: Float32Array | Int32Array,
  dstOffset: number,
  shape: readonly number[],
  srcStrides: readonly number[],
) => void;

interface Addon extends OptimizerLoops {
  open(path: string): { api: "cblas" | "dnnl"; threads: string };
  gemm: GemmFunction;
  softmaxCrossEntropy: SoftmaxCrossEntropyFunction;
  stridedCopy: StridedCopyFunction;
}

export interface NativeGemm {
  /** The library opened, as named in the candidate list. */
  readonly library: string;
  /** `cblas` (cblas_sgemm) or `dnnl` (oneDNN's dnnl_sgemm). */
  readonly api: "cblas" | "dnnl";
  readonly gemm: GemmFunction;
  /** The optimizer's loops in C, bit-identical to `jsLoops` (src/train/adamw.ts). */
  readonly loops: OptimizerLoops;
  readonly softmaxCrossEntropy: SoftmaxCrossEntropyFunction;
  readonly stridedCopy: StridedCopyFunction;
}

export type NativeGemmLoad =
  | { readonly ok: true; readonly native: NativeGemm }
  | {
      readonly ok: false;
      /** Why the native GEMM is unavailable, naming what was tried. */
      readonly reason: string;
      /** What to do to get it. */
      readonly hint: string;
    };

/** Where `npm install` (scripts/build-native.mjs) leaves the addon. */
export function addonPath(): string {
  return nativeAddonPath("gemm", "aios_gemm");
}

/** The library this thread opened, by candidate list: loading again is then free. */
let loaded: { readonly key: string; readonly result: NativeGemmLoad } | null = null;

/**
 * Loads the addon and the first BLAS library of `blasCandidates()` that opens, once per thread
 * (each worker_thread loads its own instance of the context-aware addon). Never throws: a
 * failure is a result with the reason and a hint. A thread has one open library: a later
 * successful load with other candidates (another `AIOS_BLAS_LIBRARY`) replaces it.
 */
export function loadNativeGemm(env: NodeJS.ProcessEnv = process.env): NativeGemmLoad {
  const candidates = blasCandidates(process.platform, process.arch, env);
  const key = candidates.libraries.join("\n");
  if (loaded?.key === key) return loaded.result;
  const result = tryLoad(
    candidates,
    env[BLAS_LIBRARY_ENV] !== undefined && env[BLAS_LIBRARY_ENV] !== "",
  );
  if (result.ok) loaded = { key, result };
  return result;
}

function tryLoad(candidates: BlasCandidates, chosen: boolean): NativeGemmLoad {
  const path = addonPath();
  if (!existsSync(path)) {
    return {
      ok: false,
      reason: `the native GEMM addon is not built (${path} is missing)`,
      hint: "install a C compiler, make and python3, then run `npm run build:native`",
    };
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (error) {
    return {
      ok: false,
      reason: `the native GEMM addon does not load: ${(error as Error).message}`,
      hint: "rebuild it for this Node with `npm run build:native`",
    };
  }
  const absent: string[] = [];
  const broken: string[] = [];
  for (const library of candidates.libraries) {
    try {
      const { api } = addon.open(library);
      const { sumOfSquares, addInto, adamw } = addon;
      return {
        ok: true,
        native: {
          library,
          api,
          gemm: addon.gemm,
          loops: { sumOfSquares, addInto, adamw },
          softmaxCrossEntropy: addon.softmaxCrossEntropy,
          stridedCopy: addon.stridedCopy,
        },
      };
    } catch (error) {
      const message = (error as Error).message;
      if (NOT_FOUND.test(message)) absent.push(library);
      else broken.push(message);
    }
  }
  const parts = [...(absent.length > 0 ? [`not found: ${absent.join(", ")}`] : []), ...broken];
  if (chosen) {
    return {
      ok: false,
      reason: `${BLAS_LIBRARY_ENV} names a library that cannot be used (${parts.join("; ")})`,
      hint: `point ${BLAS_LIBRARY_ENV} at a CBLAS library or unset it; or ${candidates.install}`,
    };
  }
  return {
    ok: false,
    reason: `no BLAS library could be opened (${parts.join("; ")})`,
    hint: candidates.install,
  };
}

/** The loaders' words for "no such library" (glibc, macOS dyld, Windows error 126). */
const NOT_FOUND = /cannot open shared object file|image not found|no such file|error 126\b/i;
