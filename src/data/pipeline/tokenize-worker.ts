/**
 * A tokenization worker thread: loads the tokenizer its `TokenizerSpec` describes, receives
 * batches of texts, answers with their token ids (end of sequence appended) packed into one
 * transferable buffer. See `tokenize-pool.ts`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadTokenizer, type TokenizerSpec } from "../tokenizer/tokenizer.js";
import type { TokenizeReply, TokenizeRequest } from "./tokenize-protocol.js";

const port = parentPort;
if (port === null) throw new Error("tokenize-worker must run in a worker thread");
// Loading is awaited by each request, so requests posted meanwhile are not lost.
const loading = loadTokenizer((workerData as { spec: TokenizerSpec }).spec);
loading.catch(() => {});

port.on("message", async ({ id, texts }: TokenizeRequest) => {
  try {
    const tokenizer = await loading;
    const parts = await tokenizer.encodeBatch(texts);
    const ends = new Int32Array(parts.length);
    let total = 0;
    parts.forEach((ids, i) => {
      total += ids.length + 1;
      ends[i] = total;
    });
    const ids = new Int32Array(total);
    let at = 0;
    for (const part of parts) {
      ids.set(part, at);
      at += part.length;
      ids[at++] = tokenizer.eosId;
    }
    const reply: TokenizeReply = { id, ids, ends };
    port.postMessage(reply, [ids.buffer, ends.buffer]);
  } catch (error) {
    const reply: TokenizeReply = { id, error: (error as Error).message };
    port.postMessage(reply);
  }
});
