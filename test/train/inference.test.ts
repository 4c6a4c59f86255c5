import { beforeAll, describe, expect, it } from "vitest";
import { Prng } from "../../src/core/prng.js";
import type { Tokenizer } from "../../src/data/tokenizer/tokenizer.js";
import { type Architecture, paramLayout, specByName } from "../../src/train/architecture.js";
import { generate } from "../../src/train/generate.js";
import { HrmInference } from "../../src/train/inference.js";
import { initialParams } from "../../src/train/init.js";
import { HrmModel } from "../../src/train/model.js";
import { argmax, pickToken } from "../../src/train/sampling.js";
import { initTensorflow } from "../../src/train/tf-setup.js";

const T = 8;
const V = 16;
const arch = (pos: Architecture["pos_encodings"]): Architecture => ({
  hidden_size: 8,
  num_heads: 2,
  expansion: 2,
  h_layers: 1,
  l_layers: 1,
  h_cycles: 2,
  l_cycles: 2,
  pos_encodings: pos,
  max_seq_len: T,
  vocab_size: V,
  halt_max_steps: 3,
});

/** One character per id: `a`..`o`, id 15 is the end of sequence. */
const letters: Tokenizer = {
  spec: { kind: "tiktoken", name: "letters" } as unknown as Tokenizer["spec"],
  name: "letters",
  eosId: 15,
  padId: 15,
  vocabSize: V,
  samplesPerCall: 1,
  encodeBatch: async (texts) => texts.map((text) => [...text].map((c) => c.charCodeAt(0) - 97)),
  decode: async (ids) => ids.map((i) => String.fromCharCode(97 + i)).join(""),
};

beforeAll(() => initTensorflow());

describe.each(["rope", "learned", "sinusoidal"] as const)("inference forward (%s)", (pos) => {
  it("gives the trainer's evaluation loss, and a prefix the logits the full window has there", async () => {
    const a = arch(pos);
    const params = initialParams(paramLayout(a), 3);
    const rows = 2;
    const ids = Int32Array.from({ length: rows * (T + 1) }, (_, i) => (i * 5 + 1) % V);
    const trainer = new HrmModel(a, params);
    const expected = trainer.evaluate(ids, rows);
    trainer.dispose();
    const model = new HrmInference(a, params);
    const inputs = new Int32Array(rows * T);
    for (let r = 0; r < rows; r++) inputs.set(ids.subarray(r * (T + 1), r * (T + 1) + T), r * T);
    const logits = model.logitsAll(inputs, rows);
    let lossSum = 0;
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < T; t++) {
        const row = logits.subarray((r * T + t) * V, (r * T + t + 1) * V);
        const max = Math.max(...row);
        const logSum = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
        lossSum += logSum - (row[ids[r * (T + 1) + t + 1] as number] as number);
      }
    }
    expect(lossSum / (rows * T)).toBeCloseTo(expected.lossSum / expected.tokens, 4);
    // Causal: the first 5 tokens alone give the logits the 8-token window has at position 4.
    const prefix = model.next([...inputs.subarray(0, 5)], false);
    const inWindow = logits.subarray(4 * V, 5 * V);
    for (let v = 0; v < V; v++) expect(prefix.logits[v]).toBeCloseTo(inWindow[v] as number, 4);
    expect(prefix.segments).toBe(3);
    model.dispose();
  });
});

describe("ACT at inference", () => {
  it("stops after the first segment whose q_halt exceeds q_continue, else runs halt_max_steps", async () => {
    const a = arch("rope");
    const layout = paramLayout(a);
    const params = initialParams(layout, 4);
    const bias = specByName(layout, "q_head.bias").offset;
    params[bias] = 1; // q_halt
    params[bias + 1] = 0; // q_continue; q_head.weight is 0 at init, so q = bias
    const halting = new HrmInference(a, params);
    expect(halting.next([1, 2, 3]).segments).toBe(1);
    halting.dispose();
    params[bias] = -1;
    const running = new HrmInference(a, params);
    expect(running.next([1, 2, 3]).segments).toBe(3);
    running.dispose();
  });
});

describe.each(["rope", "learned", "sinusoidal"] as const)("key/value cache (%s)", (pos) => {
  it("gives the logits and segments of a fresh forward as the context grows and slides", () => {
    const a = { ...arch(pos), halt_max_steps: 4 };
    const layout = paramLayout(a);
    const params = initialParams(layout, 11);
    // A Q head that reads the state strongly, so ACT runs a different number of segments for
    // different contexts: the cache must then run segments earlier calls did not.
    const qHead = specByName(layout, "q_head.weight");
    const prng = new Prng(5);
    for (let i = 0; i < qHead.size; i++) params[qHead.offset + i] = 4 * (prng.uniform() - 0.5);
    const cached = new HrmInference(a, params);
    const fresh = new HrmInference(a, params);
    const stream = Array.from({ length: T + 4 }, (_, i) => (i * 7 + 3) % V);
    for (let n = 1; n <= stream.length; n++) {
      // Past the context the window slides: every position moves and the cache starts again.
      const context = stream.slice(Math.max(0, n - T), n);
      const got = cached.next(context);
      fresh.resetCache();
      const want = fresh.next(context);
      expect(got.segments, `context of ${n}`).toBe(want.segments);
      for (let v = 0; v < V; v++) expect(got.logits[v]).toBeCloseTo(want.logits[v] as number, 4);
    }
    // The same context again: every segment it runs is cached whole.
    const last = stream.slice(-T);
    fresh.resetCache();
    const again = fresh.next(last).logits;
    const repeated = cached.next(last).logits;
    for (let v = 0; v < V; v++) expect(repeated[v]).toBeCloseTo(again[v] as number, 4);
    // A context that is not the cached one plus tokens (a new prompt) starts again too.
    const other = [5, 4, 3];
    fresh.resetCache();
    expect(Array.from(cached.next(other).logits)).toEqual(Array.from(fresh.next(other).logits));
    cached.dispose();
    fresh.dispose();
  });

  it("runs the segments an earlier, shorter call did not, on every position", () => {
    const a = { ...arch(pos), halt_max_steps: 4 };
    const layout = paramLayout(a);
    const params = initialParams(layout, 12);
    // q_head.weight is 0 at init, so q = bias: with ACT every call halts after one segment.
    params[specByName(layout, "q_head.bias").offset] = 1;
    const cached = new HrmInference(a, params);
    const fresh = new HrmInference(a, params);
    const stream = [3, 1, 4, 1, 5, 9];
    expect(cached.next(stream.slice(0, 3)).segments).toBe(1);
    // Without ACT the longer context runs all 4: segments 2-4 must run positions 0-2 as well.
    const longer = cached.next(stream, false);
    const want = fresh.next(stream, false);
    expect(longer.segments).toBe(4);
    for (let v = 0; v < V; v++) expect(longer.logits[v]).toBeCloseTo(want.logits[v] as number, 4);
    cached.dispose();
    fresh.dispose();
  });
});

describe("generate", () => {
  const a = arch("rope");
  const params = initialParams(paramLayout(a), 9);
  const base = { maxNewTokens: 6, temperature: 1, topK: 0, topP: 1, seed: 1, stop: [] };

  it("is reproducible for a seed, differs across seeds, and stops at --max-new-tokens", async () => {
    const model = new HrmInference(a, params);
    const runs = [];
    for (const seed of [1, 1, 2, 3])
      runs.push(await generate(model, letters, "abc", { ...base, seed }));
    model.dispose();
    expect(runs[0]?.tokens.map((t) => t.id)).toEqual(runs[1]?.tokens.map((t) => t.id));
    const distinct = new Set(runs.map((r) => r.text));
    expect(distinct.size).toBeGreaterThan(1);
    for (const r of runs) {
      if (r.stopReason === "max_new_tokens") expect(r.tokens).toHaveLength(6);
      else expect(r.tokens.length).toBeLessThan(6);
    }
  });

  it("greedy takes the argmax of each step's logits, sliding past the context", async () => {
    const model = new HrmInference(a, params);
    const r = await generate(model, letters, "abcdef", {
      ...base,
      temperature: 0,
      maxNewTokens: 5,
    });
    const context = [0, 1, 2, 3, 4, 5];
    for (const token of r.tokens) {
      expect(token.id).toBe(argmax(model.next(context.slice(-T)).logits));
      context.push(token.id);
    }
    model.dispose();
  });

  it("ends before a stop string, never streaming any of it", async () => {
    const model = new HrmInference(a, params);
    const noEot = { ...letters, eosId: -1 };
    const free = await generate(model, noEot, "abc", { ...base, maxNewTokens: 6 });
    const text = free.text;
    expect(text.length).toBeGreaterThan(3);
    const stop = text.slice(2, 4);
    const streamed: string[] = [];
    const r = await generate(model, noEot, "abc", { ...base, maxNewTokens: 6, stop: [stop] }, (t) =>
      streamed.push(t),
    );
    model.dispose();
    expect(r.stopReason).toBe("stop");
    expect(r.text).toBe(text.slice(0, text.indexOf(stop)));
    expect(streamed.join("")).toBe(r.text);
  });

  it("ends at the tokenizer's end-of-text id, which is not part of the text", async () => {
    const model = new HrmInference(a, params);
    const first = await generate(model, letters, "abc", {
      ...base,
      temperature: 0,
      maxNewTokens: 1,
    });
    const id = first.tokens[0]?.id ?? letters.eosId;
    const r = await generate(model, { ...letters, eosId: id }, "abc", { ...base, temperature: 0 });
    model.dispose();
    expect(r.stopReason).toBe("eot");
    expect(r.tokens).toHaveLength(0);
  });
});

describe("pickToken", () => {
  const logits = Float32Array.from([0, 3, 1, 2.5]);
  it("top-k 1 is greedy and top-p keeps only the nucleus", async () => {
    const prng = new Prng(0);
    for (let i = 0; i < 50; i++) {
      expect(pickToken(logits, { temperature: 1, topK: 1, topP: 1 }, prng)).toBe(1);
      // p(1) ≈ 0.53, p(3) ≈ 0.32: top_p 0.8 keeps exactly {1, 3}.
      expect([1, 3]).toContain(pickToken(logits, { temperature: 1, topK: 0, topP: 0.8 }, prng));
    }
  });
});
