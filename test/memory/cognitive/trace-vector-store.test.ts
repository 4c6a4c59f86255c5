import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { Prng } from "../../../src/core/prng.js";
import { TraceEmbedder } from "../../../src/memory/cognitive/trace-embedder.js";
import { TraceVectorStore, traceId } from "../../../src/memory/cognitive/trace-vector-store.js";
import type { AttentionTrace } from "../../../src/memory/cognitive/types.js";
import { testDrivers } from "./drivers.js";

/** 10,000 distinct edges over 2 layers × 4 heads of a 256-token model, seeded. */
function sampleTraces(count: number, seed: number): AttentionTrace[] {
  const prng = new Prng(seed);
  const seen = new Set<string>();
  const traces: AttentionTrace[] = [];
  while (traces.length < count) {
    const layer = prng.intInclusive(0, 1);
    const head = prng.intInclusive(0, 3);
    const queryIndex = prng.intInclusive(0, 255);
    const keyIndex = prng.intInclusive(0, queryIndex);
    const key = `${layer}_${head}_${queryIndex}_${keyIndex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    traces.push({
      layer,
      head,
      queryIndex,
      keyIndex,
      salience: 0.05 + 0.95 * prng.uniform(),
      age: prng.intInclusive(0, 5000),
    });
  }
  return traces;
}

const edgeKey = (t: AttentionTrace) => `${t.layer}_${t.head}_${t.queryIndex}_${t.keyIndex}`;

for (const driver of await testDrivers("traces")) {
  const open = driver.open;
  if (open === null) {
    describe.skip(`TraceVectorStore on ${driver.name} (skipped: ${driver.skipReason})`, () => {
      it("runs against a live server", () => {});
    });
    continue;
  }

  describe(`TraceVectorStore on ${driver.name}`, () => {
    it("persists 10,000 traces and loads every one back with its salience within 1 %", async () => {
      const traces = sampleTraces(10_000, 7);
      const store = new TraceVectorStore(await open("traces_10k"), { modelId: "brain-a" });
      expect(await store.upsertTraces(traces, 1000)).toBe(10_000);
      await store.close();

      // A new client, as a new training session would open.
      const reopened = new TraceVectorStore(await open("traces_10k"), { modelId: "brain-a" });
      const loaded = await reopened.loadTraces();
      expect(loaded).toHaveLength(10_000);
      const byEdge = new Map(loaded.map((t) => [edgeKey(t), t]));
      expect(byEdge.size).toBe(10_000);
      for (const trace of traces) {
        const back = byEdge.get(edgeKey(trace));
        expect(back).toBeDefined();
        if (back === undefined) continue;
        expect(Math.abs(back.salience - trace.salience) / trace.salience).toBeLessThan(0.01);
        expect(back.age).toBe(trace.age);
        expect(back.trainingStep).toBe(1000);
        expect(back.id).toBe(traceId(trace, 1000));
      }
      await reopened.close();
    });

    it("keeps one record per edge per sync step, under the design's id and metadata", async () => {
      const client = await open("traces_ids");
      const store = new TraceVectorStore(client, { modelId: "m", taskTag: "QA" });
      const trace: AttentionTrace = {
        layer: 0,
        head: 1,
        queryIndex: 5,
        keyIndex: 9,
        salience: 0.25,
        age: 3,
      };
      await store.upsertTraces([trace], 100);
      await store.upsertTraces([{ ...trace, salience: 0.5 }], 100); // same step: replaced
      await store.upsertTraces([{ ...trace, salience: 0.75, age: 103 }], 200);
      expect(await client.count()).toBe(2);
      const record = await client.queryById("trace_0_1_5_9_100");
      expect(record?.metadata).toEqual({
        layer: 0,
        head: 1,
        query_idx: 5,
        key_idx: 9,
        salience: 0.5,
        age: 3,
        training_step: 100,
        model_id: "m",
        task_tag: "QA",
      });
      expect((await client.queryById("trace_0_1_5_9_200"))?.metadata.salience).toBe(0.75);
      await store.close();
    });

    it("finds similar traces first, and reads back only its own model's and task's traces", async () => {
      const client = await open("traces_scoped");
      const embedder = new TraceEmbedder(128);
      const mine = new TraceVectorStore(client, { modelId: "mine", embedder });
      const edge = (head: number, q: number, k: number): AttentionTrace => ({
        layer: 1,
        head,
        queryIndex: q,
        keyIndex: k,
        salience: 0.5,
        age: 0,
      });
      await mine.upsertTraces(
        [edge(0, 40, 20), edge(0, 41, 20), edge(0, 200, 3), edge(2, 40, 20), edge(3, 10, 9)],
        10,
      );
      const other = new TraceVectorStore(client, { modelId: "other", embedder });
      await other.upsertTraces([edge(0, 40, 20)], 11);
      const tagged = new TraceVectorStore(client, { modelId: "mine", taskTag: "QA", embedder });
      await tagged.upsertTraces([edge(0, 40, 21)], 12);

      const hits = await mine.querySimilarTraces(edge(0, 40, 20), 3);
      // The edge itself, then its two neighbours one position away (in either order).
      expect(hits[0]?.trace.id).toBe("trace_1_0_40_20_10");
      expect(
        hits
          .slice(1)
          .map((h) => h.trace.id)
          .sort(),
      ).toEqual(["trace_1_0_40_21_12", "trace_1_0_41_20_10"]);
      expect(hits[0]?.score).toBeCloseTo(1, 5);
      for (const hit of hits) expect(hit.score).toBeGreaterThan(0.9);

      expect((await mine.loadTraces()).length).toBe(6); // both of its own tasks, not "other"
      expect((await other.loadTraces()).map((t) => t.id)).toEqual(["trace_1_0_40_20_11"]);
      expect((await tagged.loadTraces()).map((t) => t.id)).toEqual(["trace_1_0_40_21_12"]);
      await client.close();
    });

    it("refuses traces that cannot name an edge and writes none of the batch", async () => {
      const client = await open("traces_bad");
      const store = new TraceVectorStore(client);
      const good: AttentionTrace = {
        layer: 0,
        head: 0,
        queryIndex: 1,
        keyIndex: 0,
        salience: 1,
        age: 0,
      };
      const error = await store.upsertTraces([good, { ...good, head: -1 }], 5).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AiosError);
      expect((error as AiosError).message).toMatch(/head = -1 must be a non-negative integer/);
      await expect(store.upsertTraces([good], -1)).rejects.toThrow(/training step -1/);
      expect(await client.count()).toBe(0);
      await store.close();
    });
  });
}
