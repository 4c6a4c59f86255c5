/**
 * Conformance with pyarrow, the reader under Python's `datasets`: pyarrow writes a file of every
 * type a Hub dataset holds, reads its values back, and formats them by the rule of docs/DATA.md
 * ("Parquet rows as JSON") with Python's own integers, decimals and calendar; aios's hf backend
 * must give the same text for every row. Two implementations that share no code agreeing on the
 * values is the point: hyparquet's decoding and `rowJson` against Arrow C++ and Python.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openHfBackend } from "../../../src/data/hf/hf-backend.js";
import { pythonWith } from "../../helpers/python-venv.js";
import { fixtureDir } from "../fixtures.js";

const python = pythonWith("datasets", ["datasets"], "datasets, pyarrow");
if (!python.ok) console.warn(`skipping the pyarrow parquet-types test: ${python.reason}`);

/** Writes `{dir}/{name}/data/train.parquet` per table and prints `{name: [expected text]}`. */
const WRITE_AND_EXPECT = String.raw`
import base64, datetime as dt, decimal as D, json, math, os, sys
import pyarrow as pa, pyarrow.parquet as pq

root = sys.argv[1]
EPOCH = dt.datetime(1970, 1, 1)
DIGITS = {"ms": 3, "us": 6, "ns": 9}
PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}

def js_number(x):
    """ECMAScript Number::toString of a double: Python's repr has the same shortest digits."""
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    sign, digits, exp = D.Decimal(repr(x)).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop(); exp += 1
    k, s = len(digits), "".join(map(str, digits))
    n = exp + k
    if k <= n <= 21: out = s + "0" * (n - k)
    elif 0 < n <= 21: out = s[:n] + "." + s[n:]
    elif -6 < n <= 0: out = "0." + "0" * (-n) + s
    else:
        e = ("+" if n - 1 >= 0 else "-") + str(abs(n - 1))
        out = (s if k == 1 else s[0] + "." + s[1:]) + "e" + e
    return ("-" if sign else "") + out

def clock(count, unit):
    """HH:MM:SS.fff... of a count of units (days dropped), by Python's datetime."""
    per = PER_SECOND[unit]
    whole = dt.timedelta(seconds=count // per)
    return (EPOCH + whole).strftime("%H:%M:%S") + "." + str(count % per).zfill(DIGITS[unit])

def instant(count, unit):
    per = PER_SECOND[unit]
    day = (EPOCH + dt.timedelta(seconds=count // per)).date().isoformat()
    return day + "T" + clock(count, unit)

def exact(value, t, raw=None):
    if value is None: return "null"
    if pa.types.is_dictionary(t): return exact(value, t.value_type)
    if pa.types.is_boolean(t): return "true" if value else "false"
    if pa.types.is_integer(t): return str(value)
    if pa.types.is_floating(t):
        x = float(value)
        if math.isnan(x): return '"NaN"'
        if math.isinf(x): return '"Infinity"' if x > 0 else '"-Infinity"'
        return js_number(x)
    if pa.types.is_decimal(t): return format(value, "f")
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return json.dumps(value, ensure_ascii=False)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return json.dumps(base64.b64encode(value).decode())
    if pa.types.is_date32(t): return json.dumps(value.isoformat())
    if pa.types.is_timestamp(t):
        return json.dumps(instant(raw, t.unit) + ("Z" if t.tz is not None else ""))
    if pa.types.is_time(t): return json.dumps(clock(raw, t.unit))
    if pa.types.is_map(t):
        pairs = []
        for k, v in value:
            key = exact(k, t.key_type)
            key = json.loads(key) if key.startswith('"') else key
            pairs.append(json.dumps(key, ensure_ascii=False) + ":" + exact(v, t.item_type))
        return "{" + ",".join(pairs) + "}"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "[" + ",".join(exact(v, t.value_type) for v in value) + "]"
    if pa.types.is_struct(t):
        return "{" + ",".join(json.dumps(f.name) + ":" + exact(value[f.name], f.type) for f in t) + "}"
    raise TypeError(str(t))

def temporal_raw(column):
    """Timestamps and times as their integer counts: Python's datetime stops at microseconds."""
    t = column.type
    if pa.types.is_timestamp(t) or pa.types.is_time(t):
        return column.cast(pa.int64() if t.bit_width == 64 else pa.int32()).to_pylist()
    return [None] * len(column)

def expected(table):
    lines = []
    columns = [(f, table.column(f.name).combine_chunks()) for f in table.schema]
    values = [(f, c.to_pylist() if not (pa.types.is_timestamp(f.type) or pa.types.is_time(f.type)) else [None] * len(c), temporal_raw(c)) for f, c in columns]
    for i in range(table.num_rows):
        fields = []
        for f, vs, raws in values:
            v = raws[i] if raws[i] is not None else vs[i]
            fields.append(json.dumps(f.name) + ":" + exact(v, f.type, raws[i]))
        lines.append("{" + ",".join(fields) + "}")
    return lines

pretok = pa.table({
    "doc_id": pa.array([1, 2**53 + 1, -2**63], pa.int64()),
    "input_ids": pa.array([[464, 3797], [], None], pa.list_(pa.int64())),
})
types = pa.table({
    "i64": pa.array([2**63 - 1, -2**63, None], pa.int64()),
    "u64": pa.array([2**64 - 1, 0, 5], pa.uint64()),
    "i8": pa.array([-128, 127, None], pa.int8()),
    "u32": pa.array([2**32 - 1, 0, None], pa.uint32()),
    "f32": pa.array([0.1, float("nan"), float("-inf")], pa.float32()),
    "f64": pa.array([0.1, -0.0, 1e21], pa.float64()),
    "f16": pa.array([1.5, None, 65504], pa.float16()),
    "b": pa.array([True, False, None]),
    "s": pa.array(['a"b\n\u00e9\u2028\x01', "", None]),
    "ls": pa.array(["x", None, "z"], pa.large_string()),
    "dict": pa.array(["p", "q", "p"]).dictionary_encode(),
    "bin": pa.array([b"\x00\xff", b"", None], pa.binary()),
    "fbin": pa.array([b"abcd", b"\x00\x00\x00\x00", None], pa.binary(4)),
    "d9": pa.array([D.Decimal("-0.05"), D.Decimal("123.45"), None], pa.decimal128(5, 2)),
    "d38": pa.array([D.Decimal("12345678901234567890123456.789012345678"), D.Decimal("-1.000000000000"), D.Decimal(0)], pa.decimal128(38, 12)),
    "date": pa.array([dt.date(2024, 2, 29), dt.date(1, 1, 1), dt.date(9999, 12, 31)], pa.date32()),
    "ts_s": pa.array([0, 1704164645, None], pa.timestamp("s")),
    "ts_ms": pa.array([1704164645678, None, -1], pa.timestamp("ms")),
    "ts_us_utc": pa.array([1704164645678901, None, -62135596800000000], pa.timestamp("us", tz="UTC")),
    "ts_ns_tz": pa.array([1, -1, 1704164645123456789], pa.timestamp("ns", tz="Europe/Paris")),
    "t_s": pa.array([3723, None, 0], pa.time32("s")),
    "t_ms": pa.array([3723004, None, 86399999], pa.time32("ms")),
    "t_us": pa.array([3723000004, None, 0], pa.time64("us")),
    "t_ns": pa.array([1, 86399999999999, None], pa.time64("ns")),
    "lst": pa.array([[1, None, 2**62], [], None], pa.list_(pa.int64())),
    "llst": pa.array([[[1], [2, 3]], [[]], None], pa.list_(pa.list_(pa.int64()))),
    "big_l": pa.array([[1], None, []], pa.large_list(pa.int16())),
    "st": pa.array([{"a": 1, "b": "x"}, {"a": None, "b": None}, None], pa.struct([("a", pa.int64()), ("b", pa.string())])),
    "mp": pa.array([[("k", 2**53 + 1)], [], None], pa.map_(pa.string(), pa.int64())),
    "mpi": pa.array([[(2**53 + 1, "v")], [(1, None)], None], pa.map_(pa.int64(), pa.string())),
    "lst_st": pa.array([[{"x": [1, 2]}], [None], None], pa.list_(pa.struct([("x", pa.list_(pa.int32()))]))),
    "img": pa.array([{"bytes": b"\x89PNG", "path": "a.png"}, {"bytes": None, "path": None}, None], pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
})
# Spark and older Hive tables store timestamps as INT96 (read back as naive nanoseconds).
int96 = pa.table({"when": pa.array([1704164645123456789, -1, None], pa.timestamp("ns"))})

out = {}
for name, table, options in [
    ("pretok", pretok, {}),
    ("types", types, {}),
    # Format 1.0 has no nanoseconds and no TIME logical types; data page v1, gzip.
    ("types_v1", types.drop_columns(["ts_ns_tz", "t_us", "t_ns"]), {"version": "1.0", "data_page_version": "1.0", "compression": "gzip"}),
    ("int96", int96, {"use_deprecated_int96_timestamps": True}),
]:
    os.makedirs(os.path.join(root, name, "data"))
    path = os.path.join(root, name, "data", "train-00000-of-00001.parquet")
    # Without the stored Arrow schema, pyarrow reads back the parquet types as written (seconds
    # as milliseconds, large types as plain ones), as aios reads them.
    pq.write_table(table, path, row_group_size=2, store_schema=False, **options)
    out[name] = expected(pq.read_table(path))
print(json.dumps(out))
`;

describe.skipIf(!python.ok)("parquet types: aios and pyarrow agree on every value", async () => {
  const { root } = await fixtureDir();
  const written = python.ok
    ? spawnSync(python.python, ["-c", WRITE_AND_EXPECT, root], { encoding: "utf8" })
    : null;
  const expected = (): Record<string, string[]> => {
    if (written?.status !== 0) throw new Error(`pyarrow failed: ${written?.stderr}`);
    return JSON.parse(written.stdout) as Record<string, string[]>;
  };

  const textsOf = async (name: string): Promise<string[]> => {
    const backend = await openHfBackend({
      name: join(root, name),
      config: null,
      split: "train",
      streaming: true,
      cacheDir: null,
      textField: null,
      tokenEnv: "HF_TOKEN",
      warn: (message) => {
        throw new Error(`unexpected warning: ${message}`);
      },
    });
    const texts: string[] = [];
    for await (const text of backend.iterText()) texts.push(text);
    return texts;
  };

  it.each(["pretok", "types", "types_v1", "int96"])("%s", async (name) => {
    const want = expected()[name];
    expect(want?.length).toBeGreaterThan(0);
    expect(await textsOf(name)).toEqual(want);
  });

  it("the pre-tokenized rows read as the issue expects", () => {
    expect(expected().pretok?.[0]).toBe('{"doc_id":1,"input_ids":[464,3797]}');
  });
});
