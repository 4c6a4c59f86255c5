import type { GemmEngine } from "../../src/train/gemm-kernel.js";
import { loadNativeGemm } from "../../src/train/native-gemm.js";

const load = loadNativeGemm();

/** Why the native GEMM cannot run here (null when it can): native-engine tests skip with it. */
export const nativeGemmMissing: string | null = load.ok ? null : `${load.reason}; ${load.hint}`;

/**
 * The engines a test runs with: WASM always, native where it loads. The skip is printed, once
 * per file that asks; CI installs OpenBLAS, and test/train/native-gemm.test.ts fails there
 * without it, so a CI run cannot skip the native engine silently.
 */
export function gemmEngines(what: string): GemmEngine[] {
  if (nativeGemmMissing === null) return ["wasm", "native"];
  process.stderr.write(`skipping ${what} with the native GEMM: ${nativeGemmMissing}\n`);
  return ["wasm"];
}
