import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AiosError, errnoCode } from "../../core/errors.js";
import {
  type HubClient,
  hubErrorCode,
  hubFetch,
  modelResolveUrl,
  modelRevisionUrl,
  unexpectedStatus,
} from "./hub-client.js";

export interface ModelFilesRequest {
  /** `owner/name` of a model repo. */
  readonly repo: string;
  readonly revision: string;
  /** Files the repo must have. */
  readonly required: readonly string[];
  /** Files taken when the repo has them. */
  readonly optional: readonly string[];
}

/** Local paths of the files the repo has, by repo path; the commit they were taken from. */
export interface CachedModelFiles {
  readonly commit: string;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * Small files of a Hub model repo (a tokenizer's JSON files) on local disk. Found through a
 * manifest written last, they are read with no network at all; otherwise the repo info names
 * the commit and which files exist, each is downloaded (temporary name, then rename) into the
 * Hub clients' cache layout, `models--{owner}--{name}/snapshots/{commit}/{path}`, with
 * `refs/{revision}` holding the commit, as `huggingface_hub` writes it.
 *
 * @throws AiosError `TOKENIZER` when the repo or a required file does not exist; `HUB_AUTH`
 *   when the Hub wants a token (it answers so for a repo that does not exist, too);
 *   `HUB_REQUEST` when it cannot be reached.
 */
export async function cachedModelFiles(
  hub: HubClient,
  request: ModelFilesRequest,
  root: string,
  log: (message: string) => void = () => {},
): Promise<CachedModelFiles> {
  const repoDir = join(root, `models--${request.repo.split("/").join("--")}`);
  const manifest = join(repoDir, "aios-files", `${encodeURIComponent(request.revision)}.json`);
  const cached = await readManifest(manifest);
  const wanted = [...request.required, ...request.optional];
  if (cached !== null && (await covers(cached, wanted))) return cached;

  const info = await repoInfo(hub, request);
  const missing = request.required.filter((path) => !info.siblings.has(path));
  if (missing.length > 0) {
    throw new AiosError(
      "TOKENIZER",
      `model ${request.repo} on the Hub at ${hub.endpoint} has no ${missing.join(", ")}`,
      {
        hint: "pass a model whose repo holds a tokenizer.json (most do; a repo with only tokenizer.model must be converted with transformers first)",
      },
    );
  }
  const snapshot = join(repoDir, "snapshots", safeSegment(info.commit));
  const files: Record<string, string> = {};
  for (const path of wanted.filter((p) => info.siblings.has(p))) {
    const local = join(snapshot, ...path.split("/"));
    if ((await stat(local).catch(() => null)) === null) {
      log(`downloading ${path} of ${request.repo} into ${dirname(local)}`);
      await download(hub, modelResolveUrl(hub, request.repo, info.commit, path), local);
    }
    files[path] = local;
  }
  await mkdir(join(repoDir, "refs"), { recursive: true });
  await writeFile(join(repoDir, "refs", safeSegment(request.revision)), info.commit);
  const result: CachedModelFiles = { commit: info.commit, files };
  await mkdir(dirname(manifest), { recursive: true });
  await writeFile(manifest, `${JSON.stringify({ ...result, wanted }, null, 2)}\n`);
  return result;
}

async function repoInfo(
  hub: HubClient,
  request: ModelFilesRequest,
): Promise<{ commit: string; siblings: ReadonlySet<string> }> {
  const url = modelRevisionUrl(hub, request.repo, request.revision);
  let response: Response;
  try {
    response = await hubFetch(hub, url);
  } catch (error) {
    // The Hub answers 401 for a repo that does not exist as for a private one.
    if (error instanceof AiosError && error.code === "HUB_AUTH") {
      throw new AiosError(
        "HUB_AUTH",
        `model ${request.repo}: ${error.message}; the Hub answers the same for a model that does not exist`,
        { hint: `check the model id; ${error.hint ?? ""}`, cause: error },
      );
    }
    throw error;
  }
  if (response.status === 404) {
    const code = hubErrorCode(response);
    await response.body?.cancel();
    throw new AiosError(
      "TOKENIZER",
      code === "RevisionNotFound"
        ? `model ${request.repo} on the Hub at ${hub.endpoint} has no revision ${request.revision}`
        : `there is no model ${request.repo} on the Hub at ${hub.endpoint}`,
      {
        hint: "check the model id (owner/name, as in the model page's URL) and HF_ENDPOINT; a tokenizer on disk is given by a path that exists",
      },
    );
  }
  if (!response.ok) throw await modelRequestError(url, response);
  const body = (await response.json()) as { sha?: unknown; siblings?: unknown };
  if (typeof body.sha !== "string" || !Array.isArray(body.siblings)) {
    throw new AiosError(
      "HUB_REQUEST",
      `the Hub at ${hub.endpoint} answered ${url} without a commit sha and file list`,
      { hint: "check that HF_ENDPOINT points at a Hugging Face Hub (or a mirror of its API)" },
    );
  }
  const siblings = new Set(
    (body.siblings as { rfilename?: unknown }[]).flatMap((s) =>
      typeof s?.rfilename === "string" ? [s.rfilename] : [],
    ),
  );
  return { commit: body.sha, siblings };
}

async function download(hub: HubClient, url: string, path: string): Promise<void> {
  const response = await hubFetch(hub, url);
  if (!response.ok) throw await modelRequestError(url, response);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const partial = `${path}.incomplete`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(partial, bytes);
    await rename(partial, path);
  } catch (error) {
    throw new AiosError("IO", `cannot write ${path}: ${(error as Error).message}`, {
      hint: "check --hf-cache-dir: it must be writable",
      cause: error,
    });
  }
}

/** The Hub's `unexpectedStatus`, with a hint about model ids rather than dataset flags. */
async function modelRequestError(url: string, response: Response): Promise<AiosError> {
  const error = await unexpectedStatus(url, response);
  if (response.status === 429 || response.status >= 500) return error;
  return new AiosError(error.code, error.message, {
    hint: "check the model id (owner/name) and HF_ENDPOINT",
  });
}

async function readManifest(
  path: string,
): Promise<(CachedModelFiles & { wanted?: string[] }) | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as CachedModelFiles & { wanted?: string[] };
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || error instanceof SyntaxError) return null;
    throw error;
  }
}

/** The manifest was written for the same files asked for, and they are all still there. */
async function covers(
  cached: CachedModelFiles & { wanted?: string[] },
  wanted: readonly string[],
): Promise<boolean> {
  if (!wanted.every((path) => cached.wanted?.includes(path))) return false;
  for (const local of Object.values(cached.files)) {
    if ((await stat(local).catch(() => null)) === null) return false;
  }
  return true;
}

function safeSegment(revision: string): string {
  return revision.replace(/[^A-Za-z0-9._-]/g, "_");
}
