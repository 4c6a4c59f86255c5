import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { AiosError } from "../../core/errors.js";
import { loadTokenizer } from "../../data/tokenizer/tokenizer.js";
import { loadBrain } from "../../train/brain-file.js";
import { describeGemm } from "../../train/gemm-kernel.js";
import { generate } from "../../train/generate.js";
import { HrmInference } from "../../train/inference.js";
import { initTensorflow } from "../../train/tf-setup.js";
import { addTrainingOptions } from "../field-options.js";
import { numberIn, wholeNumber } from "../option-parsers.js";
import { resolveCommandConfig } from "../resolve-command-config.js";
import { startGemm } from "../start-gemm.js";

interface GenerateFlags {
  prompt?: string;
  promptFile?: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stop: string[];
  json?: boolean;
}

/**
 * The fields that locate a brain (`--brain-name`, `--bundle-dir`, and `--config`'s train:) and
 * the engine that runs it (`--gemm`).
 */
const generateFields = (key: string) =>
  key === "brain_name" || key === "bundle_dir" || key === "gemm";

export function registerGenerate(hrm: Command): void {
  const command = hrm
    .command("generate")
    .description(
      "continue a prompt with a trained brain, streaming tokens to stdout as they are decoded (ACT at inference: docs/MODEL.md)",
    )
    .option("--config <file>", "YAML config file whose train: section names the brain")
    .option("--prompt <text>", "the text to continue")
    .option("--prompt-file <file>", "read the prompt from a UTF-8 file instead")
    .option("--max-new-tokens <n>", "most tokens to generate", wholeNumber("max-new-tokens", 1), 64)
    .option(
      "--temperature <t>",
      "softmax temperature; 0 is greedy (argmax)",
      numberIn("temperature", 0, 100),
      1,
    )
    .option(
      "--top-k <k>",
      "sample among the k most likely tokens; 0 keeps all",
      wholeNumber("top-k", 0),
      0,
    )
    .option(
      "--top-p <p>",
      "sample among the most likely tokens whose probability reaches p (nucleus); 1 keeps all",
      numberIn("top-p", Number.MIN_VALUE, 1),
      1,
    )
    .option(
      "--seed <n>",
      "seed of the sampler: the same seed gives the same text",
      wholeNumber("seed", 0),
      0,
    )
    .option(
      "--stop <text>",
      "end generation before this string (repeatable); it is not printed",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--json", "print one JSON object: prompt and generated ids, text, segments per token");
  addTrainingOptions(command, generateFields);
  command.action(async (flags: GenerateFlags, cmd: Command) => {
    const { training } = await resolveCommandConfig(cmd, { requireDataset: false });
    const prompt = await promptOf(flags);
    const brain = await loadBrain(training.bundle_dir, training.brain_name);
    const tokenizer = await loadTokenizer(brain.tokenizer);
    await initTensorflow();
    const gemm = startGemm(training.gemm);
    const model = new HrmInference(brain.arch, brain.params);
    try {
      const started = performance.now();
      const result = await generate(
        model,
        tokenizer,
        prompt,
        {
          maxNewTokens: flags.maxNewTokens,
          temperature: flags.temperature,
          topK: flags.topK,
          topP: flags.topP,
          seed: flags.seed,
          stop: flags.stop,
        },
        flags.json === true ? undefined : (text) => process.stdout.write(text),
      );
      const seconds = (performance.now() - started) / 1000;
      if (flags.json === true) {
        process.stdout.write(
          `${JSON.stringify({
            brain: training.brain_name,
            prompt_ids: result.promptIds,
            ids: result.tokens.map((t) => t.id),
            text: result.text,
            segments: result.tokens.map((t) => t.segments),
            stop_reason: result.stopReason,
            tokens_per_s: result.tokens.length / seconds,
            gemm: gemm.engine,
          })}\n`,
        );
      } else {
        process.stdout.write("\n");
        process.stderr.write(
          `${result.tokens.length} tokens in ${seconds.toFixed(2)} s (${(result.tokens.length / seconds).toFixed(1)} tokens/s, ${describeGemm(gemm)}), stopped: ${result.stopReason}\n`,
        );
      }
    } finally {
      model.dispose();
    }
  });
}

async function promptOf(flags: GenerateFlags): Promise<string> {
  if (flags.prompt !== undefined && flags.promptFile !== undefined) {
    throw new AiosError("CONFIG_INVALID", "--prompt and --prompt-file both given", {
      hint: "pass one of them",
    });
  }
  if (flags.promptFile !== undefined) {
    try {
      return await readFile(flags.promptFile, "utf8");
    } catch (error) {
      throw new AiosError(
        "IO",
        `cannot read --prompt-file ${flags.promptFile}: ${(error as Error).message}`,
      );
    }
  }
  if (flags.prompt === undefined) {
    throw new AiosError("CONFIG_INVALID", "no prompt given", {
      hint: "pass --prompt TEXT or --prompt-file FILE",
    });
  }
  return flags.prompt;
}
