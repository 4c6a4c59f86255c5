/**
 * aios's tokenizers against Python's reference libraries, on every line of the WikiText-2 test
 * split: three tokenizers trained by Python's `tokenizers` (byte-level BPE, Unigram with
 * Metaspace, WordPiece) must give exactly Python's ids and decode Python's ids to Python's
 * text; the tiktoken encodings must do the same against Python's `tiktoken`, whose rank files
 * are rebuilt from aios's own tables (tiktoken checks them against OpenAI's SHA-256). A Hub
 * model repo served by the test server is read by `Tokenizer.from_pretrained` and by aios alike.
 * aios encodes every tiktoken encoding with its own split (split-patterns.ts): each is also
 * compared on random text of many scripts, spaces, digits and contractions.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTokenizer } from "../../../src/data/tokenizer/resolve-tokenizer.js";
import type { Tokenizer } from "../../../src/data/tokenizer/tokenizer.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import {
  TRAINED_KINDS,
  trainPythonTokenizers,
  writeTiktokenCache,
} from "../../helpers/python-tokenizers.js";
import { pythonWith } from "../../helpers/python-venv.js";
import { splitText } from "../../helpers/split-text.js";
import { SHARED_DATASETS } from "../fixtures.js";

const python = pythonWith("tokenizers", ["tokenizers", "tiktoken"], "tokenizers, tiktoken");
if (!python.ok) console.warn(`skipping the Python tokenizers interop test: ${python.reason}`);

const WIKITEXT = join(SHARED_DATASETS, "wikitext-2-v1");
/** Python tiktoken's names for the encodings aios ships (its gpt2 is r50k_base: see below). */
const TIKTOKEN_NAMES = [
  "r50k_base",
  "p50k_base",
  "p50k_edit",
  "cl100k_base",
  "o200k_base",
  "o200k_harmony",
];
/** The random texts every encoding is also compared on. */
const RANDOM_TEXTS = fc.sample(splitText(), { seed: 15, numRuns: 5_000 });

/** `python - LINES_JSON OUT_JSON SPEC…`: ids and decoded text of every line, per tokenizer. */
const ENCODE_SCRIPT = `
import json, sys
lines = json.load(open(sys.argv[1], encoding="utf-8"))
out = {}
for spec in sys.argv[3:]:
    kind, ref = spec.split("=", 1)
    if kind == "tiktoken":
        import tiktoken
        enc = tiktoken.get_encoding(ref)
        ids = [enc.encode_ordinary(line) for line in lines]
        out[spec] = {"ids": ids, "text": [enc.decode(i) for i in ids],
                     "eos": enc.eot_token, "vocab": enc.n_vocab}
    else:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_pretrained(ref) if kind == "hub" else Tokenizer.from_file(ref)
        ids = [e.ids for e in tok.encode_batch(lines, add_special_tokens=False)]
        out[spec] = {"ids": ids, "text": tok.decode_batch(ids),
                     "vocab": tok.get_vocab_size(with_added_tokens=True)}
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))
`;

interface Reference {
  readonly ids: number[][];
  readonly text: string[];
  readonly eos?: number;
  readonly vocab: number;
}

describe.skipIf(!python.ok)("tokenizers against Python's tokenizers and tiktoken", () => {
  let root: string;
  let hub: HubServer;
  let lines: string[];
  let reference: Record<string, Reference>;
  let randomReference: Record<string, Reference>;
  const hfEnv = () => ({
    HF_ENDPOINT: hub.endpoint,
    HF_HOME: join(root, "hf-home"),
    HF_HUB_DISABLE_TELEMETRY: "1",
    HF_HUB_OFFLINE: undefined,
    HF_TOKEN: undefined,
    HUGGING_FACE_HUB_TOKEN: undefined,
  });

  beforeAll(async () => {
    if (!python.ok) return;
    root = await mkdtemp(join(tmpdir(), "aios-tokenizer-interop-"));
    // Trained on the validation split, compared on the test split.
    trainPythonTokenizers(python.python, join(WIKITEXT, "valid.txt"), join(root, "trained"));
    hub = await startHubServer({
      "aios-test/wikitext-wordpiece": { type: "model", main: join(root, "trained", "wordpiece") },
    });
    await writeTiktokenCache(join(root, "tiktoken-cache"));
    lines = (await readFile(join(WIKITEXT, "test.txt"), "utf8")).split("\n");
    const specs = [
      ...TRAINED_KINDS.map((kind) => `file=${join(root, "trained", kind, "tokenizer.json")}`),
      "hub=aios-test/wikitext-wordpiece",
      // tiktoken's gpt2 reads GPT-2's original vocab.bpe and encoder.json; r50k_base is the
      // same ranks, pattern and <|endoftext|> from the .tiktoken file this test can rebuild.
      ...TIKTOKEN_NAMES.map((name) => `tiktoken=${name}`),
    ];
    reference = await pythonReference(python.python, lines, specs);
    randomReference = await pythonReference(
      python.python,
      RANDOM_TEXTS,
      TIKTOKEN_NAMES.map((name) => `tiktoken=${name}`),
    );
  }, 600_000);

  /** Python's ids and decoded text of each of `texts`, per spec (`ENCODE_SCRIPT`). */
  async function pythonReference(
    interpreter: string,
    texts: readonly string[],
    specs: readonly string[],
  ): Promise<Record<string, Reference>> {
    const dir = await mkdtemp(join(root, "reference-"));
    const linesFile = join(dir, "lines.json");
    await writeFile(linesFile, JSON.stringify(texts));
    const outFile = join(dir, "reference.json");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TIKTOKEN_CACHE_DIR: join(root, "tiktoken-cache"),
    };
    for (const [key, value] of Object.entries(hfEnv())) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    // The server answers this child process from this one's event loop: run it asynchronously.
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(interpreter, ["-c", ENCODE_SCRIPT, linesFile, outFile, ...specs], {
        env,
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("close", (code) => resolve({ code, stderr }));
    });
    if (run.code !== 0) throw new Error(`the Python reference failed: ${run.stderr}`);
    return JSON.parse(await readFile(outFile, "utf8"));
  }

  afterAll(async () => {
    await hub?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Lines whose ids or decoded text differ from Python's, at most 3, for the message. */
  async function mismatches(
    tokenizer: Tokenizer,
    ref: Reference,
    texts: readonly string[] = lines,
  ): Promise<string[]> {
    const ours = await tokenizer.encodeBatch(texts);
    const wrong: string[] = [];
    for (const [i, line] of texts.entries()) {
      const ids = ours[i] ?? [];
      const expected = ref.ids[i] ?? [];
      const text = await tokenizer.decode(expected);
      if (JSON.stringify(ids) !== JSON.stringify(expected) || text !== ref.text[i]) {
        wrong.push(`line ${i + 1} ${JSON.stringify(line.slice(0, 60))}`);
        if (wrong.length === 3) break;
      }
    }
    return wrong;
  }

  it.each(TRAINED_KINDS)(
    "%s tokenizer.json trained by Python: the same ids and text on every test line",
    async (kind) => {
      const spec = `file=${join(root, "trained", kind, "tokenizer.json")}`;
      const ref = reference[spec] as Reference;
      const tokenizer = await openTokenizer(join(root, "trained", kind), {
        tokenEnv: "HF_TOKEN",
        cacheDir: null,
      });
      expect(lines).toHaveLength(4359);
      expect(ref.ids.flat().length).toBeGreaterThan(200_000);
      expect(await mismatches(tokenizer, ref)).toEqual([]);
      expect(tokenizer.vocabSize).toBe(ref.vocab);
    },
  );

  it("reads a Hub model repo as Tokenizer.from_pretrained does", async () => {
    const ref = reference["hub=aios-test/wikitext-wordpiece"] as Reference;
    const tokenizer = await openTokenizer("aios-test/wikitext-wordpiece", {
      tokenEnv: "HF_TOKEN",
      cacheDir: join(root, "aios-hf-cache"),
      env: { HF_ENDPOINT: hub.endpoint },
    });
    expect(await mismatches(tokenizer, ref)).toEqual([]);
  });

  it.each([["gpt2", "r50k_base"], ...TIKTOKEN_NAMES.map((name) => [name, name])])(
    "%s matches tiktoken's %s: ids, text, end of text and n_vocab",
    async (model, python) => {
      const ref = reference[`tiktoken=${python}`] as Reference;
      const tokenizer = await openTokenizer(model, { tokenEnv: "HF_TOKEN", cacheDir: null });
      expect(await mismatches(tokenizer, ref)).toEqual([]);
      expect(tokenizer.eosId).toBe(ref.eos);
      expect(tokenizer.vocabSize).toBe(ref.vocab);
    },
  );

  it.each([["gpt2", "r50k_base"], ...TIKTOKEN_NAMES.map((name) => [name, name])])(
    "%s matches tiktoken's %s on random text of many scripts",
    async (model, python) => {
      const ref = randomReference[`tiktoken=${python}`] as Reference;
      const tokenizer = await openTokenizer(model, { tokenEnv: "HF_TOKEN", cacheDir: null });
      expect(RANDOM_TEXTS.some((text) => [...text].some((char) => char.charCodeAt(0) > 127))).toBe(
        true,
      );
      expect(await mismatches(tokenizer, ref, RANDOM_TEXTS)).toEqual([]);
    },
  );
});
