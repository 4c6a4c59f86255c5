import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DELIMITER_CANDIDATES,
  detectDelimiter,
} from "../../../src/data/formats/detect-delimiter.js";

describe("detectDelimiter", () => {
  it("tells , ; tab and | apart from the header and first rows", () => {
    expect(detectDelimiter("text;label\nthe cat sat on the mat;1\na dog ran;0\n", true)).toBe(";");
    expect(detectDelimiter("text,label\nthe cat, the mat,1\n", true)).toBe(",");
    expect(detectDelimiter("id\ttext\n1\thello, world; hi\n", true)).toBe("\t");
    expect(detectDelimiter("id|text\n1|a, b; c\n", true)).toBe("|");
  });

  it("is not fooled by quoted fields holding other delimiters or line breaks", () => {
    const semicolons = 'id;text\n1;"a, b, c, d"\n2;"x,\ny, z"\n3;"p, q"\n';
    expect(detectDelimiter(semicolons, true)).toBe(";");
    // The header splits on both, the rows only on the comma once quotes are read.
    const commas = 'a,b;c\n1,"x;y;z"\n2,"u;v"\n';
    expect(detectDelimiter(commas, true)).toBe(",");
  });

  it("decides from the header alone, and gives null when nothing splits it", () => {
    expect(detectDelimiter("sentence;label\n", true)).toBe(";");
    expect(detectDelimiter("text\nhello\nworld\n", true)).toBeNull();
    expect(detectDelimiter("", true)).toBeNull();
  });

  it("forgives a quote left open where a sample of the file is cut", () => {
    const head = 'id;text\n1;"one"\n2;"two"\n3;"a long quoted field, cut';
    expect(detectDelimiter(head, false)).toBe(";");
  });

  it("finds the delimiter a CSV writer used, whatever the fields hold (property)", () => {
    const cell = fc.string({
      unit: fc.constantFrom("a", " ", ",", ";", "\t", "|", '"', "\n", "é"),
    });
    const name = fc.stringMatching(/^[a-z_]{1,8}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(...DELIMITER_CANDIDATES),
        fc.integer({ min: 2, max: 4 }).chain((columns) =>
          fc.tuple(
            fc.array(name, { minLength: columns, maxLength: columns }),
            fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), {
              maxLength: 8,
            }),
          ),
        ),
        (delimiter, [header, rows]) => {
          // Quoted as Python's csv module does (QUOTE_MINIMAL).
          const quote = (field: string) =>
            /["\r\n]/.test(field) || field.includes(delimiter)
              ? `"${field.replaceAll('"', '""')}"`
              : field;
          const text = [header, ...rows].map((r) => r.map(quote).join(delimiter)).join("\n");
          expect(detectDelimiter(text, true)).toBe(delimiter);
        },
      ),
    );
  });
});
