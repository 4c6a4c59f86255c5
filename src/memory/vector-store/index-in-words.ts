import type { CollectionStats } from "./types.js";

/** What answers a collection's queries, for people: the driver's words, else ANN or exact. */
export function indexInWords(stats: CollectionStats): string {
  return stats.index ?? (stats.indexed ? "ANN index" : "none: exact search");
}
