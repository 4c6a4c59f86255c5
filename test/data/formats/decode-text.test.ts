import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DatasetTextDecoder, decodeBytes } from "../../../src/data/formats/decode-text.js";
import { linesOf } from "../../../src/data/formats/open-file.js";

const BOM = {
  "UTF-8": [0xef, 0xbb, 0xbf],
  "UTF-16LE": [0xff, 0xfe],
  "UTF-16BE": [0xfe, 0xff],
} as const;

/** `text` in `encoding` with its byte-order mark. */
function encode(text: string, encoding: keyof typeof BOM): Buffer {
  const le = Buffer.from(text, "utf16le");
  const body =
    encoding === "UTF-8" ? Buffer.from(text, "utf8") : encoding === "UTF-16LE" ? le : le.swap16();
  return Buffer.concat([Buffer.from(BOM[encoding]), body]);
}

/** Decodes `bytes` fed in pieces cut at `cuts` (byte offsets). */
function decodeInPieces(
  bytes: Buffer,
  cuts: readonly number[],
): {
  text: string;
  decoder: DatasetTextDecoder;
} {
  const decoder = new DatasetTextDecoder();
  let text = "";
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    text += decoder.decode(bytes.subarray(start, cut));
    start = cut;
  }
  text += decoder.decode(bytes.subarray(start)) + decoder.end();
  return { text, decoder };
}

describe("DatasetTextDecoder", () => {
  it("honours the UTF-8, UTF-16LE and UTF-16BE byte-order marks and drops them", () => {
    for (const encoding of ["UTF-8", "UTF-16LE", "UTF-16BE"] as const) {
      const { text, decoder } = decodeBytes(encode("first line\r\nsecond 😀 é\n", encoding));
      expect(text, encoding).toBe("first line\r\nsecond 😀 é\n");
      expect(decoder.encoding).toBe(encoding);
      expect(decoder.invalid).toBe(false);
    }
  });

  it("reads UTF-16 without a mark when a NUL leads its first bytes (RFC 4627, Python's json)", () => {
    const le = Buffer.from("first line\n", "utf16le");
    expect(decodeBytes(le)).toMatchObject({
      text: "first line\n",
      decoder: { encoding: "UTF-16LE" },
    });
    const be = Buffer.from(le).swap16();
    expect(decodeBytes(be)).toMatchObject({
      text: "first line\n",
      decoder: { encoding: "UTF-16BE" },
    });
    expect(decodeBytes(Buffer.from("a\0\0\0")).decoder.encoding).toBe("UTF-8");
  });

  it("reads bytes without a mark as UTF-8, a literal U+FFFD included, and short files too", () => {
    expect(decodeBytes(Buffer.from("a \uFFFD b")).text).toBe("a \uFFFD b");
    expect(decodeBytes(Buffer.from("a \uFFFD b")).decoder.invalid).toBe(false);
    expect(decodeBytes(Buffer.from("hi")).text).toBe("hi");
    expect(decodeBytes(Buffer.from([0xff, 0xfe])).text).toBe("");
    expect(decodeBytes(Buffer.alloc(0)).decoder.encoding).toBe("UTF-8");
  });

  it("marks bytes that are not valid UTF-8, with the line of the first one", () => {
    const { text, decoder } = decodeBytes(Buffer.from("ok\nstill ok\ncaf\xe9\nok\n\xff", "latin1"));
    expect(decoder.invalid).toBe(true);
    expect(decoder.firstInvalidLine).toBe(3);
    expect(text).toBe("ok\nstill ok\ncaf\uFFFD\nok\n\uFFFD");
  });

  it("marks a UTF-8 character cut short at the end of the file", () => {
    const bytes = Buffer.from("ok\n😀", "utf8").subarray(0, -1);
    const { decoder } = decodeInPieces(bytes, [1, 4]);
    expect(decoder.invalid).toBe(true);
    expect(decoder.firstInvalidLine).toBe(2);
  });

  it("marks lone surrogates and an odd trailing byte in UTF-16", () => {
    const lone = Buffer.concat([
      encode("ok\nx", "UTF-16LE"),
      Buffer.from([0x3d, 0xd8, 0x41, 0x00]),
    ]);
    const decoded = decodeBytes(lone);
    expect(decoded.text).toBe("ok\nx\uFFFDA");
    expect(decoded.decoder.firstInvalidLine).toBe(2);
    const odd = Buffer.concat([encode("ab\ncd\nef", "UTF-16BE"), Buffer.from([0x00])]);
    expect(decodeBytes(odd).decoder.firstInvalidLine).toBe(3);
    expect(decodeBytes(odd).text).toBe("ab\ncd\nef\uFFFD");
  });

  it("gives the same text however the bytes are cut into chunks (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.constantFrom("UTF-8", "UTF-16LE", "UTF-16BE" as const),
        fc.array(fc.nat(), { maxLength: 6 }),
        (text, encoding, rawCuts) => {
          const bytes = encode(text, encoding as keyof typeof BOM);
          const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
          const decoded = decodeInPieces(bytes, cuts);
          expect(decoded.text).toBe(text);
          const { decoder } = decoded;
          expect(decoder.invalid).toBe(false);
        },
      ),
    );
  });

  it("marks invalid UTF-8 however the bytes are cut into chunks (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(0x80, 0xc0, 0xe9, 0xf5, 0xff),
        fc.string({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (before, bad, after, rawCuts) => {
          const bytes = Buffer.concat([
            Buffer.from(before),
            Buffer.from([bad]),
            Buffer.from(after),
          ]);
          const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
          const { decoder } = decodeInPieces(bytes, cuts);
          expect(decoder.invalid).toBe(true);
          expect(decoder.firstInvalidLine).toBe(before.split("\n").length);
        },
      ),
    );
  });

  it("decodes line by line exactly the lines and invalid bytes of decode + linesOf (property)", async () => {
    // Lines of letters, non-ASCII and emoji, ended by \n, \r\n or a lone \r, with bytes that
    // are not UTF-8 among them; in every encoding, with and without a mark; cut anywhere.
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 8 }),
      fc.constantFrom("\n", "\r\n", "\r", "\n\n", " é😀", "\uFFFD"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 12 }),
        fc.constantFrom("UTF-8", "UTF-16LE", "UTF-16BE", "plain UTF-8"),
        fc.array(fc.constantFrom(0x80, 0xc3, 0xe9, 0xff), { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (pieces, encoding, bad, rawCuts) => {
          let bytes =
            encoding === "plain UTF-8"
              ? Buffer.from(pieces.join(""))
              : encode(pieces.join(""), encoding as keyof typeof BOM);
          if (encoding.includes("UTF-8") && bad.length > 0) {
            const at = (rawCuts[0] ?? 0) % (bytes.length + 1);
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
          }
          const cuts = [...new Set(rawCuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks = [...cuts, bytes.length].map((cut, i) =>
            bytes.subarray(i === 0 ? 0 : (cuts[i - 1] as number), cut),
          );
          const byText = new DatasetTextDecoder();
          async function* texts(): AsyncGenerator<string> {
            for (const chunk of chunks) yield byText.decode(chunk);
            yield byText.end();
          }
          const expected: string[] = [];
          for await (const line of linesOf(texts())) expected.push(line.text);
          const byLine = new DatasetTextDecoder();
          const lines: string[] = [];
          for (const chunk of chunks) byLine.decodeLines(chunk, lines);
          byLine.endLines(lines);
          expect(lines).toEqual(expected);
          expect(byLine.encoding).toBe(byText.encoding);
          expect(byLine.invalid).toBe(byText.invalid);
          expect(byLine.firstInvalidLine).toBe(byText.firstInvalidLine);
        },
      ),
      { seed: 23, numRuns: 2_000 },
    );
  });
});
