import type { Command } from "commander";
import { AiosError } from "../../../core/errors.js";
import { parseFilter, type VectorFilter } from "../../../memory/vector-store/filter.js";
import { literalsOf } from "../../../memory/vector-store/json-numbers.js";
import { randomVectors } from "../../../memory/vector-store/random-vectors.js";
import type {
  QueryHit,
  VectorInput,
  VectorStoreClient,
} from "../../../memory/vector-store/types.js";
import {
  addStoreOptions,
  parseCount,
  parseJsonFlag,
  printJson,
  type StoreOptions,
  withStore,
} from "./store-options.js";

/**
 * `--random` queries draw from another stream than `vs-upsert --random` with the same `--seed`:
 * otherwise the default query is exactly the stored vector `random-0` (score 1.0).
 */
const QUERY_SEED_OFFSET = 0x5eed_0001;

interface QueryOptions extends StoreOptions {
  vector?: string;
  id?: string;
  random?: boolean;
  seed: number;
  topK: number;
  filter?: string;
}

export function registerVsQuery(memory: Command): void {
  const command = memory
    .command("vs-query")
    .description(
      "the top-k most similar vectors by cosine similarity, best first; with only --filter, the records that match",
    )
    .option("--vector <json>", "query vector as a JSON array, e.g. '[0.1, 0.2, 0.3]'")
    .option(
      "--id <id>",
      "use the stored vector of this id as the query (it comes back first, score 1; ~1e-4 off with hnsw_scalar f16)",
    )
    .option("--random", "query with a random vector of the collection's dimension")
    .option(
      "--seed <n>",
      "seed of the --random query vector (a different stream from vs-upsert --random's)",
      parseCount("--seed", 0),
      0,
    )
    .option("--top-k <n>", "number of results", parseCount("--top-k"), 5)
    .option(
      "--filter <json>",
      'metadata filter: {"key": value} (also matches arrays holding it), {"key": {"$in": [...]}}, {"key": {"$gte": n, "$lt": m}}; keys are ANDed',
    );
  addStoreOptions(command).action(async (options: QueryOptions) => {
    const sources = [options.vector, options.id, options.random].filter((x) => x !== undefined);
    if (sources.length > 1) {
      throw new AiosError("VECTOR_INPUT", "vs-query takes one of --vector, --id and --random", {
        hint: "leave all three out (with --filter) for a filter-only query",
      });
    }
    const filter =
      options.filter === undefined
        ? undefined
        : (parseJsonFlag("--filter", options.filter, '{"kind": "motif"}') as VectorFilter);
    // Checked here, with the flag's own digits at hand for the message, before the store opens.
    if (options.filter !== undefined) parseFilter(filter, literalsOf(options.filter));
    await withStore(
      options,
      async ({ store }) => {
        const vector = await queryVector(store, options);
        const hits = vector === undefined ? [] : await store.query(vector, options.topK, filter);
        if (options.json) {
          printJson({
            backend: store.backend,
            collection: store.collection,
            results: hits.map(([id, score, metadata]) => ({ id, score, metadata })),
          });
        } else {
          printHits(hits);
        }
      },
      { existing: true },
    );
  });
}

/** The query vector; null for a filter-only query, undefined when there is nothing to query. */
async function queryVector(
  store: VectorStoreClient,
  options: QueryOptions,
): Promise<VectorInput | null | undefined> {
  if (options.vector !== undefined) {
    const vector = parseJsonFlag("--vector", options.vector, "[0.1, 0.2, 0.3]");
    if (!Array.isArray(vector))
      throw new AiosError("VECTOR_INPUT", "--vector must be a JSON array of numbers");
    return vector as number[];
  }
  if (options.id !== undefined) {
    const record = await store.queryById(options.id);
    if (record === null) {
      throw new AiosError(
        "VECTOR_INPUT",
        `No record with id ${JSON.stringify(options.id)} in ${store.collection}`,
        {
          hint: "check --collection and --backend",
        },
      );
    }
    return record.vector;
  }
  if (options.random) {
    const { dimension } = await store.stats();
    return dimension === null
      ? undefined
      : randomVectors(1, dimension, options.seed + QUERY_SEED_OFFSET)[0];
  }
  return null;
}

function printHits(hits: readonly QueryHit[]): void {
  if (hits.length === 0) {
    process.stdout.write("no results\n");
    return;
  }
  const rows = hits.map(([id, score, metadata], i) => [
    String(i + 1),
    score === null ? "-" : score.toFixed(6),
    id,
    JSON.stringify(metadata),
  ]);
  const header = ["rank", "score", "id", "metadata"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  ")}\n`,
    );
  }
}
