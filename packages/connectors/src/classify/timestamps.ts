import { RowValueError } from "./cell-values";

const MS_PER_HOUR = 3_600_000;

/**
 * Timestamps as billing exports write them, all read as UTC unless they carry an offset:
 * `2023-11-01T00:00:00.000Z`, `2024-01-01T00:00Z`, `2024-09-18 22:00:00`, `2020-10-01 20:00:00+00:00`,
 * `2020-10-01 20:00:00 UTC` (BigQuery JSON), `2023-09-21`, Azure's US `09/21/2023` and `9/2/2023`
 * (always month first), Azure Query API's `20260501`, and Date / epoch-millisecond values from Parquet.
 */
const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;
const usDatePattern = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i;
const compactDatePattern = /^(\d{4})(\d{2})(\d{2})$/;

function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  const value = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Reject 2023-02-31 and friends, which Date.UTC silently rolls over.
  if (new Date(value).getUTCDate() !== day && hour < 24) return undefined;
  return value;
}

function offsetMs(zone: string | undefined): number {
  if (!zone || zone === "Z" || zone === "UTC") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

function parseTimestampText(text: string): number | undefined {
  const iso = isoPattern.exec(text);
  if (iso) {
    const fraction = iso[7] ? Number(iso[7].slice(0, 3).padEnd(3, "0")) : 0;
    const value = utcMs(
      Number(iso[1]),
      Number(iso[2]),
      Number(iso[3]),
      Number(iso[4] ?? 0),
      Number(iso[5] ?? 0),
      Number(iso[6] ?? 0),
      fraction,
    );
    return value === undefined ? undefined : value - offsetMs(iso[8]);
  }
  const us = usDatePattern.exec(text);
  if (us) {
    let hour = Number(us[4] ?? 0);
    const meridiem = us[7]?.toUpperCase();
    if (meridiem === "PM" && hour < 12) hour += 12;
    if (meridiem === "AM" && hour === 12) hour = 0;
    return utcMs(Number(us[3]), Number(us[1]), Number(us[2]), hour, Number(us[5] ?? 0), Number(us[6] ?? 0));
  }
  const compact = compactDatePattern.exec(text);
  if (compact) return utcMs(Number(compact[1]), Number(compact[2]), Number(compact[3]));
  return undefined;
}

/** Billing files repeat the same few hundred timestamps; remember them (bounded). */
const parsedTextCache = new Map<string, number>();
const CACHE_LIMIT = 50_000;

/**
 * The span of time a billing line may fall in: a line dated 1900 or 2999 is a broken export, and
 * storing it would make the database create a partition for every month in between. Lines outside
 * are row errors (TimestampOutOfWindowError), never records.
 */
export type UsageTimeWindow = { earliestMs: number; latestMs: number };

/** Default earliest usage: AWS opened in 2006; no cloud bill is older. */
export const DEFAULT_USAGE_EARLIEST_MS = Date.UTC(2006, 0, 1);
/** Default slack after now for the latest usage (clock skew, an end-of-month period end, time zones). */
export const DEFAULT_USAGE_LATEST_DAYS = 40;

/** The plausible window: `earliest` (default 2006-01-01) to now + `latestDays` (default 40). */
export function usageTimeWindow(options: { earliest?: Date | string | number; latestDays?: number; now?: number } = {}): UsageTimeWindow {
  const earliestMs = options.earliest === undefined ? DEFAULT_USAGE_EARLIEST_MS : new Date(options.earliest).getTime();
  if (!Number.isFinite(earliestMs)) throw new Error(`invalid earliest usage date: ${String(options.earliest)}`);
  const latestMs = (options.now ?? Date.now()) + (options.latestDays ?? DEFAULT_USAGE_LATEST_DAYS) * 86_400_000;
  return { earliestMs, latestMs };
}

/** A timestamp that reads fine but lies outside the plausible window (a row error, even on a cost-only line). */
export class TimestampOutOfWindowError extends RowValueError {}

function checkWindow(ms: number, column: string, window: UsageTimeWindow | undefined): number {
  if (window !== undefined && !(ms >= window.earliestMs && ms <= window.latestMs)) {
    const shown = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
    throw new TimestampOutOfWindowError(
      `${column} ${shown} is outside the plausible usage window ${new Date(window.earliestMs).toISOString().slice(0, 10)} to ${new Date(window.latestMs).toISOString().slice(0, 10)} (CANOPY_USAGE_EARLIEST, CANOPY_USAGE_LATEST_DAYS)`,
    );
  }
  return ms;
}

/**
 * Epoch milliseconds of a timestamp cell; undefined when empty; throws RowValueError when unreadable
 * and TimestampOutOfWindowError when outside `window` (when given).
 */
export function optionalTimestampMs(value: unknown, column: string, window?: UsageTimeWindow): number | undefined {
  const ms = timestampCellMs(value, column);
  return ms === undefined ? undefined : checkWindow(ms, column, window);
}

function timestampCellMs(value: unknown, column: string): number | undefined {
  if (value === undefined || value === null || value === "" || value === "NULL") return undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RowValueError(`${column} is an invalid date`);
    return ms;
  }
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") {
    if (value >= 19_000_101 && value <= 30_001_231) return timestampCellMs(String(value), column); // yyyymmdd
    if (!Number.isFinite(value)) throw new RowValueError(`${column} is not a date/time: ${value}`);
    return value;
  }
  const text = String(value).trim();
  if (text === "") return undefined;
  const cached = parsedTextCache.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseTimestampText(text);
  if (parsed === undefined) {
    throw new RowValueError(`${column} is not a date/time: "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`);
  }
  if (parsedTextCache.size >= CACHE_LIMIT) parsedTextCache.clear();
  parsedTextCache.set(text, parsed);
  return parsed;
}

export function requiredTimestampMs(value: unknown, column: string, window?: UsageTimeWindow): number {
  const ms = optionalTimestampMs(value, column, window);
  if (ms === undefined) throw new RowValueError(`${column} is empty`);
  return ms;
}

const isoTextCache = new Map<number, string>();

/** UTC ISO-8601 text of epoch milliseconds (cached: a file has few distinct period starts). */
export function isoTextOf(ms: number): string {
  let text = isoTextCache.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoTextCache.size >= CACHE_LIMIT) isoTextCache.clear();
    isoTextCache.set(ms, text);
  }
  return text;
}

/** Hours in the UTC calendar month that contains `ms` (672, 696, 720 or 744). */
const monthHoursByDay = new Map<number, number>();

export function hoursInMonthOf(ms: number): number {
  const day = Math.floor(ms / 86_400_000);
  const cached = monthHoursByDay.get(day);
  if (cached !== undefined) return cached;
  const hours = computeHoursInMonth(ms);
  if (monthHoursByDay.size > 10_000) monthHoursByDay.clear();
  monthHoursByDay.set(day, hours);
  return hours;
}

function computeHoursInMonth(ms: number): number {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  return (Date.UTC(year, month + 1, 1) - Date.UTC(year, month, 1)) / MS_PER_HOUR;
}

/** Hours between two timestamps; `fallbackHours` when the end is missing or not after the start. */
export function periodHoursBetween(startMs: number, endMs: number | undefined, fallbackHours: number): number {
  if (endMs === undefined || endMs <= startMs) return fallbackHours;
  return (endMs - startMs) / MS_PER_HOUR;
}
