/**
 * A tokenization worker thread: receives batches of texts, answers with their token ids (end of
 * text appended) packed into one transferable buffer. See `tokenize-pool.ts`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadTokenizer } from "../tokenizer.js";
import type { TokenizeReply, TokenizeRequest } from "./tokenize-protocol.js";

const tokenizer = loadTokenizer((workerData as { tokenizer: string }).tokenizer);
const port = parentPort;
if (port === null) throw new Error("tokenize-worker must run in a worker thread");

port.on("message", ({ id, texts }: TokenizeRequest) => {
  try {
    const parts = texts.map((text) => tokenizer.encode(text));
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
      ids[at++] = tokenizer.eotId;
    }
    const reply: TokenizeReply = { id, ids, ends };
    port.postMessage(reply, [ids.buffer, ends.buffer]);
  } catch (error) {
    const reply: TokenizeReply = { id, error: (error as Error).message };
    port.postMessage(reply);
  }
});
