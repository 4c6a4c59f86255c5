import {
  Field,
  FixedSizeList,
  Float32,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import type { CheckedBatch } from "../types.js";
import { facetTokens } from "./facets.js";

/**
 * The table's Arrow schema. Built by hand because LanceDB infers float64 from JS numbers, and
 * because the metadata column must carry the `arrow.json` extension: Lance then stores it as
 * JSONB and its `json_extract` SQL function can read it.
 */
export function tableSchema(dimension: number): Schema {
  return new Schema([
    new Field("id", new Utf8(), false),
    new Field("vector", vectorType(dimension), false),
    new Field("metadata", new Utf8(), false, new Map([["ARROW:extension:name", "arrow.json"]])),
    new Field("facets", facetsType(), false),
  ]);
}

function vectorType(dimension: number): FixedSizeList<Float32> {
  return new FixedSizeList(dimension, new Field("item", new Float32(), true));
}

function facetsType(): List<Utf8> {
  return new List(new Field("item", new Utf8(), true));
}

/**
 * One batch as an Arrow table. Assembled from `makeData` so the schema's field metadata
 * survives (apache-arrow's row-based builders drop it).
 */
export function batchToArrow(batch: CheckedBatch): Table {
  const schema = tableSchema(batch.dimension);
  const rows = batch.ids.length;
  const flat = new Float32Array(rows * batch.dimension);
  batch.vectors.forEach((vector, i) => {
    flat.set(vector, i * batch.dimension);
  });
  const values = makeData({ type: new Float32(), length: flat.length, data: flat });
  const vectors = makeData({
    type: vectorType(batch.dimension),
    length: rows,
    nullCount: 0,
    child: values,
  });
  const ids = vectorFromArray(batch.ids, new Utf8());
  const metadata = vectorFromArray(
    batch.metadata.map((m) => JSON.stringify(m)),
    new Utf8(),
  );
  const facets = vectorFromArray(batch.metadata.map(facetTokens), facetsType());
  const columns = makeData({
    type: new Struct(schema.fields),
    length: rows,
    nullCount: 0,
    children: [single(ids.data), vectors, single(metadata.data), single(facets.data)],
  });
  return new Table(schema, new RecordBatch(schema, columns));
}

function single<T>(chunks: readonly T[]): T {
  const [first, ...rest] = chunks;
  if (first === undefined || rest.length > 0) throw new Error("expected one Arrow chunk");
  return first;
}
