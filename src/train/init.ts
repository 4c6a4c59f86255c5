import { Prng } from "../core/prng.js";
import type { ParamLayout } from "./architecture.js";

/**
 * Fresh weights for a layout, seeded: tensors are filled in layout order from one stream, so
 * the same seed and architecture always give the same model (docs/MODEL.md, Initialisation).
 */
export function initialParams(
  layout: ParamLayout,
  seed: number,
  into?: Float32Array,
): Float32Array {
  const params = into ?? new Float32Array(layout.total);
  const prng = new Prng(seed);
  for (const spec of layout.specs) {
    const view = params.subarray(spec.offset, spec.offset + spec.size);
    if ("constant" in spec.init) view.fill(spec.init.constant);
    else prng.fillTruncatedNormal(view, spec.init.std);
  }
  return params;
}
