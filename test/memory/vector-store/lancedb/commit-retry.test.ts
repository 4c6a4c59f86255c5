import { describe, expect, it } from "vitest";
import { AiosError } from "../../../../src/core/errors.js";
import {
  isCommitConflict,
  retryCommitConflicts,
} from "../../../../src/memory/vector-store/lancedb/commit-retry.js";

/** The error LanceDB 0.37.1 (lance 10) raised in the two-writer reproduction. */
const CONFLICT = new Error(
  "lance error: Retryable commit conflict for version 120: This CreateIndex transaction was preempted by concurrent transaction Rewrite at version 120. Please retry., /usr/local/cargo/registry/src/index.crates.io-1949cf8c6b5b557f/lance-10.0.0/src/io/commit/conflict_resolver.rs:714:38",
);

/** An operation that fails with `errors` in turn, then returns "done"; counts its calls. */
function failing(errors: readonly Error[]) {
  let calls = 0;
  return {
    calls: () => calls,
    run: async () => {
      const error = errors[calls];
      calls += 1;
      if (error !== undefined) throw error;
      return "done";
    },
  };
}

describe("LanceDB commit-conflict retries", () => {
  it("recognises lance's conflict errors and nothing else", () => {
    expect(isCommitConflict(CONFLICT)).toBe(true);
    expect(
      isCommitConflict(
        new Error("This Rewrite transaction was preempted by concurrent transaction Update"),
      ),
    ).toBe(true);
    expect(isCommitConflict(new Error("Table 'x' was not found"))).toBe(false);
  });

  it("retries a preempted commit, moving to the latest version before each retry", async () => {
    const op = failing([CONFLICT, CONFLICT]);
    let refreshed = 0;
    const result = await retryCommitConflicts("indexing t", op.run, {
      baseDelayMs: 1,
      beforeRetry: async () => {
        refreshed += 1;
      },
    });
    expect(result).toBe("done");
    expect(op.calls()).toBe(3);
    expect(refreshed).toBe(2);
  });

  it("passes other errors on at once", async () => {
    const op = failing([new Error("disk full")]);
    await expect(retryCommitConflicts("x", op.run, { baseDelayMs: 1 })).rejects.toThrow(
      "disk full",
    );
    expect(op.calls()).toBe(1);
  });

  it("gives up after the last attempt with VECTOR_STORE_BUSY, saying nothing was written", async () => {
    const op = failing([CONFLICT, CONFLICT, CONFLICT, CONFLICT]);
    const error = await retryCommitConflicts("upserting 5 records into t", op.run, {
      attempts: 3,
      baseDelayMs: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiosError);
    expect((error as AiosError).code).toBe("VECTOR_STORE_BUSY");
    expect((error as AiosError).message).toMatch(
      /^upserting 5 records into t: other writers committed first 3 times in a row, so it was not written \(lance error: Retryable commit conflict/,
    );
    expect(op.calls()).toBe(3);
  });
});
