import type { Command } from "commander";
import { backupCollection } from "../../../memory/vector-store/backup/backup-collection.js";
import { createCountProgress } from "../../count-progress.js";
import { addStoreOptions, printJson, type StoreOptions, withStore } from "./store-options.js";

export function registerVsBackup(memory: Command): void {
  const command = memory
    .command("vs-backup")
    .description(
      "write a collection to one portable file (JSON Lines: header, records, trailer) that vs-restore loads into any backend",
    )
    .argument("<file>", "backup file to write; a .gz name compresses it");
  addStoreOptions(command).action(async (file: string, options: StoreOptions) => {
    await withStore(
      options,
      async ({ store, collection }) => {
        const started = performance.now();
        const progress = createCountProgress(process.stderr, "backup", "vectors");
        let summary: Awaited<ReturnType<typeof backupCollection>>;
        try {
          summary = await backupCollection(store, file, {
            collection,
            onProgress: (done, total) => progress.update(done, total),
          });
        } finally {
          progress.close();
        }
        const seconds = (performance.now() - started) / 1000;
        if (options.json) {
          printJson({
            backend: store.backend,
            collection: store.collection,
            file,
            ...summary,
            seconds,
          });
        } else {
          process.stdout.write(
            `backed up ${summary.count} vectors of ${store.collection} (${store.backend}) to ${file} in ${seconds.toFixed(1)} s\n`,
          );
        }
      },
      { existing: true },
    );
  });
}
