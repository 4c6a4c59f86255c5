import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./run-cli.js";

export type PythonOutcome = { ok: true; python: string } | { ok: false; reason: string };

/**
 * A throwaway venv under node_modules/.cache holding `packages`, made with the machine's python3
 * and pip the first time. Interop tests skip with `reason` where that cannot be done. `root` is
 * the repository (benchmarks run compiled, from dist/, and pass it).
 */
export function pythonWith(
  name: string,
  packages: readonly string[],
  imports: string,
  root: string = repoRoot,
): PythonOutcome {
  const venv = join(root, "node_modules", ".cache", `aios-test-venv-${name}`);
  const python = join(venv, "bin", "python");
  const canImport = () => spawnSync(python, ["-c", `import ${imports}`]).status === 0;
  if (existsSync(python) && canImport()) return { ok: true, python };
  if (!existsSync(python)) {
    const made = spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" });
    if (made.status !== 0) {
      return {
        ok: false,
        reason: `python3 -m venv failed: ${(made.stderr || String(made.error)).trim()}`,
      };
    }
  }
  // One retry: a machine without internet access answers from its configured local index.
  const pip = spawnSync(
    join(venv, "bin", "pip"),
    ["install", "--quiet", "--retries", "1", "--timeout", "10", ...packages],
    { encoding: "utf8", timeout: 600_000 },
  );
  if (pip.status !== 0) {
    return {
      ok: false,
      reason: `pip install ${packages.join(" ")} failed: ${(pip.stderr || String(pip.error)).trim().split("\n").at(-1)}`,
    };
  }
  return canImport()
    ? { ok: true, python }
    : { ok: false, reason: `installed ${packages.join(" ")} but cannot import ${imports}` };
}
