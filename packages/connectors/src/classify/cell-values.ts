/** Reading typed values out of billing cells, whatever the reader produced (string, number, bigint, Date…). */

export class RowValueError extends Error {}

/** Text of a cell; '' for missing, null and the literal `NULL` that some FOCUS exports write. */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value === "NULL" ? "" : value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/**
 * Largest magnitude a cost may have: |x| < 1e15 (no billing line bills a quadrillion of a currency).
 * Quantities are in the file's raw units (GCP bills storage in byte-seconds: 1 TiB for an hour is
 * 4e15), so their bound is |x| < 1e24 (an exabyte-week in byte-seconds). Bigger values are corrupt
 * cells (`1e308`, an id in the wrong column) and would overflow sums to Infinity downstream.
 */
export const MAX_COST_MAGNITUDE = 1e15;
export const MAX_QUANTITY_MAGNITUDE = 1e24;

/** A plain decimal: optional sign, digits with an optional fraction, optional exponent. No hex, Infinity or NaN. */
const decimalPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function boundedNumber(value: number, column: string, shown: string, limit: number): number {
  if (Number.isFinite(value) && value < limit && value > -limit) return value;
  throw new RowValueError(
    Number.isFinite(value)
      ? `${column} is out of range: ${shown} (|x| must be below ${limit.toExponential()})`
      : `${column} is not a finite number (${shown})`,
  );
}

/**
 * A decimal cell as a number; undefined when empty; throws RowValueError when not a finite decimal
 * with |x| < `limit` (hex `0x10`, `Infinity`, `NaN` and `1e308` are errors). Pass MAX_COST_MAGNITUDE
 * for money columns.
 */
export function optionalNumberOf(value: unknown, column: string, limit = MAX_QUANTITY_MAGNITUDE): number | undefined {
  if (typeof value === "number") {
    if (value < limit && value > -limit) return value; // false for NaN
    return boundedNumber(value, column, String(value), limit);
  }
  if (typeof value === "bigint") return boundedNumber(Number(value), column, String(value), limit);
  const text = textOf(value).trim();
  if (text === "") return undefined;
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (!decimalPattern.test(text)) throw new RowValueError(`${column} is not a number: "${shown}"`);
  return boundedNumber(Number(text), column, shown, limit);
}

/** Parse a JSON object cell (Azure AdditionalInfo, FOCUS SkuPriceDetails…); undefined when empty or not JSON. */
export function jsonObjectOf(value: unknown): Record<string, unknown> | undefined {
  if (value && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)) {
    return value as Record<string, unknown>;
  }
  const text = textOf(value).trim();
  if (text === "") return undefined;
  const wrapped = text.startsWith("{") ? text : `{${text}}`; // older Azure downloads omit the braces
  try {
    const parsed: unknown = JSON.parse(wrapped);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON object cell flattened to string values (tags). */
export function stringMapOf(value: unknown): Record<string, string> | undefined {
  const object = jsonObjectOf(value);
  if (!object) return undefined;
  const tags: Record<string, string> = {};
  let any = false;
  for (const [key, entry] of Object.entries(object)) {
    tags[key] = textOf(entry);
    any = true;
  }
  return any ? tags : undefined;
}

const keyValuePattern = /['"]key['"]\s*:\s*['"]([^'"]*)['"]\s*,\s*['"]value['"]\s*:\s*(?:['"]([^'"]*)['"]|None|null)/g;

/**
 * GCP repeated {key, value} records (labels, system_labels): an array from JSONL/BigQuery, or text
 * from a CSV export, either JSON or a Python literal (`[{'key': 'a', 'value': 'b'}]`).
 */
export function keyValueListOf(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const out: Record<string, string> = {};
    let any = false;
    for (const item of value) {
      if (item && typeof item === "object" && "key" in item) {
        const entry = item as { key: unknown; value?: unknown };
        out[textOf(entry.key)] = textOf(entry.value);
        any = true;
      }
    }
    return any ? out : undefined;
  }
  const text = textOf(value);
  if (text.length < 3) return undefined; // "", "[]"
  const out: Record<string, string> = {};
  let any = false;
  for (const match of text.matchAll(keyValuePattern)) {
    out[match[1] ?? ""] = match[2] ?? "";
    any = true;
  }
  return any ? out : undefined;
}
