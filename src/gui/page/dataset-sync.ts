import { formatDatasetUri, parseDatasetUri } from "../../config/dataset-uri.js";
import type { FormValues } from "../api-types.js";

/**
 * The inline dataset field and the backend fields describe the same thing; these two pure
 * functions keep them in step (the design's "keep the inline field synchronized"). The URI
 * grammar is the config's own (`src/config/dataset-uri.ts`), compiled into the page.
 */

/** After the inline field was edited or pasted into: the backend and fields it names. */
export function fieldsFromInline(inline: string): FormValues | null {
  const value = inline.trim();
  if (value === "") return null;
  let uri: ReturnType<typeof parseDatasetUri>;
  try {
    uri = parseDatasetUri(value);
  } catch {
    return null; // half-typed or malformed: Validate reports it
  }
  switch (uri.backend) {
    case "hf":
      return {
        dataset_backend: "hf",
        hf_name: uri.name,
        hf_config: uri.config ?? "",
        ...(uri.split === null ? {} : { hf_split: uri.split }),
      };
    case "webdataset":
      return { dataset_backend: "webdataset", wds_pattern: uri.pattern };
    case "custom":
      return { dataset_backend: "custom" };
  }
}

/**
 * After the backend or one of its fields changed: the inline field's new value, or null to leave
 * it as it is. A custom backend keeps a typed path but drops an hf:// or wds:// URI, which would
 * otherwise select its backend again.
 */
export function inlineFromFields(values: FormValues): string | null {
  const text = (key: string) => {
    const v = values[key];
    return typeof v === "string" ? v.trim() : "";
  };
  switch (values.dataset_backend) {
    case "hf":
      return formatDatasetUri({
        backend: "hf",
        name: text("hf_name"),
        config: text("hf_config") || null,
        split: text("hf_split") || null,
      });
    case "webdataset":
      return formatDatasetUri({ backend: "webdataset", pattern: text("wds_pattern") });
    default: {
      const named = fieldsFromInline(text("dataset_file"))?.dataset_backend;
      return named === undefined || named === "custom" ? null : "";
    }
  }
}
