import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { openCustomBackend } from "../../../src/data/custom/custom-backend.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root, write } = await fixtureDir();

/** All samples of one pass, in file order. */
async function samplesOf(path: string, textColumn: string | null = null): Promise<string[]> {
  const backend = await openCustomBackend({ path, textColumn });
  return collect(backend.iterText());
}

async function errorOf(run: () => Promise<unknown>): Promise<AiosError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AiosError);
  return error as AiosError;
}

describe("custom backend: formats", () => {
  it("reads a .txt file as one sample per non-empty line (CRLF, BOM, blank lines)", async () => {
    const path = await write(
      "plain.txt",
      "\uFEFFfirst line\r\n\r\n  \nsecond line\nthird, no newline",
    );
    expect(await samplesOf(path)).toEqual(["first line", "second line", "third, no newline"]);
  });

  it("reads a directory recursively, sorted by path, mixing formats and skipping others", async () => {
    await write("dir/b.txt", "b1\nb2\n");
    await write("dir/a/z.md", "# heading\n");
    await write("dir/a/y.jsonl", '{"text":"y1"}\n');
    await write("dir/c/data.csv", "id,text\n1,c1\n");
    await write("dir/c/rows.json", '["j1", {"content": "j2"}]');
    await write("dir/d.txt.gz", "gz1\n");
    await write("dir/ignored.bin", "not data\n");
    await write("dir/.hidden/secret.txt", "hidden\n");
    const backend = await openCustomBackend({ path: `${root}/dir` });
    expect(backend.files.map((f) => f.path.slice(root.length + 5))).toEqual([
      "a/y.jsonl",
      "a/z.md",
      "b.txt",
      "c/data.csv",
      "c/rows.json",
      "d.txt.gz",
    ]);
    expect(await collect(backend.iterText())).toEqual([
      "y1",
      "# heading",
      "b1",
      "b2",
      "c1",
      "j1",
      "j2",
      "gz1",
    ]);
  });

  it("picks a CSV text column by name, case-insensitively, with quoted newlines", async () => {
    const path = await write(
      "named.csv",
      'id,Content,label\n1,"hello, world",x\n2,"two\nlines",y\n',
    );
    expect(await samplesOf(path)).toEqual(["hello, world", "two\nlines"]);
  });

  it("guesses a CSV text column from its values when no name matches", async () => {
    const path = await write(
      "guess.csv",
      "id,score,review\n1,0.5,great film\n2,0.1,dull\n3,0.9,42\n",
    );
    expect(await samplesOf(path)).toEqual(["great film", "dull", "42"]);
  });

  it("uses --text-column for CSV", async () => {
    const path = await write(
      "column.csv",
      "text,summary\nlong one,short one\nlong two,short two\n",
    );
    expect(await samplesOf(path, "summary")).toEqual(["short one", "short two"]);
  });

  it("names the columns when --text-column is not one of them", async () => {
    const path = await write("nocol.csv", "id,body\n1,x\n");
    const error = await errorOf(() => samplesOf(path, "txt"));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain('--text-column "txt"');
    expect(error.message).toContain(path);
    expect(error.message).toContain('"id", "body"');
  });

  it("counts CSV rows missing the text column as bad rows", async () => {
    const path = await write("short.csv", "id,text\n1,ok\n2\n3,fine\n");
    const backend = await openCustomBackend({ path });
    expect(await collect(backend.iterText())).toEqual(["ok", "fine"]);
    expect(backend.stats().badRows).toEqual({ "missing column": 1 });
  });

  it("keeps stray quotes as text, counts records the CSV parser rejects, and fails when no record has the column", async () => {
    const path = await write(
      "quote.csv",
      'id,text\n1,fine\n2,he said "hi"\n3,"x""y"\n4,"never closed\n5,lost in the quote\n',
    );
    const backend = await openCustomBackend({ path });
    // A stray quote is text; an unclosed quote swallows the rest of the file into one bad record.
    expect(await collect(backend.iterText())).toEqual(["fine", 'he said "hi"', 'x"y']);
    expect(backend.stats().badRows).toEqual({ "malformed CSV record": 1 });
    const ragged = await write("ragged.csv", "id,x,text\n1\n2,y\n");
    const error = await errorOf(() => samplesOf(ragged));
    expect(error.code).toBe("DATASET_BAD_ROWS");
    expect(error.message).toContain(`${ragged} line 2: missing column`);
  });

  it("reads .jsonl: text, else content, else the row's JSON, or --text-column", async () => {
    const path = await write(
      "rows.jsonl",
      ['{"text":"t","content":"c"}', '{"content":"c2"}', '{"title":"x","n":1}', '"bare"', ""].join(
        "\n",
      ),
    );
    expect(await samplesOf(path)).toEqual(["t", "c2", '{"title":"x","n":1}', "bare"]);
    const titled = await write("titled.jsonl", '{"title":"a","text":"b"}\n{"title":"c"}\n');
    const backend = await openCustomBackend({ path: titled, textColumn: "title" });
    expect(await collect(backend.iterText())).toEqual(["a", "c"]);
  });

  it("reads a .json array of objects or strings", async () => {
    const path = await write(
      "array.json",
      JSON.stringify([{ text: "one" }, "two", { content: "three" }]),
    );
    expect(await samplesOf(path)).toEqual(["one", "two", "three"]);
  });

  it("decompresses gzip variants on the fly", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} é`);
    expect(await samplesOf(await write("big.txt.gz", lines.join("\n")))).toEqual(lines);
    expect(await samplesOf(await write("g.jsonl.gz", '{"text":"a"}\n{"text":"b"}\n'))).toEqual([
      "a",
      "b",
    ]);
    expect(await samplesOf(await write("g.csv.gz", "text\nx\ny\n"))).toEqual(["x", "y"]);
    expect(await samplesOf(await write("g.json.gz", '["p","q"]'))).toEqual(["p", "q"]);
  });
});

describe("custom backend: bad rows and errors", () => {
  it("counts bad rows by reason, reports them, and goes on", async () => {
    const path = await write(
      "mixed.jsonl",
      ['{"text":"good"}', "{broken", '{"text": 5}', '{"text":""}', '{"text":"also good"}'].join(
        "\n",
      ),
    );
    const warnings: string[] = [];
    const backend = await openCustomBackend({ path, warn: (m) => warnings.push(m) });
    expect(await collect(backend.iterText())).toEqual(["good", "also good"]);
    expect(backend.stats()).toEqual({
      samples: 2,
      badRows: { "malformed JSON": 1, "non-string value": 1 },
      skipped: { "empty text": 1 },
      repaired: {},
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${path} line 2: malformed JSON`);
  });

  it("fails with DATASET_BAD_ROWS naming the file, first bad line and reason when every row is bad", async () => {
    const path = await write("allbad.jsonl", '\n{"a":\n{nope\n');
    const error = await errorOf(() => samplesOf(path));
    expect(error.code).toBe("DATASET_BAD_ROWS");
    expect(error.message).toContain(path);
    expect(error.message).toContain("line 2: malformed JSON");
    expect(error.hint).toBeDefined();
  });

  it("fails with DATASET_BAD_ROWS when every row is bad in shuffled mode too", async () => {
    const path = await write("allbad.json", "[1, 2");
    const backend = await openCustomBackend({ path, shuffle: true });
    const error = await errorOf(() => collect(backend.iterText()));
    expect(error.code).toBe("DATASET_BAD_ROWS");
    expect(error.message).toContain("malformed JSON");
  });

  it("fails with DATASET_NOT_FOUND naming the path, and suggests a near name", async () => {
    await write("nf/train_data.txt", "x\n");
    const missing = `${root}/nf/train-data.txt`;
    const error = await errorOf(() => openCustomBackend({ path: missing }));
    expect(error.code).toBe("DATASET_NOT_FOUND");
    expect(error.message).toContain(missing);
    expect(error.hint).toContain("train_data.txt");
    const nowhere = await errorOf(() => openCustomBackend({ path: `${root}/no/such/dir/x.txt` }));
    expect(nowhere.code).toBe("DATASET_NOT_FOUND");
  });

  it("fails with DATASET_EMPTY for an empty file, a blank file and a directory without data", async () => {
    for (const path of [await write("empty.txt", ""), await write("blank.txt", "\n \n\n")]) {
      const error = await errorOf(() => samplesOf(path));
      expect(error.code).toBe("DATASET_EMPTY");
      expect(error.message).toContain(path);
    }
    const headerOnly = await write("header-only.csv", "id,score\n");
    expect((await errorOf(() => samplesOf(headerOnly))).code).toBe("DATASET_EMPTY");
    await write("nodata/readme.pdf", "x");
    expect((await errorOf(() => openCustomBackend({ path: `${root}/nodata` }))).code).toBe(
      "DATASET_EMPTY",
    );
  });

  it("rejects a file with an unsupported extension by name", async () => {
    const path = await write("weights.bin", "x");
    const error = await errorOf(() => openCustomBackend({ path }));
    expect(error.message).toContain(path);
    expect(error.hint).toContain(".jsonl");
  });
});

describe("custom backend: what the row readers decide, reported once", () => {
  it("reads a .json of JSON Lines inside a directory, not as one bad row", async () => {
    const lines = '{"text": "first sample"}\n{"text": "second sample"}\n{"text": "third sample"}\n';
    await write("mix/a.json", lines);
    await write("mix/b.txt", "other one\nother two\n");
    const warnings: string[] = [];
    const backend = await openCustomBackend({ path: `${root}/mix`, warn: (m) => warnings.push(m) });
    expect(await collect(backend.iterText())).toEqual([
      "first sample",
      "second sample",
      "third sample",
      "other one",
      "other two",
    ]);
    expect(backend.stats().badRows).toEqual({});
    expect(warnings).toEqual([]);
  });

  it("says each guess once per run, however many files and epochs make it", async () => {
    const csv =
      'sentiment,review\npositive,"I loved the pacing, the score"\nnegative,"Two hours lost"\n';
    await write("guesses/a.csv", csv);
    await write("guesses/b.csv", csv);
    await write("guesses/c.csv", "text;label\nsemicolons here;1\n");
    const notices: string[] = [];
    for (const shuffle of [false, true]) {
      notices.length = 0;
      const backend = await openCustomBackend({
        path: `${root}/guesses`,
        shuffle,
        notice: (m) => notices.push(m),
      });
      expect(await collect(backend.iterText({ loop: true }), 15)).toHaveLength(15);
      expect(notices, `shuffle ${shuffle}`).toEqual([
        expect.stringMatching(/a\.csv: training on column "review"/),
        expect.stringMatching(/c\.csv: fields are separated by ";"/),
      ]);
    }
  });

  it("counts rows of invalid UTF-8 in the stats and the summary, dropped or repaired", async () => {
    const path = join(root, "latin1.txt");
    await writeFile(path, Buffer.from("good\ncafé\nnaïve\nfine\n", "latin1"));
    for (const encodingErrors of ["skip", "replace"] as const) {
      const warnings: string[] = [];
      const backend = await openCustomBackend({
        path,
        encodingErrors,
        warn: (m) => warnings.push(m),
      });
      const texts = await collect(backend.iterText());
      if (encodingErrors === "skip") {
        expect(texts).toEqual(["good", "fine"]);
        expect(backend.stats().badRows).toEqual({ "invalid UTF-8": 2 });
        expect(warnings).toEqual([
          expect.stringMatching(
            /skipped 2 bad rows \(invalid UTF-8: 2\); first at .*latin1\.txt line 2/,
          ),
        ]);
      } else {
        expect(texts).toEqual(["good", "caf\uFFFD", "na\uFFFDve", "fine"]);
        expect(backend.stats().repaired).toEqual({ "invalid UTF-8": 2 });
        expect(warnings).toEqual([
          expect.stringMatching(/kept 2 rows with U\+FFFD .*latin1\.txt line 2/),
        ]);
      }
    }
  });

  it("reports what it counted when the reader stops early (a preview)", async () => {
    const path = join(root, "early.txt");
    await writeFile(path, Buffer.from("one\ncafé\ntwo\nthree\nfour\n", "latin1"));
    const warnings: string[] = [];
    const backend = await openCustomBackend({ path, warn: (m) => warnings.push(m) });
    expect(await collect(backend.iterText(), 2)).toEqual(["one", "two"]);
    expect(warnings).toEqual([expect.stringContaining("early.txt line 2: invalid UTF-8")]);
  });

  it("refuses invalid UTF-8 under strict, naming the file and line", async () => {
    const path = join(root, "strict.txt");
    await writeFile(path, Buffer.from("one\ntwo\ncafé\n", "latin1"));
    const backend = await openCustomBackend({ path, encodingErrors: "strict" });
    const error = await errorOf(() => collect(backend.iterText()));
    expect(error.code).toBe("DATASET_ENCODING");
    expect(error.message).toBe(`${path} line 3 holds bytes that are not valid UTF-8`);
  });
});

describe("custom backend: order, epochs and positions", () => {
  const lines = Array.from({ length: 50 }, (_, i) => `sample ${i}`);

  it("shuffles deterministically: same seed same order, other seed other order, each sample once", async () => {
    const path = await write("fifty.txt", lines.join("\n"));
    const order = async (seed: number) =>
      collect((await openCustomBackend({ path, shuffle: true, seed })).iterText());
    const first = await order(7);
    expect(await order(7)).toEqual(first);
    expect(await order(8)).not.toEqual(first);
    expect(first).not.toEqual(lines);
    expect([...first].sort()).toEqual([...lines].sort());
  });

  it("loops into new epochs, reshuffled, each a permutation of the data", async () => {
    const path = await write("fifty2.txt", lines.join("\n"));
    const backend = await openCustomBackend({ path, shuffle: true, seed: 3 });
    const three = await collect(backend.iterText({ loop: true }), 150);
    const epochs = [three.slice(0, 50), three.slice(50, 100), three.slice(100)];
    for (const epoch of epochs) expect([...epoch].sort()).toEqual([...lines].sort());
    expect(epochs[1]).not.toEqual(epochs[0]);
    expect(backend.position()).toEqual({ epoch: 2, window: 0, index: 50 });
  });

  it.each([false, true])(
    "resumes at exactly the next sample (shuffle %s), across epochs",
    async (shuffle) => {
      const path = await write(`resume-${shuffle}.txt`, lines.slice(0, 7).join("\n"));
      const backend = await openCustomBackend({ path, shuffle, seed: 1 });
      const whole = await collect(backend.iterText({ loop: true }), 30);
      for (const k of [1, 6, 7, 8, 19]) {
        const first = await collect(backend.iterText({ loop: true }), k);
        const position = JSON.parse(JSON.stringify(backend.position()));
        const rest = await collect(backend.iterText({ from: position, loop: true }), 30 - k);
        expect([...first, ...rest]).toEqual(whole);
      }
    },
  );

  it("ends at the end of the data without loop, and from the end position yields nothing", async () => {
    const path = await write("three.txt", "a\nb\nc\n");
    const backend = await openCustomBackend({ path });
    expect(await collect(backend.iterText())).toEqual(["a", "b", "c"]);
    expect(backend.position()).toEqual({ epoch: 0, index: 3 });
    expect(await collect(backend.iterText({ from: backend.position() }))).toEqual([]);
    expect(
      await collect(backend.iterText({ from: { epoch: 0, index: 3 }, loop: true }), 2),
    ).toEqual(["a", "b"]);
  });

  it("rejects a position that is not its own", async () => {
    const backend = await openCustomBackend({ path: await write("four.txt", "a\n") });
    expect(() => backend.iterText({ from: { shard: "x" } })).toThrow(AiosError);
  });
});
