import type { Command } from "commander";
import { registerVsBackup } from "./vs-backup.js";
import { registerVsDelete } from "./vs-delete.js";
import { registerVsIndex } from "./vs-index.js";
import { registerVsQuery } from "./vs-query.js";
import { registerVsRestore } from "./vs-restore.js";
import { registerVsStats } from "./vs-stats.js";
import { registerVsUpsert } from "./vs-upsert.js";

/** `aios memory vs-*`: the vector store from the command line. */
export function registerMemoryCommands(memory: Command): void {
  registerVsUpsert(memory);
  registerVsQuery(memory);
  registerVsDelete(memory);
  registerVsStats(memory);
  registerVsIndex(memory);
  registerVsBackup(memory);
  registerVsRestore(memory);
}
