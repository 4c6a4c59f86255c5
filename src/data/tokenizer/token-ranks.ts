/**
 * A tiktoken rank table (token bytes → rank) as an open-addressing hash table over bytes, and
 * tiktoken's byte-pair merge on it.
 *
 * ASCII text is its own UTF-8, so an ASCII piece is looked up straight from the characters of
 * the text: no substring, no UTF-8 encoding, and no `Map` of 200,000 string keys (whose
 * look-ups, hashing a fresh string and missing the cache, took a third of o200k's encoding
 * time in gpt-tokenizer).
 */
export class TokenRanks {
  /** The bytes of every token, back to back. */
  private readonly keys: Uint8Array;
  /**
   * Four int32 per slot, side by side so that a probe reads one cache line: the key's hash,
   * its offset in `keys`, its length, and its rank + 1 (0: the slot is empty).
   */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Scratch for `encodeBytes`: the piece, part boundaries, pair ranks; grown as needed. */
  private bytes = new Uint8Array(256);
  private parts = new Int32Array(257);
  private pairRank = new Int32Array(257);
  private readonly utf8 = new TextEncoder();

  /**
   * @param rankTable tiktoken's ranks as gpt-tokenizer ships them: entry r is token r's text,
   *   or its bytes where they are not UTF-8; holes for unused ranks.
   */
  constructor(rankTable: readonly (string | readonly number[] | undefined)[]) {
    let bound = 0;
    let count = 0;
    for (const entry of rankTable) {
      if (entry === undefined) continue;
      bound += typeof entry === "string" ? 3 * entry.length : entry.length;
      count++;
    }
    let size = 1;
    while (size < count * 2) size *= 2; // load factor under 1/2
    this.mask = size - 1;
    const keys = new Uint8Array(bound);
    this.slots = new Int32Array(size * SLOT);
    let offset = 0;
    rankTable.forEach((entry, rank) => {
      let length: number;
      if (typeof entry === "string") {
        length = this.utf8.encodeInto(entry, keys.subarray(offset)).written;
      } else if (entry !== undefined) {
        keys.set(entry, offset);
        length = entry.length;
      } else return;
      const hash = hashBytes(keys, offset, offset + length);
      let slot = hash & this.mask;
      while (this.slots[slot * SLOT + RANK] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot * SLOT] = hash;
      this.slots[slot * SLOT + OFFSET] = offset;
      this.slots[slot * SLOT + LENGTH] = length;
      this.slots[slot * SLOT + RANK] = rank + 1;
      offset += length;
    });
    this.keys = keys.slice(0, offset);
  }

  /** Rank of the token whose bytes are the ASCII text `text[start, end)`, or -1. */
  asciiRank(text: string, start: number, end: number): number {
    let hash = FNV_OFFSET;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
    hash = finish(hash);
    const length = end - start;
    const { slots, keys } = this;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT;
      const rankPlusOne = slots[at + RANK] as number;
      if (rankPlusOne === 0) return -1;
      if (slots[at] === hash && slots[at + LENGTH] === length) {
        const offset = slots[at + OFFSET] as number;
        let i = 0;
        while (i < length && keys[offset + i] === text.charCodeAt(start + i)) i++;
        if (i === length) return rankPlusOne - 1;
      }
    }
  }

  /** Rank of the token whose bytes are `bytes[start, end)`, or -1. */
  bytesRank(bytes: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(bytes, start, end);
    const length = end - start;
    const { slots, keys } = this;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT;
      const rankPlusOne = slots[at + RANK] as number;
      if (rankPlusOne === 0) return -1;
      if (slots[at] === hash && slots[at + LENGTH] === length) {
        const offset = slots[at + OFFSET] as number;
        let i = 0;
        while (i < length && keys[offset + i] === bytes[start + i]) i++;
        if (i === length) return rankPlusOne - 1;
      }
    }
  }

  /** Appends to `out` the tokens of the ASCII piece `text[start, end)`. */
  encodeAscii(text: string, start: number, end: number, out: number[]): void {
    const whole = this.asciiRank(text, start, end);
    if (whole >= 0) {
      out.push(whole);
      return;
    }
    const length = end - start;
    const bytes = this.scratch(length);
    for (let i = 0; i < length; i++) bytes[i] = text.charCodeAt(start + i);
    this.merge(bytes, length, out);
  }

  /** Appends to `out` the tokens of the piece `text` (any Unicode), as its UTF-8. */
  encodeText(text: string, out: number[]): void {
    const bytes = this.scratch(3 * text.length);
    const length = this.utf8.encodeInto(text, bytes).written;
    const whole = this.bytesRank(bytes, 0, length);
    if (whole >= 0) out.push(whole);
    else this.merge(bytes, length, out);
  }

  /** The scratch buffer for a piece, at least `length` bytes. */
  private scratch(length: number): Uint8Array {
    if (this.bytes.length < length) {
      this.bytes = new Uint8Array(2 * length);
      this.parts = new Int32Array(2 * length + 1);
      this.pairRank = new Int32Array(2 * length + 1);
    }
    return this.bytes;
  }

  /**
   * tiktoken's byte-pair merge (`_byte_pair_merge`, tiktoken's `src/lib.rs`) of a piece that is
   * no token itself: repeatedly merge the adjacent pair whose bytes together have the lowest
   * rank, the leftmost on ties, until no pair is a token; append the parts' ranks.
   */
  private merge(bytes: Uint8Array, length: number, out: number[]): void {
    const { parts, pairRank } = this;
    // parts[i] is where part i starts (count - 1 parts); pairRank[i] the rank of i and i + 1.
    let count = length + 1;
    for (let i = 0; i <= length; i++) parts[i] = i;
    for (let i = 0; i < length; i++) pairRank[i] = this.pairRankAt(bytes, count, i);
    for (;;) {
      let best = -1;
      let bestRank = NO_RANK;
      for (let i = 0; i < count - 2; i++) {
        const rank = pairRank[i] as number;
        if (rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      // Boundary best + 1 goes: parts best and best + 1 become one.
      parts.copyWithin(best + 1, best + 2, count);
      pairRank.copyWithin(best + 1, best + 2, count);
      count--;
      pairRank[best] = this.pairRankAt(bytes, count, best);
      if (best > 0) pairRank[best - 1] = this.pairRankAt(bytes, count, best - 1);
    }
    for (let i = 0; i < count - 1; i++) {
      const rank = this.bytesRank(bytes, parts[i] as number, parts[i + 1] as number);
      // Each part is a single byte (every byte is a token) or a merge that was found a token.
      if (rank < 0) throw new Error(`tiktoken merge: part ${i} of a piece has no rank`);
      out.push(rank);
    }
  }

  /** Rank of parts `i` and `i + 1` merged; NO_RANK if not a token or there is no part `i + 1`. */
  private pairRankAt(bytes: Uint8Array, count: number, i: number): number {
    if (i + 2 >= count) return NO_RANK;
    const rank = this.bytesRank(bytes, this.parts[i] as number, this.parts[i + 2] as number);
    return rank < 0 ? NO_RANK : rank;
  }
}

const NO_RANK = 0x7fffffff;
/** Int32 fields per hash slot, and their places. */
const SLOT = 4;
const OFFSET = 1;
const LENGTH = 2;
const RANK = 3;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes, finished by `finish`; `asciiRank` computes the same over char codes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
  return finish(hash);
}

/** murmur3's finishing mix: FNV-1a's low bits alone index the table poorly. */
function finish(hash: number): number {
  const mixed = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return mixed ^ (mixed >>> 13);
}
