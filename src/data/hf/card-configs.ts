/**
 * A dataset card's `configs:` as `datasets` 5.0 reads them (`utils/metadata.py`
 * `MetadataConfigs`, `load.create_builder_configs_from_metadata_configs`): one entry per config
 * with its `data_files` / `data_dir` and the packaged builder's parameters, and the default
 * config chosen as `MetadataConfigs.get_default_config_name` chooses it.
 */
import { parse as parseYaml } from "yaml";
import { AiosError } from "../../core/errors.js";
import type { ReadableModule } from "./builder-module.js";

/** One config of a card, as written: `data_files`, `data_dir`, `default` and builder parameters. */
export interface CardConfig {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** The parts of a card `datasets` reads to build configs. */
export interface CardData {
  /** `configs:` in order (empty when the card has none). */
  readonly configs: readonly CardConfig[];
  /** Config names of `dataset_info:` entries (their `config_name`, else "default"). */
  readonly infoConfigs: readonly string[];
}

/**
 * The YAML front matter of a README (`---` on the first line and again on a later line, as
 * `_split_yaml_from_readme` wants it), merged with `.huggingface.yaml` (whose keys win), read
 * as PyYAML reads it (YAML 1.1, a repeated key keeps its last value). Null when neither holds
 * a mapping. `where` names the card (its path or URL) in errors.
 *
 * @throws AiosError `DATASET_CARD` for front matter that is not YAML: `datasets` refuses such a
 *   card too, and guessing the configs without it could read the wrong files.
 */
export function cardMetadata(
  readme: string | null,
  standalone: string | null = null,
  where = "README.md",
): Record<string, unknown> | null {
  let data: Record<string, unknown> | null = null;
  const lines = readme?.split(/\r\n|\r|\n/) ?? [];
  const end = lines.indexOf("---", 1);
  if (lines[0] === "---" && end > 0)
    data = asMapping(
      readYaml(
        lines.slice(1, end).join("\n"),
        `the dataset card ${where} has front matter that is not YAML`,
      ),
    );
  const extra =
    standalone === null
      ? null
      : asMapping(readYaml(standalone, `the .huggingface.yaml beside ${where} is not YAML`));
  if (extra !== null) data = { ...(data ?? {}), ...extra };
  return data;
}

function readYaml(text: string, failure: string): unknown {
  try {
    return parseYaml(text, { version: "1.1", uniqueKeys: false });
  } catch (error) {
    // The yaml package adds a code frame on further lines: the first one says what and where.
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new AiosError("DATASET_CARD", `${failure}: ${message}`, {
      hint: "fix the YAML between the --- lines of the card (its configs: name the data files)",
    });
  }
}

function asMapping(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * `MetadataConfigs.from_dataset_card_data` with its checks: `configs` must be a list of
 * mappings, each with a `config_name`.
 * @throws AiosError `DATASET_CARD` where `datasets` raises ValueError.
 */
export function cardData(metadata: Record<string, unknown> | null): CardData {
  const raw = metadata?.configs;
  const configs: CardConfig[] = [];
  if (raw !== undefined && raw !== null && raw !== false && raw !== "") {
    if (!Array.isArray(raw)) throw cardError(`configs is not a list: ${JSON.stringify(raw)}`);
    for (const entry of raw) {
      const map = asMapping(entry);
      if (map === null || !("config_name" in map)) {
        throw cardError(`each config needs a config_name, but one is ${JSON.stringify(entry)}`);
      }
      const { config_name: name, ...params } = map;
      configs.push({ name: String(name), params });
    }
  }
  const info = metadata?.dataset_info;
  const infos = Array.isArray(info) ? info : info === undefined || info === null ? [] : [info];
  const infoConfigs = infos.map((entry) => {
    const name = asMapping(entry)?.config_name;
    return typeof name === "string" ? name : "default";
  });
  return { configs, infoConfigs: [...new Set(infoConfigs)] };
}

/**
 * `get_default_config_name`: the only config, else the one named `default` or marked
 * `default: true`; with none of those, the only `dataset_info` entry's config. Null when
 * nothing says.
 * @throws AiosError `DATASET_CARD` when several configs claim to be the default.
 */
export function defaultConfigName(card: CardData): string | null {
  let chosen: string | null = null;
  for (const config of card.configs) {
    if (card.configs.length === 1 || config.name === "default" || truthy(config.params.default)) {
      if (chosen !== null) {
        throw cardError(`it has several default configs: "${chosen}" and "${config.name}"`);
      }
      chosen = config.name;
    }
  }
  if (chosen === null && card.infoConfigs.length === 1) chosen = card.infoConfigs[0] ?? null;
  return chosen;
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== "";
}

function cardError(problem: string): AiosError {
  return new AiosError(
    "DATASET_CARD",
    `the dataset card's configs cannot be followed: ${problem}`,
    {
      hint: "datasets refuses this card too; fix the configs: YAML of the dataset's README.md (see huggingface.co/docs/hub/datasets-manual-configuration)",
    },
  );
}

/**
 * How the packaged builders turn files into rows, as far as aios applies it. Defaults are
 * `datasets`' own: csv `sep=","`, `quotechar='"'`, `header="infer"`; text `sample_by="line"`
 * without line breaks.
 */
export interface ReadParams {
  /** csv: field separator (`sep`, or `delimiter`, which wins); null where none is set. */
  readonly sep: string | null;
  readonly quotechar: string;
  /** csv: row of the header, `null` for none, `"infer"`: row 0 unless `names` are given. */
  readonly header: number | null | "infer";
  /** csv: `column_names` (or pandas' `names`). */
  readonly names: readonly string[] | null;
  /** csv: values read as missing (pandas' `na_values` and defaults); empty to keep all. */
  readonly naValues: readonly string[];
  /** json: the key of a single object whose list holds the rows. */
  readonly field: string | null;
  readonly sampleBy: "line" | "paragraph" | "document";
  readonly keepLinebreaks: boolean;
  /** parquet: the columns read (the others do not exist for the row). */
  readonly columns: readonly string[] | null;
}

/** pandas' `STR_NA_VALUES`: cells `pd.read_csv` reads as missing unless told otherwise. */
const PANDAS_NA_VALUES = [
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
];

export const DEFAULT_READ_PARAMS: ReadParams = {
  sep: null,
  quotechar: '"',
  header: "infer",
  names: null,
  naValues: PANDAS_NA_VALUES,
  field: null,
  sampleBy: "line",
  keepLinebreaks: false,
  columns: null,
};

/** Parameters each builder's config class has that aios applies. */
const APPLIED: Readonly<Record<ReadableModule, readonly string[]>> = {
  csv: [
    "sep",
    "delimiter",
    "quotechar",
    "header",
    "names",
    "column_names",
    "na_values",
    "keep_default_na",
    "na_filter",
  ],
  json: ["field"],
  text: ["sample_by", "keep_linebreaks"],
  parquet: ["columns"],
};

/**
 * Parameters of a builder that change which rows or which text come out, which aios does not
 * apply: a config that sets one is refused rather than read differently from `datasets`.
 */
const REFUSED: Readonly<Record<ReadableModule, readonly string[]>> = {
  csv: [
    "skiprows",
    "nrows",
    "comment",
    "skipinitialspace",
    "usecols",
    "escapechar",
    "lineterminator",
    "dialect",
    "skipfooter",
    "doublequote",
    "quoting",
    "skip_blank_lines",
    "encoding",
  ],
  json: ["encoding"],
  text: ["encoding"],
  parquet: ["filters"],
};

/** The value each refused parameter may keep (its default, or an equivalent). */
const HARMLESS: Readonly<Record<string, (value: unknown) => boolean>> = {
  doublequote: (v) => v === true,
  quoting: (v) => v === 0,
  skip_blank_lines: (v) => v === true,
  skipinitialspace: (v) => v === false,
  encoding: (v) => v === null || (typeof v === "string" && /^utf[-_]?8$/i.test(v)),
  skiprows: (v) => v === null || v === 0,
  skipfooter: (v) => v === 0,
};

/**
 * The read parameters of a config: `datasets`' defaults, then `defaults` (what the extension
 * implies, `.tsv` → tab), then the card's values. Each builder's parameters apply to its own
 * files (`sep` to csv files, `field` to json files, ...); anything else is ignored, as
 * `datasets` ignores parameters its builder does not have.
 *
 * @param modules the builders whose files the split holds: their refused parameters are checked.
 * @param where names the config in errors.
 * @throws AiosError `DATASET_CARD` for a value of the wrong type, or for a parameter that would
 *   change the rows and that aios does not apply.
 */
export function readParams(
  params: Readonly<Record<string, unknown>>,
  modules: ReadonlySet<ReadableModule>,
  defaults: { readonly sep?: string },
  where: string,
): ReadParams {
  const bad = (key: string, want: string) =>
    new AiosError(
      "DATASET_CARD",
      `${where} sets ${key} to ${JSON.stringify(params[key])}; it must be ${want}`,
      { hint: "fix the config in the dataset card's YAML" },
    );
  for (const module of modules) {
    for (const key of REFUSED[module]) {
      if (!(key in params) || HARMLESS[key]?.(params[key]) === true) continue;
      throw new AiosError(
        "DATASET_CARD",
        `${where} sets the ${module} builder's ${key} (${JSON.stringify(params[key])}), which changes the rows datasets reads and which aios does not apply`,
        {
          hint: `aios applies ${APPLIED[module].join(", ")} to ${module} files; choose files that need no ${key} with --hf-data-files`,
        },
      );
    }
  }
  const char = (key: string): string | undefined => {
    const value = params[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || [...value].length !== 1) throw bad(key, "one character");
    return value;
  };
  const strings = (key: string): string[] | undefined => {
    const value = params[key];
    if (value === undefined || value === null) return undefined;
    if (
      !Array.isArray(value) ||
      !value.every((v) => typeof v === "string" || typeof v === "number")
    )
      throw bad(key, "a list of names");
    return value.map(String);
  };
  const header = params.header;
  if (
    header !== undefined &&
    header !== "infer" &&
    header !== null &&
    !(typeof header === "number" && Number.isInteger(header) && header >= 0)
  ) {
    throw bad("header", '"infer", a row number, or null');
  }
  const extra = params.na_values;
  const extraValues =
    extra === undefined || extra === null
      ? []
      : Array.isArray(extra)
        ? extra.map(String)
        : [String(extra)];
  const keepDefault = params.keep_default_na !== false;
  const field = params.field;
  if (field !== undefined && field !== null && typeof field !== "string")
    throw bad("field", "a key name");
  const sampleBy = params.sample_by ?? "line";
  if (sampleBy !== "line" && sampleBy !== "paragraph" && sampleBy !== "document")
    throw bad("sample_by", "line, paragraph or document");
  const keep = params.keep_linebreaks ?? false;
  if (typeof keep !== "boolean") throw bad("keep_linebreaks", "true or false");
  return {
    sep: char("delimiter") ?? char("sep") ?? defaults.sep ?? null,
    quotechar: char("quotechar") ?? DEFAULT_READ_PARAMS.quotechar,
    header: header === undefined ? "infer" : (header as number | null | "infer"),
    names: strings("column_names") ?? strings("names") ?? null,
    naValues:
      params.na_filter === false ? [] : [...(keepDefault ? PANDAS_NA_VALUES : []), ...extraValues],
    field: typeof field === "string" ? field : null,
    sampleBy,
    keepLinebreaks: keep,
    columns: strings("columns") ?? null,
  };
}
