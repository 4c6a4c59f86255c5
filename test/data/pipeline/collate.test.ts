import { describe, expect, it } from "vitest";
import { collateBatch, IGNORE_LABEL } from "../../../src/data/pipeline/collate.js";

describe("collateBatch", () => {
  it("shifts full sequences into inputs and labels, row-major [B, T]", () => {
    const batch = collateBatch([Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7, 8)]);
    expect(batch.batchSize).toBe(2);
    expect(batch.seqLen).toBe(3);
    expect([...batch.inputIds]).toEqual([1, 2, 3, 5, 6, 7]);
    expect([...batch.labels]).toEqual([2, 3, 4, 6, 7, 8]);
    expect([...batch.attentionMask]).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("pads a short last sequence with EOT, masked and without labels", () => {
    const full = { ids: Int32Array.of(1, 2, 3, 4, 5), position: { backend: {}, carry: [] } };
    const batch = collateBatch([full, Int32Array.of(9, 8, 7)]);
    expect(batch.seqLen).toBe(4);
    expect([...batch.inputIds.subarray(4)]).toEqual([9, 8, 50256, 50256]);
    expect([...batch.labels.subarray(4)]).toEqual([8, 7, IGNORE_LABEL, IGNORE_LABEL]);
    expect([...batch.attentionMask.subarray(4)]).toEqual([1, 1, 0, 0]);
  });

  it("takes an explicit seqLen so a short final batch keeps the training shape", () => {
    const batch = collateBatch([Int32Array.of(1, 2, 3)], { seqLen: 5, padId: 0 });
    expect(batch.inputIds).toHaveLength(5);
    expect([...batch.inputIds]).toEqual([1, 2, 0, 0, 0]);
    expect(() => collateBatch([Int32Array.of(1, 2, 3)], { seqLen: 1 })).toThrow(RangeError);
    expect(() => collateBatch([])).toThrow(RangeError);
  });
});
