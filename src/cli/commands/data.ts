import type { Command } from "commander";
import { AiosError } from "../../core/errors.js";
import { previewSamples } from "../../data/pipeline/sequence-stream.js";
import { openTokenizer, tokenizerSource } from "../../data/tokenizer/resolve-tokenizer.js";
import { writeShards } from "../../data/webdataset/write-shards.js";
import { addTrainingOptions, datasetFieldsOnly, trainingFlagValues } from "../field-options.js";
import { openBackend } from "../open-backend.js";
import { wholeNumber } from "../option-parsers.js";
import { resolveCommandConfig } from "../resolve-command-config.js";

export function registerDataCommands(data: Command): void {
  const preview = data
    .command("preview")
    .description(
      "print the first samples of any dataset backend configuration, with token counts; in file order unless --shuffle (custom), --hf-shuffle N (hf) or --wds-shuffle N (webdataset) is given",
    )
    .option("--config <file>", "YAML config file (see config/default.yaml)")
    .option("--samples <n>", "samples to print", wholeNumber("samples", 1), 5);
  addTrainingOptions(preview, datasetFieldsOnly);
  preview.action(async (options: { samples: number }, command: Command) => {
    const n = options.samples;
    const resolved = await resolveCommandConfig(command);
    // "The first samples" are the file's first ones unless shuffling is asked for on this line.
    const typed = trainingFlagValues(command);
    const training = {
      ...resolved.training,
      shuffle: typed.shuffle === true,
      wds_shuffle: typed.wds_shuffle === undefined ? 0 : resolved.training.wds_shuffle,
      hf_shuffle: typed.hf_shuffle === undefined ? 0 : resolved.training.hf_shuffle,
    };
    // Opened first, so that a tokenizer that cannot be used stops before any data is read.
    const tokenizer = await openTokenizer(
      training.model,
      tokenizerSource(training, (message) => process.stderr.write(`${message}\n`)),
    );
    const backend = await openBackend(training);
    try {
      const samples = await previewSamples(backend, training, n, tokenizer);
      for (const [i, sample] of samples.entries()) {
        const text = sample.text.length > 300 ? `${sample.text.slice(0, 300)}…` : sample.text;
        const from = sample.source === undefined ? "" : `${sample.source}: `;
        process.stdout.write(
          `[${i + 1}] ${from}(${sample.tokens} tokens, ${sample.text.length} chars) ${JSON.stringify(text)}\n`,
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
    .option("--max-samples <n>", "most samples per shard", wholeNumber("max-samples", 1), 10_000)
    .option(
      "--max-bytes <n>",
      "most text bytes per shard",
      wholeNumber("max-bytes", 1),
      256 * 1024 * 1024,
    )
    .option("--field <ext>", "extension of each sample's text file inside the tar", "txt")
    .option(
      "--overwrite",
      "replace the shards of --prefix already in --out (removed once the new ones are written); without it such a directory is refused",
    )
    .option("--config <file>", "YAML config file (see config/default.yaml)");
  addTrainingOptions(make, datasetFieldsOnly);
  make.action(
    async (
      options: {
        out: string;
        prefix: string;
        maxSamples: number;
        maxBytes: number;
        field: string;
        overwrite?: boolean;
      },
      command: Command,
    ) => {
      const { training } = await resolveCommandConfig(command);
      if (training.dataset_mix !== null && training.mix_stopping_strategy === "endless") {
        throw new AiosError(
          "CONFIG_INVALID",
          "--dataset-mix with --mix-stopping-strategy endless never ends, so make-shards cannot write it all",
          {
            hint: "pass --mix-stopping-strategy first_exhausted, all_exhausted or all_exhausted_without_replacement",
          },
        );
      }
      const backend = await openBackend(training);
      try {
        const written = await writeShards(backend.iterText({ loop: false }), {
          dir: options.out,
          prefix: options.prefix,
          maxSamples: options.maxSamples,
          maxBytes: options.maxBytes,
          field: options.field,
          overwrite: options.overwrite === true,
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
