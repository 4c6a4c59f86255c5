import type { Command } from "commander";
import { stringify } from "yaml";
import { configFileShape } from "../../config/config-file-shape.js";
import type { MemoryConfig } from "../../config/memory-config.js";
import type { TrainingConfig } from "../../config/training-config.js";
import { openSequenceStream, previewSamples } from "../../data/pipeline/sequence-stream.js";
import { loadTokenizer, type Tokenizer } from "../../data/tokenizer/tokenizer.js";
import { planRun, type RunPlan } from "../../train/run-preflight.js";
import { trainActV1 } from "../../train/trainer.js";
import { addTrainingOptions } from "../field-options.js";
import { openBackend } from "../open-backend.js";
import { createProgressReporter } from "../progress.js";
import { resolveCommandConfig } from "../resolve-command-config.js";

const PREVIEW_SAMPLES = 3;

export function registerTrainActV1(hrm: Command): void {
  const train = hrm
    .command("train-actv1")
    .description(
      "train an HRM-ACTV1 model on the tokens of any tokenizer (--model) from any dataset backend; appends one metrics JSONL record per optimizer step and writes a brain bundle",
    )
    .option(
      "--config <file>",
      "YAML config file with train: and memory: sections (see config/default.yaml)",
    );
  addTrainingOptions(train);
  train.action(async (_options: unknown, command: Command) => {
    const resolved = await resolveCommandConfig(command);
    // What a real run would refuse, a dry run refuses the same way.
    const plan = await planRun(resolved.training, resolved.explicit, {
      log: (message) => process.stderr.write(`${message}\n`),
    });
    const tokenizer = await loadTokenizer(plan.tokenizer);
    if (plan.config.dry_run) {
      await dryRun(plan, tokenizer, resolved.memory);
      return;
    }
    await runTraining(plan.config, tokenizer, resolved.memory);
  });
}

async function dryRun(plan: RunPlan, tokenizer: Tokenizer, memory: MemoryConfig): Promise<void> {
  const training = plan.config;
  process.stdout.write(stringify(configFileShape(training, memory)));
  const backend = await openBackend(training);
  try {
    if (plan.resumeFrom !== null) {
      // The saved data position is the one check only the backend can make: read from it.
      const stream = openSequenceStream(training, backend, plan.resumeFrom.position, {
        loop: true,
        tokenizer,
      });
      for await (const _ of stream) break;
    }
    const samples = await previewSamples(backend, training, PREVIEW_SAMPLES, tokenizer);
    process.stdout.write(`\n# first ${samples.length} samples from ${backend.description}\n`);
    for (const [i, sample] of samples.entries()) {
      const text = sample.text.length > 200 ? `${sample.text.slice(0, 200)}…` : sample.text;
      const from = sample.source === undefined ? "" : `${sample.source}: `;
      process.stdout.write(`[${i + 1}] ${from}(${sample.tokens} tokens) ${JSON.stringify(text)}\n`);
    }
    const first = (plan.resumeFrom?.step ?? 0) + 1;
    process.stdout.write(
      `dry run: configuration valid; a real run would train steps ${first}-${first + training.steps - 1} of ${plan.resumeFrom === null ? "the new" : "the resumed"} brain "${training.brain_name}"; nothing trained\n`,
    );
  } finally {
    await backend.close?.();
  }
}

async function runTraining(
  config: TrainingConfig,
  tokenizer: Tokenizer,
  memory: MemoryConfig,
): Promise<void> {
  const backend = await openBackend(config);
  const evalBackend =
    config.eval_file === null
      ? null
      : await openBackend({
          ...config,
          dataset_backend: "custom",
          dataset_file: config.eval_file,
          shuffle: false,
        });
  const progress = createProgressReporter(process.stderr);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await trainActV1({
      config,
      memory,
      tokenizer,
      openSequences: (from) => openSequenceStream(config, backend, from, { loop: true, tokenizer }),
      openEvalSequences:
        evalBackend === null
          ? null
          : () => openSequenceStream(config, evalBackend, null, { loop: false, tokenizer }),
      onEvent: progress.onEvent,
      signal: stop.signal,
    });
  } finally {
    progress.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await backend.close?.();
    await evalBackend?.close?.();
  }
}
