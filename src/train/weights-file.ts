import { ARCHITECTURE_KEYS, type Architecture, type ParamLayout } from "./architecture.js";
import { encodeSafetensors, type NamedTensor } from "./safetensors.js";

/**
 * `model.safetensors` of a brain bundle: every tensor under its documented name (docs/MODEL.md),
 * linear weights transposed from the training layout `[in, out]` to PyTorch's `[out, in]`, and
 * the architecture in `__metadata__` (strings, as the format requires).
 */
export function encodeModelWeights(
  arch: Architecture,
  layout: ParamLayout,
  params: Float32Array,
): Buffer {
  const tensors: NamedTensor[] = layout.specs.map((spec) => {
    const view = params.subarray(spec.offset, spec.offset + spec.size);
    if (!spec.transposed) return { name: spec.name, shape: spec.shape, data: view };
    const [rows, cols] = spec.shape as [number, number];
    return { name: spec.name, shape: [cols, rows], data: transpose(view, rows, cols) };
  });
  const metadata = Object.fromEntries(ARCHITECTURE_KEYS.map((key) => [key, String(arch[key])]));
  return encodeSafetensors(tensors, { format: "pt", ...metadata });
}

/** Row-major `[rows, cols]` → `[cols, rows]`. */
export function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[base + c] as number;
  }
  return out;
}
