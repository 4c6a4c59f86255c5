import type {
  FileMetaData,
  ParquetReadOptions,
  SchemaElement,
  SchemaTree,
  TimeUnit,
} from "hyparquet";
import { isListLike, isMapLike } from "hyparquet/src/schema.js";

/**
 * A parquet row as JSON text, exactly: the rule of docs/DATA.md ("Parquet rows as JSON").
 *
 * hyparquet turns some logical types into JavaScript values that lose digits (DECIMAL to a
 * float, timestamps to a millisecond `Date`, JSON through `JSON.parse`), throws on others
 * (BSON, INTERVAL) and decodes unannotated byte arrays as UTF-8. So rows are read with
 * `exactReadOptions`: those leaves come back as their physical values (integers, bytes), and
 * `rowJson` formats them from the file's own schema.
 */

/** An INT96 timestamp (nanoseconds since the epoch): tagged so it is not taken for an integer. */
export class Int96Timestamp {
  constructor(readonly nanos: bigint) {}

  /** hyparquet uses map keys as property names: the digits, read back by `mapKeyText`. */
  toString(): string {
    return this.nanos.toString();
  }
}

/**
 * A STRING value whose bytes are not valid UTF-8, decoded with U+FFFD in their place: tagged so
 * that `--encoding-errors` can count, repair or refuse the row (docs/DATA.md), never pass it on
 * silently as hyparquet's own decoder would.
 */
export class InvalidUtf8 {
  constructor(readonly text: string) {}

  /** hyparquet uses map keys as property names. */
  toString(): string {
    return this.text;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A STRING or JSON leaf's value as `exactReadOptions` reads it: its text, or `InvalidUtf8` when
 * its bytes are not UTF-8; undefined for a null.
 */
export function stringFromBytes(bytes: Uint8Array | undefined): string | InvalidUtf8 | undefined {
  if (bytes === undefined) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return new InvalidUtf8(lenientUtf8.decode(bytes));
  }
}

/** A value that breaks its column's type (a JSON column holding text that is not JSON). */
export class ParquetValueError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(message);
    this.name = "ParquetValueError";
  }
}

type Leaf =
  | { readonly kind: "integer" | "float" | "string" | "json" | "binary" | "interval" | "other" }
  | { readonly kind: "decimal"; readonly scale: number }
  | { readonly kind: "date" }
  | { readonly kind: "time" | "timestamp"; readonly unit: TimeUnit; readonly utc: boolean }
  | { readonly kind: "int96" };

/**
 * How a leaf column's values are written, from its logical type (else its converted type, else
 * its physical type). Converted TIME_* and TIMESTAMP_* are UTC-adjusted (parquet-format
 * LogicalTypes.md, "backward compatibility").
 */
function leafOf(element: SchemaElement): Leaf {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (logical?.type === "DECIMAL") return { kind: "decimal", scale: logical.scale };
  if (converted === "DECIMAL") return { kind: "decimal", scale: element.scale ?? 0 };
  if (logical?.type === "DATE" || converted === "DATE") return { kind: "date" };
  if (logical?.type === "TIME" || logical?.type === "TIMESTAMP") {
    const kind = logical.type === "TIME" ? "time" : "timestamp";
    return { kind, unit: logical.unit, utc: logical.isAdjustedToUTC };
  }
  if (converted === "TIME_MILLIS") return { kind: "time", unit: "MILLIS", utc: true };
  if (converted === "TIME_MICROS") return { kind: "time", unit: "MICROS", utc: true };
  if (converted === "TIMESTAMP_MILLIS") return { kind: "timestamp", unit: "MILLIS", utc: true };
  if (converted === "TIMESTAMP_MICROS") return { kind: "timestamp", unit: "MICROS", utc: true };
  if (type === "INT96") return { kind: "int96" };
  if (logical?.type === "JSON" || converted === "JSON") return { kind: "json" };
  if (logical?.type === "BSON" || converted === "BSON") return { kind: "binary" };
  if (logical?.type === "INTERVAL" || converted === "INTERVAL") return { kind: "interval" };
  if (
    logical?.type === "STRING" ||
    logical?.type === "ENUM" ||
    logical?.type === "UUID" ||
    converted === "UTF8" ||
    converted === "ENUM"
  ) {
    return { kind: "string" };
  }
  if (logical !== undefined && logical.type !== "INTEGER") return { kind: "other" };
  if (type === "BYTE_ARRAY" || type === "FIXED_LEN_BYTE_ARRAY") return { kind: "binary" };
  if (type === "FLOAT" || type === "DOUBLE") return { kind: "float" };
  if (type === "INT32" || type === "INT64") return { kind: "integer" };
  return { kind: "other" };
}

/** Kinds whose physical values `rowJson` needs because hyparquet's conversion loses or refuses them. */
const READ_RAW = new Set(["decimal", "date", "time", "timestamp", "binary", "interval"]);

/**
 * Whether `exactReadOptions` reads the leaf `element` as text (`stringFromBytes`): STRING, ENUM
 * and JSON leaves, not UUID ones.
 */
export function readAsText(element: SchemaElement): boolean {
  const leaf = leafOf(element);
  return leaf.kind === "json" || (leaf.kind === "string" && element.logical_type?.type !== "UUID");
}

/**
 * Read options for `parquetReadObjects` that hand `rowJson` what it needs: the metadata with the
 * annotations of `READ_RAW` leaves removed and JSON and ENUM leaves read as strings (both are
 * UTF-8 text by the spec), byte arrays without a text annotation as bytes, INT96 and strings
 * that are not UTF-8 tagged.
 * Nothing structural changes, so rows assemble exactly as from the file's own metadata.
 */
export function exactReadOptions(
  metadata: FileMetaData,
): Pick<ParquetReadOptions, "metadata" | "utf8" | "parsers"> {
  const schema = metadata.schema.map((element): SchemaElement => {
    if (element.num_children) return element;
    const leaf = leafOf(element);
    if (READ_RAW.has(leaf.kind)) {
      const { converted_type: _c, logical_type: _l, ...raw } = element;
      return raw;
    }
    if (readAsText(element)) {
      return { ...element, converted_type: "UTF8", logical_type: { type: "STRING" } };
    }
    return element;
  });
  return {
    metadata: { ...metadata, schema },
    utf8: false,
    parsers: {
      timestampFromNanoseconds: (nanos: bigint) => new Int96Timestamp(nanos),
      stringFromBytes,
    },
  };
}

/**
 * One row (as `parquetReadObjects` assembles it under `exactReadOptions`) as compact JSON text,
 * its columns in schema order, and whether a string in it was not valid UTF-8 (written with
 * U+FFFD). `root` is `parquetSchema(metadata)` of the file's own metadata. Throws
 * `ParquetValueError` for a JSON column holding text that does not parse.
 */
export function rowJson(
  row: Readonly<Record<string, unknown>>,
  root: SchemaTree,
): { json: string; invalidUtf8: boolean } {
  const walk: Walk = { invalidUtf8: false };
  const fields = root.children
    .filter((column) => column.element.name in row)
    .map(
      (column) =>
        `${JSON.stringify(column.element.name)}:${nodeJson(row[column.element.name], column, walk)}`,
    );
  return { json: `{${fields.join(",")}}`, invalidUtf8: walk.invalidUtf8 };
}

/** What one row's walk has met. */
interface Walk {
  invalidUtf8: boolean;
}

function textOf(value: string | InvalidUtf8, walk: Walk): string {
  if (typeof value === "string") return value;
  walk.invalidUtf8 = true;
  return value.text;
}

/** `asElement`: the node is a legacy list's repeated element, whose values are single items. */
function nodeJson(value: unknown, node: SchemaTree, walk: Walk, asElement = false): string {
  if (value === null || value === undefined) return "null";
  if (node.element.repetition_type === "REPEATED" && !asElement) {
    return arrayJson(value, walk, (item) => nodeJson(item, node, walk, true));
  }
  if (node.children.length === 0) return leafJson(value, node.element, node.path, walk);
  if (node.element.logical_type?.type === "VARIANT") return anyJson(value, walk);
  // The same tests as hyparquet's assembly, so the walk follows the shape it built.
  if (isListLike(node)) {
    const repeated = node.children[0] as SchemaTree;
    const element =
      repeated.children.length === 1 ? (repeated.children[0] as SchemaTree) : repeated;
    return arrayJson(value, walk, (item) => nodeJson(item, element, walk, element === repeated));
  }
  if (isMapLike(node)) {
    const entry = node.children[0] as SchemaTree;
    const [keyNode, valueNode] = entry.children as [SchemaTree, SchemaTree];
    if (typeof value !== "object") return anyJson(value, walk);
    const pairs = Object.entries(value).map(
      ([key, item]) =>
        `${JSON.stringify(mapKeyText(key, keyNode, walk))}:${nodeJson(item, valueNode, walk)}`,
    );
    return `{${pairs.join(",")}}`;
  }
  if (typeof value !== "object") return anyJson(value, walk);
  const record = value as Record<string, unknown>;
  const fields = node.children.map(
    (child) =>
      `${JSON.stringify(child.element.name)}:${nodeJson(record[child.element.name], child, walk)}`,
  );
  return `{${fields.join(",")}}`;
}

function arrayJson(value: unknown, walk: Walk, item: (value: unknown) => string): string {
  return Array.isArray(value) ? `[${value.map(item).join(",")}]` : anyJson(value, walk);
}

function leafJson(
  value: unknown,
  element: SchemaElement,
  path: readonly string[],
  walk: Walk,
): string {
  const leaf = leafOf(element);
  switch (leaf.kind) {
    case "integer":
      if (typeof value === "bigint" || typeof value === "number") return String(value);
      break;
    case "float":
      if (typeof value === "number") return floatJson(value);
      break;
    case "string":
      if (typeof value === "string" || value instanceof InvalidUtf8) {
        return JSON.stringify(textOf(value, walk));
      }
      break;
    case "json":
      if (typeof value === "string" || value instanceof InvalidUtf8) {
        return compactJson(textOf(value, walk), path);
      }
      break;
    case "binary":
      if (value instanceof Uint8Array) return JSON.stringify(base64(value));
      break;
    case "decimal": {
      const unscaled = integerOf(value);
      if (unscaled !== null) return decimalText(unscaled, leaf.scale);
      break;
    }
    case "date":
      if (typeof value === "number") return JSON.stringify(civilDate(value));
      break;
    case "time":
    case "timestamp": {
      const count = integerOf(value);
      if (count === null) break;
      const text =
        leaf.kind === "time" ? timeText(count, leaf.unit) : timestampText(count, leaf.unit);
      return JSON.stringify(leaf.utc ? `${text}Z` : text);
    }
    case "int96":
      if (value instanceof Int96Timestamp)
        return JSON.stringify(timestampText(value.nanos, "NANOS"));
      break;
    case "interval":
      if (value instanceof Uint8Array && value.length === 12) return intervalJson(value);
      if (value instanceof Uint8Array) return JSON.stringify(base64(value));
      break;
  }
  return anyJson(value, walk);
}

/** Values of no known column type (VARIANT, GEOMETRY as hyparquet decodes them), by their JS type. */
function anyJson(value: unknown, walk: Walk): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
      return floatJson(value);
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return String(value);
    case "object":
      break;
    default:
      return "null";
  }
  if (value instanceof Uint8Array) return JSON.stringify(base64(value));
  if (value instanceof InvalidUtf8) return JSON.stringify(textOf(value, walk));
  if (value instanceof Int96Timestamp) return JSON.stringify(timestampText(value.nanos, "NANOS"));
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "null" : JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) return `[${value.map((item) => anyJson(item, walk)).join(",")}]`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `[${Array.from(value as unknown as ArrayLike<unknown>, (item) => anyJson(item, walk)).join(",")}]`;
  }
  const fields = Object.entries(value).map(
    ([key, item]) => `${JSON.stringify(key)}:${anyJson(item, walk)}`,
  );
  return `{${fields.join(",")}}`;
}

/** JSON has no NaN or infinities: they are written as the strings "NaN", "Infinity", "-Infinity". */
function floatJson(value: number): string {
  if (!Number.isFinite(value)) return JSON.stringify(String(value));
  // JSON.stringify(-0) is "0": keep the sign a float column holds.
  return Object.is(value, -0) ? "-0" : String(value);
}

/** The text of a JSON column, validated and without insignificant whitespace; numbers keep their digits. */
function compactJson(text: string, path: readonly string[]): string {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new ParquetValueError(path.join("."), (error as Error).message);
  }
  // Valid JSON has whitespace only between tokens or inside strings, which are kept whole.
  return text.replace(/"(?:[^"\\]|\\.)*"|\s+/g, (token) => (token.startsWith('"') ? token : ""));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A decimal's unscaled integer: INT32, INT64, or big-endian two's complement bytes. */
function integerOf(value: unknown): bigint | null {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (!(value instanceof Uint8Array)) return null;
  let integer = 0n;
  for (const byte of value) integer = (integer << 8n) | BigInt(byte);
  const negative = value.length > 0 && ((value[0] as number) & 0x80) !== 0;
  return negative ? integer - (1n << BigInt(8 * value.length)) : integer;
}

/** `unscaled × 10^-scale` in positional notation with exactly `scale` fraction digits (`-0.05`). */
function decimalText(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? "-" : "";
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  if (scale <= 0) return unscaled === 0n ? "0" : `${sign}${digits}${"0".repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, "0");
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const PER_SECOND: Readonly<Record<TimeUnit, bigint>> = {
  MILLIS: 1_000n,
  MICROS: 1_000_000n,
  NANOS: 1_000_000_000n,
};
const FRACTION_DIGITS: Readonly<Record<TimeUnit, number>> = { MILLIS: 3, MICROS: 6, NANOS: 9 };

/** `YYYY-MM-DDTHH:MM:SS.fff…` with the unit's fraction digits, proleptic Gregorian, any year. */
function timestampText(count: bigint, unit: TimeUnit): string {
  const perDay = 86_400n * PER_SECOND[unit];
  let days = count / perDay;
  let rest = count % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  return `${civilDate(Number(days))}T${timeText(rest, unit)}`;
}

/** `HH:MM:SS.fff…` of a time of day; an out-of-range value (invalid) keeps its hours past 23. */
function timeText(count: bigint, unit: TimeUnit): string {
  const perSecond = PER_SECOND[unit];
  const sign = count < 0n ? "-" : "";
  const magnitude = count < 0n ? -count : count;
  const seconds = magnitude / perSecond;
  const fraction = (magnitude % perSecond).toString().padStart(FRACTION_DIGITS[unit], "0");
  const two = (n: bigint) => n.toString().padStart(2, "0");
  return `${sign}${two(seconds / 3600n)}:${two((seconds / 60n) % 60n)}:${two(seconds % 60n)}.${fraction}`;
}

/**
 * `YYYY-MM-DD` of a day count since 1970-01-01, proleptic Gregorian; years outside 0–9999 in
 * ISO 8601's expanded form (`+012345`, `-000001`), as `Date.prototype.toISOString` writes them.
 * Algorithm: Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", `civil_from_days`.
 */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const yyyy =
    year >= 0 && year <= 9999
      ? String(year).padStart(4, "0")
      : `${year < 0 ? "-" : "+"}${String(Math.abs(year)).padStart(6, "0")}`;
  return `${yyyy}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** INTERVAL: three little-endian unsigned 32-bit counts (parquet-format LogicalTypes.md). */
function intervalJson(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [months, days, milliseconds] = [0, 4, 8].map((at) => view.getUint32(at, true));
  return JSON.stringify({ months, days, milliseconds });
}

/**
 * A map key as text. hyparquet assembles a map as an object, so its keys arrive as property
 * names, `String()` of the physical value: digits for integers, `1,2,3` for bytes. They are
 * read back and written by the key column's own rule, unquoted.
 */
function mapKeyText(key: string, keyNode: SchemaTree, walk: Walk): string {
  if (keyNode.children.length > 0) return key;
  const { element } = keyNode;
  const kind = leafOf(element).kind;
  let raw: unknown = key;
  try {
    if (element.type === "INT32" || element.type === "INT64") raw = BigInt(key);
    else if (element.type === "INT96") raw = new Int96Timestamp(BigInt(key));
    else if (element.type === "FLOAT" || element.type === "DOUBLE") raw = Number(key);
    else if (kind === "binary" || kind === "decimal" || kind === "interval") {
      raw = Uint8Array.from(key === "" ? [] : key.split(",").map(Number));
    }
  } catch {
    return key;
  }
  // A date key's days arrive as digits, but `leafJson` takes them as a number.
  if (kind === "date" && typeof raw === "bigint") raw = Number(raw);
  const text = leafJson(raw, element, keyNode.path, walk);
  return text.startsWith('"') ? (JSON.parse(text) as string) : text;
}
