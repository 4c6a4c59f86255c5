import type { PositionedSample } from "./samples.js";

/** Samples dropped by filters, by filter. */
export interface FilterCounts {
  nonAscii: number;
}

/** Any UTF-16 code unit above U+007F (astral characters show as surrogates, also above). */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * `--ascii-only`: drops samples holding any character outside 7-bit ASCII. Dropping does not
 * disturb resuming: positions travel with the samples that are kept.
 */
export async function* asciiOnly(
  samples: AsyncIterable<PositionedSample>,
  counts: FilterCounts,
): AsyncGenerator<PositionedSample> {
  for await (const sample of samples) {
    if (NON_ASCII.test(sample.text)) counts.nonAscii++;
    else yield sample;
  }
}
