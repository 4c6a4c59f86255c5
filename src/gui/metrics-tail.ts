import { open, stat } from "node:fs/promises";
import { errnoCode } from "../core/errors.js";

/** How often the file is looked at; appends are one line per optimizer step. */
const POLL_MS = 200;

/** The size of a file now (0 if it does not exist): where a tail started now begins. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return 0;
    throw error;
  }
}

/**
 * Follows an append-only JSONL file from a byte offset, handing each complete line, parsed, to
 * `onRecord` as it is written: the GUI's live view of the metrics JSONL the trainer appends.
 * Polling rather than fs.watch: it behaves the same on every filesystem.
 */
export class MetricsTail {
  private offset: number;
  private carry = "";
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    from: number,
    private readonly onRecord: (record: Record<string, unknown>) => void,
  ) {
    this.offset = from;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() => this.readNew());
    }, POLL_MS);
  }

  /** Stops polling after reading whatever was written until now. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.reading = this.reading.then(() => this.readNew());
    await this.reading;
  }

  private async readNew(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, "r");
    } catch {
      return; // not created yet
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.carry + buffer.subarray(0, bytesRead).toString("utf8")).split("\n");
      this.carry = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        try {
          this.onRecord(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a metrics record (another writer's line): the page shows records only.
        }
      }
    } finally {
      await handle.close();
    }
  }
}
