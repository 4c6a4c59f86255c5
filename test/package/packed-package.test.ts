import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/run-cli.js";

const run = promisify(execFile);
const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);

/**
 * What a user of aios as a library gets: `npm pack` of this checkout (built by `npm test`),
 * installed into an empty project, and examples/library.ts type-checked against the packed
 * declarations and run against the packed code.
 */
describe("the packed package", () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aios-pack-"));
    project = join(work, "project");
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: repoRoot });
    const tarball = (await readdir(work)).find((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`);
    await cp(join(repoRoot, "examples"), join(project, "examples"), { recursive: true });
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "uses-aios", private: true, type: "module" }),
    );
    await run(
      "npm",
      ["install", join(work, tarball), "--prefer-offline", "--no-audit", "--no-fund"],
      { cwd: project, maxBuffer: 16 * 1024 * 1024 },
    );
  });

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it("holds the compiled library with its declarations, not the tests or benchmarks", async () => {
    const installed = join(project, "node_modules", "aios");
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
    expect(manifest.exports["."].types).toBe("./dist/src/index.d.ts");
    const dist = await readdir(join(installed, "dist"));
    expect(dist.sort()).toEqual(["page", "src"]);
    await expect(readFile(join(installed, "dist/src/index.d.ts"), "utf8")).resolves.toContain(
      "createVectorStore",
    );
  });

  it("builds both native addons from the packed sources at install, where this checkout could", async () => {
    const installed = join(project, "node_modules", "aios");
    for (const [dir, name] of [
      ["gemm", "aios_gemm"],
      ["hnsw", "aios_hnsw"],
    ] as const) {
      // Built here means the package's install script has what it needs to build it too.
      if (!existsSync(join(repoRoot, "native", dir, "build", "Release", `${name}.node`))) continue;
      expect(existsSync(join(installed, "native", dir, "build", "Release", `${name}.node`))).toBe(
        true,
      );
    }
  });

  it("type-checks examples/library.ts against the packed declarations", async () => {
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(repoRoot, "node_modules", "@types")],
          types: ["node"],
        },
        include: ["examples/library.ts"],
      }),
    );
    await run(bin("tsc"), ["-p", "tsconfig.json"], { cwd: project });
  });

  it("runs examples/library.ts: a dataset preview, two training steps and a vector query", async () => {
    const { stdout } = await run(bin("tsx"), ["examples/library.ts", join(work, "out")], {
      cwd: project,
    });
    expect(stdout).toContain("first sample (20 tokens): The river starts as a thin stream");
    expect(stdout).toMatch(/^step 2: loss \d+\.\d{4}$/m);
    expect(stdout).toContain(`brain in ${join(work, "out", "brains", "library-example")}`);
    expect(stdout).toContain("nearest to the query: river (2 stored)");
  });
});
