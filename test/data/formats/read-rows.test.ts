import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { datasetFileOf } from "../../../src/data/formats/dataset-file.js";
import type { ReadOptions } from "../../../src/data/formats/read-options.js";
import { readRows } from "../../../src/data/formats/read-rows.js";
import type { RowResult } from "../../../src/data/formats/rows.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root } = await fixtureDir();

/** Writes `content` (bytes as given; gzipped for `.gz`) and reads its rows. */
async function rowsOf(
  name: string,
  content: string | Buffer,
  options: Partial<ReadOptions> = {},
): Promise<RowResult[]> {
  const path = join(root, name);
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  await writeFile(path, name.endsWith(".gz") ? gzipSync(bytes) : bytes);
  const file = datasetFileOf(path);
  if (file === null) throw new Error(`no format for ${name}`);
  return collect(readRows(file, options));
}

const texts = (rows: readonly RowResult[]) =>
  rows.flatMap((row) => (row.kind === "sample" ? [row.text] : []));

/** `text` as UTF-16 with its byte-order mark. */
function utf16(text: string, endian: "LE" | "BE"): Buffer {
  const le = Buffer.from(text, "utf16le");
  return endian === "LE"
    ? Buffer.concat([Buffer.from([0xff, 0xfe]), le])
    : Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
}

async function errorOf(run: () => Promise<unknown>): Promise<AiosError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AiosError);
  return error as AiosError;
}

describe("CSV delimiters", () => {
  it("detects ; tab and | from the header and first rows, and says so", async () => {
    const notices: string[] = [];
    const notice = (_key: string, message: string) => notices.push(message);
    const semi = "text;label\nthe cat sat on the mat;1\na dog ran in the park;0\n";
    expect(texts(await rowsOf("semi.csv", semi, { notice }))).toEqual([
      "the cat sat on the mat",
      "a dog ran in the park",
    ]);
    expect(notices).toEqual([
      expect.stringMatching(/semi\.csv: fields are separated by ";".*--csv-delimiter/),
    ]);
    expect(texts(await rowsOf("tab.csv", "id\ttext\n1\thello, world\n"))).toEqual(["hello, world"]);
    expect(texts(await rowsOf("pipe.csv", "text|id\na; b, c|1\n"))).toEqual(["a; b, c"]);
  });

  it("keeps quoted fields whole: delimiters inside them do not fool detection", async () => {
    const csv = 'id;text\n1;"one, two, three, four"\n2;"x;y, z"\n3;"p, q"\n';
    expect(texts(await rowsOf("quoted.csv", csv))).toEqual([
      "one, two, three, four",
      "x;y, z",
      "p, q",
    ]);
  });

  it("reads .tsv as tab-delimited CSV, gzipped too", async () => {
    const tsv = 'text\tlabel\nit was fine, really; yes\t1\n"quoted\ttab"\t0\n';
    expect(texts(await rowsOf("data.tsv", tsv))).toEqual([
      "it was fine, really; yes",
      "quoted\ttab",
    ]);
    expect(texts(await rowsOf("data.tsv.gz", tsv))).toEqual([
      "it was fine, really; yes",
      "quoted\ttab",
    ]);
    // One column: nothing to detect from, yet a .tsv field never splits at a comma.
    expect(texts(await rowsOf("one.tsv", "text\nhello, world\n"))).toEqual(["hello, world"]);
  });

  it("takes the delimiter it is given over the detected one", async () => {
    const csv = "text;label\nsome, text;1\n";
    expect(
      texts(await rowsOf("forced.csv", csv, { csvDelimiter: ",", textColumn: "text;label" })),
    ).toEqual(["some"]);
    expect(texts(await rowsOf("forced.tsv", "a|text\n1|x\n", { csvDelimiter: "|" }))).toEqual([
      "x",
    ]);
  });
});

describe("CSV text column", () => {
  it("trains on the column with the longest text and names it, with the flag to change it", async () => {
    const notices: [string, string][] = [];
    const csv =
      'sentiment,review\npositive,"I loved the pacing, the score, and the final act"\nnegative,"Two hours I will never get back"\n';
    const rows = await rowsOf("reviews.csv", csv, {
      notice: (key, message) => notices.push([key, message]),
    });
    expect(texts(rows)).toEqual([
      "I loved the pacing, the score, and the final act",
      "Two hours I will never get back",
    ]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.[1]).toMatch(
      /reviews\.csv: training on column "review" \(guessed.*--text-column NAME/,
    );
    const hf = await rowsOf("reviews-hf.csv", csv, {
      textColumnFlag: "--hf-text-field",
      notice: (key, message) => notices.push([key, message]),
    });
    expect(texts(hf)).toHaveLength(2);
    expect(notices[1]?.[1]).toContain("--hf-text-field NAME");
  });

  it("says nothing when the column is named text or was given", async () => {
    const notices: string[] = [];
    const notice = (_key: string, message: string) => notices.push(message);
    await rowsOf("named.csv", "label,text\n1,hello there\n", { notice });
    await rowsOf("given.csv", "label,body\n1,hello there\n", { notice, textColumn: "body" });
    expect(notices).toEqual([]);
  });
});

describe(".json holding JSON Lines", () => {
  const lines = '{"text": "first sample"}\n{"text": "second sample"}\n{"text": "third sample"}\n';

  it("reads JSON Lines in a .json file (and gzipped), a bad line counted where it is", async () => {
    expect(texts(await rowsOf("lines.json", lines))).toEqual([
      "first sample",
      "second sample",
      "third sample",
    ]);
    expect(texts(await rowsOf("lines.json.gz", `\n\n${lines}`))).toHaveLength(3);
    const rows = await rowsOf("bad-line.json", '{"text": "a"}\n{"text": \n{"text": "c"}\n');
    expect(rows[1]).toMatchObject({ kind: "bad", reason: "malformed JSON", where: "line 2" });
    expect(texts(rows)).toEqual(["a", "c"]);
  });

  it("still reads one array, on one line or many; an object or broken file is one bad row", async () => {
    expect(texts(await rowsOf("array.json", '["j1", {"content": "j2"}]'))).toEqual(["j1", "j2"]);
    expect(
      texts(await rowsOf("array-lines.json", '[\n  {"text": "a"},\n  {"text": "b"}\n]\n')),
    ).toEqual(["a", "b"]);
    expect(await rowsOf("object.json", '{\n  "text": "a"\n}\n')).toEqual([
      expect.objectContaining({ kind: "bad", reason: "not a JSON array" }),
    ]);
    expect(await rowsOf("broken.json", '{\n  "text": "a"\n')).toEqual([
      expect.objectContaining({ kind: "bad", reason: "malformed JSON" }),
    ]);
    expect(await rowsOf("blank.json", " \n\n")).toEqual([]);
  });

  it("names the fallback when rows have no text field: their whole JSON is trained on", async () => {
    const notices: string[] = [];
    const rows = await rowsOf(
      "fields.jsonl",
      '{"review": "good", "label": 1}\n{"review": "bad", "label": 0}\n',
      {
        notice: (_key, message) => notices.push(message),
      },
    );
    expect(texts(rows)).toEqual(['{"review":"good","label":1}', '{"review":"bad","label":0}']);
    expect(notices).toEqual([
      expect.stringMatching(
        /fields\.jsonl line 1 has no "text" or "content" field \(its fields: "review", "label"\).*--text-column NAME/,
      ),
    ]);
  });
});

describe("text encodings", () => {
  it("decodes UTF-16LE and UTF-16BE files by their byte-order mark, in every format", async () => {
    for (const endian of ["LE", "BE"] as const) {
      expect(
        texts(await rowsOf(`u16${endian}.txt`, utf16("first line\r\nsecond line\r\n", endian))),
      ).toEqual(["first line", "second line"]);
      expect(texts(await rowsOf(`u16${endian}.txt.gz`, utf16("first line\n", endian)))).toEqual([
        "first line",
      ]);
      expect(
        texts(await rowsOf(`u16${endian}.jsonl`, utf16('{"text": "first line"}\n', endian))),
      ).toEqual(["first line"]);
      expect(texts(await rowsOf(`u16${endian}.json`, utf16('["first line"]', endian)))).toEqual([
        "first line",
      ]);
      expect(
        texts(await rowsOf(`u16${endian}.csv`, utf16("id;text\n1;first line\n", endian))),
      ).toEqual(["first line"]);
    }
  });

  it("drops a UTF-8 byte-order mark in every format", async () => {
    const bom = "\uFEFF";
    expect(texts(await rowsOf("bom.csv", `${bom}text,label\nhello,1\n`))).toEqual(["hello"]);
    expect(texts(await rowsOf("bom.json", `${bom}{"text": "hello"}\n`))).toEqual(["hello"]);
    expect(texts(await rowsOf("bom.jsonl", `${bom}{"text": "hello"}\n`))).toEqual(["hello"]);
  });

  const latin1 = (text: string) => Buffer.from(text, "latin1");

  it("counts rows holding bytes that are not valid UTF-8 as bad rows, naming where", async () => {
    const txt = await rowsOf("latin1.txt", latin1("good one\ncafé au lait\ngood two\n"));
    expect(txt).toEqual([
      { kind: "sample", text: "good one" },
      { kind: "bad", reason: "invalid UTF-8", where: "line 2" },
      { kind: "sample", text: "good two" },
    ]);
    const csv = await rowsOf("latin1.csv.gz", latin1("id,text\n1,ok\n2,naïve\n"));
    expect(csv[1]).toMatchObject({ kind: "bad", reason: "invalid UTF-8", where: "line 3" });
    const jsonl = await rowsOf("latin1.jsonl", latin1('{"text": "ok"}\n{"text": "señor"}\n'));
    expect(jsonl[1]).toMatchObject({ kind: "bad", reason: "invalid UTF-8", where: "line 2" });
    const json = await rowsOf("latin1.json", latin1('["ok", "garçon"]'));
    expect(json[1]).toMatchObject({ kind: "bad", reason: "invalid UTF-8", where: "element 1" });
  });

  it("keeps them with U+FFFD under replace, marked as repaired", async () => {
    const rows = await rowsOf("replace.txt", latin1("ok\ncafé\n"), { encodingErrors: "replace" });
    expect(rows[1]).toEqual({
      kind: "sample",
      text: "caf\uFFFD",
      repaired: { reason: "invalid UTF-8", where: "line 2" },
    });
  });

  it("refuses them under strict, naming the file and line", async () => {
    for (const name of ["strict.txt", "strict.csv.gz", "strict.json", "strict.jsonl"]) {
      const content = name.includes("csv")
        ? latin1("text\nok\nok\ncafé\n")
        : name.endsWith(".json")
          ? latin1('[\n"ok",\n"ok",\n"café"\n]')
          : latin1(
              name.endsWith(".txt") ? "ok\nok\n\ncafé\n" : '{"text":"ok"}\n\n\n{"text":"café"}\n',
            );
      const error = await errorOf(() => rowsOf(name, content, { encodingErrors: "strict" }));
      expect(error.code, name).toBe("DATASET_ENCODING");
      expect(error.message).toContain(`${name} line 4 holds bytes that are not valid UTF-8`);
      expect(error.hint).toContain("--encoding-errors");
    }
  });

  it("leaves a U+FFFD the file really holds alone", async () => {
    expect(await rowsOf("real-fffd.txt", "a \uFFFD b\n", { encodingErrors: "strict" })).toEqual([
      { kind: "sample", text: "a \uFFFD b" },
    ]);
  });
});

/** What `datasets` makes of rows: the rows' results, empty ones kept as "(empty)". */
const shapes = (rows: readonly RowResult[]) =>
  rows.map((row) => (row.kind === "sample" ? row.text : `(${row.kind})`));

describe("text rows as datasets' text builder cuts them (the hf backend)", () => {
  const text = (sampleBy: "line" | "paragraph" | "document", keepLinebreaks = false) => ({
    text: { sampleBy, keepLinebreaks },
  });
  const raw = "one\r\ntwo\rthree\n\n  \nfour\n\n\nfive";

  it("gives every line a row after universal newlines, blank ones counted as empty", async () => {
    expect(shapes(await rowsOf("lines.txt", raw, text("line")))).toEqual([
      "one",
      "two",
      "three",
      "(skipped)",
      "(skipped)",
      "four",
      "(skipped)",
      "(skipped)",
      "five",
    ]);
    // The custom backend's rule is unchanged: blank lines are not rows.
    expect(shapes(await rowsOf("lines.txt", raw))).toEqual(["one", "two\rthree", "four", "five"]);
  });

  it("keeps the line breaks when asked, the last line as it ends", async () => {
    expect(texts(await rowsOf("keep.txt", raw, text("line", true)))).toEqual([
      "one\n",
      "two\n",
      "three\n",
      "four\n",
      "five",
    ]);
  });

  it("cuts paragraphs at blank lines, as str.split('\\n\\n') does, also across chunks", async () => {
    expect(shapes(await rowsOf("para.txt", raw, text("paragraph")))).toEqual([
      "one\ntwo\nthree",
      "  \nfour",
      "\nfive",
    ]);
    // Long enough that the separators fall across the reader's chunks.
    const many = Array.from({ length: 5000 }, (_, i) => `paragraph ${i}\nsecond line`).join(
      "\r\n\r\n",
    );
    const rows = texts(await rowsOf("many.txt.gz", many, text("paragraph")));
    expect(rows).toHaveLength(5000);
    expect(rows[4321]).toBe("paragraph 4321\nsecond line");
  });

  it("makes the whole file one row by document", async () => {
    expect(texts(await rowsOf("doc.txt", raw, text("document")))).toEqual([
      "one\ntwo\nthree\n\n  \nfour\n\n\nfive",
    ]);
  });
});

describe("CSV as datasets' csv builder reads it through pandas (the hf backend)", () => {
  const dialect = (overrides: Partial<NonNullable<ReadOptions["csv"]>>) => ({
    csv: { quote: '"', header: "infer" as const, names: null, naValues: ["", "NA"], ...overrides },
  });

  it("takes quotechar, doubled quotes inside", async () => {
    const file = "id;text\n1;'a; b and ''c'''\n2;\"plain\"\n";
    expect(
      texts(await rowsOf("quote.csv", file, { csvDelimiter: ";", ...dialect({ quote: "'" }) })),
    ).toEqual(["a; b and 'c'", '"plain"']);
  });

  it("names columns with column_names: every record is data, or the header row is replaced", async () => {
    const file = "1,first\n2,second\n";
    const named = dialect({ names: ["id", "text"] });
    expect(texts(await rowsOf("named.csv", file, named))).toEqual(["first", "second"]);
    const replaced = dialect({ names: ["id", "text"], header: 0 });
    expect(texts(await rowsOf("replaced.csv", file, replaced))).toEqual(["second"]);
  });

  it("numbers the columns of a file without header, and starts at a later header row", async () => {
    const numbered = await rowsOf("numbered.csv", "1,some words here\n2,more words\n", {
      textColumn: "1",
      ...dialect({ header: null }),
    });
    expect(texts(numbered)).toEqual(["some words here", "more words"]);
    const later = "# a preamble\nid,text\n1,kept\n";
    expect(texts(await rowsOf("later.csv", later, dialect({ header: 1 })))).toEqual(["kept"]);
  });

  it("reads pandas' missing values as rows without text", async () => {
    const file = "id,text\n1,NA\n2,\n3,kept\n";
    expect(shapes(await rowsOf("na.csv", file, dialect({})))).toEqual([
      "(skipped)",
      "(skipped)",
      "kept",
    ]);
    expect(texts(await rowsOf("na.csv", file, dialect({ naValues: [] })))).toEqual(["NA", "kept"]);
  });
});

describe("json field (the hf backend)", () => {
  it("reads the rows under one key of a single object: a list of rows or of strings, or columns", async () => {
    const rows = { meta: 1, data: [{ text: "a" }, { text: "b" }] };
    expect(texts(await rowsOf("rows.json", JSON.stringify(rows), { jsonField: "data" }))).toEqual([
      "a",
      "b",
    ]);
    const strings = JSON.stringify({ data: ["x", "y"] });
    expect(texts(await rowsOf("strings.json", strings, { jsonField: "data" }))).toEqual(["x", "y"]);
    const columns = JSON.stringify({ data: { text: ["c1", "c2"], id: [1, 2] } });
    expect(texts(await rowsOf("columns.json", columns, { jsonField: "data" }))).toEqual([
      "c1",
      "c2",
    ]);
  });

  it("counts a file without the field as one bad row", async () => {
    const rows = await rowsOf("none.json", JSON.stringify({ other: [] }), { jsonField: "data" });
    expect(rows).toEqual([
      expect.objectContaining({ kind: "bad", reason: "missing column", where: "the file" }),
    ]);
  });
});
