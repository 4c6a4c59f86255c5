import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * Serves the page's compiled modules from `root` (`dist/page`). Only files below the root, only
 * the types above; anything else is a 404.
 */
export async function sendStatic(
  res: ServerResponse,
  root: string,
  relative: string,
): Promise<void> {
  const path = resolve(root, `.${sep}${decodeURIComponent(relative)}`);
  const type = TYPES[extname(path)];
  if (!path.startsWith(resolve(root) + sep) || type === undefined) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}
