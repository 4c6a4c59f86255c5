import type { IncomingMessage, ServerResponse } from "node:http";
import { AiosError } from "../core/errors.js";
import { BrainExistsError } from "../train/bundle.js";
import { estimateTrainingMemory } from "../train/memory-estimate.js";
import type { RunPlan } from "../train/run-preflight.js";
import type { ExistingBrain, FormValues } from "./api-types.js";
import { estimateDataset } from "./dataset-estimate.js";
import { openEventStream } from "./event-stream.js";
import { readJson, sendError, sendJson } from "./http-json.js";
import type { MemoryView, QuerySource } from "./memory-view.js";
import { PAGE_HTML } from "./page-html.js";
import { formView } from "./panel-layout.js";
import type { GuiStateStore } from "./state-store.js";
import { sendStatic } from "./static-files.js";
import type { TrainingRunner } from "./training-runner.js";
import { checkForm, checkTokenizer } from "./validate-form.js";

export interface GuiContext {
  readonly state: GuiStateStore;
  readonly runner: TrainingRunner;
  readonly memory: MemoryView;
  /** The page's compiled browser modules (`dist/page`). */
  readonly assetDir: string;
  /**
   * `Host` headers served (`127.0.0.1:8765`, `localhost:8765`, ...), or null for any. A server
   * on loopback answers only its own names, so a web page whose domain was made to resolve to
   * 127.0.0.1 (DNS rebinding) cannot reach it.
   */
  readonly allowedHosts: ReadonlySet<string> | null;
}

type Handler = (
  ctx: GuiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => Promise<void>;

const PREVIEW_SAMPLES = 5;

const routes: Record<string, Handler> = {
  "GET /": async (_ctx, _req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
    res.end(PAGE_HTML);
  },
  // Browsers ask for one; there is none.
  "GET /favicon.ico": async (_ctx, _req, res) => {
    res.writeHead(204).end();
  },
  "GET /api/form": async (_ctx, _req, res) => sendJson(res, 200, formView()),
  "GET /api/state": async (ctx, _req, res) => sendJson(res, 200, await ctx.state.get()),
  "PUT /api/state": async (ctx, req, res) =>
    sendJson(res, 200, await ctx.state.set(await readJson(req))),
  "POST /api/validate": async (_ctx, req, res) => {
    const check = checkForm(await formValues(req));
    if (!check.ok) return sendJson(res, 200, check);
    const tokenizer = await checkTokenizer(check.config);
    sendJson(res, 200, tokenizer.ok ? check : tokenizer);
  },
  "POST /api/estimate/dataset": async (_ctx, req, res) => {
    const check = checkForm(await formValues(req));
    if (!check.ok) return sendJson(res, 200, check);
    const tokenizer = await checkTokenizer(check.config);
    if (!tokenizer.ok) return sendJson(res, 200, tokenizer);
    sendJson(res, 200, {
      ok: true,
      estimate: await estimateDataset(check.config, tokenizer.tokenizer, PREVIEW_SAMPLES),
    });
  },
  "POST /api/estimate/memory": async (_ctx, req, res) => {
    const check = checkForm(await formValues(req), { requireDataset: false });
    if (!check.ok) return sendJson(res, 200, check);
    const tokenizer = await checkTokenizer(check.config);
    if (!tokenizer.ok) return sendJson(res, 200, tokenizer);
    sendJson(res, 200, {
      ok: true,
      estimate: estimateTrainingMemory(check.config, tokenizer.tokenizer.vocabSize),
    });
  },
  "POST /api/train/start": async (ctx, req, res) => {
    const check = checkForm(await formValues(req));
    if (!check.ok) return sendJson(res, 200, check);
    let plan: RunPlan;
    try {
      plan = await ctx.runner.plan(check.config);
    } catch (error) {
      // Not a failure to report but a choice to offer: resume that brain, or take a free name.
      if (!(error instanceof BrainExistsError)) throw error;
      const existingBrain: ExistingBrain = {
        name: error.brain,
        trainedSteps: error.trainedSteps,
        freeName: error.freeName,
      };
      return sendJson(res, 200, { ok: false, existingBrain });
    }
    sendJson(res, 200, { ok: true, status: await ctx.runner.start(plan.config) });
  },
  "POST /api/train/stop": async (ctx, _req, res) =>
    sendJson(res, 200, { status: ctx.runner.stop() }),
  "GET /api/train/status": async (ctx, _req, res) =>
    sendJson(res, 200, { status: ctx.runner.status, metrics: ctx.runner.metrics }),
  "GET /api/train/events": async (ctx, _req, res) => {
    const stream = openEventStream(res);
    stream.send("status", ctx.runner.status);
    for (const record of ctx.runner.metrics) stream.send("metric", record);
    const unsubscribe = ctx.runner.subscribe((event) =>
      stream.send(event.type, event.type === "status" ? event.status : event.record),
    );
    stream.onClose(unsubscribe);
  },
  "GET /api/memory/collection": async (ctx, _req, res, url) => {
    const { backend, collection } = storeParams(
      url.searchParams.get("backend"),
      url.searchParams.get("collection"),
    );
    sendJson(res, 200, await ctx.memory.collection(backend, collection));
  },
  "POST /api/memory/query": async (ctx, req, res) => {
    const body = asRecord(await readJson(req));
    const { backend, collection } = storeParams(body.backend, body.collection);
    const source: QuerySource =
      typeof body.id === "string" && body.id !== ""
        ? { id: body.id }
        : { randomSeed: typeof body.randomSeed === "number" ? body.randomSeed : 0 };
    const topK = typeof body.topK === "number" && body.topK >= 1 ? Math.floor(body.topK) : 5;
    sendJson(res, 200, await ctx.memory.query(backend, collection, source, topK));
  },
};

/** Handles one request; every failure becomes a JSON error with message and hint. */
export async function handleRequest(
  ctx: GuiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  try {
    if (ctx.allowedHosts !== null && !ctx.allowedHosts.has(req.headers.host ?? "")) {
      throw new AiosError("IO", `requests for host ${req.headers.host ?? "(none)"} are refused`, {
        hint: "open the URL that aios gui printed",
      });
    }
    if (req.method !== "GET" && !sameOrigin(req)) {
      throw new AiosError("IO", "cross-origin requests are refused", {
        hint: "use the page the server itself serves",
      });
    }
    if (req.method === "GET" && url.pathname.startsWith("/page/")) {
      await sendStatic(res, ctx.assetDir, url.pathname.slice("/page/".length));
      return;
    }
    const handler = routes[`${req.method} ${url.pathname}`];
    if (handler === undefined) {
      sendJson(res, 404, {
        error: { code: "NOT_FOUND", message: `no route ${req.method} ${url.pathname}`, hint: null },
      });
      return;
    }
    await handler(ctx, req, res, url);
  } catch (error) {
    if (!res.headersSent) sendError(res, error);
    else res.end();
  }
}

/**
 * Another web page open in the same browser could post to a local server; a browser always
 * sends Origin on such requests, so a present Origin must be this server's own.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host ?? ""}`;
}

async function formValues(req: IncomingMessage): Promise<FormValues> {
  const body = asRecord(await readJson(req));
  const values = asRecord(body.values);
  const clean: FormValues = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "string" || typeof value === "boolean") clean[key] = value;
  }
  return clean;
}

function storeParams(
  backend: unknown,
  collection: unknown,
): { backend: string; collection: string } {
  if (typeof backend !== "string" || typeof collection !== "string" || collection === "") {
    throw new AiosError("VECTOR_INPUT", "the memory view needs a backend and a collection name", {
      hint: "pick a backend and type a collection name, e.g. default",
    });
  }
  return { backend, collection };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
