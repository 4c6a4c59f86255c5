/**
 * What the tokenizer interop test and `bench:tokenize` share on the Python side: three small
 * tokenizers trained by Python's `tokenizers` on WikiText-2, and the `.tiktoken` files Python's
 * `tiktoken` would download, written from the rank tables aios encodes with.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The three model families the issue names, each saved as `<out>/<kind>/tokenizer.json`. */
export const TRAINED_KINDS = ["bpe", "unigram", "wordpiece"] as const;
export type TrainedKind = (typeof TRAINED_KINDS)[number];

/**
 * `python - TRAIN_FILE OUT_DIR`: byte-level BPE (GPT-2, Llama 3, Qwen), Unigram with Metaspace
 * and NFKC (SentencePiece: T5, Llama 2), WordPiece with BERT's normalizer, pre-tokenizer and
 * template; vocabularies of 2,000, trained on every non-empty line of TRAIN_FILE.
 */
const TRAIN_SCRIPT = `
import os, sys
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
source, out = sys.argv[1:3]
lines = [l for l in open(source, encoding="utf-8").read().split("\\n") if l.strip()]
def save(kind, tokenizer):
    os.makedirs(os.path.join(out, kind), exist_ok=True)
    tokenizer.save(os.path.join(out, kind, "tokenizer.json"))

bpe = Tokenizer(models.BPE())
bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
bpe.decoder = decoders.ByteLevel()
bpe.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=2000,
    special_tokens=["<|endoftext|>", "<|pad|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
save("bpe", bpe)

unigram = Tokenizer(models.Unigram())
unigram.normalizer = normalizers.NFKC()
unigram.pre_tokenizer = pre_tokenizers.Metaspace()
unigram.decoder = decoders.Metaspace()
unigram.train_from_iterator(lines, trainers.UnigramTrainer(vocab_size=2000,
    special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
save("unigram", unigram)

wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
wordpiece.decoder = decoders.WordPiece()
wordpiece.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=2000,
    special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
wordpiece.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
    special_tokens=[("[CLS]", wordpiece.token_to_id("[CLS]")), ("[SEP]", wordpiece.token_to_id("[SEP]"))])
save("wordpiece", wordpiece)
`;

/** Trains the three tokenizers from `trainFile` into `outDir`; throws with Python's message. */
export function trainPythonTokenizers(python: string, trainFile: string, outDir: string): void {
  const run = spawnSync(python, ["-c", TRAIN_SCRIPT, trainFile, outDir], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (run.status !== 0) {
    throw new Error(`training the Python tokenizers failed: ${run.stderr || String(run.error)}`);
  }
}

/** The encodings whose files tiktoken downloads (p50k_edit and o200k_harmony reuse two). */
export const TIKTOKEN_FILES = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"] as const;

/**
 * Writes into `dir` the `.tiktoken` file of each encoding, rebuilt from gpt-tokenizer's rank
 * table (each rank's bytes in base64, then the rank), under the name tiktoken gives its cache
 * entry: the SHA-1 of the download URL. With `TIKTOKEN_CACHE_DIR=dir`, tiktoken reads them
 * instead of downloading, after checking each file's SHA-256 against OpenAI's: a table that
 * differed by one byte would be refused.
 */
export async function writeTiktokenCache(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const utf8 = new TextEncoder();
  for (const name of TIKTOKEN_FILES) {
    const { default: ranks } = (await import(`gpt-tokenizer/bpeRanks/${name}`)) as {
      default: readonly (string | readonly number[] | undefined)[];
    };
    const lines: string[] = [];
    ranks.forEach((token, rank) => {
      if (token === undefined) return;
      const bytes = typeof token === "string" ? utf8.encode(token) : Uint8Array.from(token);
      lines.push(`${Buffer.from(bytes).toString("base64")} ${rank}\n`);
    });
    const url = `https://openaipublic.blob.core.windows.net/encodings/${name}.tiktoken`;
    await writeFile(join(dir, createHash("sha1").update(url).digest("hex")), lines.join(""));
  }
}
