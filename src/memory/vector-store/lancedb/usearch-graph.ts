import type { Index as UsearchIndex } from "usearch";

/** How a graph stores its vectors [usearch quantization]. */
export type HnswScalar = "f32" | "f16";

/**
 * What shapes a usearch graph: the same for the graph `HnswIndex` builds and for each search
 * worker's view of its saved file (a view with other settings would misread it).
 */
export interface GraphSettings {
  readonly dimension: number;
  readonly m: number;
  readonly efConstruction: number;
  readonly scalar: HnswScalar;
  readonly efSearch: number;
}

/** An empty usearch graph with `settings`, under inner product (vectors are stored unit-length). */
export async function newGraph(settings: GraphSettings): Promise<UsearchIndex> {
  const { Index, MetricKind, ScalarKind } = await import("usearch");
  return new Index({
    dimensions: settings.dimension,
    // Cosine on vectors normalised once, as FAISS does: usearch's cosine metric would divide
    // by both norms in every distance (a 100k build took 6.7 s against 5.6 s).
    metric: MetricKind.IP,
    quantization: settings.scalar === "f16" ? ScalarKind.F16 : ScalarKind.F32,
    connectivity: settings.m,
    expansion_add: settings.efConstruction,
    expansion_search: settings.efSearch,
    multi: false,
  });
}
