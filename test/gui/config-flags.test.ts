import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addTrainingOptions, trainingFlagValues } from "../../src/cli/field-options.js";
import { resolveTrainingConfig } from "../../src/config/training-config.js";
import { trainingFlags } from "../../src/gui/config-flags.js";

/** What `train-actv1` makes of these flags. */
function parseFlags(flags: readonly string[]) {
  const command = addTrainingOptions(new Command("train").exitOverride());
  command.parse([...flags], { from: "user" });
  return resolveTrainingConfig(trainingFlagValues(command));
}

describe("a GUI run is the CLI run its flags describe", () => {
  it("turns a resolved config into flags that the CLI resolves to the same config", () => {
    const configs = [
      resolveTrainingConfig({ dataset_file: "data/train.txt", steps: 2, lr: 5e-4, shuffle: false }),
      resolveTrainingConfig({
        dataset_file: "hf://wikitext:wikitext-2-raw-v1:test",
        hf_streaming: false,
      }),
      resolveTrainingConfig({
        dataset_backend: "webdataset",
        wds_pattern: "shards/shard-{000..009}.tar",
        wds_resampled: true,
        hidden_size: 32,
        num_heads: 2,
      }),
    ];
    for (const config of configs) expect(parseFlags(trainingFlags(config))).toEqual(config);
  });

  it("leaves out empty optional fields and writes booleans as --flag / --no-flag", () => {
    const flags = trainingFlags(resolveTrainingConfig({ dataset_file: "a.txt", resume: false }));
    expect(flags).not.toContain("--hf-name");
    expect(flags).toContain("--no-resume");
    expect(flags).toContain("--shuffle");
  });
});
