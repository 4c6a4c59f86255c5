import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { AiosError, errnoCode } from "../core/errors.js";
import { type TrainingFieldKey, trainingFields } from "./fields.js";
import { type MemoryConfig, memoryConfigSchema } from "./memory-config.js";
import {
  type RawTrainingConfig,
  resolveTrainingConfig,
  type TrainingConfig,
} from "./training-config.js";

export interface ResolvedConfig {
  training: TrainingConfig;
  memory: MemoryConfig;
  /** Training keys given a value by the YAML file or the flags (the rest are defaults). */
  explicit: ReadonlySet<TrainingFieldKey>;
}

export interface ConfigSources {
  /** A YAML file with `train:` and `memory:` sections, or null. */
  file: string | null;
  /** Values given on the command line (only those the user typed). */
  flags: RawTrainingConfig;
}

/** Parsed YAML, split into training values and the rest of `memory:`. */
export interface ConfigFileValues {
  training: RawTrainingConfig;
  memory: Record<string, unknown>;
}

const keyByYamlPath = new Map<string, TrainingFieldKey>(
  (Object.keys(trainingFields) as TrainingFieldKey[]).map((key) => [trainingFields[key].yaml, key]),
);

export interface ResolveOptions {
  /** False for commands that only show the configuration (no dataset needed). */
  requireDataset?: boolean;
}

/** defaults < YAML file < flags, then validation of both namespaces. */
export async function resolveConfig(
  sources: ConfigSources,
  options: ResolveOptions = {},
): Promise<ResolvedConfig> {
  const fromFile: ConfigFileValues =
    sources.file === null ? { training: {}, memory: {} } : await loadConfigFile(sources.file);
  const raw = { ...fromFile.training, ...definedOnly(sources.flags) };
  const training = resolveTrainingConfig(raw, { requireDataset: options.requireDataset ?? true });
  const explicit = new Set(Object.keys(raw) as TrainingFieldKey[]);
  return { training, memory: resolveMemoryConfig(fromFile.memory, sources.file), explicit };
}

/**
 * Only the `memory:` section of a YAML file (defaults where there is no file), for commands
 * that use nothing else (`aios memory …`, `aios gui`): the `train:` section and
 * `memory.dataset` are not read, so a training key they do not use cannot stop them.
 */
export async function loadMemoryConfig(file: string | null): Promise<MemoryConfig> {
  if (file === null) return resolveMemoryConfig({});
  const root = parseYamlMapping(await readConfigText(file), file);
  const section = root.memory ?? {};
  if (!isRecord(section))
    throw new AiosError("CONFIG_FILE", `memory: in ${file} must be a mapping`);
  const { dataset: _dataset, ...memory } = section;
  return resolveMemoryConfig(memory, file);
}

export async function loadConfigFile(path: string): Promise<ConfigFileValues> {
  return parseConfigText(await readConfigText(path), path);
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const reason = errnoCode(error) === "ENOENT" ? "does not exist" : String(error);
    throw new AiosError("CONFIG_FILE", `Config file ${path} ${reason}`, {
      hint: "pass --config with the path of a YAML file, e.g. --config config/default.yaml",
    });
  }
}

export function parseConfigText(text: string, path: string): ConfigFileValues {
  const root = parseYamlMapping(text, path);
  const values: ConfigFileValues = { training: {}, memory: {} };
  const unknown: string[] = [];
  for (const [section, body] of Object.entries(root)) {
    if (section !== "train" && section !== "memory") {
      unknown.push(section);
      continue;
    }
    if (body === null) continue;
    if (!isRecord(body)) {
      throw new AiosError("CONFIG_FILE", `${section}: in ${path} must be a mapping`);
    }
    if (section === "train") collectTraining(body, "train", values.training, unknown);
    else {
      for (const [key, value] of Object.entries(body)) {
        if (key === "dataset") {
          if (value === null) continue;
          if (!isRecord(value))
            throw new AiosError("CONFIG_FILE", `memory.dataset in ${path} must be a mapping`);
          collectTraining(value, "memory.dataset", values.training, unknown);
        } else values.memory[key] = value;
      }
    }
  }
  if (unknown.length > 0) {
    throw new AiosError(
      "CONFIG_FILE",
      `Config file ${path} has unknown keys: ${unknown.join(", ")}`,
      {
        hint: `known training keys: ${[...keyByYamlPath.keys()].join(", ")}; see config/default.yaml for memory keys`,
      },
    );
  }
  return values;
}

function parseYamlMapping(text: string, path: string): Record<string, unknown> {
  const doc = parseDocument(text);
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    throw new AiosError("CONFIG_FILE", `Config file ${path} is not valid YAML: ${syntax.message}`, {
      hint: "fix the YAML syntax at the line shown",
    });
  }
  const root: unknown = doc.toJS() ?? {};
  if (!isRecord(root)) {
    throw new AiosError(
      "CONFIG_FILE",
      `Config file ${path} must hold a mapping with train: and memory: sections`,
    );
  }
  return root;
}

/** Walk a YAML mapping, turning known dotted paths into training values. */
function collectTraining(
  body: Record<string, unknown>,
  prefix: string,
  into: RawTrainingConfig,
  unknown: string[],
): void {
  for (const [name, value] of Object.entries(body)) {
    const path = `${prefix}.${name}`;
    const key = keyByYamlPath.get(path);
    if (key !== undefined) into[key] = value;
    else if (isRecord(value)) collectTraining(value, path, into, unknown);
    else unknown.push(path);
  }
}

/**
 * The `memory:` section from plain values (a parsed YAML section, or `{}` for every default).
 * @throws AiosError `CONFIG_INVALID` listing each bad key as `memory.a.b = value: problem`.
 */
export function resolveMemoryConfig(
  raw: Record<string, unknown>,
  file: string | null = null,
): MemoryConfig {
  const parsed = memoryConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const path = ["memory", ...issue.path.map(String)].join(".");
    const value = issue.path.reduce<unknown>(
      (node, part) => (isRecord(node) ? node[String(part)] : undefined),
      raw,
    );
    return `${path} = ${JSON.stringify(value ?? null)}: ${issue.message}`;
  });
  throw new AiosError(
    "CONFIG_INVALID",
    // One line: messages are printed as one line after "aios: " (oneLine escapes breaks).
    `Invalid memory configuration${file === null ? "" : ` in ${file}`}: ${lines.join("; ")}`,
    { hint: "see config/default.yaml for every memory key with its default" },
  );
}

function definedOnly(values: RawTrainingConfig): RawTrainingConfig {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
