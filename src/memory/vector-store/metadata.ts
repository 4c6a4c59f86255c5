/** Any JSON value: what a metadata field may hold. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Free-form metadata stored beside a vector; top-level scalar and array fields are filterable. */
export type Metadata = { [key: string]: JsonValue };
