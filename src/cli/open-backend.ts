import type { TrainingConfig } from "../config/training-config.js";
import { buildBackend } from "../data/build-backend.js";
import type { DatasetBackend } from "../data/types.js";
import { type CountProgress, createCountProgress } from "./count-progress.js";

/** The configured dataset backend, with downloads into the hf cache shown on stderr. */
export function openBackend(config: TrainingConfig): Promise<DatasetBackend> {
  let current: { file: string; progress: CountProgress } | null = null;
  const finished = new Set<string>();
  return buildBackend(config, {
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
