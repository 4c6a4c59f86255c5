/**
 * Keeps up to `size` items of `source` requested ahead of the consumer, so that reading and
 * tokenizing the next sequences overlaps with whatever the consumer awaits (a training step).
 * Bounded: at most `size` items wait in memory. Order and errors are those of `source`.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`prefetch size ${size} < 1`);
  const iterator = source[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  const request = () => {
    const next = iterator.next();
    // Marked handled: a failure of a request the consumer never reaches must not crash the
    // process as an unhandled rejection. The consumer still sees it when it gets there.
    next.catch(() => {});
    ahead.push(next);
  };
  let done = false;
  try {
    for (;;) {
      while (ahead.length < size) request();
      const result = await (ahead.shift() as Promise<IteratorResult<T>>);
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // Stopped early (or failed): let the source release its files.
    if (!done) await iterator.return?.();
  }
}
