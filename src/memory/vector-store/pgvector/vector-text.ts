/**
 * pgvector's text form, `[1,2.5,-3]`. Written with the float32 value's shortest exact decimal,
 * so the server's float4 parse gives back the very same number; read back through Math.fround
 * for the same reason.
 */
export function vectorToText(vector: Float32Array): string {
  return `[${Array.from(vector).join(",")}]`;
}

export function vectorFromText(text: unknown): number[] {
  if (Array.isArray(text)) return text.map((x) => Math.fround(Number(x)));
  const body = String(text).trim().replace(/^\[/, "").replace(/\]$/, "");
  return body === "" ? [] : body.split(",").map((x) => Math.fround(Number(x)));
}
