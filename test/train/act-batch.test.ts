import { describe, expect, it } from "vitest";
import { Prng } from "../../src/core/prng.js";
import { ActBatch } from "../../src/train/act-batch.js";

const T = 3;

function counter() {
  let n = 0;
  return async () => Int32Array.from({ length: T + 1 }, () => n++);
}

describe("ActBatch", () => {
  it("gives every row a sequence on the first refill and resets them all", async () => {
    const batch = new ActBatch(3, 4, 0);
    const reset = await batch.refill(counter(), new Prng(1));
    expect(reset).toEqual([true, true, true]);
    expect(Array.from(batch.ids(T))).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("halts a row when q_halt > q_continue, keeps running rows on their sequence", async () => {
    const batch = new ActBatch(2, 4, 0);
    const next = counter();
    await batch.refill(next, new Prng(1));
    const outcome = batch.advance([1, -1], [0, 0]);
    expect(outcome).toEqual({ halted: 1, avgHaltSteps: 1 });
    const reset = await batch.refill(next, new Prng(1));
    expect(reset).toEqual([true, false]);
    expect(Array.from(batch.ids(T)).slice(4)).toEqual([4, 5, 6, 7]);
    expect(Array.from(batch.ids(T)).slice(0, 4)).toEqual([8, 9, 10, 11]);
  });

  it("forces a halt at halt_max_steps and flags the last allowed segment", async () => {
    const batch = new ActBatch(1, 2, 0);
    await batch.refill(counter(), new Prng(1));
    expect(batch.lastStepFlags()).toEqual([false]);
    expect(batch.advance([-5], [5]).halted).toBe(0);
    expect(batch.lastStepFlags()).toEqual([true]);
    expect(batch.advance([-5], [5])).toEqual({ halted: 1, avgHaltSteps: 2 });
  });

  it("with one allowed segment every row halts every step", async () => {
    const batch = new ActBatch(2, 1, 0);
    await batch.refill(counter(), new Prng(1));
    expect(batch.advance([-5, -5], [5, 5])).toEqual({ halted: 2, avgHaltSteps: 1 });
  });

  it("exploration sets a minimum number of segments before a row may halt", async () => {
    const batch = new ActBatch(1, 4, 1);
    await batch.refill(counter(), new Prng(7));
    const min = batch.rows[0]?.minSteps ?? 0;
    expect(min).toBeGreaterThanOrEqual(2);
    expect(min).toBeLessThanOrEqual(4);
    expect(batch.advance([5], [-5]).halted).toBe(0);
  });

  it("saves rows in flight and restores them, sequence included", async () => {
    const batch = new ActBatch(2, 4, 0);
    await batch.refill(counter(), new Prng(1));
    batch.advance([5, -5], [-5, 5]);
    const saved = batch.save();
    expect(saved[0]).toBeNull();
    expect(saved[1]?.ids).toEqual([4, 5, 6, 7]);
    const restored = new ActBatch(2, 4, 0);
    restored.restore(JSON.parse(JSON.stringify(saved)));
    const reset = await restored.refill(async () => Int32Array.from([9, 9, 9, 9]), new Prng(1));
    expect(reset).toEqual([true, false]);
    expect(Array.from(restored.ids(T))).toEqual([9, 9, 9, 9, 4, 5, 6, 7]);
  });
});
