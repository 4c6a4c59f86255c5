import type { MemoryConfig } from "./memory-config.js";
import { memoryConfigSchema } from "./memory-config.js";

/**
 * `memory:` keys the schema accepts (AI-OS configs carry them) but nothing in aios reads yet,
 * each with why. Setting one away from its default must not look like it did something.
 */
const INERT: Readonly<Record<string, string>> = {
  "persistent_traces.enabled":
    "the in-RAM trace memory that biases attention is not built yet (persist_to_vector_store and warm_start work without it)",
  "persistent_traces.retention_rate": "it tunes the in-RAM trace memory, which is not built yet",
  "persistent_traces.decay_rate": "it tunes the in-RAM trace memory, which is not built yet",
  "persistent_traces.bias_strength": "it tunes the in-RAM trace memory, which is not built yet",
  "persistent_traces.update_interval": "it tunes the in-RAM trace memory, which is not built yet",
  "semantic_crystallization.enabled":
    "motif crystallization needs expert routing, which HRM-ACTV1 does not have",
  "semantic_crystallization.min_frequency": "motif crystallization is not built yet",
  "semantic_crystallization.min_utility": "motif crystallization is not built yet",
  "semantic_crystallization.max_entropy": "motif crystallization is not built yet",
  "semantic_crystallization.min_age": "motif crystallization is not built yet",
  "semantic_crystallization.max_motifs": "motif crystallization is not built yet",
  "semantic_crystallization.persist_motifs":
    "the trainer writes no motifs yet (the motif store itself works through the library API)",
  "semantic_crystallization.share_across_models": "motif crystallization is not built yet",
};

/** One warning per inert key set to a value other than its default, naming key, value and why. */
export function inertMemoryWarnings(memory: MemoryConfig): string[] {
  const defaults = memoryConfigSchema.parse({}) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  const given = memory as unknown as Record<string, Record<string, unknown>>;
  const warnings: string[] = [];
  for (const [path, why] of Object.entries(INERT)) {
    const [section, key] = path.split(".") as [string, string];
    const value = given[section]?.[key];
    if (value === defaults[section]?.[key]) continue;
    warnings.push(`memory.${path} = ${JSON.stringify(value)} has no effect yet: ${why}`);
  }
  return warnings;
}
