#!/usr/bin/env node
/**
 * Builds the native addons (node-gyp) at `npm install` / `npm ci` time:
 * - native/gemm (C): the trainer's matrix products on a BLAS opened at run time; without it
 *   training runs on TF.js's WASM matmul.
 * - native/hnsw (C++, hnswlib 0.8.0 vendored): the LanceDB driver's HNSW graph; without it the
 *   graph is usearch's, whose build is slower.
 *
 * Both are optional, so this script never fails the install: for an addon that does not build
 * it prints why, what still works, and how to build it later (`npm run build:native`), and
 * exits 0. `AIOS_SKIP_NATIVE=1` skips both. No BLAS is needed to build.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ADDONS = [
  {
    dir: "gemm",
    file: "aios_gemm.node",
    what: "native GEMM addon",
    without: "training still works, on the slower WASM matmul",
    tools: "a C compiler",
  },
  {
    dir: "hnsw",
    file: "aios_hnsw.node",
    what: "native HNSW addon",
    without: "vector memory still works, with usearch's HNSW graph (a slower build)",
    tools: "a C++ compiler",
  },
];

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

/** Where a built addon lives: native/<dir>/build/Release/<file>. */
function builtPath(addon) {
  return join(root, "native", addon.dir, "build", "Release", addon.file);
}

function build(addon, script, dir) {
  const addonDir = join(root, "native", addon.dir);
  // node-gyp's rebuild deletes build/ first: a copy of a working addon is put back if the
  // new build fails, so a failed rebuild (say, the compiler gone) never takes it away.
  const built = builtPath(addon);
  const kept = existsSync(built) ? join(tmpdir(), `aios-${process.pid}-${addon.file}`) : null;
  if (kept !== null) copyFileSync(built, kept);
  const args = ["rebuild", "--directory", addonDir];
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
    if (kept !== null) rmSync(kept, { force: true });
    say(`${addon.what} built (native/${addon.dir}/build/Release/${addon.file})`);
    return;
  }
  if (kept !== null) {
    mkdirSync(dirname(built), { recursive: true });
    copyFileSync(kept, built);
    rmSync(kept, { force: true });
  }
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n");
  const cause =
    run.error !== undefined
      ? run.error.message
      : output
          .filter((l) => /error|not found|No such/i.test(l))
          .slice(-3)
          .join(" | ") || output.slice(-3).join(" | ");
  say(`the ${addon.what} did not build (${cause}).`);
  if (kept !== null) {
    say(
      `the ${addon.what} built before is kept (native/${addon.dir}/build/Release/${addon.file}).`,
    );
    return;
  }
  say(
    `${addon.without}. To build the addon: install ${addon.tools}, make and python3 (Debian: apt-get install build-essential python3), then run \`npm run build:native\`.`,
  );
}

function main() {
  if (process.env.AIOS_SKIP_NATIVE === "1") {
    for (const addon of ADDONS) {
      say(
        existsSync(builtPath(addon))
          ? `${addon.what} not rebuilt (AIOS_SKIP_NATIVE=1); the one built before is kept`
          : `${addon.what} not built (AIOS_SKIP_NATIVE=1): ${addon.without}`,
      );
    }
    return;
  }
  const script = nodeGypScript();
  const dir = nodeDir();
  for (const addon of ADDONS) build(addon, script, dir);
}

main();
