import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const FAISS_VENV_DIR = join("node_modules", ".cache", "aios-bench-faiss-venv");

/**
 * A Python that imports faiss and numpy: the bench venv under node_modules/.cache, made with
 * `python3 -m venv` and `pip install faiss-cpu numpy` the first time. FAISS is the baseline the
 * vector benches are judged against, never a runtime dependency.
 */
export async function faissPython(
  log: (line: string) => void,
): Promise<{ ok: true; python: string } | { ok: false; reason: string }> {
  const python = join(process.cwd(), FAISS_VENV_DIR, "bin", "python");
  if (existsSync(python) && (await run(python, ["-c", "import faiss, numpy"])).code === 0)
    return { ok: true, python };
  if (!existsSync(python)) {
    log(`creating Python venv ${FAISS_VENV_DIR}`);
    const made = await run("python3", ["-m", "venv", join(process.cwd(), FAISS_VENV_DIR)]);
    if (made.code !== 0) return { ok: false, reason: `python3 -m venv failed: ${made.tail}` };
  }
  log("pip install faiss-cpu numpy into the venv");
  const pip = await run(join(process.cwd(), FAISS_VENV_DIR, "bin", "pip"), [
    "install",
    "--quiet",
    "faiss-cpu",
    "numpy",
  ]);
  if (pip.code !== 0)
    return { ok: false, reason: `pip install faiss-cpu numpy failed: ${pip.tail}` };
  return { ok: true, python };
}

function run(command: string, args: string[]): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2000);
    });
    child.on("error", (error) => resolve({ code: -1, tail: String(error) }));
    child.on("close", (code) =>
      resolve({ code: code ?? -1, tail: err.trim().split("\n").at(-1) ?? "" }),
    );
  });
}
