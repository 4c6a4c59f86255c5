import type { Command } from "commander";
import { addStoreOptions, printJson, type StoreOptions, withStore } from "./store-options.js";

export function registerVsDelete(memory: Command): void {
  const command = memory
    .command("vs-delete")
    .description("delete records by id; ids that are not there are ignored")
    .argument("<ids...>", "ids to delete");
  addStoreOptions(command).action(async (ids: string[], options: StoreOptions) => {
    await withStore(
      options,
      async ({ store }) => {
        const before = await store.count();
        await store.delete(ids);
        const count = await store.count();
        if (options.json) {
          printJson({
            backend: store.backend,
            collection: store.collection,
            requested: ids.length,
            deleted: before - count,
            count,
          });
        } else {
          process.stdout.write(
            `deleted ${before - count} of ${ids.length} ids from ${store.collection}; ${count} remain\n`,
          );
        }
      },
      { existing: true },
    );
  });
}
