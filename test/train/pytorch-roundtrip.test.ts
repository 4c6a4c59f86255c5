import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/data/tokenizer/tokenizer.js";
import { loadBrain } from "../../src/train/brain-file.js";
import { generate } from "../../src/train/generate.js";
import { HrmInference } from "../../src/train/inference.js";
import { HrmModel } from "../../src/train/model.js";
import { initTensorflow } from "../../src/train/tf-setup.js";
import { pythonWith } from "../helpers/python-venv.js";
import { repoRoot, runCli } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";

const python = pythonWith(
  "torch",
  ["torch==2.13.0+cpu", "safetensors", "numpy"],
  "torch, safetensors",
);
if (!python.ok) console.warn(`skipping the PyTorch round-trip tests: ${python.reason}`);

/**
 * Runs the python/aios_hrm package on a bundle: logits `[B, T, V]` of `ids` to a float32 file,
 * the mean next-token loss, greedy generation; with `edit`, changes weights and writes the
 * bundle to `edit` with save_bundle.
 */
const DRIVER = `
import json, sys
import torch, torch.nn.functional as F
from aios_hrm import load_bundle, save_bundle, generate_greedy
job = json.loads(sys.argv[1])
torch.manual_seed(0)
model = load_bundle(job["bundle"])
if job.get("edit"):
    with torch.no_grad():
        model.lm_head.weight.mul_(1.5)
        model.l.blocks[0].attn.qkv.weight.add_(0.05 * torch.randn_like(model.l.blocks[0].attn.qkv.weight))
        model.embed.weight[:1000].mul_(-1)
    save_bundle(model, job["edit"])
seqs = torch.tensor(job["seqs"], dtype=torch.long)
with torch.no_grad():
    logits = model(seqs[:, :-1])
logits.numpy().astype("<f4").tofile(job["logits"])
loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), seqs[:, 1:].reshape(-1)).item()
ids, segments = generate_greedy(model, job["prompt"], 32, eot_id=50256)
print(json.dumps({"loss": loss, "ids": ids, "segments": segments}))
`;

interface DriverOut {
  loss: number;
  ids: number[];
  segments: number[];
}

let dir = "";
const T = 16;
const seqs = [0, 1].map((r) =>
  Array.from({ length: T + 1 }, (_, t) => (r * 7919 + t * 104729) % 50257),
);
const prompt = "The quick brown fox";

function runDriver(job: Record<string, unknown>): DriverOut {
  const py = spawnSync((python as { python: string }).python, ["-c", DRIVER, JSON.stringify(job)], {
    encoding: "utf8",
    cwd: join(repoRoot, "python"),
  });
  expect(py.status, py.stderr).toBe(0);
  return JSON.parse(py.stdout) as DriverOut;
}

async function readFloats(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

beforeAll(async () => {
  if (!python.ok) return;
  await initTensorflow();
  dir = await mkdtemp(join(tmpdir(), "aios-torch-"));
});
afterAll(() => (dir === "" ? undefined : rm(dir, { recursive: true, force: true })));

describe.skipIf(!python.ok).each(["rope", "learned", "sinusoidal"])(
  "aios and the PyTorch package (%s)",
  (pos) => {
    it("give the same logits, loss and greedy tokens; weights edited in PyTorch load back", async () => {
      const bundles = join(dir, pos);
      const r = await runCli([
        "hrm-hf",
        "train-actv1",
        "--dataset-file",
        "examples/data/sample.txt",
        "--steps",
        "3",
        "--batch-size",
        "2",
        "--pos-encodings",
        pos,
        "--bundle-dir",
        bundles,
        "--log-file",
        join(bundles, "m.jsonl"),
        ...TINY_MODEL_FLAGS,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const bundle = join(bundles, "default");
      const edited = join(bundles, "edited");
      await cp(bundle, edited, { recursive: true });
      const brain = await loadBrain(bundles, "default");
      const tokenizer = await loadTokenizer(brain.tokenizer);
      const job = {
        bundle,
        seqs,
        prompt: (await tokenizer.encodeBatch([prompt]))[0],
        logits: join(dir, `${pos}-logits.f32`),
      };
      const torchOut = runDriver(job);

      const model = new HrmInference(brain.arch, brain.params);
      const inputs = Int32Array.from(seqs.flatMap((s) => s.slice(0, T)));
      const ours = model.logitsAll(inputs, 2);
      const theirs = await readFloats(job.logits);
      expect(ours.length).toBe(theirs.length);
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-4);
      const trainer = new HrmModel(brain.arch, brain.params);
      const evaluated = trainer.evaluate(Int32Array.from(seqs.flat()), 2);
      trainer.dispose();
      expect(evaluated.lossSum / evaluated.tokens).toBeCloseTo(torchOut.loss, 4);
      const greedy = await generate(model, tokenizer, prompt, {
        maxNewTokens: 32,
        temperature: 0,
        topK: 0,
        topP: 1,
        seed: 0,
        stop: [],
      });
      model.dispose();
      expect(greedy.tokens.map((t) => t.id)).toEqual(torchOut.ids);
      expect(greedy.tokens.map((t) => t.segments)).toEqual(torchOut.segments);

      // Edited in PyTorch, saved with safetensors: aios loads it and gives PyTorch's new logits.
      const editJob = { ...job, edit: edited, logits: join(dir, `${pos}-edited.f32`) };
      runDriver(editJob);
      const changed = await loadBrain(bundles, "edited");
      const editedModel = new HrmInference(changed.arch, changed.params);
      const after = editedModel.logitsAll(inputs, 2);
      editedModel.dispose();
      const pyAfter = await readFloats(editJob.logits);
      expect(maxAbsDiff(after, ours)).toBeGreaterThan(0.1);
      expect(maxAbsDiff(after, pyAfter)).toBeLessThanOrEqual(1e-4);
    });
  },
);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
