import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeGemmMissing } from "../helpers/native-gemm.js";
import { metricsOf, runCli, STACK_FRAME, trainArgs } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";

const shakespeare = join("..", "shared", "datasets", "tinyshakespeare", "input.txt");
const tiny = [...TINY_MODEL_FLAGS, "--batch-size", "4", "--checkpoint-every", "0"];
const BOGUS = { AIOS_BLAS_LIBRARY: "/nonexistent/libbogus-blas.so" };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-gemm-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const args = (name: string, extra: readonly string[]) =>
  trainArgs(dir, name, ["--dataset-file", shakespeare, ...tiny, ...extra]);
const steps = async (name: string) =>
  (await metricsOf(dir, name)).filter((r) => r.event === "step");

if (nativeGemmMissing !== null) {
  process.stderr.write(`skipping the native-vs-WASM training runs: ${nativeGemmMissing}\n`);
}

describe.skipIf(nativeGemmMissing !== null)("--gemm native against --gemm wasm", () => {
  for (const pos of ["rope", "learned", "sinusoidal"]) {
    it(`trains to the same losses over 20 steps, same seed (${pos} positions)`, async () => {
      for (const engine of ["wasm", "native"]) {
        const r = await runCli(
          args(`${pos}-${engine}`, ["--steps", "20", "--pos-encodings", pos, "--gemm", engine]),
        );
        expect(r.code, r.stderr).toBe(0);
      }
      const wasm = await steps(`${pos}-wasm`);
      const native = await steps(`${pos}-native`);
      expect(wasm).toHaveLength(20);
      expect(native).toHaveLength(20);
      for (let i = 0; i < 20; i++) {
        expect(wasm[i]?.gemm).toBe("wasm");
        expect(native[i]?.gemm).toBe("native");
        // The losses within 1e-5 relative; the halting head's parts (near 0, where a relative
        // bound means nothing) within 1e-5 of the loss they add to.
        const scale = Math.abs(wasm[i]?.loss as number);
        for (const [field, bound] of [
          ["loss", 1e-5 * scale],
          ["lm_loss", 1e-5 * Math.abs(wasm[i]?.lm_loss as number)],
          ["q_halt_loss", 1e-5 * scale],
          ["q_continue_loss", 1e-5 * scale],
        ] as const) {
          const w = wasm[i]?.[field] as number;
          const n = native[i]?.[field] as number;
          expect(Math.abs(n - w), `step ${i + 1} ${field}: ${n} vs ${w}`).toBeLessThanOrEqual(
            bound,
          );
        }
      }
    });
  }

  it("names the engine and its library on the start line and in metadata.json", async () => {
    const r = await runCli(args("recorded", ["--steps", "1", "--gemm", "native"]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 workers, native GEMM \(\S+\)/);
    const metadata = JSON.parse(
      await readFile(join(dir, "brains", "recorded", "metadata.json"), "utf8"),
    );
    expect(metadata.sessions.map((s: { gemm: string }) => s.gemm)).toEqual(["native"]);
  });
});

describe.skipIf(nativeGemmMissing !== null)("a trained brain on either engine", () => {
  it("generate and eval run on --gemm's engine and agree with WASM", async () => {
    const trained = await runCli(args("used", ["--steps", "2"]));
    expect(trained.code, trained.stderr).toBe(0);
    const brain = ["--bundle-dir", join(dir, "brains"), "--brain-name", "used"];
    const generated = async (engine: string) => {
      const r = await runCli([
        "hrm-hf",
        "generate",
        ...brain,
        "--prompt",
        "ROMEO:",
        "--max-new-tokens",
        "8",
        "--temperature",
        "0",
        "--json",
        "--gemm",
        engine,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { ids: number[]; segments: number[]; gemm: string };
    };
    const wasm = await generated("wasm");
    const native = await generated("native");
    expect(wasm.gemm).toBe("wasm");
    expect(native.gemm).toBe("native");
    expect(native.ids).toEqual(wasm.ids);
    expect(native.segments).toEqual(wasm.segments);
    const evaluated = async (engine: string) => {
      const r = await runCli([
        "hrm-hf",
        "eval",
        ...brain,
        "--dataset-file",
        shakespeare,
        "--eval-batches",
        "2",
        "--batch-size",
        "2",
        "--log-file",
        join(dir, `eval-${engine}.jsonl`),
        "--json",
        "--gemm",
        engine,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { loss: number; tokens: number };
    };
    const wasmEval = await evaluated("wasm");
    const nativeEval = await evaluated("native");
    expect(nativeEval.tokens).toBe(wasmEval.tokens);
    expect(Math.abs(nativeEval.loss - wasmEval.loss)).toBeLessThanOrEqual(1e-5 * wasmEval.loss);
  });
});

describe("a missing BLAS library", () => {
  it("--gemm auto trains on WASM after one line saying why and how to get the native path", async () => {
    const r = await runCli(args("fallback", ["--steps", "1"]), { env: BOGUS });
    expect(r.code, r.stderr).toBe(0);
    const notice = r.stderr.split("\n").filter((l) => l.startsWith("matrix products on WASM:"));
    expect(notice).toHaveLength(1);
    if (process.platform === "linux")
      expect(notice[0]).toContain("apt-get install libopenblas0-pthread");
    expect(r.stderr).toContain("WASM GEMM");
    expect((await steps("fallback")).map((s) => s.gemm)).toEqual(["wasm"]);
    const metadata = JSON.parse(
      await readFile(join(dir, "brains", "fallback", "metadata.json"), "utf8"),
    );
    expect(metadata.sessions[0].gemm).toBe("wasm");
  });

  it("generate with --gemm native stops with exit 2 naming the fix; auto says why it uses WASM", async () => {
    const trained = await runCli(args("for-generate", ["--steps", "1", "--gemm", "wasm"]));
    expect(trained.code, trained.stderr).toBe(0);
    const generate = ["hrm-hf", "generate", "--bundle-dir", join(dir, "brains")];
    const prompt = ["--brain-name", "for-generate", "--prompt", "ROMEO:", "--max-new-tokens", "2"];
    const demanded = await runCli([...generate, ...prompt, "--gemm", "native"], { env: BOGUS });
    expect(demanded.code).toBe(2);
    expect(demanded.stderr).not.toMatch(STACK_FRAME);
    expect(demanded.stderr).toContain("--gemm wasm");
    const fallback = await runCli([...generate, ...prompt], { env: BOGUS });
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr).toMatch(/^matrix products on WASM:/m);
    expect(fallback.stderr).toMatch(/tokens\/s, WASM GEMM\)/);
  });

  it("--gemm native stops with exit 2 before writing anything, naming the fix", async () => {
    const r = await runCli(args("demanded", ["--steps", "1", "--gemm", "native"]), { env: BOGUS });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).toContain("--gemm native:");
    expect(r.stderr).toContain("--gemm wasm");
    expect(existsSync(join(dir, "brains", "demanded"))).toBe(false);
    expect(existsSync(join(dir, "demanded.jsonl"))).toBe(false);
  });

  it("--gemm wasm says nothing about it", async () => {
    const r = await runCli(args("plain", ["--steps", "1", "--gemm", "wasm"]), { env: BOGUS });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("matrix products on WASM:");
    expect((await steps("plain")).map((s) => s.gemm)).toEqual(["wasm"]);
  });
});
