import { createHash } from "node:crypto";
import type { ReportContent } from "./types";

/**
 * JSON with object keys sorted at every level and no whitespace, so the same content always gives
 * the same text (jsonb reorders keys; this does not depend on that order).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value))
      throw new Error(`Not a finite number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** SHA-256 (hex) of the canonical JSON of the content: what a locked report prints and stores. */
export function contentSha256(content: ReportContent): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

export const sha256Hex = (data: Buffer | string): string =>
  createHash("sha256").update(data).digest("hex");
