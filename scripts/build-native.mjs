#!/usr/bin/env node
/**
 * Builds the native GEMM addon (native/gemm, node-gyp) at `npm install` / `npm ci` time.
 *
 * The addon is optional: the trainer falls back to TF.js's WASM matmul without it. So this
 * script never fails the install: when the build cannot run it prints one paragraph saying why
 * and how to build it later (`npm run build:native`), and exits 0. `AIOS_SKIP_NATIVE=1` skips
 * it. No BLAS is needed to build; the BLAS library is opened at run time.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const addonDir = join(root, "native", "gemm");

function say(line) {
  process.stderr.write(`aios: ${line}\n`);
}

/**
 * node-gyp's entry script: the one npm hands lifecycle scripts (`npm_config_node_gyp`), else the
 * copy bundled with the npm next to this Node, else none (then `node-gyp` from PATH is tried).
 */
function nodeGypScript() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm !== undefined && fromNpm !== "" && existsSync(fromNpm)) return fromNpm;
  const prefix = dirname(dirname(process.execPath));
  for (const lib of [join(prefix, "lib"), prefix]) {
    const bundled = join(
      lib,
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    );
    if (existsSync(bundled)) return bundled;
  }
  return null;
}

/**
 * Node's own headers when this Node ships them (official tarballs and Debian/Homebrew builds
 * do): node-gyp then builds offline instead of downloading a headers tarball.
 */
function nodeDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : null;
}

function main() {
  if (process.env.AIOS_SKIP_NATIVE === "1") {
    say("native GEMM addon skipped (AIOS_SKIP_NATIVE=1); training uses the WASM matmul");
    return;
  }
  const script = nodeGypScript();
  const args = ["rebuild", "--directory", addonDir];
  const dir = nodeDir();
  // Windows' headers tarball also carries node.lib, which the local include/ lacks.
  if (dir !== null && process.platform !== "win32") args.push(`--nodedir=${dir}`);
  const [command, commandArgs] =
    script === null ? ["node-gyp", args] : [process.execPath, [script, ...args]];
  const run = spawnSync(command, commandArgs, {
    cwd: addonDir,
    encoding: "utf8",
    shell: script === null && process.platform === "win32",
  });
  if (run.status === 0) {
    say("native GEMM addon built (native/gemm/build/Release/aios_gemm.node)");
    return;
  }
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n");
  const cause =
    run.error !== undefined
      ? run.error.message
      : output
          .filter((l) => /error|not found|No such/i.test(l))
          .slice(-3)
          .join(" | ") || output.slice(-3).join(" | ");
  say(`the native GEMM addon did not build (${cause}).`);
  say(
    "training still works, on the slower WASM matmul. To build the addon: install a C compiler, make and python3 (Debian: apt-get install build-essential python3), then run `npm run build:native`.",
  );
}

main();
