import { type Command, Option } from "commander";
import { AiosError, isAiosError } from "../../../core/errors.js";
import {
  type ReplayableInput,
  replayableInput,
} from "../../../memory/vector-store/backup/jsonl-file.js";
import { randomVectors } from "../../../memory/vector-store/random-vectors.js";
import type { VectorStoreClient } from "../../../memory/vector-store/types.js";
import {
  type UpsertProgress,
  upsertInBatches,
} from "../../../memory/vector-store/upsert-batches.js";
import { createCountProgress } from "../../count-progress.js";
import { checkVectorJsonl, readVectorJsonl, type VectorJsonlSummary } from "./read-vector-jsonl.js";
import {
  addStoreOptions,
  parseCount,
  printJson,
  type StoreOptions,
  withStore,
} from "./store-options.js";

interface UpsertOptions extends StoreOptions {
  random?: number;
  dim?: number;
  seed: number;
  idPrefix: string;
  batchSize: number;
}

export function registerVsUpsert(memory: Command): void {
  const command = memory
    .command("vs-upsert")
    .description(
      "insert or replace vectors: from a JSONL file of {id, vector, metadata} lines, or --random N --dim D generated ones",
    )
    .argument(
      "[file]",
      "JSONL file (.gz allowed; - reads stdin); the whole file is checked before anything is written",
    )
    .option(
      "--random <n>",
      "upsert N random vectors instead of reading a file",
      parseCount("--random"),
    )
    .option(
      "--dim <d>",
      "dimension of the --random vectors (default: the collection's)",
      parseCount("--dim"),
    )
    .option("--seed <n>", "seed of the --random vectors", parseCount("--seed", 0), 0)
    .option(
      "--id-prefix <text>",
      "ids of --random vectors are this prefix plus 0, 1, 2, ...",
      "random-",
    )
    .addOption(
      new Option("--batch-size <n>", "records per upsert call")
        .argParser(parseCount("--batch-size"))
        .default(1000),
    );
  addStoreOptions(command).action(async (file: string | undefined, options: UpsertOptions) => {
    if ((file === undefined) === (options.random === undefined)) {
      throw new AiosError("VECTOR_INPUT", "vs-upsert needs either a JSONL file or --random N", {
        hint: "e.g. aios memory vs-upsert vectors.jsonl, or aios memory vs-upsert --random 1000 --dim 128",
      });
    }
    const report = async (store: VectorStoreClient, upserted: number) => {
      const count = await store.count();
      if (options.json) {
        printJson({ backend: store.backend, collection: store.collection, upserted, count });
      } else {
        process.stdout.write(
          `upserted ${upserted} vectors into ${store.collection} (${store.backend}); it now holds ${count}\n`,
        );
      }
    };
    if (file === undefined) {
      await withStore(options, async ({ store }) =>
        report(store, await upsertRandom(store, options, (await store.stats()).dimension)),
      );
      return;
    }
    // The whole input is read and checked before the store is opened (and, for an embedded
    // store, locked), so a bad record anywhere writes nothing; stdin is spooled to read it twice.
    const input = await replayableInput(file);
    try {
      const summary = await checkVectorJsonl(input.path, input.name);
      await withStore(options, async ({ store }) => {
        checkInputDimension(summary, (await store.stats()).dimension, input.name);
        await report(store, await upsertFile(store, input, summary, options.batchSize));
      });
    } finally {
      await input.cleanup();
    }
  });
}

async function upsertRandom(
  store: VectorStoreClient,
  options: UpsertOptions,
  dimension: number | null,
): Promise<number> {
  const dim = options.dim ?? dimension;
  if (dim === null) {
    throw new AiosError(
      "VECTOR_INPUT",
      "--random needs --dim: the collection is empty, so it has no dimension yet",
    );
  }
  const total = options.random ?? 0;
  const progress = createCountProgress(process.stderr, "upsert", "vectors");
  let done = 0;
  try {
    for (let start = 0, batch = 0; start < total; start += options.batchSize, batch++) {
      const size = Math.min(options.batchSize, total - start);
      // One seed per batch keeps the vectors independent of --batch-size's memory use.
      const vectors = randomVectors(size, dim, options.seed * 1_000_003 + batch);
      const ids = vectors.map((_, i) => `${options.idPrefix}${start + i}`);
      await store.upsert(
        ids,
        vectors,
        ids.map((_, i) => ({ index: start + i })),
      );
      done += size;
      progress.update(done, total);
    }
  } catch (error) {
    throw partlyWritten(
      error,
      done === 0
        ? null
        : `${done} of ${total} vectors (ids ${options.idPrefix}0 to ${options.idPrefix}${done - 1})`,
    );
  } finally {
    progress.close();
  }
  return total;
}

/** The collection's dimension against the input's, named by the record that fixed it. */
function checkInputDimension(
  summary: VectorJsonlSummary,
  collection: number | null,
  name: string,
): void {
  if (summary.dimension === null || collection === null || summary.dimension === collection) {
    return;
  }
  throw new AiosError(
    "VECTOR_INPUT",
    `${name}:${summary.firstLine}: vector has ${summary.dimension} dimensions but the collection holds ${collection}-dimensional vectors`,
    { hint: "use vectors of the collection's dimension, or another --collection" },
  );
}

async function upsertFile(
  store: VectorStoreClient,
  input: ReplayableInput,
  summary: VectorJsonlSummary,
  batchSize: number,
): Promise<number> {
  const progress = createCountProgress(process.stderr, "upsert", "vectors");
  const written: UpsertProgress = { written: 0, lastLine: 0 };
  try {
    await upsertInBatches(
      store,
      readVectorJsonl(input.path, input.name),
      batchSize,
      written,
      ({ written: done }) => progress.update(done, Math.max(summary.count, done)),
    );
  } catch (error) {
    throw partlyWritten(
      error,
      written.written === 0
        ? null
        : `${written.written} of ${summary.count} records (${input.name} lines ${summary.firstLine} to ${written.lastLine})`,
    );
  } finally {
    progress.close();
  }
  return written.written;
}

/**
 * A write that failed part-way (the store went away, another program held it too long): the
 * message says exactly what was written before, and that running the command again is safe.
 */
function partlyWritten(error: unknown, written: string | null): unknown {
  const note =
    written === null
      ? "nothing was written"
      : `${written} were written before this error; the rest were not`;
  if (!isAiosError(error)) {
    process.stderr.write(`aios: ${note}\n`);
    return error;
  }
  return new AiosError(error.code, `${error.message} (${note})`, {
    hint: `${error.hint === undefined ? "" : `${error.hint}; `}upserts replace by id, so running the same command again is safe`,
    exitCode: error.exitCode,
    cause: error,
  });
}
