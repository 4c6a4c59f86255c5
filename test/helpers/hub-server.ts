/**
 * A local HTTP server shaped like the Hugging Face Hub, for tests and benchmarks on a machine
 * that cannot reach the Hub. It serves dataset and model repositories from directories on disk
 * with the Hub's URL layout and the response headers its clients rely on (Python's `datasets`
 * and `huggingface_hub` accept it: see ../shared/notes/measured.md):
 *
 *   GET  /api/datasets/{repo}[/revision/{rev}]           repo info with the commit sha (main)
 *   GET  /api/datasets/{repo}/tree/{rev}[/{dir}]          file listing, paginated by a Link header
 *   HEAD /datasets/{repo}/resolve/{rev}/{path}            size, ETag, X-Repo-Commit
 *   GET  /datasets/{repo}/resolve/{rev}/{path}            the file, with Range support (206)
 *
 * A model repo (`type: "model"`) has the same routes without the `datasets` segment, as on the
 * Hub: `/api/models/{repo}/revision/{rev}`, `/api/models/{repo}/tree/{rev}`,
 * `/{repo}/resolve/{rev}/{path}`.
 *
 * `datasets` 5.0.1 (huggingface_hub 1.33), `load_dataset(id, config, split=..., streaming=True)`,
 * as test/data/hf/datasets-conformance.test.ts runs it: HEAD + GET `main/README.md` (YAML
 * `configs:`); HEAD probes of `{sha}/{name}.py`, `.huggingface.yaml` and `dataset_infos.json`,
 * which must 404 with `X-Error-Code: EntryNotFound` (without it the client reports a connection
 * problem, per ../shared/notes/measured.md); the revision by sha; the tree of the config's
 * directory and of the root; then Range GETs, 64 KiB of footer and then the rest. The repo id
 * must be `namespace/name`: the client refuses a bare `wikitext` before sending a request.
 * With `revision="refs/convert/parquet", data_dir=config` it sends the revision URL-encoded
 * (`refs%2Fconvert%2Fparquet`) to `revision` and `resolve` (README: 404), then the sha; it
 * accepts a 404 on the tree of `{config}/data`. From `main` it also reads the footer of the
 * config's first file (another split's) to infer the features.
 *
 * Revisions are `main` and, where given, `refs/convert/parquet` (the Hub's parquet conversion)
 * and other branches, each also addressable by its sha. Faults can be switched on per test: Range ignored, a token
 * required, transient failures, a connection dropped mid-file.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative, sep } from "node:path";

export const PARQUET_REVISION = "refs/convert/parquet";

export interface HubRepo {
  /** A dataset repo (the default) or a model repo. */
  readonly type?: "dataset" | "model";
  /** Directory served as the repo's `main` branch. */
  readonly main: string;
  /** Directory served as `refs/convert/parquet`, or none (the dataset has no conversion). */
  readonly parquet?: string;
  /** Other branches or tags (a name without `/`) and the directory each serves. */
  readonly branches?: Readonly<Record<string, string>>;
}

export interface HubFaults {
  /** Answer Range requests with the whole file (200), like a server without Range support. */
  ignoreRange?: boolean;
  /** Every request must carry `Authorization: Bearer <token>` (401 without, 403 if wrong). */
  token?: string;
  /** The next `count` file GETs fail with `status` (and `Retry-After: retryAfter` if given). */
  fail?: { status: number; count: number; retryAfter?: number };
  /** The next file GET sends this many body bytes, then the connection is destroyed. */
  dropAfterBytes?: number;
}

export interface HubRequestLog {
  readonly method: string;
  readonly url: string;
  readonly range: string | null;
  readonly status: number;
  /** Body bytes sent (files only). */
  readonly bytes: number;
}

export interface HubServer {
  /** Base URL to use as `HF_ENDPOINT`. */
  readonly endpoint: string;
  /** The repos served; a test may move a branch by replacing an entry. */
  readonly repos: Record<string, HubRepo>;
  readonly faults: HubFaults;
  readonly requests: HubRequestLog[];
  /** File body bytes sent since the start (or the last `resetLog`). */
  bytesSent(): number;
  resetLog(): void;
  close(): Promise<void>;
}

/** Entries per tree page; small so that tests exercise pagination. */
const TREE_PAGE = 50;

export async function startHubServer(
  initialRepos: Readonly<Record<string, HubRepo>>,
  options: { port?: number; pageSize?: number } = {},
): Promise<HubServer> {
  const repos: Record<string, HubRepo> = { ...initialRepos };
  const faults: HubFaults = {};
  const requests: HubRequestLog[] = [];
  const pageSize = options.pageSize ?? TREE_PAGE;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: String(error) });
      else response.destroy();
    });
  });

  const log = (request: IncomingMessage, status: number, bytes = 0) => {
    requests.push({
      method: request.method ?? "GET",
      url: request.url ?? "",
      range: request.headers.range ?? null,
      status,
      bytes,
    });
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://hub.local");
    if (faults.token !== undefined) {
      const auth = request.headers.authorization;
      if (auth !== `Bearer ${faults.token}`) {
        const status = auth === undefined ? 401 : 403;
        log(request, status);
        return send(response, status, { error: "Invalid credentials in Authorization header" });
      }
    }
    const route = parseRoute(decodeURIComponent(url.pathname), repos);
    if (route === null) {
      log(request, 404);
      return send(response, 404, { error: "Repository not found" }, "RepoNotFound");
    }
    const repo = repos[route.repo] as HubRepo;
    const revision = revisionOf(route.repo, repo, route.revision);
    if (revision === null) {
      log(request, 404);
      return send(
        response,
        404,
        { error: `Invalid rev id: ${route.revision}` },
        "RevisionNotFound",
      );
    }
    switch (route.kind) {
      case "revision": {
        const files = await listFiles(revision.dir, "", true);
        log(request, 200);
        return send(response, 200, {
          id: route.repo,
          sha: revision.sha,
          private: false,
          siblings: files.filter((f) => f.type === "file").map((f) => ({ rfilename: f.path })),
        });
      }
      case "tree": {
        const recursive = url.searchParams.get("recursive") === "true";
        let entries: TreeEntry[];
        try {
          entries = await listFiles(revision.dir, route.path, recursive);
        } catch {
          log(request, 404);
          return send(response, 404, { error: "Entry not found" }, "EntryNotFound");
        }
        const cursor = Number(url.searchParams.get("cursor") ?? "0");
        const page = entries.slice(cursor, cursor + pageSize);
        if (cursor + pageSize < entries.length) {
          const next = new URL(url.toString());
          next.searchParams.set("cursor", String(cursor + pageSize));
          const host = request.headers.host ?? "127.0.0.1";
          response.setHeader("Link", `<http://${host}${next.pathname}${next.search}>; rel="next"`);
        }
        log(request, 200);
        return send(response, 200, page);
      }
      case "resolve":
        return serveFile(request, response, revision, route.path);
    }
  }

  async function serveFile(
    request: IncomingMessage,
    response: ServerResponse,
    revision: { dir: string; sha: string },
    path: string,
  ): Promise<void> {
    const file = join(revision.dir, path);
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile() || relative(revision.dir, file).startsWith("..")) {
      log(request, 404);
      return send(response, 404, { error: "Entry not found" }, "EntryNotFound");
    }
    const etag = `"${createHash("sha1").update(`${file}:${info.size}:${info.mtimeMs}`).digest("hex")}"`;
    response.setHeader("ETag", etag);
    response.setHeader("X-Repo-Commit", revision.sha);
    response.setHeader("Accept-Ranges", faults.ignoreRange ? "none" : "bytes");
    if (request.method === "GET" && faults.fail !== undefined && faults.fail.count > 0) {
      faults.fail.count--;
      if (faults.fail.retryAfter !== undefined)
        response.setHeader("Retry-After", String(faults.fail.retryAfter));
      log(request, faults.fail.status);
      return send(response, faults.fail.status, { error: "injected failure" });
    }
    let start = 0;
    let end = info.size - 1;
    let status = 200;
    const range = request.headers.range;
    if (range !== undefined && !faults.ignoreRange) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (match !== null) {
        if (match[1] === "") start = Math.max(0, info.size - Number(match[2]));
        else {
          start = Number(match[1]);
          if (match[2] !== "") end = Math.min(end, Number(match[2]));
        }
        if (start > end || start >= info.size) {
          response.setHeader("Content-Range", `bytes */${info.size}`);
          log(request, 416);
          return send(response, 416, { error: "Range not satisfiable" });
        }
        status = 206;
        response.setHeader("Content-Range", `bytes ${start}-${end}/${info.size}`);
      }
    }
    const length = end - start + 1;
    response.setHeader("Content-Length", String(length));
    response.setHeader("Content-Type", "application/octet-stream");
    response.writeHead(status);
    if (request.method === "HEAD") {
      log(request, status);
      response.end();
      return;
    }
    const drop = faults.dropAfterBytes;
    faults.dropAfterBytes = undefined;
    const sendUntil = drop === undefined ? end : Math.min(end, start + drop - 1);
    let sent = 0;
    await new Promise<void>((resolve) => {
      const stream = createReadStream(file, { start, end: sendUntil });
      stream.on("data", (chunk) => {
        sent += chunk.length;
      });
      stream.on("end", () => {
        if (drop !== undefined && sendUntil < end) {
          // Let the bytes already written reach the client, then cut the connection.
          response.socket?.end(() => response.destroy());
          setTimeout(() => response.destroy(), 50);
        } else response.end();
        resolve();
      });
      stream.on("error", () => {
        response.destroy();
        resolve();
      });
      stream.pipe(response, { end: false });
    });
    log(request, status, sent);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    repos,
    faults,
    requests,
    bytesSent: () => requests.reduce((total, entry) => total + entry.bytes, 0),
    resetLog: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Route =
  | { kind: "revision"; repo: string; revision: string; path: "" }
  | { kind: "tree" | "resolve"; repo: string; revision: string; path: string };

/**
 * Splits a path into route, repo, revision and file path. Repo names may contain a slash
 * (`owner/name`) and revisions may too (`refs/convert/parquet`), so known names are matched.
 */
function parseRoute(pathname: string, repos: Readonly<Record<string, HubRepo>>): Route | null {
  const patterns: [Route["kind"], string, "dataset" | "model"][] = [
    ["revision", "/api/datasets/", "dataset"],
    ["tree", "/api/datasets/", "dataset"],
    ["resolve", "/datasets/", "dataset"],
    ["revision", "/api/models/", "model"],
    ["tree", "/api/models/", "model"],
    ["resolve", "/", "model"],
  ];
  // `GET /api/datasets/{repo}` (or `/api/models/{repo}`): the repo's info at main (asked when
  // the repo has no README).
  for (const [name, repo] of Object.entries(repos)) {
    const kind = (repo.type ?? "dataset") === "dataset" ? "datasets" : "models";
    if (pathname === `/api/${kind}/${name}`)
      return { kind: "revision", repo: name, revision: "main", path: "" };
  }
  for (const [kind, prefix, type] of patterns) {
    if (!pathname.startsWith(prefix)) continue;
    const rest = pathname.slice(prefix.length);
    const names = Object.keys(repos).filter((name) => (repos[name]?.type ?? "dataset") === type);
    for (const repo of names) {
      const verb = kind === "resolve" ? "resolve" : kind;
      const head = `${repo}/${verb}/`;
      if (!rest.startsWith(head)) continue;
      const tail = rest.slice(head.length);
      const revision = tail.startsWith(`${PARQUET_REVISION}`)
        ? PARQUET_REVISION
        : (tail.split("/")[0] ?? "");
      const path = tail.slice(revision.length).replace(/^\//, "");
      if (kind === "revision") return { kind, repo, revision, path: "" };
      return { kind, repo, revision, path };
    }
  }
  return null;
}

function shaOf(repo: string, revision: string): string {
  return createHash("sha1").update(`${repo}@${revision}`).digest("hex");
}

function revisionOf(
  name: string,
  repo: HubRepo,
  revision: string,
): { dir: string; sha: string } | null {
  const candidates: [string, string | undefined][] = [
    ["main", repo.main],
    [PARQUET_REVISION, repo.parquet],
    ...Object.entries(repo.branches ?? {}),
  ];
  for (const [ref, dir] of candidates) {
    if (dir === undefined) continue;
    // A commit is its content: a branch moved to another directory gets another sha, and a
    // branch left at the old directory keeps the old one (so a pinned commit stays readable).
    const sha = shaOf(name, dir);
    if (revision === ref || revision === sha) return { dir, sha };
  }
  return null;
}

interface TreeEntry {
  type: "file" | "directory";
  oid: string;
  size: number;
  path: string;
}

async function listFiles(root: string, dir: string, recursive: boolean): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(join(root, at), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = at === "" ? entry.name : `${at}/${entry.name}`;
      const full = join(root, path);
      if (entry.isDirectory()) {
        out.push({ type: "directory", oid: shaOf(full, "dir"), size: 0, path });
        if (recursive) await walk(path);
      } else {
        const { size } = await stat(full);
        out.push({ type: "file", oid: shaOf(full, String(size)), size, path });
      }
    }
  };
  await walk(dir.split(sep).join("/").replace(/\/$/, ""));
  return out;
}

function send(response: ServerResponse, status: number, body: unknown, errorCode?: string): void {
  const text = JSON.stringify(body);
  if (errorCode !== undefined) {
    response.setHeader("X-Error-Code", errorCode);
    response.setHeader("X-Error-Message", String((body as { error?: string }).error ?? ""));
  }
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}
