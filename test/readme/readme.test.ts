import { execFileSync, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATASETS } from "../data/fixtures.js";
import { writeWikitextRepo } from "../helpers/hub-fixtures.js";
import { type HubServer, startHubServer } from "../helpers/hub-server.js";
import { type ReadmeCommand, readmeCommands } from "../helpers/readme-commands.js";
import { repoRoot } from "../helpers/run-cli.js";

/**
 * The README's shell commands, run in order in a temporary copy of this checkout (its tracked
 * and untracked-but-not-ignored files, as a fresh clone has them), so the README cannot drift
 * from what the code does. The copy shares this checkout's node_modules and dist (`npm test`
 * has just built it), so `npm ci` is not run again; Hugging Face examples read from a local
 * Hub-shaped server through HF_ENDPOINT. Commands that cannot run here are skipped, each with
 * its reason printed.
 */
const markdown = await readFile(join(repoRoot, "README.md"), "utf8");
const commands = readmeCommands(markdown);

/** Commands this test does not run, with the reason. */
function skipReason(command: ReadmeCommand): string | null {
  if (command.skip !== null) return command.skip;
  const text = command.text;
  if (/^npm test\b/.test(text)) return "it runs the suite this test belongs to";
  if (/^npm run bench:/.test(text))
    return "benchmarks run for minutes; docs/BENCHMARKS.md records them";
  if (/^npm run screenshots:gui\b/.test(text)) return "it rewrites docs/*.png in Chromium";
  if (/^docker\b/.test(text)) return "no Docker engine here";
  if ((/--backend qdrant\b/.test(text) || /QDRANT_URL=/.test(text)) && !process.env.QDRANT_URL)
    return "no Qdrant server (set QDRANT_URL to run Qdrant examples)";
  return null;
}

/** `npm ci && X` runs X: the copy shares the installed node_modules. */
function runnable(text: string): string {
  return text.replace(/^npm ci(\s+--[\w-]+)*\s*&&\s*/, "");
}

let clone: string;
let server: HubServer;

beforeAll(async () => {
  clone = await mkdtemp(join(tmpdir(), "aios-readme-"));
  const files = execFileSync("git", ["ls-files", "-z", "-co", "--exclude-standard"], {
    cwd: repoRoot,
  })
    .toString()
    .split("\0")
    .filter((file) => file !== "");
  for (const file of files) {
    await mkdir(dirname(join(clone, file)), { recursive: true });
    await cp(join(repoRoot, file), join(clone, file)).catch(() => undefined); // deleted, not yet committed
  }
  await symlink(join(repoRoot, "node_modules"), join(clone, "node_modules"));
  await cp(join(repoRoot, "dist"), join(clone, "dist"), { recursive: true });
  const hub = await writeWikitextRepo(join(clone, ".hub", "wikitext"), SHARED_DATASETS, 300);
  server = await startHubServer({ wikitext: { main: hub.main, parquet: hub.parquet } });
});

afterAll(async () => {
  await server?.close();
  if (clone !== undefined) await rm(clone, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  output: string;
}

function runInClone(text: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", text], {
      cwd: clone,
      env: {
        ...process.env,
        HF_ENDPOINT: server.endpoint,
        HF_HOME: join(clone, ".hf-home"),
        CI: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    let served = false;
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      // A server command (aios gui) has worked once it prints its URL; stop it then.
      if (!served && /aios gui: serving http:\/\//.test(output)) {
        served = true;
        process.kill(-(child.pid as number), "SIGINT");
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    // A served gui is stopped by its signal: that is its success.
    child.on("close", (code) => resolve({ code: served ? 0 : code, output }));
  });
}

describe("README.md, run top to bottom", () => {
  it("has shell commands to run", () => {
    expect(commands.length).toBeGreaterThan(20);
  });

  for (const command of commands) {
    const reason = skipReason(command);
    const title = `line ${command.line}: ${command.text}`;
    if (reason !== null) {
      it.skip(`${title} (skipped: ${reason})`, () => undefined);
      continue;
    }
    it(title, async () => {
      const started = Date.now();
      const { code, output } = await runInClone(runnable(command.text));
      process.stdout.write(
        `README line ${command.line}: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      expect(code, `${command.text}\n${output.slice(-3000)}`).toBe(0);
    });
  }
});
