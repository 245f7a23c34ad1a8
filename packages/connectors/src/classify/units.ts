import { hoursInMonthOf } from "./timestamps";

/**
 * Unit spellings of all providers reduced to a dimension and a block multiplier:
 * AWS `Hrs`, `GB-Mo`, `Lambda-GB-Second`; Azure `10 Hours`, `100 GB/Month`, `1/Month`, `10K`;
 * GCP `seconds`, `byte-seconds`, `bytes`, `gibibyte month`; FOCUS `Hours`, `GB-Months`, `Units/Month`.
 *
 * Convention: provider "GB" are gibibytes (AWS, Azure and GCP all bill storage, memory and transfer in GiB:
 * 1 GiB = 2^30 bytes) and provider "TB" are tebibytes. Canonical record units (see docs/methodology.md §2):
 * storage in decimal TB-hours (10^12 bytes, the unit of the per-TB storage coefficients), so GiB-hours ×
 * 2^30 / 10^12; memory in GiB-hours (DIMM capacities are binary); network in GiB as billed.
 */
export type UnitDimension =
  | "hours"
  | "vcpu-hours"
  | "seconds"
  | "days"
  | "months"
  | "gb-months"
  | "tb-months"
  | "gb-hours"
  | "gb-seconds"
  | "byte-seconds"
  | "gb"
  | "tb"
  | "bytes"
  | "count"
  | "unknown";

export type ParsedUnit = { dimension: UnitDimension; multiplier: number; text: string };

const aliases: Record<string, UnitDimension> = {};
function alias(dimension: UnitDimension, ...names: string[]): void {
  for (const name of names) aliases[name] = dimension;
}
alias("hours", "/hour", "/hours", "hour", "hours", "hrs", "hr", "h", "units/hour", "unit-hours", "instance-hours", "node-hours");
alias("vcpu-hours", "vcpu-hours", "vcpu-hour", "vcpu-hrs", "vcpu-hr", "vcpu hours", "vcore hours");
alias("seconds", "second", "seconds", "sec", "s");
alias("days", "/day", "day", "days", "units/day");
alias("months", "/month", "month", "months", "units/month", "/months", "mo");
alias(
  "gb-months",
  "gb-mo",
  "gb-month",
  "gb-months",
  "gb-mp",
  "gb/month",
  "gb month",
  "gb months",
  "gb-mo.",
  "gibibyte month",
  "gibibyte months",
  "gib-month",
  "gib-months",
);
alias("tb-months", "tb/month", "tb-mo", "tb-month", "tb-months", "tebibyte month");
alias("gb-hours", "gb-hours", "gb-hour", "gb-hrs", "gb-hr", "gb hour", "gb hours", "gibibyte hour", "gibibyte hours", "gigabyte per hour", "gigabyte hours");
alias(
  "gb-seconds",
  "gb-second",
  "gb-seconds",
  "lambda-gb-second",
  "lambda-gb-seconds",
  "gb second",
  "gb seconds",
  "gibibyte second",
  "gibibyte seconds",
);
alias("byte-seconds", "byte-seconds", "byte-second", "bytes-seconds");
alias("gb", "gb", "gigabyte", "gigabytes", "gibibyte", "gibibytes", "gib");
alias("tb", "tb", "terabyte", "terabytes", "tebibyte", "tebibytes", "tib");
alias("bytes", "bytes", "byte");
alias(
  "count",
  "",
  "count",
  "units",
  "unit",
  "requests",
  "request",
  "api requests",
  "api request",
  "operations",
  "events",
  "queries",
  "keys",
  "metrics",
  "alarms",
  "dashboards",
  "ios",
  "user",
  "users",
);

const leadingMultiplier = /^(\d+(?:\.\d+)?)\s*([km](?![a-z]))?\s*/;
const parsedUnitCache = new Map<string, ParsedUnit>();

export function parseUnit(raw: string): ParsedUnit {
  const cached = parsedUnitCache.get(raw);
  if (cached) return cached;
  let text = raw.trim().toLowerCase();
  let multiplier = 1;
  const lead = leadingMultiplier.exec(text);
  if (lead) {
    multiplier = Number(lead[1]) * (lead[2] === "k" ? 1000 : lead[2] === "m" ? 1_000_000 : 1);
    text = text.slice(lead[0].length);
  }
  text = text.replace(/\s+/g, " ");
  const dimension = aliases[text] ?? "unknown";
  const parsed: ParsedUnit = { dimension, multiplier, text: raw };
  if (parsedUnitCache.size < 10_000) parsedUnitCache.set(raw, parsed);
  return parsed;
}

const BYTES_PER_GIB = 2 ** 30;
export const GIB_PER_TIB = 1024;
/** Decimal terabytes in one gibibyte: 2^30 / 10^12 (storage coefficients are per decimal TB). */
export const TB_PER_GIB = BYTES_PER_GIB / 1e12;

/** Resource-hours (instance-hours, disk-hours…) from a time quantity; undefined if the unit is not time. */
export function hoursOf(quantity: number, unit: ParsedUnit, periodStartMs: number): number | undefined {
  const amount = quantity * unit.multiplier;
  switch (unit.dimension) {
    case "hours":
    case "vcpu-hours":
      return amount;
    case "seconds":
      return amount / 3600;
    case "days":
      return amount * 24;
    case "months":
      return amount * hoursInMonthOf(periodStartMs);
    default:
      return undefined;
  }
}

/** GiB-hours from a size-over-time quantity (GB-months use the hours of the usage month). */
export function gibHoursOf(quantity: number, unit: ParsedUnit, periodStartMs: number): number | undefined {
  const amount = quantity * unit.multiplier;
  switch (unit.dimension) {
    case "gb-months":
      return amount * hoursInMonthOf(periodStartMs);
    case "tb-months":
      return amount * GIB_PER_TIB * hoursInMonthOf(periodStartMs);
    case "gb-hours":
      return amount;
    case "gb-seconds":
      return amount / 3600;
    case "byte-seconds":
      return amount / BYTES_PER_GIB / 3600;
    default:
      return undefined;
  }
}

/** Decimal TB-hours (the canonical storage unit) from GiB-hours. */
export function tbHoursOfGibHours(gibHours: number): number {
  return gibHours * TB_PER_GIB;
}

/** GiB moved from a data quantity. */
export function gibOf(quantity: number, unit: ParsedUnit): number | undefined {
  const amount = quantity * unit.multiplier;
  switch (unit.dimension) {
    case "gb":
      return amount;
    case "tb":
      return amount * GIB_PER_TIB;
    case "bytes":
      return amount / BYTES_PER_GIB;
    default:
      return undefined;
  }
}
