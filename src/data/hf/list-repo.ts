import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { AiosError } from "../../core/errors.js";
import type { RepoFile } from "./data-files.js";
import {
  type HubClient,
  hubErrorCode,
  hubFetch,
  resolveUrl,
  revisionUrl,
  treeUrl,
  unexpectedStatus,
} from "./hub-client.js";

/**
 * The commit a revision (a branch such as `main`, a tag, or a commit) points at: files are then
 * read at that commit, never a moving branch.
 * @throws AiosError `DATASET_NOT_FOUND` for an unknown dataset or revision.
 */
export async function repoCommit(hub: HubClient, repo: string, revision: string): Promise<string> {
  const url = revisionUrl(hub, repo, revision);
  const response = await hubFetch(hub, url);
  if (response.status === 404) {
    await response.body?.cancel();
    if (hubErrorCode(response) === "RevisionNotFound") {
      throw new AiosError(
        "DATASET_NOT_FOUND",
        `dataset "${repo}" has no revision "${revision}" on ${hub.endpoint}`,
        { hint: "check --hf-revision: a branch, a tag or a commit of the dataset's repo" },
      );
    }
    throw new AiosError("DATASET_NOT_FOUND", `dataset "${repo}" not found on ${hub.endpoint}`, {
      hint:
        hub.token === null
          ? `check --hf-name (e.g. wikitext, or owner/name); a private dataset needs a token in ${hub.tokenEnv}`
          : "check --hf-name (e.g. wikitext, or owner/name)",
    });
  }
  if (!response.ok) throw await unexpectedStatus(url, response);
  const info = (await response.json()) as { sha?: unknown };
  return typeof info.sha === "string" ? info.sha : revision;
}

/**
 * Every file of a repo at a revision, following the tree listing's pages (`Link: rel="next"`).
 * Null when the revision does not exist (a dataset without a parquet conversion).
 */
export async function listRepoFiles(
  hub: HubClient,
  repo: string,
  revision: string,
): Promise<RepoFile[] | null> {
  const files: RepoFile[] = [];
  let url: string | null = treeUrl(hub, repo, revision);
  while (url !== null) {
    const response = await hubFetch(hub, url);
    if (response.status === 404) {
      await response.body?.cancel();
      if (hubErrorCode(response) === "RepoNotFound") {
        throw new AiosError("DATASET_NOT_FOUND", `dataset "${repo}" not found on ${hub.endpoint}`, {
          hint: "check --hf-name",
        });
      }
      return null;
    }
    if (!response.ok) throw await unexpectedStatus(url, response);
    const page = (await response.json()) as { type?: string; path?: string; size?: number }[];
    for (const entry of page) {
      if (entry.type === "file" && typeof entry.path === "string") {
        files.push({ path: entry.path, size: entry.size ?? 0 });
      }
    }
    url = nextPage(response.headers.get("link"));
  }
  return files;
}

function nextPage(link: string | null): string | null {
  if (link === null) return null;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return match?.[1] ?? null;
}

/** A small text file of the repo (the dataset card), or null when it has none. */
export async function readRepoText(
  hub: HubClient,
  repo: string,
  revision: string,
  path: string,
): Promise<string | null> {
  const url = resolveUrl(hub, repo, revision, path);
  const response = await hubFetch(hub, url);
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) throw await unexpectedStatus(url, response);
  return response.text();
}

/** A local directory laid out like a dataset repo: its files, recursively, in path order. */
export async function listLocalFiles(root: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(join(root, dir), { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push({ path, size: (await stat(join(root, path))).size });
    }
  };
  await walk("");
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function readLocalText(root: string, path: string): Promise<string | null> {
  return readFile(join(root, path), "utf8").catch(() => null);
}
