import { z } from "zod";
import { addDays, addMonths, fullMonths, monthStart, toDay } from "@canopy/db/calendar";

/** Dashboard and API filters: one schema, so a dashboard URL and an API query mean the same thing. */
export const GRANULARITIES = ["hour", "day", "month"] as const;
export const GROUP_BYS = [
  "none",
  "provider",
  "account",
  "payer",
  "service",
  "region",
  "instanceType",
  "scope",
] as const;
import { providers } from "@canopy/methodology/providers";

export const PROVIDERS = providers;
export type Granularity = (typeof GRANULARITIES)[number];
export type GroupBy = (typeof GROUP_BYS)[number];

/** Hourly rows are read only for ranges up to this many days. */
export const MAX_HOURLY_DAYS = 14;
const MAX_RANGE_DAYS = 366 * 5;

/** Years a date parameter may name: anything else is a typo, not a query (and PostgreSQL's range ends). */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2100;

/** A real calendar date (2024-02-30 is not one) as YYYY-MM-DD, in MIN_YEAR..MAX_YEAR. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "A date as YYYY-MM-DD.")
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, "Not a calendar date.")
  .refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= MIN_YEAR && year <= MAX_YEAR;
  }, `A year from ${MIN_YEAR} to ${MAX_YEAR}.`);

/**
 * Text a parameter may carry: no NUL or other control characters, no lone UTF-16 surrogates (neither
 * can be stored or compared by PostgreSQL).
 */
export const safeText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine(
      (value) => !/\p{Cc}/u.test(value) && value.isWellFormed(),
      "Contains characters that are not allowed (control characters or invalid Unicode).",
    );

/** A repeated or comma-separated query parameter, as a list. */
const list = <T extends z.ZodType>(item: T, split = true) =>
  z
    .preprocess(
      (value) =>
        value === undefined || value === ""
          ? []
          : (Array.isArray(value) ? value : [value]).flatMap((v) =>
              (split ? String(v).split(",") : [String(v)]).map((s) => s.trim()).filter(Boolean),
            ),
      z.array(item).max(50, "At most 50 values."),
    )
    .default([]) as unknown as z.ZodDefault<z.ZodArray<T>>;

export const filtersSchema = z.object({
  from: isoDate.optional().describe("First day, inclusive (UTC). Default: 12 months before `to`."),
  to: isoDate.optional().describe("Last day, inclusive (UTC). Default: the last day with data."),
  provider: list(z.enum(PROVIDERS)).describe("aws, azure or gcp; repeat or comma-separate."),
  account: list(z.uuid("A cloud account id (UUID).")).describe("Cloud account ids."),
  service: list(safeText(1, 200)).describe("Service names, e.g. AmazonEC2."),
  region: list(safeText(1, 100)).describe("Region codes, e.g. eu-west-1."),
  // Not comma-separated: a tag value may contain commas.
  tag: list(
    safeText(2, 400).regex(/^[^=]{1,128}=.{0,256}$/, "A tag as key=value."),
    false,
  ).describe(
    "Only usage carrying these tags (key=value; repeat the parameter): values of one key are alternatives, different keys must all match. Reads hourly rows.",
  ),
});

export const seriesQuerySchema = filtersSchema.extend({
  granularity: z.enum(GRANULARITIES).default("month").describe("Width of each point."),
  groupBy: z
    .enum(GROUP_BYS)
    .default("provider")
    .describe(
      "Stacked breakdown. `payer` groups accounts by their payer / billing account (AWS payer account, Azure billing account, GCP billing account); an account without one is its own group.",
    ),
});

export const breakdownQuerySchema = filtersSchema.extend({
  groupBy: z
    .enum(GROUP_BYS)
    .exclude(["none"])
    .default("service")
    .describe(
      "Group of each row. `payer` groups accounts by their payer / billing account; an account without one is its own group.",
    ),
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export type Filters = z.infer<typeof filtersSchema>;
export type SeriesQuery = z.infer<typeof seriesQuerySchema>;
export type BreakdownQuery = z.infer<typeof breakdownQuerySchema>;

/** URLSearchParams (or Next's searchParams object) as input for the schemas above. */
export function searchParamsToObject(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const entries =
    params instanceof URLSearchParams
      ? [...params.keys()].map((key) => [key, params.getAll(key)] as const)
      : Object.entries(params);
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue;
    out[key] = values.length === 1 ? values[0]! : [...values];
  }
  return out;
}

export type DateRange = { from: string; to: string; days: number };

const dayMs = 86_400_000;
export { addDays, addMonths, fullMonths, monthStart, toDay };
export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs) + 1;

/**
 * The inclusive day range of a query. Without `to`, the last day with data (or today); without
 * `from`, the first day of the month eleven months before `to`: a 12-month view.
 */
export function resolveRange(
  filters: Pick<Filters, "from" | "to">,
  lastDataDay: string | null,
  today: string,
): DateRange {
  const to = filters.to ?? lastDataDay ?? today;
  const from = filters.from ?? addMonths(monthStart(to), -11);
  return { from, to, days: daysBetween(from, to) };
}

/** Field errors of a range that cannot be served, or null. */
export function rangeProblems(
  range: DateRange,
  granularity?: Granularity,
): Record<string, string[]> | null {
  if (range.days < 1) return { to: ["`to` must not be before `from`."] };
  if (range.days > MAX_RANGE_DAYS) return { from: ["A range covers at most 5 years."] };
  if (granularity === "hour" && range.days > MAX_HOURLY_DAYS) {
    return {
      granularity: [
        `Hourly points are available for ranges of up to ${MAX_HOURLY_DAYS} days; choose day or month.`,
      ],
    };
  }
  return null;
}

/**
 * Which chart periods the range covers only in part (a month cut by the range's first or last day)
 * or that are still in progress (ending today or later, UTC). Hours are never partial.
 */
export function partialPeriods(
  periods: string[],
  granularity: string,
  range: { from: string; to: string },
  today: string,
): boolean[] {
  return periods.map((period) => {
    if (granularity === "month") {
      const last = addDays(addMonths(period, 1), -1);
      return period < range.from || last > range.to || last >= today;
    }
    if (granularity === "day") return period >= today;
    return false;
  });
}
