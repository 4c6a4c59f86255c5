import type { Command } from "commander";
import { formatBytes } from "../../../core/format-bytes.js";
import { addStoreOptions, printJson, type StoreOptions, withStore } from "./store-options.js";

export function registerVsStats(memory: Command): void {
  const command = memory
    .command("vs-stats")
    .description("count, dimension, storage size and index state of a collection");
  addStoreOptions(command).action(async (options: StoreOptions) => {
    await withStore(
      options,
      async ({ store }) => {
        const stats = await store.stats();
        if (options.json) {
          printJson({
            backend: stats.backend,
            collection: stats.collection,
            count: stats.count,
            dimension: stats.dimension,
            storage_bytes: stats.storageBytes,
            indexed: stats.indexed,
          });
          return;
        }
        const lines = [
          ["backend", stats.backend],
          ["collection", stats.collection],
          ["count", String(stats.count)],
          ["dimension", stats.dimension === null ? "- (empty)" : String(stats.dimension)],
          [
            "storage",
            stats.storageBytes === null
              ? "unknown (the backend does not report it)"
              : `${formatBytes(stats.storageBytes)} (${stats.storageBytes} bytes)`,
          ],
          ["index", stats.indexed ? "ANN index" : "none (exact search)"],
        ];
        for (const [key, value] of lines) process.stdout.write(`${`${key}:`.padEnd(12)}${value}\n`);
      },
      { existing: true },
    );
  });
}
