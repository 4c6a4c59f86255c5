import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { type Architecture, paramLayout } from "../../src/train/architecture.js";
import { decodeSafetensors } from "../../src/train/safetensors.js";
import { pythonWith } from "../helpers/python-venv.js";
import { runCli } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";

const python = pythonWith("safetensors", ["safetensors", "numpy"], "safetensors.numpy, numpy");
if (!python.ok) console.warn(`skipping the Python safetensors interop test: ${python.reason}`);

/** Reads the file with Python's safetensors and prints names, shapes, metadata and checksums. */
const READER = `
import json, sys
import numpy as np
from safetensors import safe_open
out = {"tensors": {}}
with safe_open(sys.argv[1], framework="numpy") as f:
    out["metadata"] = f.metadata()
    for name in f.keys():
        t = f.get_tensor(name)
        out["tensors"][name] = {"shape": list(t.shape), "dtype": str(t.dtype), "sum": float(np.float64(t).sum()), "first": float(t.reshape(-1)[0])}
print(json.dumps(out))
`;

describe.skipIf(!python.ok)("model.safetensors in Python", () => {
  it("holds every documented tensor with its name, shape and values", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aios-st-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const flags = [...TINY_MODEL_FLAGS, "--batch-size", "2", "--pos-encodings", "learned"];
    const r = await runCli([
      "hrm-hf",
      "train-actv1",
      "--dataset-file",
      "examples/data/sample.txt",
      "--steps",
      "1",
      "--bundle-dir",
      dir,
      "--log-file",
      join(dir, "m.jsonl"),
      ...flags,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(dir, "default", "model.safetensors");
    const py = spawnSync((python as { python: string }).python, ["-c", READER, file], {
      encoding: "utf8",
    });
    expect(py.status, py.stderr).toBe(0);
    const seen = JSON.parse(py.stdout) as {
      metadata: Record<string, string>;
      tensors: Record<string, { shape: number[]; dtype: string; sum: number; first: number }>;
    };
    const arch: Architecture = {
      hidden_size: 32,
      num_heads: 2,
      expansion: 2,
      h_layers: 1,
      l_layers: 1,
      h_cycles: 2,
      l_cycles: 2,
      pos_encodings: "learned",
      max_seq_len: 16,
      vocab_size: 50257,
      halt_max_steps: 2,
    };
    const d = 32;
    const I = 256; // SwiGLU width rounded up to a multiple of 256
    const documented: Record<string, number[]> = {
      "embed.weight": [50257, d],
      "pos.weight": [16, d],
      h_init: [d],
      l_init: [d],
      "lm_head.weight": [50257, d],
      "q_head.weight": [2, d],
      "q_head.bias": [2],
    };
    for (const m of ["h", "l"]) {
      documented[`${m}.blocks.0.attn.qkv.weight`] = [3 * d, d];
      documented[`${m}.blocks.0.attn.o_proj.weight`] = [d, d];
      documented[`${m}.blocks.0.mlp.gate_up.weight`] = [2 * I, d];
      documented[`${m}.blocks.0.mlp.down.weight`] = [d, I];
    }
    expect(Object.keys(seen.tensors).sort()).toEqual(Object.keys(documented).sort());
    for (const [name, shape] of Object.entries(documented)) {
      expect(seen.tensors[name]?.shape, name).toEqual(shape);
      expect(seen.tensors[name]?.dtype, name).toBe("float32");
    }
    expect(
      paramLayout(arch)
        .specs.map((s) => s.name)
        .sort(),
    ).toEqual(Object.keys(documented).sort());
    expect(seen.metadata).toMatchObject({
      hidden_size: "32",
      pos_encodings: "learned",
      vocab_size: "50257",
    });
    // Values: the checkpoint holds the same weights in training layout; a transpose keeps each
    // tensor's sum and its [0, 0] element.
    const state = decodeSafetensors(
      await readFile(join(dir, "default", "checkpoints", "state.safetensors")),
    );
    const params = state.tensors.get("params")?.data ?? new Float32Array();
    for (const spec of paramLayout(arch).specs) {
      const values = params.subarray(spec.offset, spec.offset + spec.size);
      const sum = values.reduce((a, b) => a + b, 0);
      expect(seen.tensors[spec.name]?.sum, spec.name).toBeCloseTo(sum, 2);
      expect(seen.tensors[spec.name]?.first, spec.name).toBeCloseTo(values[0] as number, 6);
    }
    expect(seen.tensors["q_head.bias"]?.first).toBeLessThan(-4.9);
  });
});
