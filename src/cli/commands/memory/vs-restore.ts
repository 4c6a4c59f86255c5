import type { Command } from "commander";
import {
  type ReplayableInput,
  replayableInput,
} from "../../../memory/vector-store/backup/jsonl-file.js";
import {
  type BackupCheck,
  checkBackup,
  restoreCollection,
} from "../../../memory/vector-store/backup/restore-collection.js";
import { createCountProgress } from "../../count-progress.js";
import {
  addStoreOptions,
  parseCount,
  printJson,
  type StoreOptions,
  withStore,
} from "./store-options.js";

interface RestoreOptions extends StoreOptions {
  batchSize: number;
}

export function registerVsRestore(memory: Command): void {
  const command = memory
    .command("vs-restore")
    .description(
      "load a vs-backup file into a collection of any backend (records with the same id are replaced; safe to re-run)",
    )
    .argument(
      "<file>",
      "backup file written by vs-backup (.gz allowed; - reads stdin); the whole file is checked before anything is written",
    )
    .option("--batch-size <n>", "records per upsert call", parseCount("--batch-size"), 2000);
  addStoreOptions(command);
  // Without --collection, the backup's own collection name is the target.
  command.action(async (file: string, options: RestoreOptions) => {
    // Checked whole before the store is opened (and, when embedded, locked): a damaged or
    // truncated backup writes nothing.
    const input = await replayableInput(file);
    try {
      const checked = await checkBackup(input.path, input.name);
      await restoreChecked(file, input, checked, options);
    } finally {
      await input.cleanup();
    }
  });
}

async function restoreChecked(
  file: string,
  input: ReplayableInput,
  checked: BackupCheck,
  options: RestoreOptions,
): Promise<void> {
  await withStore(
    options,
    async ({ store }) => {
      const started = performance.now();
      const progress = createCountProgress(process.stderr, "restore", "vectors");
      let count: number;
      try {
        ({ count } = await restoreCollection(store, input.path, {
          batchSize: options.batchSize,
          checked,
          name: input.name,
          onProgress: (done, total) => progress.update(done, total),
        }));
      } finally {
        progress.close();
      }
      const seconds = (performance.now() - started) / 1000;
      const total = await store.count();
      if (options.json) {
        printJson({
          backend: store.backend,
          collection: store.collection,
          file,
          restored: count,
          count: total,
          seconds,
        });
      } else {
        process.stdout.write(
          `restored ${count} vectors from ${file} into ${store.collection} (${store.backend}) in ${seconds.toFixed(1)} s; it holds ${total}\n`,
        );
      }
    },
    { collection: options.collection ?? checked.header.collection },
  );
}
