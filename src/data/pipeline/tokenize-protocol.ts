/** Messages between `tokenize-pool.ts` and its worker threads. */
export interface TokenizeRequest {
  readonly id: number;
  readonly texts: readonly string[];
}

export type TokenizeReply =
  | {
      readonly id: number;
      /** Every text's ids followed by end-of-text, concatenated. */
      readonly ids: Int32Array;
      /** `ends[i]`: where text i's ids (with its end-of-text) end in `ids`. */
      readonly ends: Int32Array;
    }
  | { readonly id: number; readonly error: string };
