/**
 * Dataset repos in the layouts the Hub holds, each with the rows `datasets` must read from it,
 * for the conformance suite (test/data/hf/datasets-conformance.test.ts): the Hub-shaped server
 * serves them, and Python's `datasets` and aios read them side by side. Small on purpose: the
 * suite runs in `npm test`.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { put, textParquet } from "./hub-fixtures.js";
import type { HubRepo } from "./hub-server.js";

/** One read of one split: what to pass to `load_dataset` and to aios, and the rows by construction. */
export interface ConformanceCase {
  readonly id: string;
  /** Keyword arguments of `load_dataset` (besides `streaming`); `path` is the repo id. */
  readonly python: {
    readonly path: string;
    readonly name?: string;
    readonly split: string;
    readonly revision?: string;
    readonly data_dir?: string;
    readonly data_files?: unknown;
  };
  /** The column holding the text in `datasets`' rows. */
  readonly column: string;
  /** Training config keys for aios (besides dataset_backend, hf_name, hf_shuffle). */
  readonly aios: Readonly<Record<string, string | number | boolean>>;
  /** Every row's text as the layout was written (null: a missing value), in order. */
  readonly rows: readonly (string | null)[];
}

export interface ConformanceLayouts {
  readonly repos: Record<string, HubRepo>;
  readonly cases: readonly ConformanceCase[];
}

const WORDS = [
  "it's",
  "alpha",
  "café",
  "beta, gamma",
  "δέλτα",
  'a "quoted" word',
  "x;y",
  "naïve",
  "ok",
];

/** `n` distinct rows of text tagged `tag`, with commas, quotes and non-ASCII letters among them. */
export function textRows(tag: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return `${tag} ${i}: ${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]}`;
  });
}

const jsonl = (rows: readonly (string | null)[]) =>
  `${rows.map((text, id) => JSON.stringify({ id, text })).join("\n")}\n`;

/** A CSV field as pandas reads it back: quoted when it holds the separator, a quote or a line break. */
function csvField(value: string, sep: string, quote = '"'): string {
  return value.includes(sep) || value.includes(quote) || /[\r\n]/.test(value)
    ? `${quote}${value.replaceAll(quote, quote + quote)}${quote}`
    : value;
}

function csv(
  header: readonly string[] | null,
  rows: readonly string[][],
  sep: string,
  quote = '"',
): string {
  const field = (value: string) => csvField(value, sep, quote);
  const lines = header === null ? [] : [header.map(field).join(sep)];
  for (const row of rows) lines.push(row.map(field).join(sep));
  return `${lines.join("\n")}\n`;
}

function card(yaml: readonly string[]): string {
  return ["---", ...yaml, "---", "", "# A test dataset", ""].join("\n");
}

/** Writes every layout under `root`; returns the repos to serve and the cases to read. */
export async function writeConformanceLayouts(root: string): Promise<ConformanceLayouts> {
  const repos: Record<string, HubRepo> = {};
  const cases: ConformanceCase[] = [];
  const dir = (repo: string, revision: string) => join(root, repo.replace("/", "--"), revision);

  // 1. The gap of issue 15: the repo's files hold 1,000 rows (gzip'd JSON Lines), the parquet
  // conversion only a partial split of the first 100.
  {
    const repo = "conformance/partial";
    const rows: (string | null)[] = textRows("partial", 1000).map((t, i) =>
      i % 97 === 5 ? "" : t,
    );
    await put(
      join(dir(repo, "main"), "data", "train-00000-of-00001.jsonl.gz"),
      gzipSync(jsonl(rows)),
    );
    await put(
      join(dir(repo, "parquet"), "default", "partial-train", "0000.parquet"),
      textParquet(rows.slice(0, 100) as string[], 50),
    );
    repos[repo] = { main: dir(repo, "main"), parquet: dir(repo, "parquet") };
    cases.push({
      id: "repo files over a partial conversion (gzip'd JSON Lines)",
      python: { path: repo, name: "default", split: "train" },
      column: "text",
      aios: { hf_config: "default", hf_split: "train" },
      rows,
    });
  }

  // 2. A conversion of an older commit: main's parquet holds other rows than the conversion.
  {
    const repo = "conformance/stale-conversion";
    const now = textRows("main", 300);
    await put(
      join(dir(repo, "main"), "data", "train-00000-of-00001.parquet"),
      textParquet(now, 64),
    );
    await put(
      join(dir(repo, "parquet"), "default", "train", "0000.parquet"),
      textParquet(textRows("old", 250), 64),
    );
    repos[repo] = { main: dir(repo, "main"), parquet: dir(repo, "parquet") };
    cases.push({
      id: "a conversion older than main",
      python: { path: repo, split: "train" },
      column: "text",
      aios: { hf_split: "train" },
      rows: now,
    });
  }

  // 3. Card configs of csv files: a default config with sep and quotechar (and an NA cell),
  // header-less files with column_names.
  {
    const repo = "conformance/csv-configs";
    const main = dir(repo, "main");
    const comma = textRows("comma", 20);
    const semi = [textRows("semi", 30), textRows("semi", 25, 30)];
    semi[0]?.splice(7, 1, "NA");
    const semiTest = textRows("semi-test", 10);
    const headerless = textRows("headerless", 15);
    await put(
      join(main, "comma", "rows.csv"),
      csv(
        ["id", "text"],
        comma.map((t, i) => [String(i), t]),
        ",",
      ),
    );
    for (const [i, rows] of semi.entries()) {
      await put(
        join(main, "semicolon", `train-${i}.csv`),
        csv(
          ["label", "text"],
          rows.map((t, j) => [String(j % 2), t]),
          ";",
          "'",
        ),
      );
    }
    await put(
      join(main, "semicolon", "test.csv"),
      csv(
        ["label", "text"],
        semiTest.map((t) => ["1", t]),
        ";",
        "'",
      ),
    );
    await put(
      join(main, "headerless", "rows.csv"),
      csv(
        null,
        headerless.map((t, i) => [String(i), t]),
        ",",
      ),
    );
    await put(
      join(main, "README.md"),
      card([
        "configs:",
        "- config_name: comma",
        "  data_files: comma/*.csv",
        "- config_name: semicolon",
        "  default: true",
        "  data_files:",
        "  - split: train",
        "    path: semicolon/train-*.csv",
        "  - split: test",
        "    path: semicolon/test.csv",
        '  sep: ";"',
        '  quotechar: "\'"',
        "- config_name: headerless",
        "  data_files: headerless/rows.csv",
        "  column_names: [id, text]",
        "  header: null",
      ]),
    );
    repos[repo] = { main };
    cases.push({
      id: "card: the default: true config, sep, quotechar, two files per split",
      python: { path: repo, split: "train" },
      column: "text",
      aios: { hf_split: "train" },
      rows: (semi.flat() as (string | null)[]).map((t) => (t === "NA" ? null : t)),
    });
    cases.push({
      id: "card: column_names and header: null",
      python: { path: repo, name: "headerless", split: "train" },
      column: "text",
      aios: { hf_config: "headerless", hf_split: "train" },
      rows: headerless,
    });
  }

  // 4. Card: json `field` (one object whose list holds the rows).
  {
    const repo = "conformance/json-field";
    const main = dir(repo, "main");
    const rows = textRows("field", 40);
    await put(
      join(main, "data", "train.json"),
      JSON.stringify({ version: "1.0", data: rows.map((text, n) => ({ n, text })) }, null, 1),
    );
    await put(
      join(main, "README.md"),
      card([
        "configs:",
        "- config_name: default",
        "  data_files: data/train.json",
        "  field: data",
      ]),
    );
    repos[repo] = { main };
    cases.push({
      id: "card: json field",
      python: { path: repo, split: "train" },
      column: "text",
      aios: { hf_split: "train" },
      rows,
    });
  }

  // 5. Card: text sample_by paragraph (CRLF and triple line breaks included), and a config by
  // data_dir whose lines keep their line breaks.
  {
    const repo = "conformance/text-configs";
    const main = dir(repo, "main");
    await put(
      join(main, "prose", "a.txt"),
      "First paragraph,\nits second line.\n\nSecond one.\r\n\r\nThird.\n\n\nFourth, after three breaks.\n",
    );
    await put(join(main, "prose", "b.txt"), "Another file's only paragraph\nwithout a final break");
    const lines = textRows("line", 12);
    await put(join(main, "corpus", "train.txt"), `${lines.slice(0, 8).join("\n")}\n\n`);
    await put(join(main, "corpus", "test.txt"), `${lines.slice(8).join("\r\n")}`);
    await put(
      join(main, "README.md"),
      card([
        "configs:",
        "- config_name: paragraphs",
        "  data_files: prose/*.txt",
        "  sample_by: paragraph",
        "- config_name: lines",
        "  data_dir: corpus",
        "  keep_linebreaks: true",
      ]),
    );
    repos[repo] = { main };
    cases.push({
      id: "card: text sample_by paragraph",
      python: { path: repo, name: "paragraphs", split: "train" },
      column: "text",
      aios: { hf_config: "paragraphs", hf_split: "train" },
      rows: [
        "First paragraph,\nits second line.",
        "Second one.",
        "Third.",
        "\nFourth, after three breaks.\n",
        "Another file's only paragraph\nwithout a final break",
      ],
    });
    cases.push({
      id: "card: data_dir, keep_linebreaks",
      python: { path: repo, name: "lines", split: "test" },
      column: "text",
      aios: { hf_config: "lines", hf_split: "test" },
      rows: lines.slice(8).map((t, i, all) => (i < all.length - 1 ? `${t}\n` : t)),
    });
  }

  // 6. Several files per split in the Hub's naming (no card).
  {
    const repo = "conformance/shards";
    const main = dir(repo, "main");
    const train = [textRows("shard", 40), textRows("shard", 35, 40), textRows("shard", 30, 75)];
    const validation = [textRows("valid", 10), textRows("valid", 12, 10)];
    for (const [i, rows] of train.entries())
      await put(join(main, "data", `train-0000${i}-of-00003.jsonl`), jsonl(rows));
    for (const [i, rows] of validation.entries())
      await put(join(main, "data", `validation-0000${i}-of-00002.jsonl`), jsonl(rows));
    repos[repo] = { main };
    cases.push({
      id: "split files in the Hub's naming, several per split",
      python: { path: repo, split: "validation" },
      column: "text",
      aios: { hf_split: "validation" },
      rows: validation.flat(),
    });
  }

  // 7. Card data_files per split as lists of globs, in their order (b before a).
  {
    const repo = "conformance/split-globs";
    const main = dir(repo, "main");
    const a = textRows("part-a", 20);
    const b0 = textRows("part-b", 15);
    const b1 = textRows("part-b", 15, 15);
    await put(join(main, "part-a", "x-0.jsonl"), jsonl(a));
    await put(join(main, "part-b", "x-0.jsonl"), jsonl(b0));
    await put(join(main, "part-b", "x-1.jsonl"), jsonl(b1));
    await put(join(main, "extra", "test.jsonl"), jsonl(textRows("extra", 5)));
    await put(
      join(main, "README.md"),
      card([
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: [part-b/*.jsonl, part-a/*.jsonl]",
        "  - split: test",
        "    path: extra/test.jsonl",
      ]),
    );
    repos[repo] = { main };
    cases.push({
      id: "card: split globs listed in order",
      python: { path: repo, split: "train" },
      column: "text",
      aios: { hf_split: "train" },
      rows: [...b0, ...b1, ...a],
    });
  }

  // 8. A revision on a branch.
  {
    const repo = "conformance/branch";
    const dev = textRows("dev", 30);
    await put(join(dir(repo, "main"), "data", "train.jsonl"), jsonl(textRows("main", 30)));
    await put(join(dir(repo, "dev"), "data", "train.jsonl"), jsonl(dev));
    await put(join(dir(repo, "dev"), "data", "test.jsonl"), jsonl(textRows("dev-test", 5)));
    repos[repo] = { main: dir(repo, "main"), branches: { dev: dir(repo, "dev") } };
    cases.push({
      id: "a revision on a branch",
      python: { path: repo, split: "train", revision: "dev" },
      column: "text",
      aios: { hf_split: "train", hf_revision: "dev" },
      rows: dev,
    });
  }

  // 9. A script-only repo: its rows exist only in the parquet conversion.
  {
    const repo = "conformance/script";
    const rows = textRows("script", 120);
    await put(join(dir(repo, "main"), "script.py"), "import datasets\n# a loading script\n");
    await put(join(dir(repo, "main"), "README.md"), "# A script dataset\n");
    await put(
      join(dir(repo, "parquet"), "default", "train", "0000.parquet"),
      textParquet(rows, 50),
    );
    repos[repo] = { main: dir(repo, "main"), parquet: dir(repo, "parquet") };
    cases.push({
      id: "a script-only repo with a conversion",
      python: { path: repo, split: "train", revision: "refs/convert/parquet", data_dir: "default" },
      column: "text",
      aios: { hf_split: "train" },
      rows,
    });
  }

  // 10. Split directories of .tsv files (the csv builder with a tab).
  {
    const repo = "conformance/tsv-dirs";
    const main = dir(repo, "main");
    const a = textRows("tsv", 12);
    const b = textRows("tsv", 9, 12);
    await put(
      join(main, "data", "train", "a.tsv"),
      csv(
        ["text", "n"],
        a.map((t, i) => [t, String(i)]),
        "\t",
      ),
    );
    await put(
      join(main, "data", "train", "b.tsv"),
      csv(
        ["text", "n"],
        b.map((t, i) => [t, String(i)]),
        "\t",
      ),
    );
    await put(join(main, "data", "test", "a.tsv"), csv(["text", "n"], [["held out", "0"]], "\t"));
    repos[repo] = { main };
    cases.push({
      id: "split directories of .tsv files",
      python: { path: repo, split: "train" },
      column: "text",
      aios: { hf_split: "train" },
      rows: [...a, ...b],
    });
  }

  // 11. data_files and data_dir given by the user.
  {
    const repo = "conformance/user-files";
    const main = dir(repo, "main");
    const more = [textRows("more", 10), textRows("more", 10, 10)];
    await put(join(main, "data", "train.jsonl"), jsonl(textRows("plain", 10)));
    await put(join(main, "extra", "more-0.jsonl"), jsonl(more[0] ?? []));
    await put(join(main, "extra", "more-1.jsonl"), jsonl(more[1] ?? []));
    repos[repo] = { main };
    cases.push({
      id: "--hf-data-files as data_files",
      python: {
        path: repo,
        split: "train",
        data_files: { train: ["extra/more-1.jsonl", "extra/more-0.jsonl"] },
      },
      column: "text",
      aios: { hf_split: "train", hf_data_files: "train=extra/more-1.jsonl,extra/more-0.jsonl" },
      rows: [...(more[1] ?? []), ...(more[0] ?? [])],
    });
    cases.push({
      id: "--hf-data-dir as data_dir",
      python: { path: repo, split: "train", data_dir: "extra" },
      column: "text",
      aios: { hf_split: "train", hf_data_dir: "extra" },
      rows: more.flat(),
    });
  }
  return { repos, cases };
}
