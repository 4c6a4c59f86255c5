/**
 * Which of `datasets`' packaged builders (its "module") reads a split, from its files'
 * extensions, as `load.infer_module_for_data_files_list` decides it, and which files count as
 * data at all (`packaged_modules._ALL_ALLOWED_EXTENSIONS`). The tables are copied from
 * `datasets` 5.0's `packaged_modules/__init__.py` and its folder builders.
 */
import { basename } from "./hub-glob.js";

/** The builders the hf backend reads; any other module's files are not read. */
export type ReadableModule = "parquet" | "json" | "csv" | "text";

export interface InferredModule {
  readonly module: string;
  /** Builder arguments the extension implies: `.tsv` is the csv builder with `sep="\t"`. */
  readonly kwargs: { readonly sep?: string };
}

const IMAGE = [
  ".blp",
  ".bmp",
  ".dib",
  ".bufr",
  ".cur",
  ".pcx",
  ".dcx",
  ".dds",
  ".ps",
  ".eps",
  ".fit",
  ".fits",
  ".fli",
  ".flc",
  ".ftc",
  ".ftu",
  ".gbr",
  ".gif",
  ".grib",
  ".png",
  ".apng",
  ".jp2",
  ".j2k",
  ".jpc",
  ".jpf",
  ".jpx",
  ".j2c",
  ".icns",
  ".ico",
  ".im",
  ".iim",
  ".tif",
  ".tiff",
  ".jfif",
  ".jpe",
  ".jpg",
  ".jpeg",
  ".mpg",
  ".mpeg",
  ".msp",
  ".pcd",
  ".pxr",
  ".pbm",
  ".pgm",
  ".ppm",
  ".pnm",
  ".psd",
  ".bw",
  ".rgb",
  ".rgba",
  ".sgi",
  ".ras",
  ".tga",
  ".icb",
  ".vda",
  ".vst",
  ".webp",
  ".wmf",
  ".emf",
  ".xbm",
  ".xpm",
];
const AUDIO = [
  ".aiff",
  ".au",
  ".avr",
  ".caf",
  ".flac",
  ".htk",
  ".svx",
  ".mat4",
  ".mat5",
  ".mpc2k",
  ".ogg",
  ".paf",
  ".pvf",
  ".raw",
  ".rf64",
  ".sd2",
  ".sds",
  ".ircam",
  ".voc",
  ".w64",
  ".wav",
  ".nist",
  ".wavex",
  ".wve",
  ".xi",
  ".mp3",
  ".opus",
  ".3gp",
  ".3g2",
  ".avi",
  ".asf",
  ".flv",
  ".mp4",
  ".mov",
  ".m4v",
  ".mkv",
  ".mpg",
  ".webm",
  ".f4v",
  ".wmv",
  ".wma",
  ".ogm",
  ".mxf",
  ".nut",
];
const VIDEO = [".mkv", ".mp4", ".avi", ".mpeg", ".mov"];
const MESH = [".glb", ".ply", ".stl"];

/** `_EXTENSION_TO_MODULE`, built in the same order (a later folder builder wins an extension). */
const EXTENSION_TO_MODULE = new Map<string, InferredModule>();
for (const [ext, module, kwargs] of [
  [".csv", "csv", {}],
  [".tsv", "csv", { sep: "\t" }],
  [".json", "json", {}],
  [".jsonl", "json", {}],
  [".ndjson", "json", {}],
  [".parquet", "parquet", {}],
  [".geoparquet", "parquet", {}],
  [".gpq", "parquet", {}],
  [".arrow", "arrow", {}],
  [".txt", "text", {}],
  [".conll", "conll", {}],
  [".conllu", "conll", {}],
  [".tar", "webdataset", {}],
  [".xml", "xml", {}],
  [".hdf5", "hdf5", {}],
  [".h5", "hdf5", {}],
  [".eval", "eval", {}],
  [".lance", "lance", {}],
  [".tsfile", "tsfile", {}],
] as const) {
  EXTENSION_TO_MODULE.set(ext, { module, kwargs });
}
for (const [module, exts] of [
  ["imagefolder", IMAGE],
  ["audiofolder", AUDIO],
  ["videofolder", VIDEO],
  ["meshfolder", MESH],
  ["pdffolder", [".pdf"]],
  ["niftifolder", [".nii"]],
] as const) {
  for (const ext of exts) {
    EXTENSION_TO_MODULE.set(ext, { module, kwargs: {} });
    EXTENSION_TO_MODULE.set(ext.toUpperCase(), { module, kwargs: {} });
  }
}

/** `_ALL_ALLOWED_EXTENSIONS`: every module's extensions, archives, and lance's metadata. */
const ALLOWED_EXTENSIONS = new Set([
  ...EXTENSION_TO_MODULE.keys(),
  ".zip",
  ".idx",
  ".txn",
  ".manifest",
]);
/** `_ALL_METADATA_FILENAMES`: counted last when the module is chosen. */
const METADATA_FILENAMES = new Set([
  "latest_version_hint.json",
  "metadata.csv",
  "metadata.jsonl",
  "metadata.parquet",
]);

/** Extensions of a file name as `datasets` splits them: every dot-separated suffix. */
function suffixes(path: string): string[] {
  return basename(path)
    .split(".")
    .slice(1)
    .map((suffix) => `.${suffix}`);
}

/** Whether `datasets` counts a file as data: one of its suffixes is a known extension (case-sensitive). */
export function isAllowedDataFile(path: string): boolean {
  return suffixes(path).some((ext) => ALLOWED_EXTENSIONS.has(ext));
}

/**
 * The builder for a list of files: the most frequent (lower-cased) suffix that names one; on a
 * tie parquet, then lance, arrow, jsonl, json, csv, then the greater suffix; metadata files
 * (`metadata.jsonl`, ...) count only where nothing else does. Null when no suffix names a
 * builder. A `.zip` winner is reported as the module `zip` (aios reads no archives).
 */
export function inferModule(paths: readonly string[]): InferredModule | null {
  const counts = new Map<string, { ext: string; metadata: boolean; count: number }>();
  for (const path of paths) {
    const metadata = METADATA_FILENAMES.has(basename(path));
    for (const suffix of suffixes(path)) {
      const ext = suffix.toLowerCase();
      const key = `${ext}\0${metadata}`;
      const entry = counts.get(key) ?? { ext, metadata, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  const rank = (e: { ext: string; metadata: boolean; count: number }) =>
    [
      e.metadata ? 0 : 1,
      e.count,
      ...[".parquet", ".lance", ".arrow", ".jsonl", ".json", ".csv"].map((x) =>
        e.ext === x ? 1 : 0,
      ),
    ] as number[];
  const sorted = [...counts.values()].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) {
      const d = (rb[i] as number) - (ra[i] as number);
      if (d !== 0) return d;
    }
    // Python compares the suffix strings last, descending.
    return a.ext < b.ext ? 1 : a.ext > b.ext ? -1 : 0;
  });
  for (const { ext } of sorted) {
    const found = EXTENSION_TO_MODULE.get(ext);
    if (found !== undefined) return found;
    if (ext === ".zip") return { module: "zip", kwargs: {} };
  }
  return null;
}

/**
 * `DataFilesList.filter(extensions=_MODULE_TO_EXTENSIONS[module])`: the files a module keeps
 * when `datasets` found them by its default patterns (a suffix of the module's, anywhere before
 * the last: `x.jsonl.gz` is kept by json).
 */
export function moduleKeeps(module: string, path: string): boolean {
  const exts = [...EXTENSION_TO_MODULE].filter(([, m]) => m.module === module).map(([ext]) => ext);
  const alternatives = [...exts, ".zip"].map((ext) => ext.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^.*(${alternatives.join("|")})(\\..+)?$`).test(path);
}

export function isReadableModule(module: string): module is ReadableModule {
  return module === "parquet" || module === "json" || module === "csv" || module === "text";
}
