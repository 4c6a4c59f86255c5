import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { Prng } from "../../../src/core/prng.js";
import { MotifVectorStore } from "../../../src/memory/cognitive/motif-vector-store.js";
import type { CrystallizedMotif } from "../../../src/memory/cognitive/types.js";
import { testDrivers } from "./drivers.js";

const TASKS = ["QA", "retrieval", "generation", "math"] as const;

/**
 * Per task, one base routing sequence of 8 experts (out of 64) and motifs that differ from it
 * by one substitution, insertion or deletion: what a task's crystallized motifs look like.
 */
function taskMotifs(
  perTask: number,
  seed: number,
): { motifs: CrystallizedMotif[]; bases: Map<string, number[]> } {
  const prng = new Prng(seed);
  const motifs: CrystallizedMotif[] = [];
  const bases = new Map<string, number[]>();
  for (const task of TASKS) {
    const base = Array.from({ length: 8 }, () => prng.intInclusive(0, 63));
    bases.set(task, base);
    for (let i = 0; i < perTask; i++) {
      const sequence = [...base];
      const at = prng.intInclusive(1, 6);
      const edit = i % 3;
      if (edit === 0) sequence[at] = prng.intInclusive(0, 63);
      else if (edit === 1) sequence.splice(at, 0, prng.intInclusive(0, 63));
      else sequence.splice(at, 1);
      motifs.push({
        id: `${task}-${i}`,
        expertSequence: sequence,
        count: 100 + prng.intInclusive(0, 900),
        utility: Math.round(prng.uniform() * 1e6) / 1e6,
        entropy: prng.uniform() * 0.9,
        age: 500 + prng.intInclusive(0, 5000),
        taskTags: task === "QA" ? ["QA", "retrieval"] : [task],
      });
    }
  }
  return { motifs, bases };
}

const motif = (id: string, sequence: number[], utility: number, tags: string[]) =>
  ({
    id,
    expertSequence: sequence,
    count: 120,
    utility,
    entropy: 0.3,
    age: 600,
    taskTags: tags,
  }) satisfies CrystallizedMotif;

for (const driver of await testDrivers("motifs")) {
  const open = driver.open;
  if (open === null) {
    describe.skip(`MotifVectorStore on ${driver.name} (skipped: ${driver.skipReason})`, () => {
      it("runs against a live server", () => {});
    });
    continue;
  }

  describe(`MotifVectorStore on ${driver.name}`, () => {
    it("retrieves same-task motifs with cosine similarity above 0.8", async () => {
      const { motifs, bases } = taskMotifs(12, 11);
      const store = new MotifVectorStore(await open("motifs_tasks"));
      for (const m of motifs) await store.upsertMotif(m, "brain-a");

      for (const task of TASKS) {
        // QA motifs are also tagged retrieval; the retrieval task's own are those of its base.
        const sameTask = motifs.filter((m) => m.taskTags[0] === task);
        const hits = await store.querySimilarMotifs(bases.get(task) ?? [], sameTask.length);
        expect(hits.map((h) => h.motif.id).sort()).toEqual(sameTask.map((m) => m.id).sort());
        for (const hit of hits) expect(hit.score).toBeGreaterThan(0.8);
        // A task's own motif as the query finds its siblings (two edits apart) first.
        const query = sameTask[0] as CrystallizedMotif;
        const [self, sibling] = await store.querySimilarMotifs(query.expertSequence, 2);
        expect(self?.motif).toEqual(query);
        expect(self?.score).toBeCloseTo(1, 5);
        expect(sibling?.motif.taskTags[0]).toBe(task);
      }
      const other = await store.querySimilarMotifs(bases.get("QA") ?? [], 5, { taskTag: "math" });
      for (const hit of other) expect(hit.score).toBeLessThan(0.5);
      await store.close();
    });

    it("lists a task's motifs by utility with a filter-only query", async () => {
      const { motifs } = taskMotifs(12, 12);
      const store = new MotifVectorStore(await open("motifs_by_task"));
      for (const m of motifs) await store.upsertMotif(m, "brain-a");
      const retrieval = motifs
        .filter((m) => m.taskTags.includes("retrieval"))
        .sort((a, b) => b.utility - a.utility);
      const top = await store.queryMotifsForTask("retrieval", 5);
      expect(top.map((h) => h.motif.id)).toEqual(retrieval.slice(0, 5).map((m) => m.id));
      expect(top.every((h) => h.score === null)).toBe(true);
      expect(await store.queryMotifsForTask("retrieval", 100)).toHaveLength(retrieval.length);
      expect(retrieval).toHaveLength(24); // 12 tagged retrieval, 12 QA motifs tagged both
      expect(await store.queryMotifsForTask("nothing", 5)).toEqual([]);
      expect(await store.queryMotifsForTask("retrieval", 5, { modelId: "brain-b" })).toEqual([]);
      await store.close();
    });

    it("moves motifs to another model id and they come back equal", async () => {
      const store = new MotifVectorStore(await open("motifs_transfer"));
      const a = motif("a1", [2, 7, 3, 1], 0.123456789, ["retrieval", "QA"]);
      const b = motif("b1", [5, 5, 0], 0.5, ["generation"]);
      await store.upsertMotif(a, "model-a");
      await store.upsertMotif(b, "model-a");
      const moved = await store.transferMotifsToModel("model-b", ["a1", "b1"]);
      expect(moved).toEqual([a, b]);

      const forB = await store.queryMotifsForTask("QA", 10, { modelId: "model-b" });
      expect(forB.map((h) => h.motif)).toEqual([a]);
      expect([...(forB[0]?.modelIds ?? [])].sort()).toEqual(["model-a", "model-b"]);
      // Model A updating its statistics keeps B as an owner.
      await store.upsertMotif({ ...a, count: 999 }, "model-a");
      const again = await store.transferMotifsToModel("model-c", ["a1"]);
      expect(again).toEqual([{ ...a, count: 999 }]);
      const owners = (await store.queryMotifsForTask("QA", 1))[0]?.modelIds ?? [];
      expect([...owners].sort()).toEqual(["model-a", "model-b", "model-c"]);
      await store.close();
    });

    it("refuses a transfer of an unknown motif without writing, and malformed motifs", async () => {
      const client = await open("motifs_bad");
      const store = new MotifVectorStore(client);
      await store.upsertMotif(motif("x", [1, 2], 0.1, ["QA"]), "m");
      const error = await store.transferMotifsToModel("n", ["x", "missing"]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AiosError);
      expect((error as AiosError).message).toMatch(/motif "missing" is not in collection/);
      expect((await client.queryById("motif_x"))?.metadata.model_ids).toEqual(["m"]);
      await expect(store.upsertMotif(motif("y", [], 0.1, ["QA"]))).rejects.toThrow(
        /motif "y": expert sequence is empty/,
      );
      await expect(store.upsertMotif(motif("z", [1], Number.NaN, ["QA"]))).rejects.toThrow(
        /utility = NaN/,
      );
      await store.close();
    });
  });
}
