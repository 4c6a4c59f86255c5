import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../src/config/memory-config.js";
import {
  TRACE_COLLECTION,
  TraceVectorStore,
} from "../../src/memory/cognitive/trace-vector-store.js";
import { createVectorStore } from "../../src/memory/vector-store/create-vector-store.js";
import { runCli, STACK_FRAME, trainArgs } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";

let dir: string;
let text: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-traces-"));
  text = join(dir, "text.txt");
  const lines = Array.from({ length: 200 }, (_, i) => `the cat sat on the mat number ${i % 7}.`);
  await writeFile(text, `${lines.join("\n")}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A config file turning trace persistence on: a sync every 2 steps, from step 2. */
async function traceConfig(name: string, backend: "lancedb" | "pgvector", warmStart: boolean) {
  const file = join(dir, `${name}-${warmStart ? "warm" : "cold"}.yaml`);
  await writeFile(
    file,
    [
      "memory:",
      "  vector_store:",
      `    backend: ${backend}`,
      `    lancedb: {path: ${JSON.stringify(join(dir, "lancedb"))}}`,
      `    pgvector: {path: ${JSON.stringify(join(dir, "pgvector"))}}`,
      "  persistent_traces:",
      "    persist_to_vector_store: true",
      "    trace_sync_interval: 2",
      "    warmup_steps: 0",
      "    sparsity: 0.05", // of 136 causal edges per head (T = 16): 7 per head
      "    salience_threshold: 0",
      `    warm_start: ${warmStart}`,
      "",
    ].join("\n"),
  );
  return file;
}

function train(name: string, config: string, extra: readonly string[] = []) {
  return runCli(
    trainArgs(dir, name, [
      "--config",
      config,
      "--dataset-file",
      text,
      ...TINY_MODEL_FLAGS,
      "--batch-size",
      "4",
      "--steps",
      "4",
      ...extra,
    ]),
  );
}

async function traceRecords(name: string): Promise<Record<string, unknown>[]> {
  const lines = (await readFile(join(dir, `${name}.jsonl`), "utf8")).trim().split("\n");
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((r) => r.event === "traces");
}

describe("attention traces in training", () => {
  for (const backend of ["lancedb", "pgvector"] as const) {
    it(`persists traces on sync steps, and a warm start loads them back (${backend})`, async () => {
      const name = `traces-${backend}`;
      const loadTraces = async () => {
        const config = vectorStoreConfigSchema.parse({
          backend,
          lancedb: { path: join(dir, "lancedb") },
          pgvector: { path: join(dir, "pgvector") },
        });
        const store = new TraceVectorStore(
          await createVectorStore(backend, config, { collection: TRACE_COLLECTION }),
          { modelId: name },
        );
        try {
          return await store.loadTraces();
        } finally {
          await store.close();
        }
      };
      const first = await train(name, await traceConfig(name, backend, false));
      expect(first.stderr).not.toMatch(STACK_FRAME);
      expect(first.code).toBe(0);
      // 2 layers (H, L) × 2 heads × 7 edges per head, at steps 2 and 4.
      const synced = await traceRecords(name);
      expect(synced.map((r) => [r.action, r.step, r.count])).toEqual([
        ["sync", 2, 28],
        ["sync", 4, 28],
      ]);
      expect(synced[0]).toMatchObject({
        collection: `aios_memory_${TRACE_COLLECTION}`,
        vector_store: backend,
        brain: name,
      });

      const stored = await loadTraces();
      expect(stored).toHaveLength(56);
      expect(new Set(stored.map((t) => t.trainingStep))).toEqual(new Set([2, 4]));
      for (const trace of stored) {
        expect(trace.salience).toBeGreaterThan(0);
        expect(trace.salience).toBeLessThanOrEqual(1);
        expect(trace.keyIndex).toBeLessThanOrEqual(trace.queryIndex);
        expect([0, 1]).toContain(trace.layer);
      }
      // Query 0 attends only to key 0, with probability 1: always among the strongest edges.
      expect(stored.some((t) => t.queryIndex === 0 && t.keyIndex === 0 && t.salience > 0.99)).toBe(
        true,
      );

      const second = await train(name, await traceConfig(name, backend, true), ["--resume"]);
      expect(second.stderr).not.toMatch(STACK_FRAME);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/warm start: 56 attention traces of brain/);
      const all = await traceRecords(name);
      expect(all.slice(2).map((r) => [r.action, r.step, r.count])).toEqual([
        ["warm_start", 4, 56],
        ["sync", 6, 28],
        ["sync", 8, 28],
      ]);
      // 56 traces of 2 syncs: between 28 distinct edges (the same twice) and 56.
      expect(all[2]?.edges).toBeGreaterThanOrEqual(28);
      expect(all[2]?.edges).toBeLessThanOrEqual(56);
      // The loaded edges keep their age: edge 0→0, captured first at step 2, is 4 steps old at 6.
      const after = await loadTraces();
      expect(after).toHaveLength(112);
      const origin = after.filter((t) => t.queryIndex === 0 && t.keyIndex === 0);
      expect(origin.filter((t) => t.trainingStep === 6).map((t) => t.age)).toEqual([4, 4, 4, 4]);
      expect(origin.filter((t) => t.trainingStep === 2).map((t) => t.age)).toEqual([0, 0, 0, 0]);
    });
  }
});
