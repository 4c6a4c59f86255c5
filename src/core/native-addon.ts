import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where `npm install` (scripts/build-native.mjs) leaves the native addon `name` of
 * `native/<dir>`: `native/<dir>/build/Release/<name>.node` under the package root (the first
 * folder above this module holding a package.json), from src/ and from dist/ alike.
 */
export function nativeAddonPath(dir: string, name: string): string {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, "package.json"))) {
    const up = dirname(root);
    if (up === root) break;
    root = up;
  }
  return join(root, "native", dir, "build", "Release", `${name}.node`);
}
