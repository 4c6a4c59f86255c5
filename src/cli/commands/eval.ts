import type { Command } from "commander";
import { AiosError } from "../../core/errors.js";
import { openSequenceStream } from "../../data/pipeline/sequence-stream.js";
import { loadTokenizer } from "../../data/tokenizer/tokenizer.js";
import { loadBrain } from "../../train/brain-file.js";
import { evaluateSequences } from "../../train/evaluate-brain.js";
import { type EvalRecord, MetricsLog } from "../../train/metrics-log.js";
import { HrmModel } from "../../train/model.js";
import { initTensorflow } from "../../train/tf-setup.js";
import { addTrainingOptions, datasetFieldsOnly, type FieldFilter } from "../field-options.js";
import { openBackend } from "../open-backend.js";
import { describeData } from "../progress.js";
import { resolveCommandConfig } from "../resolve-command-config.js";
import { startGemm } from "../start-gemm.js";

/**
 * Dataset flags as training has them, except `--model`: the brain's own tokenizer reads the
 * data. The run flags name the brain, the log and how much to read.
 */
const evalFields: FieldFilter = (key, spec) =>
  (datasetFieldsOnly(key, spec) && key !== "model") ||
  ["brain_name", "bundle_dir", "log_file", "eval_batches", "batch_size", "gemm"].includes(key);

export function registerEval(hrm: Command): void {
  const command = hrm
    .command("eval")
    .description(
      "evaluate a trained brain on any dataset backend: loss, perplexity, accuracy and tokens, printed and appended to the metrics log as an eval record",
    )
    .option("--config <file>", "YAML config file (see config/default.yaml)")
    .option("--json", "print the eval record as JSON");
  addTrainingOptions(command, evalFields);
  command.action(async (flags: { json?: boolean }, cmd: Command) => {
    const { training } = await resolveCommandConfig(cmd);
    if (training.eval_batches === 0) {
      throw new AiosError("CONFIG_INVALID", "--eval-batches 0 evaluates nothing", {
        hint: "pass --eval-batches 1 or more",
      });
    }
    const brain = await loadBrain(training.bundle_dir, training.brain_name);
    const tokenizer = await loadTokenizer(brain.tokenizer);
    const config = {
      ...training,
      model: brain.tokenizer.name,
      max_seq_len: brain.arch.max_seq_len,
    };
    const log = new MetricsLog(config.log_file);
    await log.open();
    await initTensorflow();
    startGemm(config.gemm);
    const backend = await openBackend(config);
    const model = new HrmModel(brain.arch, brain.params);
    try {
      const stream = openSequenceStream(config, backend, null, { loop: false, tokenizer });
      const totals = await evaluateSequences(
        stream,
        {
          T: brain.arch.max_seq_len,
          batchSize: config.batch_size,
          maxBatches: config.eval_batches,
          source: backend.description,
        },
        (ids, rows) => model.evaluate(ids, rows),
      );
      const record: EvalRecord = {
        event: "eval",
        step: brain.trainingSteps ?? 0,
        loss: totals.loss,
        ppl: totals.ppl,
        accuracy: totals.accuracy,
        tokens: totals.tokens,
        batches: totals.batches,
        brain: config.brain_name,
        ts: new Date().toISOString(),
      };
      await log.append(record);
      // What could not be read is said, never passed over (the record counts only what was).
      process.stderr.write(`data: ${describeData(stream.stats())}\n`);
      if (flags.json === true) process.stdout.write(`${JSON.stringify(record)}\n`);
      else
        process.stdout.write(
          `brain "${config.brain_name}" (step ${record.step}) on ${backend.description}: loss ${record.loss.toFixed(4)}, perplexity ${record.ppl.toFixed(2)}, accuracy ${(record.accuracy * 100).toFixed(2)}%, ${record.tokens} tokens in ${record.batches} batches\n`,
        );
    } finally {
      model.dispose();
      await backend.close?.();
    }
  });
}
