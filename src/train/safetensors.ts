/**
 * The safetensors container (huggingface/safetensors): an 8-byte little-endian header length, a
 * JSON header `{name: {dtype, shape, data_offsets}, __metadata__?: {string: string}}`, then the
 * raw little-endian tensor bytes. Only float32 is written here; the format is small enough that
 * a dependency would add more than it saves, and Python's `safetensors` package is the judge
 * (test/train/safetensors-python.test.ts).
 */

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Data must start on an 8-byte boundary; the header is padded with spaces (the spec's rule). */
const ALIGNMENT = 8;

export function encodeSafetensors(
  tensors: readonly NamedTensor[],
  metadata: Readonly<Record<string, string>> = {},
): Buffer {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) {
      throw new RangeError(
        `tensor ${t.name}: shape [${t.shape}] needs ${expected} values, got ${t.data.length}`,
      );
    }
    if (t.name in header) throw new RangeError(`tensor ${t.name} appears twice`);
    header[t.name] = {
      dtype: "F32",
      shape: [...t.shape],
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = (ALIGNMENT - ((8 + Buffer.byteLength(json)) % ALIGNMENT)) % ALIGNMENT;
  json += " ".repeat(pad);
  const headerBytes = Buffer.from(json, "utf8");
  const out = Buffer.allocUnsafe(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    // Float32Array is platform-endian; every platform Node supports is little-endian.
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  readonly tensors: ReadonlyMap<string, NamedTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Reads a float32 safetensors buffer; throws a RangeError naming what is malformed. */
export function decodeSafetensors(buffer: Buffer): DecodedSafetensors {
  if (buffer.length < 8) throw new RangeError("shorter than the 8-byte header length");
  const headerLength = Number(buffer.readBigUInt64LE(0));
  if (8 + headerLength > buffer.length) throw new RangeError("header length runs past the end");
  const header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString("utf8")) as Record<
    string,
    unknown
  >;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = value as Record<string, string>;
      continue;
    }
    const entry = value as HeaderEntry;
    if (entry.dtype !== "F32")
      throw new RangeError(`tensor ${name}: dtype ${entry.dtype}, expected F32`);
    const [begin, end] = entry.data_offsets;
    if (dataStart + end > buffer.length) throw new RangeError(`tensor ${name} runs past the end`);
    // Copy: the slice may not be 4-byte aligned within the file buffer.
    const bytes = Uint8Array.prototype.slice.call(buffer, dataStart + begin, dataStart + end);
    tensors.set(name, { name, shape: entry.shape, data: new Float32Array(bytes.buffer) });
  }
  return { tensors, metadata };
}
