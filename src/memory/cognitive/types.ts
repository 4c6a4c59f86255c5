/**
 * The two kinds of cognitive memory the vector store keeps (docs/MEMORY.md): attention traces,
 * the strongest query→key edges of the model's attention, and crystallized motifs, expert
 * routing sequences that proved useful. Both are plain data; the stores embed and persist them.
 */

/**
 * One attention edge: in `layer` (blocks numbered in parameter order, H blocks first, then L
 * blocks), `head`, query position `queryIndex` attended to key position `keyIndex` with weight
 * `salience` (an attention probability, 0 to 1, averaged over the batch).
 */
export interface AttentionTrace {
  readonly layer: number;
  readonly head: number;
  readonly queryIndex: number;
  readonly keyIndex: number;
  readonly salience: number;
  /** Training steps since the edge was first captured. */
  readonly age: number;
}

/** A trace as read back from the store, with the step of the sync that wrote it. */
export interface StoredTrace extends AttentionTrace {
  readonly id: string;
  readonly trainingStep: number;
}

/** A routing pattern that crystallized: experts visited in order, and how well it did. */
export interface CrystallizedMotif {
  readonly id: string;
  /** Expert indices in the order they are visited, e.g. [2, 7, 3, 1]. */
  readonly expertSequence: readonly number[];
  /** Times the pattern was traversed (stored as `frequency`). */
  readonly count: number;
  readonly utility: number;
  /** Routing entropy; low means the pattern is stable. */
  readonly entropy: number;
  /** Steps the motif has been stable. */
  readonly age: number;
  readonly taskTags: readonly string[];
}
