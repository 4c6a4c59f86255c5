export { formatBytes } from "../../core/format-bytes.js";

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatMs(ms: number | null): string {
  return ms === null ? "–" : `${ms.toFixed(1)} ms`;
}
