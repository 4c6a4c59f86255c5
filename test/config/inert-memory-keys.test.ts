import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inertMemoryWarnings } from "../../src/config/inert-memory-keys.js";
import { resolveMemoryConfig } from "../../src/config/load-config.js";
import { runCli } from "../helpers/run-cli.js";

describe("memory keys that have no effect yet", () => {
  it("warn only when set away from their default, naming key, value and why", () => {
    expect(inertMemoryWarnings(resolveMemoryConfig({}))).toEqual([]);
    const warnings = inertMemoryWarnings(
      resolveMemoryConfig({
        persistent_traces: { decay_rate: 0.5, retention_rate: 0.95, sparsity: 0.01 },
        semantic_crystallization: { enabled: true, share_across_models: true },
      }),
    );
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      /^memory\.persistent_traces\.decay_rate = 0\.5 has no effect yet: /,
    );
    expect(warnings[1]).toMatch(
      /^memory\.semantic_crystallization\.enabled = true has no effect yet: .*expert routing/,
    );
    expect(warnings[2]).toContain("memory.semantic_crystallization.share_across_models = true");
  });

  it("are reported on stderr by the commands that read the config", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aios-inert-"));
    try {
      const file = join(dir, "c.yaml");
      await writeFile(file, "memory:\n  persistent_traces:\n    bias_strength: 0.7\n");
      const { code, stderr } = await runCli(["config", "show", "--config", file]);
      expect(code).toBe(0);
      expect(stderr).toContain(
        "warning: memory.persistent_traces.bias_strength = 0.7 has no effect yet",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
