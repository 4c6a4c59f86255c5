import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/train/safetensors.js";
import { transpose } from "../../src/train/weights-file.js";

describe("safetensors", () => {
  it("round-trips tensors and metadata with 8-byte aligned data", () => {
    const a = Float32Array.from([1, -2.5, 3e-8, 4]);
    const b = Float32Array.from([7]);
    const buf = encodeSafetensors(
      [
        { name: "a", shape: [2, 2], data: a },
        { name: "b.bias", shape: [1], data: b },
      ],
      { hidden_size: "8" },
    );
    const headerLength = Number(buf.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    expect(buf.length).toBe(8 + headerLength + 20);
    const decoded = decodeSafetensors(buf);
    expect(decoded.metadata).toEqual({ hidden_size: "8" });
    expect(decoded.tensors.get("a")?.shape).toEqual([2, 2]);
    expect(Array.from(decoded.tensors.get("a")?.data ?? [])).toEqual(Array.from(a));
    expect(Array.from(decoded.tensors.get("b.bias")?.data ?? [])).toEqual([7]);
  });

  it("rejects a shape that does not match the data", () => {
    expect(() => encodeSafetensors([{ name: "x", shape: [3], data: new Float32Array(2) }])).toThrow(
      /shape \[3\] needs 3 values, got 2/,
    );
  });

  it("reports a truncated file", () => {
    const buf = encodeSafetensors([{ name: "x", shape: [4], data: new Float32Array(4) }]);
    expect(() => decodeSafetensors(buf.subarray(0, buf.length - 4))).toThrow(/runs past the end/);
  });

  it("transposes row-major matrices", () => {
    expect(Array.from(transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([
      1, 4, 2, 5, 3, 6,
    ]);
  });
});
