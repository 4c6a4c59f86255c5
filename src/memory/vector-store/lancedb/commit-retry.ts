import { setTimeout as sleep } from "node:timers/promises";
import { AiosError } from "../../../core/errors.js";

/**
 * Lance commits optimistically: a write whose base version was overtaken by another writer's
 * commit is refused with "Retryable commit conflict … preempted by concurrent transaction …
 * Please retry." (lance's conflict_resolver.rs). Only merge_insert retries by itself (since
 * lance-format/lance#3614); index builds, compaction and deletes do not (lancedb/lancedb#1597).
 * Between aios processes the write lock (lock-file.ts) prevents conflicts; these retries cover
 * other programs writing the same table.
 */
const CONFLICT = /commit conflict|preempted by concurrent transaction/i;

export function isCommitConflict(error: unknown): boolean {
  return CONFLICT.test(error instanceof Error ? error.message : String(error));
}

export interface RetryOptions {
  /** Tries in all, the first included. */
  readonly attempts?: number;
  /** The first pause; each later one doubles, times a random factor of 0.5 to 1.5. */
  readonly baseDelayMs?: number;
  /** Run before each retry (the driver moves its table handle to the latest version). */
  readonly beforeRetry?: () => Promise<void>;
}

/**
 * Runs `attempt` again while it fails with a commit conflict, up to `attempts` times with
 * exponential backoff (about 3 s in all by default). A conflicting commit wrote nothing, so a
 * retry cannot write twice. After the last try: VECTOR_STORE_BUSY naming `what`.
 */
export async function retryCommitConflicts<T>(
  what: string,
  attempt: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 100;
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isCommitConflict(error)) throw error;
      if (i >= attempts) {
        const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0];
        throw new AiosError(
          "VECTOR_STORE_BUSY",
          `${what}: other writers committed first ${attempts} times in a row, so it was not written (${reason})`,
          {
            hint: "another program is writing this LanceDB table; run the command again when it has finished",
            cause: error,
          },
        );
      }
      await sleep(baseDelayMs * 2 ** (i - 1) * (0.5 + Math.random()));
      await options.beforeRetry?.();
    }
  }
}
