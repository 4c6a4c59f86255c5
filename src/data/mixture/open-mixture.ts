import { describeSource, sourceName } from "../../config/mix-syntax.js";
import { resolveMixSource, type TrainingConfig } from "../../config/training-config.js";
import { AiosError } from "../../core/errors.js";
import type { DatasetBackend } from "../types.js";
import { MixtureBackend, type MixtureSource } from "./mixture-backend.js";

/**
 * The mixture `--dataset-mix` describes, each source opened by `open` (the factory that opens a
 * single dataset) with its own configuration (`resolveMixSource`). Sources are opened one after
 * the other, so that the first that cannot be is the one named.
 * @throws AiosError naming the source (`mixture source 2 (hf://…)`) that cannot be opened; the
 *   sources opened before it are closed.
 */
export async function openMixture(
  config: TrainingConfig,
  open: (config: TrainingConfig) => Promise<DatasetBackend>,
): Promise<MixtureBackend> {
  const entries = config.dataset_mix ?? [];
  const sources: MixtureSource[] = [];
  try {
    for (const [index, entry] of entries.entries()) {
      const backend = await openSource(config, index, open);
      sources.push({ name: sourceName(entry), weight: entry.weight, backend });
    }
  } catch (error) {
    for (const source of sources) await source.backend.close?.();
    throw error;
  }
  return new MixtureBackend({
    sources,
    strategy: config.mix_stopping_strategy,
    seed: config.seed,
  });
}

async function openSource(
  config: TrainingConfig,
  index: number,
  open: (config: TrainingConfig) => Promise<DatasetBackend>,
): Promise<DatasetBackend> {
  const entry = (config.dataset_mix ?? [])[index];
  if (entry === undefined) throw new RangeError(`no mixture source ${index}`);
  const label = `mixture ${describeSource(entry, index)}`;
  try {
    return await open(resolveMixSource(config, entry, index));
  } catch (error) {
    if (!(error instanceof AiosError)) throw error;
    throw new AiosError(
      error.code,
      error.message.startsWith(label) ? error.message : `${label}: ${error.message}`,
      { hint: error.hint, exitCode: error.exitCode, cause: error },
    );
  }
}
