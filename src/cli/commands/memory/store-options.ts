import { type Command, Option } from "commander";
import { loadMemoryConfig } from "../../../config/load-config.js";
import { type VectorStoreConfig, vectorStoreBackends } from "../../../config/memory-config.js";
import { AiosError } from "../../../core/errors.js";
import { DEFAULT_COLLECTION } from "../../../memory/vector-store/collection-name.js";
import { createVectorStore } from "../../../memory/vector-store/create-vector-store.js";
import type { VectorStoreClient } from "../../../memory/vector-store/types.js";

export interface StoreOptions {
  backend?: VectorStoreConfig["backend"];
  collection?: string;
  config?: string;
  json?: boolean;
}

/** The options every `aios memory vs-*` command shares. */
export function addStoreOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--backend <name>",
        "vector store driver (default: memory.vector_store.backend from --config, else lancedb)",
      ).choices(vectorStoreBackends),
    )
    .option(
      "--collection <name>",
      `collection name without the prefix (memory.vector_store.collection_prefix); default "${DEFAULT_COLLECTION}"`,
    )
    .option(
      "--config <file>",
      "YAML config file whose memory.vector_store section configures the drivers",
    )
    .option("--json", "print the result as JSON on stdout");
}

export interface OpenedStore {
  readonly store: VectorStoreClient;
  readonly config: VectorStoreConfig;
  /** The collection name without prefix. */
  readonly collection: string;
}

export async function resolveStoreConfig(options: StoreOptions): Promise<VectorStoreConfig> {
  return (await loadMemoryConfig(options.config ?? null)).vector_store;
}

/** The configured store, with `--backend` and `--collection` applied. */
export async function openStore(options: StoreOptions, collection?: string): Promise<OpenedStore> {
  const config = await resolveStoreConfig(options);
  const name = collection ?? options.collection ?? DEFAULT_COLLECTION;
  const store = await createVectorStore(options.backend ?? config.backend, config, {
    collection: name,
  });
  return { store, config, collection: name };
}

/**
 * Runs `body` with the store open and closes it whatever happens. Commands that only read or
 * remove (`existing`) refuse a collection that does not exist, listing those that do: a
 * mistyped `--collection` must not look like an empty one.
 */
export async function withStore<T>(
  options: StoreOptions,
  body: (opened: OpenedStore) => Promise<T>,
  { collection, existing = false }: { collection?: string; existing?: boolean } = {},
): Promise<T> {
  const opened = await openStore(options, collection);
  try {
    if (existing && !(await opened.store.exists())) throw await noSuchCollection(opened);
    return await body(opened);
  } finally {
    await opened.store.close();
  }
}

async function noSuchCollection({ store, config, collection }: OpenedStore): Promise<AiosError> {
  const prefix = `${config.collection_prefix}_`;
  const names = (await store.listCollections())
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
  const listed =
    names.length === 0 ? "it holds no collections yet" : `its collections: ${names.join(", ")}`;
  return new AiosError(
    "VECTOR_STORE",
    `collection "${collection}" (${store.collection}) does not exist in the ${store.backend} store; ${listed}`,
    {
      hint: "check --collection, --backend and --config; vs-upsert or vs-restore creates a collection",
    },
  );
}

/** A JSON-valued flag, parsed, or an error that names the flag. */
export function parseJsonFlag(flag: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AiosError(
      "VECTOR_INPUT",
      `${flag} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: `quote it for the shell, e.g. ${flag} '${example}'`,
      },
    );
  }
}

/** A positive integer flag. */
export function parseCount(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new AiosError(
        "VECTOR_INPUT",
        `${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`,
      );
    }
    return n;
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
