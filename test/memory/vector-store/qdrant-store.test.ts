import { describe, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../../src/config/memory-config.js";
import { AiosError } from "../../../src/core/errors.js";
import { createVectorStore } from "../../../src/memory/vector-store/create-vector-store.js";
import { parseFilter } from "../../../src/memory/vector-store/filter.js";
import { pointIdFor } from "../../../src/memory/vector-store/qdrant/point-id.js";
import { filterToQdrant } from "../../../src/memory/vector-store/qdrant/qdrant-filter.js";
import { closedPort } from "../../helpers/closed-port.js";
import { QDRANT_SKIP_REASON, qdrantConfigFromEnv } from "../../helpers/qdrant-env.js";
import { describeVectorStoreConformance } from "./conformance.js";

const config = qdrantConfigFromEnv("aios_test");

if (config === null) {
  process.stdout.write(`qdrant conformance skipped: ${QDRANT_SKIP_REASON}\n`);
  describe.skip(`qdrant: VectorStoreClient conformance (skipped: ${QDRANT_SKIP_REASON})`, () => {
    it("runs against a live server", () => {});
  });
} else {
  describeVectorStoreConformance("qdrant", {
    open: (collection) => createVectorStore("qdrant", config, { collection }),
  });
}

describe("qdrant without a server", () => {
  it("names the URL and the two ways out", async () => {
    const port = await closedPort();
    const config = vectorStoreConfigSchema.parse({ qdrant: { host: "127.0.0.1", port } });
    const error = await createVectorStore("qdrant", config).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AiosError);
    expect((error as AiosError).code).toBe("VECTOR_STORE_UNREACHABLE");
    expect((error as AiosError).exitCode).toBe(2);
    expect((error as AiosError).message).toBe(
      `Qdrant is not reachable at http://127.0.0.1:${port}: start it with \`docker compose up -d qdrant\`, or use \`--backend lancedb\``,
    );
  });
});

describe("qdrant translation", () => {
  it("maps any string id to the same RFC 4122 version-5 UUID every time", () => {
    const id = pointIdFor("trace_1_2_3_4_1000");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointIdFor("trace_1_2_3_4_1000")).toBe(id);
    expect(pointIdFor("trace_1_2_3_4_1001")).not.toBe(id);
  });

  it("turns the filter model into must/should conditions on the payload", () => {
    expect(
      filterToQdrant(
        parseFilter({ task_tags: "QA", layer: { $in: [1, "2"] }, utility: 0.5, age: { $gte: 3 } }),
      ),
    ).toEqual({
      must: [
        { key: "metadata.task_tags", match: { value: "QA" } },
        {
          should: [
            { key: "metadata.layer", match: { value: 1 } },
            { key: "metadata.layer", match: { value: "2" } },
          ],
        },
        // Qdrant's match takes no fractions: a fractional equality is the range [v, v].
        { key: "metadata.utility", range: { gte: 0.5, lte: 0.5 } },
        { key: "aios_numbers.age", range: { gte: 3 } },
      ],
    });
    expect(filterToQdrant([])).toBeUndefined();
  });
});
