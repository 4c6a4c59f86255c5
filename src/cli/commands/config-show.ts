import type { Command } from "commander";
import { stringify } from "yaml";
import { configFileShape } from "../../config/config-file-shape.js";
import { addTrainingOptions } from "../field-options.js";
import { resolveCommandConfig } from "../resolve-command-config.js";

export function registerConfigCommands(config: Command): void {
  const show = config
    .command("show")
    .description(
      "print the resolved configuration (defaults < --config FILE < flags) in the layout --config reads",
    )
    .option("--config <file>", "YAML config file (see config/default.yaml)")
    .option("--json", "print JSON instead of YAML");
  addTrainingOptions(show);
  show.action(async (options: { json?: boolean }, command: Command) => {
    // A dataset is not needed to look at the configuration.
    const { training, memory } = await resolveCommandConfig(command, { requireDataset: false });
    const resolved = configFileShape(training, memory);
    process.stdout.write(
      options.json ? `${JSON.stringify(resolved, null, 2)}\n` : stringify(resolved),
    );
  });
}
