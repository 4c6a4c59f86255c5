import { type VectorStoreConfig, vectorStoreConfigSchema } from "../../src/config/memory-config.js";

export const QDRANT_SKIP_REASON =
  "QDRANT_URL is not set, so no Qdrant server to test against (docker compose up -d qdrant, then QDRANT_URL=http://localhost:6333 npm test)";

/**
 * The vector store config of the Qdrant server named by QDRANT_URL (QDRANT_API_KEY optional),
 * its collections under a fresh `prefix_NNNNNN`; null when no server is named.
 */
export function qdrantConfigFromEnv(prefix: string): VectorStoreConfig | null {
  const qdrantUrl = process.env.QDRANT_URL;
  if (qdrantUrl === undefined || qdrantUrl === "") return null;
  const url = new URL(qdrantUrl);
  return vectorStoreConfigSchema.parse({
    collection_prefix: `${prefix}_${Date.now() % 1_000_000}`,
    qdrant: {
      host: url.hostname,
      port: Number(url.port || 6333),
      https: url.protocol === "https:",
      api_key: process.env.QDRANT_API_KEY || null,
    },
  });
}
