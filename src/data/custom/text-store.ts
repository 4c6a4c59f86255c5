/** Bytes per storage chunk: big enough to amortise, small enough to never copy much. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The samples of one shuffle window (see custom-backend.ts), as UTF-8 in large shared buffers
 * plus 12 bytes of index per sample. A 16 MiB window costs about 16 MB here, where an array of
 * JS strings would cost up to twice that (UTF-16 for non-Latin-1 text) plus tens of bytes of
 * object header per sample, and would leave the garbage collector far more to do.
 */
export class TextStore {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  /** Per sample: chunk, byte offset, byte length. */
  private index = new Uint32Array(3 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    const length = Buffer.byteLength(text, "utf8");
    let chunk = this.chunks.at(-1);
    if (chunk === undefined || this.used + length > chunk.length) {
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, length));
      this.chunks.push(chunk);
      this.used = 0;
    }
    chunk.write(text, this.used, "utf8");
    if (3 * (this.count + 1) > this.index.length) {
      const grown = new Uint32Array(this.index.length * 2);
      grown.set(this.index);
      this.index = grown;
    }
    this.index.set([this.chunks.length - 1, this.used, length], 3 * this.count);
    this.used += length;
    this.count++;
  }

  get(sample: number): string {
    if (!(sample >= 0 && sample < this.count)) throw new RangeError(`no sample ${sample}`);
    const at = 3 * sample;
    const chunk = this.chunks[this.index[at] ?? 0];
    const offset = this.index[at + 1] ?? 0;
    return chunk?.toString("utf8", offset, offset + (this.index[at + 2] ?? 0)) ?? "";
  }
}
