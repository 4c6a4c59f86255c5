import { createHash } from "node:crypto";

/** Fixed namespace of aios point ids; changing it would orphan every stored point. */
const NAMESPACE = Buffer.from("9a1f8c527c3e4d8ba6f12e0d5b7c9a41", "hex");

/**
 * Qdrant accepts only unsigned integers and UUIDs as point ids, while callers use any string.
 * Each id maps deterministically to a name-based UUID (RFC 4122 version 5), so upserting the
 * same id replaces the same point; the original id travels in the payload.
 */
export function pointIdFor(id: string): string {
  const hash = createHash("sha1").update(NAMESPACE).update(id, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
