/**
 * WebDataset's sample shuffle: a buffer of `size` items; each new item replaces a random one,
 * which is yielded. At the end the buffer drains in random order. `random` returns [0, 1).
 */
export async function* shuffleBuffer<T>(
  items: AsyncIterable<T>,
  size: number,
  random: () => number,
): AsyncGenerator<T> {
  const buffer: T[] = [];
  for await (const item of items) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const j = Math.floor(random() * size);
    const out = buffer[j] as T;
    buffer[j] = item;
    yield out;
  }
  while (buffer.length > 0) {
    const j = Math.floor(random() * buffer.length);
    const out = buffer[j] as T;
    buffer[j] = buffer[buffer.length - 1] as T;
    buffer.pop();
    yield out;
  }
}
