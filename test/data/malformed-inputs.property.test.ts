/**
 * No input makes aios crash (issue "Trust the data", "for the whole kind"): files of every
 * format the backends read — txt, csv, json, jsonl (each also .gz), tar and tar.gz shards,
 * parquet and the dataset card (README.md) of a Hub-layout directory — are mutated (truncated,
 * random bytes, byte flips, inserted bytes and JSON/CSV tokens, other text encodings, empty)
 * and go through the built CLI's `data preview` and a 1-step `train-actv1`. Every run must end
 * in exit 0 or 2 within a time bound, print no stack frame, and on exit 2 print exactly one
 * `aios: ` message and its hint.
 *
 * The seed is fixed so CI is reproducible; fast-check prints it (and the failing mutation) on
 * failure. AIOS_FUZZ_SEED picks another seed, AIOS_FUZZ_RUNS multiplies the runs to search longer.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { parquetWriteBuffer } from "hyparquet-writer";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { zstdCompressor } from "../helpers/hub-fixtures.js";
import { type CliResult, runCli, trainArgs } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";
import { fixtureDir } from "./fixtures.js";

const SEED = Number(process.env.AIOS_FUZZ_SEED ?? 14);
const SCALE = Number(process.env.AIOS_FUZZ_RUNS ?? 1);
/** Generous: the machine is shared; a run of a few KB taking this long has hung. */
const RUN_LIMIT_MS = 60_000;

const { root } = await fixtureDir();

type Layout = "custom" | "webdataset" | "hf";

interface Format {
  readonly name: string;
  readonly layout: Layout;
  /** File name the backend reads (its extension picks the reader). */
  readonly file: string;
  /** Gzip applied after the content mutation, or around which the compressed bytes are mutated. */
  readonly gzip: boolean;
  /** Valid files to start from. */
  readonly bases: readonly Uint8Array[];
  /** Files written beside it, unchanged (the data files a dataset card names). */
  readonly companions?: Readonly<Record<string, Uint8Array>>;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

const TEXT = "The cat sat on the mat.\nA dog ran in the park, naïve café — ok\n\nthird line\r\n";
const CSV =
  'id,text,label\n1,"Hello, world",0\n2,"She said ""hi""",1\n3,plain text here,0\n4,"multi\nline",1\n';
const JSON_ROWS =
  '[{"text": "first sample"}, {"text": "second sample", "id": 12345678901234567890},\n {"content": "third"}, {"other": [1, 2, {"x": null}]}]';
const JSONL = '{"text": "first sample"}\n{"text": "second"}\n{"content": "third"}\n[1,2]\n';

async function tarShard(): Promise<Uint8Array> {
  const pack = tar.pack();
  const members: [string, string][] = [
    ["s0001.txt", "upper one"],
    ["s0001.json", '{"text": "json one"}'],
    ["s0002.txt", "second sample"],
    ["dir/s0003.txt", "third sample"],
    ["s0004.TXT", "upper case"],
  ];
  for (const [name, text] of members) pack.entry({ name }, text);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function parquetBases(): Uint8Array[] {
  const zstd = zstdCompressor();
  const texts = ["first sample", "second sample", "", "fourth", "fifth sample here"];
  const withText = (codec: "SNAPPY" | "GZIP" | "ZSTD" | "UNCOMPRESSED") =>
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "text", data: texts, type: "STRING" },
          { name: "id", data: [1n, 2n, 3n, 4n, 2n ** 60n], type: "INT64" },
        ],
        rowGroupSize: 2,
        codec,
        compressors: { GZIP: (input) => gzipSync(input), ...(zstd ? { ZSTD: zstd } : {}) },
      }),
    );
  // The pre-tokenized file: no text column, so rows become JSON.
  const pretokenized = new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "doc_id", data: [1n, 2n, 3n] },
        { name: "input_ids", data: [[464n, 3797n], [40n], []] },
      ],
      schema: [
        { name: "root", num_children: 2 },
        { name: "doc_id", type: "INT64", repetition_type: "REQUIRED" },
        { name: "input_ids", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "INT64", repetition_type: "OPTIONAL" },
      ],
    }),
  );
  return [
    withText("SNAPPY"),
    withText("GZIP"),
    withText(zstd ? "ZSTD" : "UNCOMPRESSED"),
    withText("UNCOMPRESSED"),
    pretokenized,
  ];
}

/** A dataset card whose YAML front matter maps the split to the data files (the Hub's rule). */
const CARD = `---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
---
# A dataset card
`;

const shard = await tarShard();
const parquets = parquetBases();
const FORMATS: readonly Format[] = [
  ...(
    [
      ["txt", TEXT],
      ["csv", CSV],
      ["json", JSON_ROWS],
      ["jsonl", JSONL],
    ] as const
  ).flatMap(([ext, text]): Format[] => [
    { name: ext, layout: "custom", file: `input.${ext}`, gzip: false, bases: [utf8(text)] },
    {
      name: `${ext}.gz`,
      layout: "custom",
      file: `input.${ext}.gz`,
      gzip: true,
      bases: [utf8(text)],
    },
  ]),
  { name: "tar", layout: "webdataset", file: "shard-000000.tar", gzip: false, bases: [shard] },
  { name: "tar.gz", layout: "webdataset", file: "shard-000000.tar.gz", gzip: true, bases: [shard] },
  {
    name: "parquet",
    layout: "hf",
    file: join("data", "train-00000-of-00001.parquet"),
    gzip: false,
    bases: parquets,
  },
  {
    name: "dataset card",
    layout: "hf",
    file: "README.md",
    gzip: false,
    bases: [utf8(CARD)],
    companions: { [join("data", "train-00000-of-00001.parquet")]: parquets[0] as Uint8Array },
  },
];

/** One change to a file's bytes; positions are fractions of the length, so they fit any file. */
type Mutation =
  | { readonly kind: "empty" }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "random"; readonly bytes: Uint8Array }
  | { readonly kind: "flip"; readonly flips: readonly { at: number; xor: number }[] }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "token"; readonly at: number; readonly token: string }
  | { readonly kind: "encoding"; readonly to: "utf16le" | "utf16be" | "latin1" | "bom" };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: "empty" as const }),
  fc.record({ kind: fc.constant("truncate" as const), at: fraction }),
  fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({
    kind: fc.constant("flip" as const),
    flips: fc.array(fc.record({ at: fraction, xor: fc.integer({ min: 1, max: 255 }) }), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fraction,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("token" as const),
    at: fraction,
    token: fc.constantFrom('"', "{", "}", "[", ",", "\n", "\r", "\0", "\\", "\ufeff", '""', ":"),
  }),
  fc.record({
    kind: fc.constant("encoding" as const),
    to: fc.constantFrom("utf16le" as const, "utf16be" as const, "latin1" as const, "bom" as const),
  }),
);

function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  const at = (position: number) => Math.floor(position * (bytes.length + 1));
  switch (change.kind) {
    case "empty":
      return new Uint8Array();
    case "truncate":
      return bytes.slice(0, at(change.at));
    case "random":
      return change.bytes;
    case "flip": {
      const out = bytes.slice();
      for (const { at: position, xor } of change.flips) {
        if (out.length === 0) break;
        const i = Math.min(out.length - 1, Math.floor(position * out.length));
        out[i] = (out[i] as number) ^ xor;
      }
      return out;
    }
    case "insert":
    case "token": {
      const inserted = change.kind === "insert" ? change.bytes : utf8(change.token);
      const i = at(change.at);
      return Buffer.concat([bytes.subarray(0, i), inserted, bytes.subarray(i)]);
    }
    case "encoding": {
      const text = Buffer.from(bytes).toString("utf8");
      if (change.to === "latin1") return Buffer.from(text, "latin1");
      if (change.to === "bom") return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
      return change.to === "utf16le" ? le : le.swap16();
    }
  }
}

/** Flags that send the same bytes down another path of the format's reader. */
const ENCODING_FLAGS = [
  ["--encoding-errors", "replace"],
  ["--encoding-errors", "strict"],
] as const;
const READER_FLAGS: Readonly<Record<Layout, readonly (readonly string[])[]>> = {
  custom: [
    [],
    ["--shuffle"],
    ["--text-column", "text"],
    ["--csv-delimiter", ";"],
    ...ENCODING_FLAGS,
  ],
  webdataset: [[], ["--wds-key", "json"], ...ENCODING_FLAGS],
  hf: [[], ["--hf-text-field", "text"], ...ENCODING_FLAGS],
};

/** A file to feed: a base, mutations of its content and (for .gz) of its compressed bytes. */
const input = (format: Format): fc.Arbitrary<Input> =>
  fc.record({
    base: fc.nat({ max: format.bases.length - 1 }),
    content: fc.array(mutation, { maxLength: 3 }),
    compressed: format.gzip ? fc.array(mutation, { maxLength: 2 }) : fc.constant<Mutation[]>([]),
    flags: fc.constantFrom(...READER_FLAGS[format.layout]),
  });

interface Input {
  readonly base: number;
  readonly content: Mutation[];
  readonly compressed: Mutation[];
  readonly flags: readonly string[];
}

function bytesOf(format: Format, { base, content, compressed }: Input): Uint8Array {
  let bytes = content.reduce(mutate, format.bases[base] as Uint8Array);
  if (format.gzip) bytes = compressed.reduce(mutate, new Uint8Array(gzipSync(bytes)));
  return bytes;
}

/** Writes the input where the format's backend reads it; returns the dataset flags. */
async function place(format: Format, bytes: Uint8Array): Promise<string[]> {
  const dir = join(root, format.name.replace(/\W/g, "-"));
  for (const [file, content] of [
    ...Object.entries(format.companions ?? {}),
    [format.file, bytes],
  ]) {
    await mkdir(join(dir, file as string, ".."), { recursive: true });
    await writeFile(join(dir, file as string), content as Uint8Array);
  }
  const path = join(dir, format.file);
  switch (format.layout) {
    case "custom":
      return ["--dataset-file", path];
    case "webdataset":
      return ["--dataset-backend", "webdataset", "--wds-pattern", path, "--wds-shuffle", "0"];
    case "hf":
      return ["--dataset-backend", "hf", "--hf-name", dir];
  }
}

/** Exit 0 or 2 in time, no stack frame; exit 2 says one `aios: ` line and its hint. */
function expectCleanEnd(r: CliResult, what: string): void {
  const report = `${what}\nexit ${r.code}${r.timedOut ? " (killed: too slow)" : ""}\n${r.stderr}`;
  expect(r.timedOut, report).toBeFalsy();
  expect([0, 2], report).toContain(r.code);
  expect(r.stderr, report).not.toMatch(/^ {4}at /m);
  if (r.code === 2) {
    const lines = r.stderr.split("\n");
    const messages = lines.filter((line) => line.startsWith("aios: "));
    expect(messages, report).toHaveLength(1);
    expect(lines[lines.indexOf(messages[0] as string) + 1], report).toMatch(/^hint: \S/);
  }
}

let trained = 0;

describe("malformed inputs of every format end in exit 0 or 2 with one clear message", () => {
  for (const format of FORMATS) {
    const previews = 5 * SCALE;
    const trains = 1 * SCALE;
    it(
      `${format.name}: data preview (${previews} runs) and train-actv1 --steps 1 (${trains})`,
      async () => {
        await fc.assert(
          fc.asyncProperty(input(format), async (given) => {
            const flags = [...(await place(format, bytesOf(format, given))), ...given.flags];
            const r = await runCli(["data", "preview", ...flags, "--samples", "3"], {
              timeoutMs: RUN_LIMIT_MS,
            });
            expectCleanEnd(r, `data preview of a mutated ${format.name}`);
          }),
          { seed: SEED, numRuns: previews, endOnFailure: true },
        );
        await fc.assert(
          fc.asyncProperty(input(format), async (given) => {
            const flags = [...(await place(format, bytesOf(format, given))), ...given.flags];
            const name = `run-${trained++}`;
            const r = await runCli(
              trainArgs(root, name, [
                ...flags,
                "--steps",
                "1",
                "--batch-size",
                "2",
                "--halt-max-steps",
                "1",
                "--workers",
                "1",
                ...TINY_MODEL_FLAGS,
              ]),
              { timeoutMs: RUN_LIMIT_MS },
            );
            await rm(join(root, "brains", name), { recursive: true, force: true });
            expectCleanEnd(r, `train-actv1 on a mutated ${format.name}`);
          }),
          { seed: SEED + 1, numRuns: trains, endOnFailure: true },
        );
      },
      (previews + trains) * RUN_LIMIT_MS + 30_000,
    );
  }
});

describe("inputs the property test found, kept as fixed examples", () => {
  const preview = (flags: string[]) =>
    runCli(["data", "preview", ...flags, "--samples", "3"], { timeoutMs: RUN_LIMIT_MS });

  it("a parquet file whose pages are corrupt: exit 2 naming the file, not hyparquet's crash", async () => {
    const parquet = FORMATS.find((format) => format.layout === "hf") as Format;
    const good = parquet.bases[1] as Uint8Array;
    // Bytes slipped in after the magic: every offset of the footer now lands inside a page.
    const bytes = Buffer.concat([good.subarray(0, 4), Buffer.alloc(8, 0xc5), good.subarray(4)]);
    const r = await preview(await place(parquet, bytes));
    expectCleanEnd(r, "data preview of a parquet file with shifted pages");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^aios: \S+train-00000-of-00001\.parquet is not a readable parquet file: /m,
    );
  });

  it("a dataset card whose front matter is not YAML: exit 2 naming the card", async () => {
    const card = FORMATS.find((format) => format.file === "README.md") as Format;
    const r = await preview(await place(card, utf8("---\nconfigs: [\n---\n")));
    expectCleanEnd(r, "data preview of a dataset with a broken card");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^aios: the dataset card \S+README\.md has front matter that is not YAML: /m,
    );
  });

  it("a parser message quoting the input's line breaks stays on one line", async () => {
    const json = FORMATS.find((format) => format.name === "json") as Format;
    const r = await preview(await place(json, utf8('[{"text": "a"},\n}')));
    expectCleanEnd(r, "data preview of a .json file V8 quotes with its line break");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'malformed JSON (Unexpected token \'}\', "[{"text": "a"},\\n}" is not valid JSON)',
    );
  });
});
