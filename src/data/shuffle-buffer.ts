/**
 * The sample shuffle of WebDataset and of `datasets`' `IterableDataset.shuffle(buffer_size=N)`:
 * a buffer of `size` items; once full, each new item replaces a random one, which is yielded;
 * at the end the buffer drains in random order. `random` returns [0, 1).
 *
 * The draws depend only on how many items went in and came out, never on the items: pushing
 * the input indices 0, 1, 2, ... through a buffer with the same generator replays which input
 * sits in which slot, which is how a stream resumes a buffer exactly without storing it.
 */
export class ShuffleBuffer<T> {
  private readonly items: T[];

  constructor(
    readonly size: number,
    private readonly random: () => number,
    items: readonly T[] = [],
  ) {
    this.items = [...items];
  }

  /** Items waiting, in slot order. */
  get contents(): readonly T[] {
    return this.items;
  }

  get length(): number {
    return this.items.length;
  }

  /** Adds `item`; once the buffer is full, returns the random item it replaced. */
  push(item: T): T | undefined {
    if (this.items.length < this.size) {
      this.items.push(item);
      return undefined;
    }
    const j = Math.floor(this.random() * this.size);
    const out = this.items[j] as T;
    this.items[j] = item;
    return out;
  }

  /** A random waiting item, removed; undefined when empty. */
  drain(): T | undefined {
    if (this.items.length === 0) return undefined;
    const j = Math.floor(this.random() * this.items.length);
    const out = this.items[j] as T;
    this.items[j] = this.items[this.items.length - 1] as T;
    this.items.pop();
    return out;
  }
}

/** `items` through a `ShuffleBuffer` of `size`, as a stream. */
export async function* shuffleBuffer<T>(
  items: AsyncIterable<T>,
  size: number,
  random: () => number,
): AsyncGenerator<T> {
  const buffer = new ShuffleBuffer<T>(size, random);
  for await (const item of items) {
    const out = buffer.push(item);
    if (out !== undefined) yield out;
  }
  for (let out = buffer.drain(); out !== undefined; out = buffer.drain()) yield out;
}
