import type { TrainingConfig } from "../config/training-config.js";
import { buildBackend } from "../data/build-backend.js";
import type { DatasetBackend } from "../data/types.js";
import { type CountProgress, createCountProgress } from "./count-progress.js";

/**
 * The configured dataset backend, with downloads into the hf cache and indexes of local files
 * being built shown on stderr.
 */
export function openBackend(config: TrainingConfig): Promise<DatasetBackend> {
  let current: { file: string; progress: CountProgress } | null = null;
  const finished = new Set<string>();
  let indexing: { file: string; progress: CountProgress } | null = null;
  return buildBackend(config, {
    onIndexProgress: (file, done, total) => {
      if (indexing?.file !== file) {
        indexing?.progress.close();
        indexing = { file, progress: createCountProgress(process.stderr, `index ${file}`, "MiB") };
      }
      indexing.progress.update(Math.floor(done / 2 ** 20), Math.ceil(total / 2 ** 20));
      if (done === total) {
        indexing.progress.close();
        indexing = null;
      }
    },
    onDownload: (file, done, total) => {
      if (finished.has(file)) return;
      if (current?.file !== file) {
        current?.progress.close();
        current = {
          file,
          progress: createCountProgress(process.stderr, `download ${file}`, "KiB"),
        };
      }
      current.progress.update(Math.floor(done / 1024), Math.ceil(total / 1024));
      if (done === total) {
        finished.add(file);
        current.progress.close();
        current = null;
      }
    },
  });
}
