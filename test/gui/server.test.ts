import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultOf } from "../../src/config/field-kinds.js";
import { trainingFields } from "../../src/config/fields.js";
import { vectorStoreConfigSchema } from "../../src/config/memory-config.js";
import { isAiosError } from "../../src/core/errors.js";
import type { FormView, GuiState, RunStatus, ValidateResponse } from "../../src/gui/api-types.js";
import { type GuiServer, startGuiServer } from "../../src/gui/server.js";
import { SHARED_DATASETS } from "../data/fixtures.js";
import { writeWikitextRepo } from "../helpers/hub-fixtures.js";
import { startHubServer } from "../helpers/hub-server.js";
import { cliPath, repoRoot } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";
import { writeTokenizerFixture } from "../helpers/tokenizer-fixtures.js";

let dir: string;
let server: GuiServer;

async function api<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The status the server reports, once `done` says the run got there; polled, not timed. */
async function waitForStatus(done: (status: RunStatus) => boolean): Promise<RunStatus> {
  for (;;) {
    const { body } = await api<{ status: RunStatus }>("GET", "/api/train/status");
    if (done(body.status)) return body.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The tiny model of test/helpers as form values. */
function tinyForm(extra: Record<string, string | boolean>): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < TINY_MODEL_FLAGS.length; i += 2) {
    const flag = TINY_MODEL_FLAGS[i]?.slice(2);
    const key = Object.entries(trainingFields).find(([, spec]) => spec.flag === flag)?.[0];
    if (key !== undefined) values[key] = TINY_MODEL_FLAGS[i + 1] ?? "";
  }
  return {
    ...values,
    dataset_file: join(repoRoot, "examples", "data", "sample.txt"),
    batch_size: "2",
    log_file: join(dir, "run.jsonl"),
    ...extra,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-gui-server-"));
  server = await startGuiServer({
    host: "127.0.0.1",
    port: 0,
    stateFile: join(dir, "state.json"),
    cliPath,
    vectorStore: vectorStoreConfigSchema.parse({ lancedb: { path: join(dir, "lancedb") } }),
    cwd: dir,
    assetDir: join(repoRoot, "dist", "page"),
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the GUI server", () => {
  it("listens on loopback by default and serves the page and its compiled modules", async () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
    const page = await fetch(server.url);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('src="/page/gui/page/main.js"');
    const script = await fetch(new URL("/page/gui/page/main.js", server.url));
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await fetch(new URL("/page/../../package.json", server.url))).status).toBe(404);
  });

  it("describes the form from the config schema: its defaults, choices and help", async () => {
    const { body } = await api<FormView>("GET", "/api/form");
    const fields = body.sections.flatMap((s) => s.fields);
    const steps = fields.find((f) => f.key === "steps");
    expect(steps?.initial).toBe(String(defaultOf(trainingFields.steps.schema)));
    expect(steps?.help).toBe(trainingFields.steps.help);
    const gemm = fields.find((f) => f.key === "gemm");
    expect(gemm?.label).toBe("Compute engine");
    expect(gemm?.choices).toEqual(["auto", "native", "wasm"]);
    expect(gemm?.initial).toBe("auto");
    expect(fields.find((f) => f.key === "dataset_backend")?.choices).toEqual([
      "custom",
      "hf",
      "webdataset",
    ]);
    const hf = body.sections.find((s) => s.backend === "hf");
    expect(hf?.fields.map((f) => f.label)).toEqual([
      "Name",
      "Config",
      "Split",
      "Revision",
      "Data dir",
      "Data files",
      "Row shuffle buffer",
      "Streaming",
      "Cache dir",
    ]);
    const wds = body.sections.find((s) => s.backend === "webdataset");
    expect(wds?.fields.map((f) => f.label)).toEqual([
      "Pattern",
      "Resampled",
      "Shuffle buffer",
      "Decode",
      "Key",
    ]);
    expect(body.vectorStoreBackends).toEqual(["lancedb", "qdrant", "pgvector"]);
  });

  it("saves the state and returns it, dropping what the schema does not know", async () => {
    const saved = await api<GuiState>("PUT", "/api/state", {
      version: 1,
      training: { dataset_backend: "hf", hf_name: "imdb", steps: 12, unknown_field: "x" },
      memory: { backend: "pgvector", collection: "traces" },
    });
    expect(saved.body.training.dataset_backend).toBe("hf");
    expect(saved.body.training.hf_name).toBe("imdb");
    // A number where the form keeps text is not a form value: the default stays.
    expect(saved.body.training.steps).toBe("100");
    expect(saved.body.training).not.toHaveProperty("unknown_field");
    const again = await api<GuiState>("GET", "/api/state");
    expect(again.body).toEqual(saved.body);
    expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8"))).toEqual(saved.body);
  });

  it("validates with the CLI's rules and names the field of each problem", async () => {
    const { body } = await api<ValidateResponse>("POST", "/api/validate", {
      values: { dataset_backend: "webdataset", wds_pattern: "", num_heads: "3", steps: "ten" },
    });
    expect(body.ok).toBe(false);
    if (body.ok) return;
    const keys = body.problems.map((p) => p.key).sort();
    expect(keys).toEqual(["steps"]);
    const second = await api<ValidateResponse>("POST", "/api/validate", {
      values: { dataset_backend: "webdataset", wds_pattern: "", num_heads: "3" },
    });
    if (second.body.ok) throw new Error("expected problems");
    expect(second.body.problems.map((p) => p.key).sort()).toEqual(["num_heads", "wds_pattern"]);
    expect(second.body.problems.find((p) => p.key === "wds_pattern")?.message).toBe(
      "is required with --dataset-backend webdataset",
    );
    const ok = await api<ValidateResponse>("POST", "/api/validate", {
      values: { dataset_file: "hf://wikitext:wikitext-2-raw-v1:train", dataset_backend: "hf" },
    });
    expect(ok.body.ok).toBe(true);
    const bad = await api<ValidateResponse>("POST", "/api/validate", {
      values: { dataset_file: "s3://bucket/x" },
    });
    if (bad.body.ok) throw new Error("expected a problem");
    expect(bad.body.problems[0]?.key).toBe("dataset_file");
  });

  it("estimates a dataset's tokens per sample and a model's parameters and memory", async () => {
    const dataset = await api<{
      ok: true;
      estimate: { samples: unknown[]; tokensPerSample: number };
    }>("POST", "/api/estimate/dataset", { values: tinyForm({}) });
    expect(dataset.body.estimate.samples).toHaveLength(5);
    expect(dataset.body.estimate.tokensPerSample).toBeGreaterThan(0);
    const memory = await api<{
      ok: true;
      estimate: { trainableParams: number; totalBytes: number };
    }>("POST", "/api/estimate/memory", { values: { hidden_size: "32", num_heads: "2" } });
    expect(memory.body.estimate.trainableParams).toBeGreaterThan(0);
    expect(memory.body.estimate.totalBytes).toBeGreaterThan(
      memory.body.estimate.trainableParams * 4,
    );
  });

  it("sizes the model and counts tokens with the Tokenizer field, and shows its problems beside it", async () => {
    const memory = async (model: string) =>
      (
        await api<{ estimate: { trainableParams: number } }>("POST", "/api/estimate/memory", {
          values: { model, hidden_size: "32", num_heads: "2" },
        })
      ).body.estimate.trainableParams;
    // Embedding and output layer: 2 x vocabulary x hidden size.
    expect((await memory("cl100k_base")) - (await memory("gpt2"))).toBe(2 * (100277 - 50257) * 32);
    const counts = async (model: string) =>
      (
        await api<{ estimate: { samples: { tokens: number }[] } }>(
          "POST",
          "/api/estimate/dataset",
          { values: tinyForm({ model }) },
        )
      ).body.estimate.samples.map((sample) => sample.tokens);
    const unigram = await writeTokenizerFixture("unigram", join(dir, "unigram"));
    // Characters mostly: the tiny Unigram splits text into many more pieces than GPT-2.
    const [gpt2Counts, unigramCounts] = [await counts("gpt2"), await counts(unigram.dir)];
    unigramCounts.forEach((n, i) => {
      expect(n).toBeGreaterThan(gpt2Counts[i] ?? 0);
    });
    for (const path of ["/api/validate", "/api/estimate/memory", "/api/estimate/dataset"]) {
      const { body } = await api<ValidateResponse>("POST", path, {
        values: tinyForm({ model: join(dir, "missing", "tokenizer.json") }),
      });
      if (body.ok) throw new Error(`${path}: expected a problem`);
      expect(body.problems[0]?.key, path).toBe("model");
      expect(body.problems[0]?.message, path).toContain("no such file or directory");
    }
  });

  it("estimates an hf dataset through the Hub at HF_ENDPOINT, and names a wrong split", async () => {
    const repo = await writeWikitextRepo(join(dir, "hub"), SHARED_DATASETS, 500);
    const hub = await startHubServer({ wikitext: { main: repo.main, parquet: repo.parquet } });
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = hub.endpoint;
    try {
      const estimate = (uri: string) =>
        api<{
          estimate: { samples: { text: string }[]; tokensPerSample: number };
          error: { code: string; message: string };
        }>("POST", "/api/estimate/dataset", {
          values: { dataset_file: uri, dataset_backend: "hf" },
        });
      const ok = await estimate("hf://wikitext:wikitext-2-v1:test");
      // The page shows the start of each sample (long ones end in "…"): the first ones the
      // trainer reads, through its shuffle buffer (--hf-shuffle), so rows of the split.
      const rows = repo.rows.test.filter((row) => row.trim() !== "");
      const shown = ok.body.estimate.samples.map((sample) => sample.text);
      expect(shown).toHaveLength(5);
      for (const text of shown) {
        expect(rows.some((row) => row.startsWith(text.replace(/…$/, "")))).toBe(true);
      }
      expect(ok.body.estimate.tokensPerSample).toBeGreaterThan(0);
      const wrong = await estimate("hf://wikitext:wikitext-2-v1:train");
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe("DATASET_NOT_FOUND");
      expect(wrong.body.error.message).toContain("its splits are: validation, test");
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
      await hub.close();
    }
  });

  it("refuses requests from another origin", async () => {
    const response = await fetch(new URL("/api/train/start", server.url), {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body: JSON.stringify({ values: tinyForm({}) }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      "cross-origin",
    );
  });

  it("on loopback, answers only its own host names (no DNS rebinding)", async () => {
    const url = new URL(server.url);
    const statusFor = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path: "/api/state", headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect(await statusFor(`evil.example:${url.port}`)).toBe(400);
    expect(await statusFor(`localhost:${url.port}`)).toBe(200);
    expect(await statusFor(url.host)).toBe(200);
  });

  it("runs one training at a time and stops it gracefully: checkpoint and bundle written", async () => {
    // Two Starts at once: exactly one run begins.
    const values = tinyForm({ steps: "500", brain_name: "stoppable" });
    const starts = await Promise.all(
      [1, 2].map(() =>
        api<{ status?: RunStatus; error?: { message: string } }>("POST", "/api/train/start", {
          values,
        }),
      ),
    );
    expect(starts.map((s) => s.status).sort()).toEqual([200, 409]);
    expect(starts.find((s) => s.status === 200)?.body.status?.state).toBe("running");
    expect(starts.find((s) => s.status === 409)?.body.error?.message).toContain(
      "already in progress",
    );
    const later = await api<{ error: { message: string } }>("POST", "/api/train/start", {
      values: tinyForm({ steps: "2", brain_name: "other" }),
    });
    expect(later.status).toBe(409);

    // Stop once the trainer has written a step, so the stop lands inside training.
    for (;;) {
      const { body } = await api<{ metrics: unknown[] }>("GET", "/api/train/status");
      if (body.metrics.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await api("POST", "/api/train/stop", {});
    const finished = await waitForStatus((s) => s.state === "finished");
    if (finished.state !== "finished") throw new Error("unreachable");
    expect(finished.output).not.toMatch(/unexpected error/);
    expect(finished.exitCode).toBe(0);
    expect(finished.stopped).toBe(true);
    const records = (await readFile(join(dir, "run.jsonl"), "utf8")).trim().split("\n");
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(500);
    expect(existsSync(join(dir, "artifacts", "brains", "actv1", "stoppable"))).toBe(true);
  });

  it("offers Resume or a free name when Start names a brain that exists, and resumes it", async () => {
    const again = await api<{ ok: boolean; existingBrain?: unknown }>("POST", "/api/train/start", {
      values: tinyForm({ steps: "1", brain_name: "stoppable" }),
    });
    expect(again.status).toBe(200);
    const metadata = JSON.parse(
      await readFile(
        join(dir, "artifacts", "brains", "actv1", "stoppable", "metadata.json"),
        "utf8",
      ),
    );
    expect(again.body).toEqual({
      ok: false,
      existingBrain: {
        name: "stoppable",
        trainedSteps: metadata.training_steps,
        freeName: "stoppable-2",
      },
    });
    // Resume, with the form's architecture replaced by the checkpoint's.
    const resumed = await api<{ ok: boolean }>("POST", "/api/train/start", {
      values: tinyForm({ steps: "1", brain_name: "stoppable", resume: true, hidden_size: "64" }),
    });
    expect(resumed.body.ok).toBe(true);
    const finished = await waitForStatus((s) => s.state === "finished");
    if (finished.state !== "finished") throw new Error("unreachable");
    expect(finished.exitCode, finished.output).toBe(0);
    const after = JSON.parse(
      await readFile(
        join(dir, "artifacts", "brains", "actv1", "stoppable", "metadata.json"),
        "utf8",
      ),
    );
    expect(after.training_steps).toBe(metadata.training_steps + 1);
  });

  it("refuses to start on a port in use, saying which and what to do", async () => {
    const port = Number(new URL(server.url).port);
    const error = await startGuiServer({
      host: "127.0.0.1",
      port,
      stateFile: join(dir, "other-state.json"),
      cliPath,
      vectorStore: vectorStoreConfigSchema.parse({}),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAiosError(error)).toBe(true);
    if (!isAiosError(error)) return;
    expect(error.message).toBe(`port ${port} on 127.0.0.1 is already in use`);
    expect(error.hint).toContain("--port");
  });
});
