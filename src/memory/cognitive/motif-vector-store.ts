import { AiosError } from "../../core/errors.js";
import { matchesFilter, parseFilter, type VectorFilter } from "../vector-store/filter.js";
import type { Metadata, StoredVector, VectorStoreClient } from "../vector-store/types.js";
import { MAX_TOP_K } from "../vector-store/validate.js";
import { checkExpertSequence, MotifEmbedder } from "./motif-embedder.js";
import { numberArrayField, numberField, stringArrayField, stringField } from "./stored-fields.js";
import type { CrystallizedMotif } from "./types.js";

/** The design's collection name, shared by every model; stored as `<prefix>_crystallized_motifs`. */
export const MOTIF_COLLECTION = "crystallized_motifs";
const SCAN_BATCH = 1000;

export interface MotifHit {
  readonly motif: CrystallizedMotif;
  /** Models the motif belongs to: the one that crystallized it and those it was transferred to. */
  readonly modelIds: readonly string[];
  /** Cosine similarity to the query sequence; null for a filter-only query. */
  readonly score: number | null;
}

export interface MotifQueryOptions {
  /** Only motifs that belong to this model. */
  readonly modelId?: string | null;
  /** Only motifs tagged with this task. */
  readonly taskTag?: string | null;
}

/** `motif_<id>`: one record per motif, replaced when the motif is upserted again. */
export function motifRecordId(motifId: string): string {
  return `motif_${motifId}`;
}

/**
 * Crystallized motifs in one collection shared by all models: each record says which models
 * own the motif (`model_ids`), so a transfer to another model adds an owner instead of copying.
 */
export class MotifVectorStore {
  readonly client: VectorStoreClient;
  readonly embedder: MotifEmbedder;

  constructor(client: VectorStoreClient, options: { embedder?: MotifEmbedder } = {}) {
    this.client = client;
    this.embedder = options.embedder ?? new MotifEmbedder();
  }

  /**
   * Stores `motif` for `modelId` (null: no owner). A motif already stored keeps its other
   * owners, so a model updating its statistics does not take the motif from models it was
   * shared with.
   */
  async upsertMotif(motif: CrystallizedMotif, modelId: string | null = null): Promise<void> {
    checkMotif(motif);
    const id = motifRecordId(motif.id);
    const existing = await this.client.queryById(id);
    const owners = new Set(existing === null ? [] : this.#owners(existing));
    if (modelId !== null) owners.add(checkModelId(modelId));
    await this.client.upsert(
      [id],
      [this.embedder.embed(motif.expertSequence)],
      [motifMetadata(motif, [...owners])],
    );
  }

  /**
   * The `topK` motifs tagged `taskTag`, highest utility first (ties by id). A filter-only query
   * returns matches in the driver's order, so every match is read and ranked here; motifs are
   * few (`max_motifs`, 512 by default), and beyond MAX_TOP_K matches the collection is scanned.
   */
  async queryMotifsForTask(
    taskTag: string,
    topK = 10,
    options: Omit<MotifQueryOptions, "taskTag"> = {},
  ): Promise<MotifHit[]> {
    const filter = scopeFilter({ ...options, taskTag });
    const matches = await this.client.count(filter);
    if (matches === 0) return [];
    const hits: MotifHit[] =
      matches <= MAX_TOP_K
        ? (await this.client.query(null, matches, filter)).map(([id, , metadata]) =>
            this.#hit(id, metadata, null),
          )
        : await this.#scanMatching(filter);
    return hits
      .sort(
        (a, b) =>
          b.motif.utility - a.motif.utility ||
          (a.motif.id < b.motif.id ? -1 : a.motif.id > b.motif.id ? 1 : 0),
      )
      .slice(0, topK);
  }

  /** The `topK` stored motifs whose sequences embed closest to `expertSequence`, best first. */
  async querySimilarMotifs(
    expertSequence: readonly number[],
    topK = 10,
    options: MotifQueryOptions = {},
  ): Promise<MotifHit[]> {
    const hits = await this.client.query(
      this.embedder.embed(expertSequence),
      topK,
      scopeFilter(options),
    );
    return hits.map(([id, score, metadata]) => this.#hit(id, metadata, score));
  }

  /**
   * Gives the motifs `motifIds` to `targetModelId` as well, and returns them rebuilt from their
   * stored metadata, ready for the target model's routing tree. Every id must exist: a missing
   * one fails the whole transfer before anything is written.
   */
  async transferMotifsToModel(
    targetModelId: string,
    motifIds: readonly string[],
  ): Promise<CrystallizedMotif[]> {
    checkModelId(targetModelId);
    const records: StoredVector[] = [];
    for (const motifId of motifIds) {
      const record = await this.client.queryById(motifRecordId(motifId));
      if (record === null) {
        throw new AiosError(
          "VECTOR_INPUT",
          `motif ${JSON.stringify(motifId)} is not in collection ${this.client.collection}`,
          { hint: "transfer motifs that were stored with upsertMotif (see queryMotifsForTask)" },
        );
      }
      records.push(record);
    }
    const unique = [...new Map(records.map((r) => [r.id, r])).values()];
    if (unique.length > 0) {
      await this.client.upsert(
        unique.map((r) => r.id),
        unique.map((r) => r.vector),
        unique.map((r) => ({
          ...r.metadata,
          model_ids: [...new Set([...this.#owners(r), targetModelId])],
        })),
      );
    }
    return records.map((r) => motifFromMetadata(r.id, r.metadata, this.client.collection));
  }

  close(): Promise<void> {
    return this.client.close();
  }

  async #scanMatching(filter: VectorFilter): Promise<MotifHit[]> {
    const conditions = parseFilter(filter);
    const hits: MotifHit[] = [];
    for await (const page of this.client.scan(SCAN_BATCH)) {
      for (const record of page) {
        if (matchesFilter(record.metadata, conditions))
          hits.push(this.#hit(record.id, record.metadata, null));
      }
    }
    return hits;
  }

  #hit(id: string, metadata: Metadata, score: number | null): MotifHit {
    const record = `motif record ${JSON.stringify(id)} in ${this.client.collection}`;
    return {
      motif: motifFromMetadata(id, metadata, this.client.collection),
      modelIds: stringArrayField(metadata, "model_ids", record),
      score,
    };
  }

  #owners(record: StoredVector): string[] {
    return stringArrayField(
      record.metadata,
      "model_ids",
      `motif record ${JSON.stringify(record.id)} in ${this.client.collection}`,
    );
  }
}

/** The design's metadata, plus the owners. */
function motifMetadata(motif: CrystallizedMotif, modelIds: readonly string[]): Metadata {
  return {
    motif_id: motif.id,
    expert_sequence: [...motif.expertSequence],
    frequency: motif.count,
    utility: motif.utility,
    entropy: motif.entropy,
    age: motif.age,
    task_tags: [...motif.taskTags],
    model_ids: [...modelIds],
  };
}

function motifFromMetadata(id: string, metadata: Metadata, collection: string): CrystallizedMotif {
  const record = `motif record ${JSON.stringify(id)} in ${collection}`;
  return {
    id: stringField(metadata, "motif_id", record),
    expertSequence: numberArrayField(metadata, "expert_sequence", record),
    count: numberField(metadata, "frequency", record),
    utility: numberField(metadata, "utility", record),
    entropy: numberField(metadata, "entropy", record),
    age: numberField(metadata, "age", record),
    taskTags: stringArrayField(metadata, "task_tags", record),
  };
}

function scopeFilter(options: MotifQueryOptions): VectorFilter {
  return {
    ...(options.taskTag == null ? {} : { task_tags: options.taskTag }),
    ...(options.modelId == null ? {} : { model_ids: options.modelId }),
  };
}

function checkMotif(motif: CrystallizedMotif): void {
  if (typeof motif.id !== "string" || motif.id.length === 0) {
    throw new AiosError(
      "VECTOR_INPUT",
      `motif id ${JSON.stringify(motif.id)} must be a non-empty string`,
    );
  }
  const where = `motif ${JSON.stringify(motif.id)}`;
  checkExpertSequence(motif.expertSequence, where);
  for (const key of ["count", "utility", "entropy", "age"] as const) {
    if (!Number.isFinite(motif[key])) {
      throw new AiosError(
        "VECTOR_INPUT",
        `${where}: ${key} = ${String(motif[key])} must be a finite number`,
      );
    }
  }
  if (
    !Array.isArray(motif.taskTags) ||
    !motif.taskTags.every((tag) => typeof tag === "string" && tag.length > 0)
  ) {
    throw new AiosError(
      "VECTOR_INPUT",
      `${where}: task tags must be non-empty strings, got ${JSON.stringify(motif.taskTags)}`,
    );
  }
}

function checkModelId(modelId: string): string {
  if (typeof modelId !== "string" || modelId.length === 0) {
    throw new AiosError(
      "VECTOR_INPUT",
      `model id ${JSON.stringify(modelId)} must be a non-empty string`,
    );
  }
  return modelId;
}
