import type { Command } from "commander";
import { type ResolvedConfig, type ResolveOptions, resolveConfig } from "../config/load-config.js";
import { trainingFlagValues } from "./field-options.js";

/** The config of a command that has the training options and `--config`. */
export function resolveCommandConfig(
  command: Command,
  options: ResolveOptions = {},
): Promise<ResolvedConfig> {
  const file = command.opts<{ config?: string }>().config ?? null;
  return resolveConfig({ file, flags: trainingFlagValues(command) }, options);
}
