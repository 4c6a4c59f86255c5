import type { Command } from "commander";
import { inertMemoryWarnings } from "../config/inert-memory-keys.js";
import { type ResolvedConfig, type ResolveOptions, resolveConfig } from "../config/load-config.js";
import { inertMixWarnings } from "../config/mix-source-options.js";
import { trainingFlagValues } from "./field-options.js";

/** The config of a command that has the training options and `--config`; inert memory keys warn on stderr. */
export async function resolveCommandConfig(
  command: Command,
  options: ResolveOptions = {},
): Promise<ResolvedConfig> {
  const file = command.opts<{ config?: string }>().config ?? null;
  const resolved = await resolveConfig({ file, flags: trainingFlagValues(command) }, options);
  for (const warning of [
    ...inertMemoryWarnings(resolved.memory),
    ...inertMixWarnings(resolved.training),
  ])
    process.stderr.write(`warning: ${warning}\n`);
  return resolved;
}
