/**
 * Every parquet type becomes exact JSON text when a row without a text column is the sample
 * (docs/DATA.md, "Parquet rows as JSON"). Files are written by hyparquet-writer with explicit
 * schemas and physical values, read by the hf backend from a local directory in the Hub's
 * layout, exactly as `--hf-name DIR` reads them.
 */
import { join } from "node:path";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import type { EncodingErrors } from "../../../src/data/formats/encoding-errors.js";
import { openHfBackend } from "../../../src/data/hf/hf-backend.js";
import { put } from "../../helpers/hub-fixtures.js";
import { fixtureDir } from "../fixtures.js";

const { root } = await fixtureDir();
let repos = 0;

type Column = Omit<ColumnSource, "data"> & { data: unknown[] };
/** The writer's own (bundled hyparquet) schema element type. */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>[number];

/** The texts (and warnings) the hf backend yields for a one-file dataset of these columns. */
async function textsOf(
  columns: readonly Column[],
  schema: readonly SchemaElement[],
  textField: string | null = null,
  encodingErrors: EncodingErrors = "skip",
  layout: { rowGroupSize?: number; pageSize?: number } = {},
): Promise<{
  texts: string[];
  warnings: string[];
  notices: string[];
  badRows: Record<string, number>;
  repaired: Record<string, number>;
  skipped: Record<string, number>;
}> {
  const dir = join(root, `repo-${repos++}`);
  const bytes = parquetWriteBuffer({
    columnData: columns as ColumnSource[],
    schema: [{ name: "root", num_children: topLevel(schema) }, ...schema],
    ...layout,
  });
  await put(join(dir, "data", "train-00000-of-00001.parquet"), new Uint8Array(bytes));
  const warnings: string[] = [];
  const notices: string[] = [];
  const backend = await openHfBackend({
    name: dir,
    config: null,
    split: "train",
    streaming: true,
    cacheDir: null,
    textField,
    encodingErrors,
    tokenEnv: "HF_TOKEN",
    warn: (message) => warnings.push(message),
    notice: (message) => notices.push(message),
  });
  const texts: string[] = [];
  for await (const text of backend.iterText()) texts.push(text);
  const { badRows, repaired = {}, skipped } = backend.stats();
  return { texts, warnings, notices, badRows, repaired, skipped };
}

/** Top-level columns of a flattened schema (children counted through `num_children`). */
function topLevel(schema: readonly SchemaElement[]): number {
  let count = 0;
  let pending = 0;
  for (const element of schema) {
    if (pending === 0) count++;
    else pending--;
    pending += element.num_children ?? 0;
  }
  return count;
}

const opt = (name: string, element: Omit<SchemaElement, "name">): SchemaElement => ({
  name,
  repetition_type: "OPTIONAL",
  ...element,
});
/** A 3-level LIST (what pyarrow and the spec write) of the element `item`. */
const list = (name: string, item: Omit<SchemaElement, "name">): SchemaElement[] => [
  opt(name, { converted_type: "LIST", num_children: 1 }),
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  opt("element", item),
];
const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe("parquet rows without a text column become exact JSON", () => {
  it("keeps every digit of 64-bit integers, at the top level and in lists, structs and maps", async () => {
    const { texts } = await textsOf(
      [
        { name: "doc_id", data: [1n, 9007199254740993n, -9223372036854775808n] },
        { name: "input_ids", data: [[464n, 3797n], [], null] },
        {
          name: "pair",
          data: [{ big: 9223372036854775807n, inner: [2n ** 62n + 1n] }, { big: null }, null],
        },
        { name: "counts", data: [new Map([["a", 9007199254740993n]]), new Map(), null] },
        { name: "unsigned", data: [2n ** 64n - 1n, 0n, null] },
      ],
      [
        { name: "doc_id", type: "INT64", repetition_type: "REQUIRED" },
        ...list("input_ids", { type: "INT64" }),
        opt("pair", { num_children: 2 }),
        opt("big", { type: "INT64" }),
        ...list("inner", { type: "INT64" }),
        opt("counts", { converted_type: "MAP", num_children: 1 }),
        { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
        { name: "key", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        opt("value", { type: "INT64" }),
        opt("unsigned", { type: "INT64", converted_type: "UINT_64" }),
      ],
    );
    expect(texts).toEqual([
      '{"doc_id":1,"input_ids":[464,3797],"pair":{"big":9223372036854775807,"inner":[4611686018427387905]},"counts":{"a":9007199254740993},"unsigned":18446744073709551615}',
      '{"doc_id":9007199254740993,"input_ids":[],"pair":{"big":null,"inner":null},"counts":{},"unsigned":0}',
      '{"doc_id":-9223372036854775808,"input_ids":null,"pair":null,"counts":null,"unsigned":null}',
    ]);
  });

  it("says once that rows are trained on as JSON, naming the columns and --hf-text-field", async () => {
    const { notices } = await textsOf(
      [{ name: "doc_id", data: [1n, 2n, 3n] }],
      [{ name: "doc_id", type: "INT64", repetition_type: "REQUIRED" }],
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /train-00000-of-00001\.parquet has no "text" or "content" column \(its columns: "doc_id"\): each row is trained on as its exact JSON; pass --hf-text-field NAME/,
    );
  });

  it("keeps nulls at every depth: list items, struct fields, lists of structs", async () => {
    const { texts } = await textsOf(
      [
        {
          name: "spans",
          data: [[{ start: 1, tags: ["x", null] }, null, { start: null, tags: [] }], null],
        },
      ],
      [
        ...list("spans", { num_children: 2 }),
        opt("start", { type: "INT32" }),
        ...list("tags", { type: "BYTE_ARRAY", converted_type: "UTF8" }),
      ],
    );
    expect(texts).toEqual([
      '{"spans":[{"start":1,"tags":["x",null]},null,{"start":null,"tags":[]}]}',
      '{"spans":null}',
    ]);
  });

  it("writes timestamps as ISO 8601 with the unit's digits, Z when adjusted to UTC, any year", async () => {
    const { texts } = await textsOf(
      [
        { name: "ms_utc", data: [1704164645678n, 8640000000000001n] },
        { name: "us_local", data: [1704164645678901n, -1n] },
        { name: "ns_utc", data: [-1n, 1704164645123456789n] },
      ],
      [
        opt("ms_utc", { type: "INT64", converted_type: "TIMESTAMP_MILLIS" }),
        opt("us_local", {
          type: "INT64",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MICROS" },
        }),
        opt("ns_utc", {
          type: "INT64",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "NANOS" },
        }),
      ],
    );
    expect(texts).toEqual([
      '{"ms_utc":"2024-01-02T03:04:05.678Z","us_local":"2024-01-02T03:04:05.678901","ns_utc":"1969-12-31T23:59:59.999999999Z"}',
      // One millisecond past the last instant a JavaScript Date can hold.
      '{"ms_utc":"+275760-09-13T00:00:00.001Z","us_local":"1969-12-31T23:59:59.999999","ns_utc":"2024-01-02T03:04:05.123456789Z"}',
    ]);
  });

  it("writes dates as YYYY-MM-DD (expanded years outside 0-9999) and times of day", async () => {
    const days = [19782, -719162, 2932896, 100_000_000, -100_000_000];
    const { texts } = await textsOf(
      [
        { name: "day", data: days },
        { name: "at_ms", data: [3723004, 0, 86399999, null, null] },
        { name: "at_us", data: [3723000004n, null, null, null, null] },
      ],
      [
        opt("day", { type: "INT32", converted_type: "DATE" }),
        opt("at_ms", { type: "INT32", converted_type: "TIME_MILLIS" }),
        opt("at_us", {
          type: "INT64",
          logical_type: { type: "TIME", isAdjustedToUTC: false, unit: "MICROS" },
        }),
      ],
    );
    // JavaScript's Date agrees on the years it can hold (±100,000,000 days).
    expect(new Date(100_000_000 * 86_400_000).toISOString().slice(0, 13)).toBe("+275760-09-13");
    expect(texts).toEqual([
      '{"day":"2024-02-29","at_ms":"01:02:03.004Z","at_us":"01:02:03.000004"}',
      '{"day":"0001-01-01","at_ms":"00:00:00.000Z","at_us":null}',
      '{"day":"9999-12-31","at_ms":"23:59:59.999Z","at_us":null}',
      '{"day":"+275760-09-13","at_ms":null,"at_us":null}',
      '{"day":"-271821-04-20","at_ms":null,"at_us":null}',
    ]);
  });

  it("writes decimals with their exact digits and scale, whatever the physical type", async () => {
    const { texts } = await textsOf(
      [
        { name: "price", data: [-5n, 12345n, 0n] },
        { name: "amount", data: [123456789012345678n, -1n, null] },
        { name: "wide", data: [10n ** 38n - 1n, -(10n ** 20n), 7n] },
        { name: "var", data: [-200n, 1n, 0n] },
        { name: "whole", data: [42, -42, 0] },
      ],
      [
        opt("price", { type: "INT32", converted_type: "DECIMAL", precision: 9, scale: 2 }),
        opt("amount", {
          type: "INT64",
          logical_type: { type: "DECIMAL", precision: 18, scale: 4 },
          converted_type: "DECIMAL",
          precision: 18,
          scale: 4,
        }),
        opt("wide", {
          type: "FIXED_LEN_BYTE_ARRAY",
          type_length: 16,
          converted_type: "DECIMAL",
          precision: 38,
          scale: 10,
        }),
        opt("var", { type: "BYTE_ARRAY", converted_type: "DECIMAL", precision: 10, scale: 3 }),
        opt("whole", { type: "INT32", converted_type: "DECIMAL", precision: 5, scale: 0 }),
      ],
    );
    expect(texts).toEqual([
      '{"price":-0.05,"amount":12345678901234.5678,"wide":9999999999999999999999999999.9999999999,"var":-0.200,"whole":42}',
      '{"price":123.45,"amount":-0.0001,"wide":-10000000000.0000000000,"var":0.001,"whole":-42}',
      '{"price":0.00,"amount":null,"wide":0.0000000007,"var":0.000,"whole":0}',
    ]);
  });

  it("writes bytes as base64, INTERVAL as its three counts, UUID and ENUM as strings", async () => {
    const { texts } = await textsOf(
      [
        { name: "blob", data: [bytes(0, 255), bytes(), null] },
        { name: "fixed", data: [utf8("abcd"), bytes(0, 0, 0, 0), null] },
        { name: "span", data: [bytes(1, 0, 0, 0, 2, 0, 0, 0, 0xb8, 0x0b, 0, 0), null, null] },
        { name: "id", data: ["00112233-4455-6677-8899-aabbccddeeff", null, null] },
        { name: "colour", data: [utf8("RED"), null, null] },
      ],
      [
        opt("blob", { type: "BYTE_ARRAY" }),
        opt("fixed", { type: "FIXED_LEN_BYTE_ARRAY", type_length: 4 }),
        opt("span", { type: "FIXED_LEN_BYTE_ARRAY", type_length: 12, converted_type: "INTERVAL" }),
        opt("id", {
          type: "FIXED_LEN_BYTE_ARRAY",
          type_length: 16,
          logical_type: { type: "UUID" },
        }),
        opt("colour", { type: "BYTE_ARRAY", converted_type: "ENUM" }),
      ],
    );
    expect(texts).toEqual([
      '{"blob":"AP8=","fixed":"YWJjZA==","span":{"months":1,"days":2,"milliseconds":3000},"id":"00112233-4455-6677-8899-aabbccddeeff","colour":"RED"}',
      '{"blob":"","fixed":"AAAAAA==","span":null,"id":null,"colour":null}',
      '{"blob":null,"fixed":null,"span":null,"id":null,"colour":null}',
    ]);
  });

  it('writes NaN and infinities as the strings "NaN", "Infinity", "-Infinity"', async () => {
    const { texts } = await textsOf(
      [
        { name: "f64", data: [0.1, Number.NaN, Number.NEGATIVE_INFINITY, -0, 1e300] },
        { name: "f32", data: [0.1, Number.POSITIVE_INFINITY, null, 1.5, null] },
        { name: "flag", data: [true, false, null, true, false] },
      ],
      [
        opt("f64", { type: "DOUBLE" }),
        opt("f32", { type: "FLOAT" }),
        opt("flag", { type: "BOOLEAN" }),
      ],
    );
    expect(texts).toEqual([
      '{"f64":0.1,"f32":0.10000000149011612,"flag":true}',
      '{"f64":"NaN","f32":"Infinity","flag":false}',
      '{"f64":"-Infinity","f32":null,"flag":null}',
      '{"f64":-0,"f32":1.5,"flag":true}',
      '{"f64":1e+300,"f32":null,"flag":false}',
    ]);
  });

  it("embeds a JSON column's document with its exact numbers; one that is not JSON is a bad row", async () => {
    const { texts, badRows, warnings } = await textsOf(
      [
        {
          name: "meta",
          data: [utf8('{ "n" : 12345678901234567891,\n "s": "a b" }'), utf8("{oops"), null],
        },
        { name: "note", data: ['line\nbreak "quoted"', "x", "y"] },
      ],
      [
        opt("meta", { type: "BYTE_ARRAY", logical_type: { type: "JSON" } }),
        opt("note", { type: "BYTE_ARRAY", converted_type: "UTF8" }),
      ],
    );
    expect(texts).toEqual([
      '{"meta":{"n":12345678901234567891,"s":"a b"},"note":"line\\nbreak \\"quoted\\""}',
      '{"meta":null,"note":"y"}',
    ]);
    expect(badRows).toEqual({ "malformed JSON": 1 });
    expect(warnings.join("\n")).toMatch(/row 1: malformed JSON \(column "meta": /);
  });

  it("writes map keys that are not strings by their column's rule", async () => {
    const { texts } = await textsOf(
      [
        { name: "by_id", data: [new Map([[9007199254740993n, "big"]])] },
        { name: "by_day", data: [new Map([[19782, "leap"]])] },
      ],
      [
        opt("by_id", { converted_type: "MAP", num_children: 1 }),
        { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
        { name: "key", type: "INT64", repetition_type: "REQUIRED" },
        opt("value", { type: "BYTE_ARRAY", converted_type: "UTF8" }),
        opt("by_day", { converted_type: "MAP", num_children: 1 }),
        { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
        { name: "key", type: "INT32", converted_type: "DATE", repetition_type: "REQUIRED" },
        opt("value", { type: "BYTE_ARRAY", converted_type: "UTF8" }),
      ],
    );
    expect(texts).toEqual(['{"by_id":{"9007199254740993":"big"},"by_day":{"2024-02-29":"leap"}}']);
  });
});

describe("a text column that does not hold strings", () => {
  const pretokenized = (textField: string | null) =>
    textsOf(
      [
        { name: "doc_id", data: [1n, 2n] },
        { name: "text", data: [7n, 8n] },
        { name: "blob", data: [utf8("raw"), utf8("bytes")] },
      ],
      [
        { name: "doc_id", type: "INT64", repetition_type: "REQUIRED" },
        { name: "text", type: "INT64", repetition_type: "REQUIRED" },
        { name: "blob", type: "BYTE_ARRAY", repetition_type: "REQUIRED" },
      ],
      textField,
    );

  it.each([
    ["--hf-text-field doc_id (INT64)", "doc_id", /field "doc_id" is a bigint/],
    ["the guessed `text` column (INT64)", null, /field "text" is a bigint/],
    ["--hf-text-field blob (bytes)", "blob", /field "blob" is a object/],
  ])("counts every row of %s as a non-string value", async (_, field, detail) => {
    const failure = await pretokenized(field).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AiosError);
    expect((failure as AiosError).message).toMatch(/every row of .* is bad \(2 rows\)/);
    expect((failure as AiosError).message).toContain("non-string value");
    expect((failure as AiosError).message).toMatch(detail);
  });
});

describe("parquet strings whose bytes are not UTF-8 follow --encoding-errors", () => {
  const notUtf8 = bytes(0x66, 0xff, 0x6f);
  const strings = (encodingErrors: EncodingErrors, withText: boolean) =>
    textsOf(
      [{ name: withText ? "text" : "name", data: [utf8("good"), notUtf8] }],
      [opt(withText ? "text" : "name", { type: "BYTE_ARRAY", converted_type: "UTF8" })],
      null,
      encodingErrors,
    );

  it("skip (the default): the row is a bad row, invalid UTF-8, in a text column or a whole row", async () => {
    const text = await strings("skip", true);
    expect(text.texts).toEqual(["good"]);
    expect(text.badRows).toEqual({ "invalid UTF-8": 1 });
    const whole = await strings("skip", false);
    expect(whole.texts).toEqual(['{"name":"good"}']);
    expect(whole.badRows).toEqual({ "invalid UTF-8": 1 });
  });

  it("replace: the row is kept with U+FFFD and counted as repaired", async () => {
    const text = await strings("replace", true);
    expect(text.texts).toEqual(["good", "f\uFFFDo"]);
    expect(text.repaired).toEqual({ "invalid UTF-8": 1 });
    expect((await strings("replace", false)).texts).toEqual([
      '{"name":"good"}',
      '{"name":"f\uFFFDo"}',
    ]);
  });

  it("strict: the run stops, naming the file and the row", async () => {
    const failure = await strings("strict", true).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AiosError);
    expect((failure as AiosError).code).toBe("DATASET_ENCODING");
    expect((failure as AiosError).message).toMatch(
      /train-00000-of-00001\.parquet row 1 holds a string whose bytes are not valid UTF-8/,
    );
  });
});

describe("a parquet text column is read row by row as its strings are decoded", () => {
  // Rows cut across row groups, pages and the backend's blocks of 256, with nulls, blank and
  // non-ASCII texts, in every annotation read as text, plain and dictionary-encoded.
  const data = Array.from({ length: 1_300 }, (_, i) =>
    i % 7 === 3 ? null : i % 7 === 5 ? " \t " : `row ${i % 400} é ünïcödé 😀`,
  );
  const kept = data.filter((text): text is string => text !== null && text.trim() !== "");
  const annotations: Array<[string, Omit<SchemaElement, "name">]> = [
    ["UTF8", { type: "BYTE_ARRAY", converted_type: "UTF8" }],
    ["STRING", { type: "BYTE_ARRAY", logical_type: { type: "STRING" } }],
    ["JSON", { type: "BYTE_ARRAY", converted_type: "JSON" }],
  ];

  it.each(annotations)("%s: every text in order, nulls bad, blanks skipped", async (_, element) => {
    for (const encoding of ["PLAIN", "RLE_DICTIONARY"] as const) {
      // hyparquet-writer serializes a JSON column's values itself.
      const values = data.map((text) =>
        text === null || element.converted_type === "JSON" ? text : utf8(text),
      );
      const read = await textsOf(
        [{ name: "text", data: values, encoding }],
        [opt("text", element)],
        null,
        "skip",
        { rowGroupSize: 500, pageSize: 4_096 },
      );
      // A JSON value is its JSON text: a blank string's is not blank.
      const expected =
        element.converted_type === "JSON"
          ? data.filter((text) => text !== null).map((text) => JSON.stringify(text))
          : kept;
      expect(read.texts, encoding).toEqual(expected);
      expect(read.badRows).toEqual({ "non-string value": data.filter((t) => t === null).length });
      expect(read.skipped).toEqual(
        element.converted_type === "JSON"
          ? {}
          : { "empty text": data.filter((t) => t !== null && t.trim() === "").length },
      );
    }
  });
});
