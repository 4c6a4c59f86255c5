/**
 * aios as a library, end to end: stream a dataset into token sequences, train HRM-ACTV1 for two
 * steps, and keep vectors in the default store (LanceDB). Every path it writes is under the
 * directory given as the first argument (default: a new temporary directory).
 *
 *   npx tsx examples/library.ts [WORK_DIR]
 *
 * The same calls the `aios` CLI makes; see src/index.ts for the whole public API.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildBackend,
  createVectorStore,
  isAiosError,
  openSequenceStream,
  previewSamples,
  resolveConfig,
  trainActV1,
} from "aios";

const work = process.argv[2] ?? (await mkdtemp(join(tmpdir(), "aios-library-")));
const corpus = fileURLToPath(new URL("./data/sample.txt", import.meta.url));

try {
  // Defaults < YAML file (none here) < these values; validated as the CLI validates flags.
  const { training, memory } = await resolveConfig({
    file: null,
    flags: {
      dataset_file: corpus,
      shuffle: false,
      steps: 2,
      batch_size: 2,
      halt_max_steps: 1,
      hidden_size: 32,
      num_heads: 2,
      h_layers: 1,
      l_layers: 1,
      max_seq_len: 32,
      workers: 1,
      bundle_dir: join(work, "brains"),
      brain_name: "library-example",
      log_file: join(work, "metrics.jsonl"),
    },
  });
  memory.vector_store.lancedb.path = join(work, "vectors");

  const backend = await buildBackend(training);
  const [first] = await previewSamples(backend, training, 1);
  console.log(`first sample (${first?.tokens} tokens): ${first?.text}`);

  const summary = await trainActV1({
    config: training,
    memory,
    openSequences: (from) => openSequenceStream(training, backend, from, { loop: true }),
    openEvalSequences: null,
    onEvent: (event) => {
      if (event.kind === "step")
        console.log(`step ${event.record.step}: loss ${event.record.loss.toFixed(4)}`);
    },
  });
  await backend.close?.();
  console.log(
    `trained steps ${summary.firstStep}-${summary.lastStep}; brain in ${summary.bundleDir}`,
  );

  const store = await createVectorStore("lancedb", memory.vector_store, { collection: "notes" });
  await store.upsert(
    ["river", "bridge"],
    [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ],
    [{ topic: "water" }, { topic: "stone" }],
  );
  const hits = await store.query([0.9, 0.1, 0, 0], 1);
  console.log(`nearest to the query: ${hits[0]?.[0]} (${await store.count()} stored)`);
  await store.close();
} catch (error) {
  // Errors a user can act on carry a message naming the input and a hint; print them, exit 2.
  if (!isAiosError(error)) throw error;
  console.error(
    `error: ${error.message}${error.hint === undefined ? "" : `\nhint: ${error.hint}`}`,
  );
  process.exitCode = 2;
}
