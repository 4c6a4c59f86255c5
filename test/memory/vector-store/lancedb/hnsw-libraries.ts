import { describe } from "vitest";
import type { HnswLibrary } from "../../../../src/memory/vector-store/lancedb/hnsw-graph.js";
import { hnswlibAddon } from "../../../../src/memory/vector-store/lancedb/hnswlib-addon.js";

const addon = hnswlibAddon();

/** Why hnswlib's tests cannot run here (the native addon did not build), or null. */
export const hnswlibMissing: string | null = addon.ok ? null : addon.reason;

export const HNSW_LIBRARIES: readonly HnswLibrary[] = ["hnswlib", "usearch"];

/**
 * `describe` once per HNSW library; hnswlib's block is skipped, with the reason printed, where
 * its addon is missing.
 */
export function describeEachLibrary(title: string, body: (library: HnswLibrary) => void): void {
  for (const library of HNSW_LIBRARIES) {
    const missing = library === "hnswlib" ? hnswlibMissing : null;
    if (missing !== null) process.stderr.write(`skipped: ${title} with hnswlib: ${missing}\n`);
    describe.skipIf(missing !== null)(`${title} (${library})`, () => body(library));
  }
}
