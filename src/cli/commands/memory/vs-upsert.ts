import { type Command, Option } from "commander";
import { AiosError } from "../../../core/errors.js";
import { randomVectors } from "../../../memory/vector-store/random-vectors.js";
import type { VectorStoreClient } from "../../../memory/vector-store/types.js";
import { createCountProgress } from "../../count-progress.js";
import { readVectorJsonl, type VectorRecord } from "./read-vector-jsonl.js";
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
    await withStore(options, async ({ store }) => {
      const dimension = (await store.stats()).dimension;
      const upserted =
        file === undefined
          ? await upsertRandom(store, options, dimension)
          : await upsertFile(store, file, dimension, options.batchSize);
      const count = await store.count();
      if (options.json) {
        printJson({ backend: store.backend, collection: store.collection, upserted, count });
      } else {
        process.stdout.write(
          `upserted ${upserted} vectors into ${store.collection} (${store.backend}); it now holds ${count}\n`,
        );
      }
    });
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
      progress.update(start + size, total);
    }
  } finally {
    progress.close();
  }
  return total;
}

async function upsertFile(
  store: VectorStoreClient,
  file: string,
  dimension: number | null,
  batchSize: number,
): Promise<number> {
  // First pass (files only; stdin cannot be read twice): check every line, write nothing.
  let total = 0;
  if (file !== "-") for await (const _ of readVectorJsonl(file, dimension)) total += 1;
  const progress = createCountProgress(process.stderr, "upsert", "vectors");
  let done = 0;
  let batch: VectorRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await store.upsert(
      batch.map((r) => r.id),
      batch.map((r) => r.vector),
      batch.map((r) => r.metadata),
    );
    done += batch.length;
    progress.update(done, Math.max(total, done));
    batch = [];
  };
  try {
    const inBatch = new Set<string>();
    for await (const record of readVectorJsonl(file, dimension)) {
      // A repeated id replaces the earlier line, as two separate upserts would.
      if (inBatch.has(record.id) || batch.length >= batchSize) {
        await flush();
        inBatch.clear();
      }
      batch.push(record);
      inBatch.add(record.id);
    }
    await flush();
  } finally {
    progress.close();
  }
  return done;
}
