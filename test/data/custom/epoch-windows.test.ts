import { describe, expect, it } from "vitest";
import {
  epochWindows,
  isRankSample,
  WINDOW_UNITS,
} from "../../../src/data/custom/epoch-windows.js";

describe("epochWindows", () => {
  it("cuts the permuted units into windows of enough bytes, or of WINDOW_UNITS tiny files, streams alone", () => {
    const units = [
      ...Array.from({ length: 40 }, () => ({ bytes: 100, kind: "lines" })),
      { bytes: 5000, kind: "stream" },
      ...Array.from({ length: 2 * WINDOW_UNITS + 10 }, () => ({ bytes: 1, kind: "file" })),
    ];
    const windows = epochWindows(units, 1, 0, 1000);
    const all = windows.flatMap((w) => w.units);
    // Windows end with enough bytes or units; only one before a stream and the last may not.
    const short: boolean[] = [];
    expect([...all].sort((a, b) => a - b)).toEqual(units.map((_, i) => i));
    for (const window of windows) {
      const bytes = window.units.reduce((sum, u) => sum + (units[u]?.bytes ?? 0), 0);
      if (window.stream) expect(window.units).toEqual([40]);
      else expect(window.units.length).toBeLessThanOrEqual(WINDOW_UNITS);
      if (!window.stream && window.units.length < WINDOW_UNITS) short.push(bytes >= 1000);
    }
    expect(short.filter((enough) => !enough).length).toBeLessThanOrEqual(2);
    expect(windows.filter((w) => w.stream)).toHaveLength(1);
    expect(epochWindows(units, 1, 0, 1000)).toEqual(windows);
    expect(epochWindows(units, 1, 1, 1000)).not.toEqual(windows);
  });

  it("gives every sample of a window to exactly one rank, the spare to a new rank each window", () => {
    for (let window = 0; window < 4; window++) {
      for (let index = 0; index < 10; index++) {
        const owners = [0, 1, 2].filter((rank) => isRankSample(index, window, rank, 3));
        expect(owners).toHaveLength(1);
      }
    }
    const spareOwner = (window: number) =>
      [0, 1, 2].find((rank) => isRankSample(9, window, rank, 3));
    expect(new Set([0, 1, 2].map(spareOwner)).size).toBe(3);
  });
});
