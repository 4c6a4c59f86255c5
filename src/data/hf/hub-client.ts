import { AiosError } from "../../core/errors.js";
import {
  DEFAULT_ATTEMPTS,
  fetchRetrying,
  NetworkFailure,
  type RetryOptions,
} from "../http/fetch-retrying.js";

/** The public Hub; `HF_ENDPOINT` replaces it (a mirror, a private Hub, a local test server). */
export const PUBLIC_HUB = "https://huggingface.co";

/** Where and as whom the Hub is asked. The token never appears in messages or logs. */
export interface HubClient {
  readonly endpoint: string;
  /** The environment variable the token was looked up in, named in auth errors. */
  readonly tokenEnv: string;
  readonly token: string | null;
  /** Which variable the token came from: `tokenEnv` or `HF_TOKEN`. */
  readonly tokenSource: string | null;
  readonly retry: RetryOptions;
}

export interface HubClientOptions {
  /** Variable named by `--hf-token-env`; `HF_TOKEN` is the fallback. */
  readonly tokenEnv: string;
  readonly endpoint?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly retry?: RetryOptions;
}

export function hubClient(options: HubClientOptions): HubClient {
  const env = options.env ?? process.env;
  const endpoint = (options.endpoint ?? env.HF_ENDPOINT ?? PUBLIC_HUB).replace(/\/+$/, "");
  const tokenSource = env[options.tokenEnv] ? options.tokenEnv : env.HF_TOKEN ? "HF_TOKEN" : null;
  const token = tokenSource === null ? null : (env[tokenSource] ?? null);
  return { endpoint, tokenEnv: options.tokenEnv, token, tokenSource, retry: options.retry ?? {} };
}

/** Percent-encodes each segment of a repo path, keeping the slashes. */
function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export function treeUrl(hub: HubClient, repo: string, revision: string): string {
  return `${hub.endpoint}/api/datasets/${repo}/tree/${encodeURIComponent(revision)}?recursive=true&expand=false`;
}

export function revisionUrl(hub: HubClient, repo: string, revision: string): string {
  return `${hub.endpoint}/api/datasets/${repo}/revision/${encodeURIComponent(revision)}`;
}

export function resolveUrl(hub: HubClient, repo: string, revision: string, path: string): string {
  return `${hub.endpoint}/datasets/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

/** A model repo's info at `revision` (commit `sha`, `siblings`): model repos have no prefix. */
export function modelRevisionUrl(hub: HubClient, repo: string, revision: string): string {
  return `${hub.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
}

/** A file of a model repo: `/{repo}/resolve/…`, where a dataset's is `/datasets/{repo}/resolve/…`. */
export function modelResolveUrl(
  hub: HubClient,
  repo: string,
  revision: string,
  path: string,
): string {
  return `${hub.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

/**
 * A GET (or HEAD, or Range GET) to the Hub with the token and the shared retry policy. 401 and
 * 403 become an error naming the token variable; other statuses are the caller's to judge.
 */
export async function hubFetch(
  hub: HubClient,
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (hub.token !== null) headers.Authorization = `Bearer ${hub.token}`;
  let response: Response;
  try {
    response = await fetchRetrying(url, { ...init, headers }, hub.retry);
  } catch (error) {
    if (error instanceof NetworkFailure) throw unreachable(hub, url, error);
    throw error;
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw authError(hub, url, response.status);
  }
  return response;
}

function unreachable(hub: HubClient, url: string, failure: NetworkFailure): AiosError {
  return new AiosError(
    "HUB_REQUEST",
    `cannot reach the Hub at ${hub.endpoint}: ${url} ${failure.message}`,
    {
      hint:
        hub.endpoint === PUBLIC_HUB
          ? "check the network; set HF_ENDPOINT to use a mirror, or pass a local directory as --hf-name"
          : `check that HF_ENDPOINT (${hub.endpoint}) is right and its server is up`,
      cause: failure,
    },
  );
}

function authError(hub: HubClient, url: string, status: number): AiosError {
  const what =
    hub.token === null
      ? `needs a token, and none is set in ${hub.tokenEnv} or HF_TOKEN`
      : `refused the token in ${hub.tokenSource}`;
  return new AiosError("HUB_AUTH", `the Hub ${what} (HTTP ${status} for ${url})`, {
    hint: `set ${hub.tokenEnv} to a token with read access (huggingface.co/settings/tokens); a gated dataset also needs its terms accepted on its page. --hf-token-env names another variable`,
  });
}

/** A Hub answer that is neither a success nor a "not found" the caller handles. */
export async function unexpectedStatus(url: string, response: Response): Promise<AiosError> {
  const message = response.headers.get("x-error-message") ?? (await response.text()).slice(0, 200);
  return new AiosError(
    "HUB_REQUEST",
    `the Hub answered HTTP ${response.status} for ${url}${message ? `: ${message}` : ""}`,
    {
      hint:
        response.status === 429 || response.status >= 500
          ? `still failing after ${DEFAULT_ATTEMPTS} attempts; try again later`
          : "check --hf-name, --hf-config and --hf-split",
    },
  );
}

/** The Hub's own error code for a 404 (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`). */
export function hubErrorCode(response: Response): string | null {
  return response.headers.get("x-error-code");
}
