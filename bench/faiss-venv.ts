import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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

export interface FaissRun {
  readonly build_s: number;
  readonly rss_mib: number;
  readonly runs: { ef: number; millis: number[]; ids: number[][] }[];
  /** With `full`: queries/s at 1, 2 and 8 callers and the filtered runs, at the first ef. */
  readonly full?: {
    qps: number[];
    filtered: { label: string; millis: number[]; ids: number[][] }[];
  };
}

/**
 * Builds FAISS `IndexHNSWFlat` (inner product on unit vectors, i.e. cosine) over `vectors` in
 * `python` (bench/faiss_hnsw.py) and times single queries at each ef; row numbers are ids.
 */
export async function faissHnsw(
  python: string,
  vectors: readonly Float32Array[],
  queries: readonly Float32Array[],
  o: {
    dim: number;
    m: number;
    efConstruction: number;
    threads: number;
    efs: readonly number[];
    full: boolean;
  },
): Promise<FaissRun> {
  const dir = await mkdtemp(join(tmpdir(), "aios-faiss-"));
  try {
    const flat = (rows: readonly Float32Array[]) => {
      const out = new Float32Array(rows.length * o.dim);
      for (const [i, v] of rows.entries()) out.set(v, i * o.dim);
      return new Uint8Array(out.buffer);
    };
    await writeFile(join(dir, "vectors.f32"), flat(vectors));
    await writeFile(join(dir, "queries.f32"), flat(queries));
    const script = join(import.meta.dirname, "..", "..", "bench", "faiss_hnsw.py");
    const args = [script, join(dir, "vectors.f32"), join(dir, "queries.f32")];
    args.push(String(o.dim), String(o.m), String(o.efConstruction), String(o.threads));
    args.push(o.efs.join(","), ...(o.full ? ["full"] : []));
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(python, args, { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve(text) : reject(new Error(`faiss_hnsw.py exited ${code}`)),
      );
    });
    const [main, full] = out.trim().split("\n");
    return {
      ...(JSON.parse(main ?? "{}") as FaissRun),
      ...(full ? { full: JSON.parse(full) } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
