/**
 * How a reader of the metrics JSONL honours a `{"event": "resume", "step": N}` record: the
 * resumed run continues from the checkpoint of step N, so the records of an interrupted run
 * after that checkpoint (steps > N) are superseded by the resumed run's own, which follow.
 * Pure and DOM-free: the server's record list and the page's loss chart both use it.
 *
 * @returns the items to keep before the resume event: those with `step <= resumeStep`.
 */
export function dropSuperseded<T extends { readonly step: number }>(
  items: readonly T[],
  resumeStep: number,
): T[] {
  return items.filter((item) => item.step <= resumeStep);
}

/** The records of a metrics log as read so far, in order, with every resume event applied. */
export class MetricRecords<T extends { readonly event?: unknown; readonly step: number }> {
  private kept: T[] = [];

  add(record: T): void {
    if (record.event === "resume") this.kept = dropSuperseded(this.kept, record.step);
    this.kept.push(record);
  }

  get all(): readonly T[] {
    return this.kept;
  }
}
