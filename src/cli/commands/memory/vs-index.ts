import type { Command } from "commander";
import { addStoreOptions, printJson, type StoreOptions, withStore } from "./store-options.js";

export function registerVsIndex(memory: Command): void {
  const command = memory
    .command("vs-index")
    .description(
      "build or refresh the ANN index now instead of waiting for memory.vector_store.index_min_rows (Qdrant indexes by itself)",
    );
  addStoreOptions(command).action(async (options: StoreOptions) => {
    await withStore(
      options,
      async ({ store }) => {
        const started = performance.now();
        const indexed = await store.createIndex();
        const seconds = (performance.now() - started) / 1000;
        if (options.json) {
          printJson({ backend: store.backend, collection: store.collection, indexed, seconds });
        } else {
          process.stdout.write(
            indexed
              ? `${store.collection} (${store.backend}) is indexed (${seconds.toFixed(1)} s)\n`
              : `${store.collection} (${store.backend}) has no ANN index: too small to train one, so it is searched exactly\n`,
          );
        }
      },
      { existing: true },
    );
  });
}
