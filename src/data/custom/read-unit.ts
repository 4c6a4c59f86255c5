import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { DatasetFile } from "../formats/dataset-file.js";
import { readError } from "../formats/open-file.js";
import type { ReadOptions } from "../formats/read-options.js";
import { readRows } from "../formats/read-rows.js";
import type { RowResult } from "../formats/rows.js";
import type { FileReading, ReadUnit } from "./block-plan.js";

/** Bytes per read beyond a block's end, looking for the newline that ends its last line. */
const TAIL_CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
/**
 * Put before a block taken from the middle of a UTF-8 file: the readers tell a file's encoding
 * from its first bytes, and a block's first bytes are not the file's. The reader drops the mark.
 */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The rows of one read unit, by the same readers (and so the same rules: encoding, bad rows,
 * text columns) as a whole file, with a file description that says where the unit starts: a
 * bad row in a block is reported as `corpus.txt (block at byte 1048576) line 3` — lines are
 * counted from the block's start, since no pass over the file counted those before it.
 */
export function readUnit(
  unit: ReadUnit,
  reading: FileReading,
  read: Partial<ReadOptions>,
): { file: DatasetFile; rows: AsyncGenerator<RowResult> } {
  const { file } = reading;
  if (!("start" in unit)) return { file, rows: readRows(file, read) };
  const { kind, start, end } = unit;
  const label = start === 0 ? file.path : `${file.path} (block at byte ${start})`;
  const bytes = (): AsyncGenerator<Buffer> => {
    if (kind === "lines") return lineBlock(file, start, end);
    if (kind === "csv") {
      return concat(file, start === 0 ? [] : [[0, reading.headerEnd]], [[start, end]], null, null);
    }
    // The elements between two top-level commas, made an array of their own.
    return concat(
      file,
      [],
      [[start === 0 ? 0 : start + 1, end]],
      start === 0 ? null : "[",
      end === reading.size ? null : "]",
    );
  };
  const blockFile: DatasetFile = {
    path: label,
    format: reading.format,
    gzip: false,
    open: () => Readable.from(bytes(), { objectMode: false }),
  };
  const options: Partial<ReadOptions> =
    reading.csv === null
      ? read
      : { ...read, csvDelimiter: reading.csv.delimiter, textColumn: reading.csv.column };
  return { file: blockFile, rows: readRows(blockFile, options) };
}

/**
 * Bytes of the lines that start in [start, end): from just after the first newline at or after
 * `start - 1` (a line starting before `start` belongs to the block before), through the newline
 * that ends the line holding byte `end - 1` (it may run past `end`).
 */
async function* lineBlock(file: DatasetFile, start: number, end: number): AsyncGenerator<Buffer> {
  const handle = await open(file.path, "r").catch((error: unknown) => {
    throw readError(file, error);
  });
  try {
    const from = start === 0 ? 0 : start - 1;
    const block = await readAt(handle, from, end - from);
    let first = 0;
    if (start > 0) {
      const newline = block.indexOf(NEWLINE);
      // No line starts in this block: one long line began before it and runs on.
      if (newline === -1 || newline + 1 >= block.length) return;
      first = newline + 1;
      yield UTF8_BOM;
    }
    yield block.subarray(first);
    if (block.length < end - from || block[block.length - 1] === NEWLINE) return;
    for (let at = end; ; ) {
      const tail = await readAt(handle, at, TAIL_CHUNK);
      if (tail.length === 0) return;
      const newline = tail.indexOf(NEWLINE);
      if (newline !== -1) {
        yield tail.subarray(0, newline + 1);
        return;
      }
      yield tail;
      at += tail.length;
    }
  } finally {
    await handle.close();
  }
}

/** `open`, the byte ranges of the file in order, then `close`. */
async function* concat(
  file: DatasetFile,
  before: readonly (readonly [number, number])[],
  ranges: readonly (readonly [number, number])[],
  openWith: string | null,
  closeWith: string | null,
): AsyncGenerator<Buffer> {
  const handle = await open(file.path, "r").catch((error: unknown) => {
    throw readError(file, error);
  });
  try {
    for (const [start, end] of before) yield await readAt(handle, start, end - start);
    if (openWith !== null) yield Buffer.from(openWith);
    for (const [start, end] of ranges) {
      for (let at = start; at < end; ) {
        const chunk = await readAt(handle, at, Math.min(end - at, 4 * 1024 * 1024));
        if (chunk.length === 0) break;
        yield chunk;
        at += chunk.length;
      }
    }
    if (closeWith !== null) yield Buffer.from(closeWith);
  } finally {
    await handle.close();
  }
}

async function readAt(
  handle: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
