import type { Command } from "commander";
import { AiosError } from "../../core/errors.js";
import { previewSamples } from "../../data/pipeline/sequence-stream.js";
import { writeShards } from "../../data/webdataset/write-shards.js";
import { addTrainingOptions } from "../field-options.js";
import { openBackend } from "../open-backend.js";
import { resolveCommandConfig } from "../resolve-command-config.js";

/** A whole-number option value, or an error naming the flag. */
function wholeNumber(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new AiosError(
      "CONFIG_INVALID",
      `--${flag} = ${JSON.stringify(raw)}: must be a whole number >= ${min}`,
    );
  }
  return n;
}

export function registerDataCommands(data: Command): void {
  const preview = data
    .command("preview")
    .description("print the first samples of any dataset backend configuration, with token counts")
    .option("--config <file>", "YAML config file (see config/default.yaml)")
    .option("--samples <n>", "samples to print", "5");
  addTrainingOptions(preview);
  preview.action(async (options: { samples: string }, command: Command) => {
    const n = wholeNumber("samples", options.samples, 1);
    const { training } = await resolveCommandConfig(command);
    const backend = await openBackend(training);
    try {
      const samples = await previewSamples(backend, training, n);
      for (const [i, sample] of samples.entries()) {
        const text = sample.text.length > 300 ? `${sample.text.slice(0, 300)}…` : sample.text;
        process.stdout.write(
          `[${i + 1}] (${sample.tokens} tokens, ${sample.text.length} chars) ${JSON.stringify(text)}\n`,
        );
      }
      const stats = backend.stats();
      const tokens = samples.reduce((a, s) => a + s.tokens, 0);
      process.stdout.write(
        `${backend.description}: ${samples.length} samples shown, ${samples.length === 0 ? 0 : (tokens / samples.length).toFixed(1)} tokens per sample` +
          `${describeCounts(" bad rows", stats.badRows)}${describeCounts(" skipped", stats.skipped)}${describeCounts(" repaired", stats.repaired)}\n`,
      );
    } finally {
      await backend.close?.();
    }
  });

  const make = data
    .command("make-shards")
    .description("write WebDataset tar shards (readable by GNU tar) from any dataset backend")
    .requiredOption("--out <dir>", "directory to write the shards into")
    .option("--prefix <name>", "shard file name prefix: <prefix>-000000.tar, ...", "shard")
    .option("--max-samples <n>", "most samples per shard", "10000")
    .option("--max-bytes <n>", "most text bytes per shard", String(256 * 1024 * 1024))
    .option("--field <ext>", "extension of each sample's text file inside the tar", "txt")
    .option("--config <file>", "YAML config file (see config/default.yaml)");
  addTrainingOptions(make);
  make.action(
    async (
      options: { out: string; prefix: string; maxSamples: string; maxBytes: string; field: string },
      command: Command,
    ) => {
      const { training } = await resolveCommandConfig(command);
      const backend = await openBackend(training);
      try {
        const written = await writeShards(backend.iterText({ loop: false }), {
          dir: options.out,
          prefix: options.prefix,
          maxSamples: wholeNumber("max-samples", options.maxSamples, 1),
          maxBytes: wholeNumber("max-bytes", options.maxBytes, 1),
          field: options.field,
          onShard: (path, samples) => process.stderr.write(`wrote ${path} (${samples} samples)\n`),
        });
        process.stdout.write(
          `${written.samples} samples in ${written.files.length} shards; read them with --dataset-backend webdataset --wds-pattern "${written.pattern}"\n`,
        );
      } finally {
        await backend.close?.();
      }
    },
  );
}

function describeCounts(label: string, counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0
    ? ""
    : `;${label}: ${entries.map(([k, v]) => `${k} ${v}`).join(", ")}`;
}
