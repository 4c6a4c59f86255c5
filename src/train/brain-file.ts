import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AiosError, errnoCode } from "../core/errors.js";
import type { TokenizerSpec } from "../data/tokenizer/tokenizer.js";
import {
  ARCHITECTURE_KEYS,
  type Architecture,
  type ParamLayout,
  paramLayout,
} from "./architecture.js";
import { bundledTokenizer, bundlePaths } from "./bundle.js";
import { decodeSafetensors } from "./safetensors.js";
import { transpose } from "./weights-file.js";

/** A trained brain as read back from its bundle, weights in the training layout. */
export interface LoadedBrain {
  readonly dir: string;
  readonly arch: Architecture;
  readonly layout: ParamLayout;
  /** `[layout.total]` floats, linear weights `[in, out]` (architecture.ts). */
  readonly params: Float32Array;
  /**
   * The tokenizer it was trained with (metadata.json): a tiktoken encoding by name, or the
   * tokenizer.json files in the bundle's `tokenizer/`, checked against their recorded SHA-256.
   */
  readonly tokenizer: TokenizerSpec;
  /** metadata.json's `training_steps`, or null. */
  readonly trainingSteps: number | null;
}

/**
 * Reads `<bundleDir>/<brainName>/`: `config.json` for the architecture, `model.safetensors` for
 * the weights (names and `[out, in]` layout of docs/MODEL.md, so a file written by PyTorch loads
 * too) and `metadata.json` with `tokenizer/` for the tokenizer (bundle.ts `bundledTokenizer`).
 *
 * @throws AiosError `CHECKPOINT` naming the file at fault: no such brain, a config.json that is
 *   not an HRM-ACTV1 architecture, or weights missing, misnamed or of the wrong shape.
 */
export async function loadBrain(bundleDir: string, brainName: string): Promise<LoadedBrain> {
  const dir = join(bundleDir, brainName);
  const configPath = join(dir, "config.json");
  const modelPath = join(dir, "model.safetensors");
  let configText: string;
  try {
    configText = await readFile(configPath, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") {
      throw new AiosError(
        "CHECKPOINT",
        `no brain "${brainName}" in ${bundleDir} (${configPath} does not exist)`,
        {
          hint: "train one with `aios hrm-hf train-actv1 --brain-name NAME`, or pass the --brain-name and --bundle-dir it was trained with",
        },
      );
    }
    throw new AiosError("CHECKPOINT", `cannot read ${configPath}: ${(error as Error).message}`);
  }
  const arch = parseArchitecture(configText, configPath);
  let weights: Buffer;
  try {
    weights = await readFile(modelPath);
  } catch (error) {
    throw new AiosError("CHECKPOINT", `cannot read ${modelPath}: ${(error as Error).message}`, {
      hint: "the bundle is incomplete; resume training to write it again",
    });
  }
  const layout = paramLayout(arch);
  const params = paramsFromWeights(weights, layout, modelPath);
  const metadata = await readJsonOrNull(join(dir, "metadata.json"));
  const tokenizer = await bundledTokenizer(
    bundlePaths({ bundle_dir: bundleDir, brain_name: brainName }),
    brainName,
    {
      ...(typeof metadata?.tokenizer === "string" ? { tokenizer: metadata.tokenizer } : {}),
      ...(typeof metadata?.tokenizer_sha256 === "string"
        ? { tokenizer_sha256: metadata.tokenizer_sha256 }
        : {}),
    },
  );
  return {
    dir,
    arch,
    layout,
    params,
    tokenizer,
    trainingSteps: typeof metadata?.training_steps === "number" ? metadata.training_steps : null,
  };
}

function parseArchitecture(text: string, path: string): Architecture {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new AiosError("CHECKPOINT", `${path} is not JSON: ${(error as Error).message}`);
  }
  const missing = ARCHITECTURE_KEYS.filter((key) => raw[key] === undefined);
  if (missing.length > 0) {
    throw new AiosError("CHECKPOINT", `${path} lacks ${missing.join(", ")}`, {
      hint: "config.json must hold the architecture docs/MODEL.md lists",
    });
  }
  return Object.fromEntries(
    ARCHITECTURE_KEYS.map((key) => [key, raw[key]]),
  ) as unknown as Architecture;
}

/** `model.safetensors` → the flat training-layout buffer (transposing `[out, in]` back). */
function paramsFromWeights(buffer: Buffer, layout: ParamLayout, path: string): Float32Array {
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(buffer);
  } catch (error) {
    throw new AiosError(
      "CHECKPOINT",
      `${path} is not a float32 safetensors file: ${(error as Error).message}`,
    );
  }
  const params = new Float32Array(layout.total);
  for (const spec of layout.specs) {
    const tensor = decoded.tensors.get(spec.name);
    const fileShape = spec.transposed ? [...spec.shape].reverse() : [...spec.shape];
    if (tensor === undefined) {
      throw new AiosError("CHECKPOINT", `${path} has no tensor ${spec.name}`, {
        hint: "tensor names and shapes are listed in docs/MODEL.md",
      });
    }
    if (tensor.shape.join(",") !== fileShape.join(",")) {
      throw new AiosError(
        "CHECKPOINT",
        `${path}: ${spec.name} has shape [${tensor.shape.join(", ")}], config.json implies [${fileShape.join(", ")}]`,
      );
    }
    const values = spec.transposed
      ? transpose(tensor.data, fileShape[0] as number, fileShape[1] as number)
      : tensor.data;
    params.set(values, spec.offset);
  }
  return params;
}

async function readJsonOrNull(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}
