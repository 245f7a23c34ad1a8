import type { PoolClient } from "pg";
import { headlineSumKeys, headlineSumsSelect, type HeadlineSums } from "@canopy/methodology";
import { addDays, addMonths, fullMonths, monthStart, toDay } from "../calendar";
import { providerMarketSource } from "./provider-figures";

/**
 * The dashboard's and the API's reads of emissions_hourly, emissions_daily and emissions_monthly under
 * the filters (providers, accounts, services, regions, tags) and a day range: the SQL is assembled from
 * the filters here, with every value a positional parameter. Tags are only on the hourly rows.
 */

/** What the filters select (an empty list: no filter on that dimension; tags as "key=value"). */
export type EmissionFilters = {
  provider: readonly string[];
  account: readonly string[];
  service: readonly string[];
  region: readonly string[];
  tag: readonly string[];
};
/** Inclusive UTC days, YYYY-MM-DD. */
export type DayRange = { from: string; to: string };
export type EmissionGranularity = "hour" | "day" | "month";
/** Which rows answered: hourly, daily rollups, or monthly rollups (plus daily ones at the edges). */
export type EmissionSource = "hourly" | "daily" | "monthly" | "monthly+daily";
type FilterDimension = "provider" | "account" | "service" | "region";

/** Collects positional parameters while SQL text is assembled. */
class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ""): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

const column: Record<FilterDimension, string> = {
  provider: "provider::text",
  account: "cloud_account_id::text",
  service: "service",
  region: "region",
};

// The headline sums (@canopy/methodology headlineSumsSelect, which include facility energy) plus water,
// per source table, then summed again over the sources.
const otherSumKeys = ["waterL"] as const;
const sums = `${headlineSumsSelect()}, coalesce(sum(water_l), 0)::float8 AS "waterL", max(currency) AS currency`;
export const emissionSumKeys = [...headlineSumKeys, ...otherSumKeys];
const resum = `${emissionSumKeys.map((k) => `sum("${k}")::float8 AS "${k}"`).join(", ")}, max(currency) AS currency`;

export type EmissionSumRow = HeadlineSums & { waterL: number; currency: string | null };

/** The dashboard's groupings (the API's, and the panels' line and provider-service). */
export type EmissionGroup =
  | "none"
  | "scope"
  | "provider"
  | "account"
  | "payer"
  | "service"
  | "region"
  | "instanceType"
  | "line"
  | "provider-service";

const groupExpression: Record<EmissionGroup, string> = {
  none: "''",
  scope: "''",
  provider: "provider::text",
  account: "cloud_account_id::text",
  // Summed per account here, then per payer in regroupByPayer (the rollups carry no payer column).
  payer: "cloud_account_id::text",
  service: "service",
  region: "provider::text || '/' || region",
  // Hourly rows only (the rollups keep no instance type).
  instanceType: "instance_type",
  // One usage line of the data-quality panel: provider, service, region and kind (unit separator).
  line: "provider::text || chr(31) || service || chr(31) || region || chr(31) || kind",
  // One service of the data-quality panel (a service name is per provider).
  "provider-service": "provider::text || chr(31) || service",
};

/**
 * The rollup rows of a range, as a derived table `r` with the dimension columns and the method
 * version: monthly rollups for the whole months, daily rollups for the days of the partial months at
 * the edges (as the figures read them, so a 12-month view scans 12 monthly partitions' rows, not 365
 * days of them).
 */
export function rollupSource(range: DayRange, p: SqlParams): string {
  const columns = "provider, cloud_account_id, service, region, methodology_version";
  const months = fullMonths(range, toDay(new Date()));
  if (months.length === 0)
    return `(SELECT ${columns} FROM emissions_daily
      WHERE day >= ${p.add(range.from, "::date")} AND day <= ${p.add(range.to, "::date")}) r`;
  const parts = [
    `SELECT ${columns} FROM emissions_monthly WHERE month = ANY(${p.add(months, "::date[]")})`,
  ];
  const afterLast = addMonths(months.at(-1)!, 1);
  if (range.from < months[0]!)
    parts.push(
      `SELECT ${columns} FROM emissions_daily WHERE day >= ${p.add(range.from, "::date")} AND day < ${p.add(months[0], "::date")}`,
    );
  if (addDays(afterLast, -1) < range.to)
    parts.push(
      `SELECT ${columns} FROM emissions_daily WHERE day >= ${p.add(afterLast, "::date")} AND day <= ${p.add(range.to, "::date")}`,
    );
  return `(${parts.join(" UNION ALL ")}) r`;
}

/** Tag filters as SQL: values of one key are alternatives (OR), different keys must all match. */
function tagConditions(tags: readonly string[], p: SqlParams, exceptKey?: string): string[] {
  const byKey = new Map<string, string[]>();
  for (const tag of tags) {
    const at = tag.indexOf("=");
    const key = tag.slice(0, at);
    if (key === exceptKey) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), tag.slice(at + 1)]);
  }
  return [...byKey].map(
    ([key, values]) =>
      `(${values.map((v) => `tags @> ${p.add(JSON.stringify({ [key]: v }), "::jsonb")}`).join(" OR ")})`,
  );
}

/**
 * WHERE conditions of the filters and the range, leaving out the filter of `except` (a filter's own
 * options follow every other filter, so more values of it stay selectable). With tags, or for tag
 * discovery, the hourly rows are read (the rollups keep no tags), else the daily rollups.
 */
function conditions(
  filters: EmissionFilters,
  range: DayRange,
  p: SqlParams,
  hourly: boolean,
  except?: FilterDimension,
  exceptTagKey?: string,
): string {
  // Without tags the range is in the FROM clause (rollupSource).
  const where = hourly
    ? [
        `hour >= ${p.add(`${range.from}T00:00:00Z`, "::timestamptz")}`,
        `hour < ${p.add(`${addDays(range.to, 1)}T00:00:00Z`, "::timestamptz")}`,
        ...tagConditions(filters.tag, p, exceptTagKey),
      ]
    : ["true"];
  if (except !== "provider" && filters.provider.length)
    where.push(`provider = ANY(${p.add(filters.provider, "::cloud_provider[]")})`);
  if (except !== "account" && filters.account.length)
    where.push(`cloud_account_id = ANY(${p.add(filters.account, "::uuid[]")})`);
  if (except !== "service" && filters.service.length)
    where.push(`service = ANY(${p.add(filters.service, "::text[]")})`);
  if (except !== "region" && filters.region.length)
    where.push(`region = ANY(${p.add(filters.region, "::text[]")})`);
  return where.join(" AND ");
}

/** Values of one dimension with emissions in the range under the other filters (no blank ones). */
export async function distinctEmissionValues(
  client: PoolClient,
  dimension: FilterDimension,
  filters: EmissionFilters,
  range: DayRange,
): Promise<string[]> {
  const p = new SqlParams();
  const hourly = filters.tag.length > 0;
  const source = hourly ? "emissions_hourly" : rollupSource(range, p);
  const where = conditions(filters, range, p, hourly, dimension);
  const result = await client.query<{ value: string }>(
    `SELECT DISTINCT ${column[dimension]} AS value FROM ${source}
     WHERE ${where} AND ${column[dimension]} <> ''`,
    p.values,
  );
  return result.rows.map((r) => r.value);
}

function filterClauses(filters: EmissionFilters, p: SqlParams): string[] {
  const where: string[] = [];
  if (filters.provider.length)
    where.push(`provider = ANY(${p.add(filters.provider, "::cloud_provider[]")})`);
  if (filters.account.length)
    where.push(`cloud_account_id = ANY(${p.add(filters.account, "::uuid[]")})`);
  if (filters.service.length) where.push(`service = ANY(${p.add(filters.service, "::text[]")})`);
  if (filters.region.length) where.push(`region = ANY(${p.add(filters.region, "::text[]")})`);
  return where;
}

/**
 * SQL yielding (period, grp, sums…) for a range: hourly rows for hour points or a tag filter, daily
 * rollups for day points, and otherwise monthly rollups for whole months plus daily rollups for
 * the partial months at the edges.
 */
function sourceSql(
  filters: EmissionFilters,
  range: DayRange,
  granularity: EmissionGranularity | "none",
  groupBy: EmissionGroup,
  today: string,
  p: SqlParams,
): { sql: string; source: EmissionSource } {
  const grp = groupExpression[groupBy];
  const where = filterClauses(filters, p);
  // Market-based in precedence order (@canopy/db providerMarketSource): the provider figures of the
  // months the range touches.
  const monthFrom = p.add(monthStart(range.from), "::date");
  const monthTo = p.add(addMonths(monthStart(range.to), 1), "::date");
  const from = (table: "emissions_hourly" | "emissions_daily" | "emissions_monthly") =>
    `${providerMarketSource(table, monthFrom, monthTo)} x`;
  const and = (extra: string[]) => [...extra, ...where].join(" AND ");

  if (filters.tag.length || granularity === "hour" || groupBy === "instanceType") {
    const period = {
      hour: `hour`,
      day: `(hour AT TIME ZONE 'UTC')::date`,
      month: `date_trunc('month', hour AT TIME ZONE 'UTC')::date`,
      none: "NULL::date",
    }[granularity];
    const conditions = [
      `hour >= ${p.add(`${range.from}T00:00:00Z`, "::timestamptz")}`,
      `hour < ${p.add(`${addDays(range.to, 1)}T00:00:00Z`, "::timestamptz")}`,
    ];
    conditions.push(...tagConditions(filters.tag, p));
    return {
      source: "hourly",
      sql: `SELECT ${period} AS period, ${grp} AS grp, ${sums} FROM ${from("emissions_hourly")} WHERE ${and(conditions)} GROUP BY 1, 2`,
    };
  }

  const dayPeriod =
    granularity === "day"
      ? `day`
      : granularity === "month"
        ? `date_trunc('month', day)::date`
        : "NULL::date";
  const months = granularity === "day" ? [] : fullMonths(range, today);
  if (months.length === 0) {
    const dayConditions = [
      `day >= ${p.add(range.from, "::date")}`,
      `day <= ${p.add(range.to, "::date")}`,
    ];
    return {
      source: "daily",
      sql: `SELECT ${dayPeriod} AS period, ${grp} AS grp, ${sums} FROM ${from("emissions_daily")} WHERE ${and(dayConditions)} GROUP BY 1, 2`,
    };
  }
  const monthList = p.add(months, "::date[]");
  const monthPeriod = granularity === "month" ? `month` : "NULL::date";
  const monthly = `SELECT ${monthPeriod} AS period, ${grp} AS grp, ${sums} FROM ${from("emissions_monthly")}
    WHERE ${and([`month = ANY(${monthList})`])} GROUP BY 1, 2`;
  // Days outside the whole months: at most the two partial edge months.
  const edges = [
    range.from < months[0]!
      ? `(day >= ${p.add(range.from, "::date")} AND day < ${p.add(months[0], "::date")})`
      : null,
    addDays(addMonths(months.at(-1)!, 1), -1) < range.to
      ? `(day >= ${p.add(addMonths(months.at(-1)!, 1), "::date")} AND day <= ${p.add(range.to, "::date")})`
      : null,
  ].filter(Boolean);
  if (edges.length === 0) return { source: "monthly", sql: monthly };
  const daily = `SELECT ${dayPeriod} AS period, ${grp} AS grp, ${sums} FROM ${from("emissions_daily")}
    WHERE ${and([`(${edges.join(" OR ")})`])} GROUP BY 1, 2`;
  return { source: "monthly+daily", sql: `${monthly} UNION ALL ${daily}` };
}

const formatPeriod: Record<EmissionGranularity | "none", string> = {
  hour: `to_char(s.period AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"')`,
  day: `to_char(s.period, 'YYYY-MM-DD')`,
  month: `to_char(s.period, 'YYYY-MM-DD')`,
  none: "''",
};

/**
 * Sums per (period, group) over the range under the filters: hourly rows for hour points, a tag
 * filter or the instance-type grouping, daily rollups for day points, else monthly rollups for whole
 * months plus daily rollups for the partial months at the edges.
 */
export async function emissionSums(
  client: PoolClient,
  filters: EmissionFilters,
  range: DayRange,
  granularity: EmissionGranularity | "none",
  groupBy: EmissionGroup,
  today: string,
): Promise<{ rows: (EmissionSumRow & { period: string; grp: string })[]; source: EmissionSource }> {
  const p = new SqlParams();
  const { sql, source } = sourceSql(filters, range, granularity, groupBy, today, p);
  const result = await client.query<EmissionSumRow & { period: string; grp: string }>(
    // Periods stay timestamps/dates while grouping (cheap); they are formatted once per output row.
    `SELECT ${formatPeriod[granularity]} AS period, grp, ${resum}
     FROM (${sql}) s GROUP BY s.period, grp ORDER BY s.period, grp`,
    p.values,
  );
  return { rows: result.rows, source };
}

/** Method versions of the rollup rows in the range under the filters (tags ignored), most used first. */
export async function emissionMethodologyVersions(
  client: PoolClient,
  filters: EmissionFilters,
  range: DayRange,
): Promise<string[]> {
  const p = new SqlParams();
  const source = rollupSource(range, p);
  const where = conditions({ ...filters, tag: [] }, range, p, false);
  const result = await client.query<{ version: string }>(
    `SELECT methodology_version AS version FROM ${source} WHERE ${where}
       GROUP BY 1 ORDER BY count(*) DESC, 1`,
    p.values,
  );
  return result.rows.map((r) => r.version);
}

/** At most this many tag keys, or values of one key, are offered (largest emissions first). */
export const MAX_TAG_OPTIONS = 200;

/** Tag keys on the hourly rows in the range under the filters (and the other tag keys' filters). */
export async function emissionTagKeys(
  client: PoolClient,
  filters: EmissionFilters,
  range: DayRange,
): Promise<string[]> {
  const p = new SqlParams();
  const where = conditions({ ...filters, tag: [] }, range, p, true);
  const result = await client.query<{ key: string }>(
    `SELECT k AS key FROM (
       SELECT jsonb_object_keys(tags) AS k, co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg AS kg
       FROM emissions_hourly WHERE ${where} AND tags <> '{}'::jsonb
     ) t GROUP BY k ORDER BY sum(kg) DESC, k LIMIT ${MAX_TAG_OPTIONS}`,
    p.values,
  );
  return result.rows.map((r) => r.key).sort((a, b) => a.localeCompare(b));
}

/** Values of one tag key in the range under the filters (other keys' tag filters apply, its own not). */
export async function emissionTagValues(
  client: PoolClient,
  filters: EmissionFilters,
  range: DayRange,
  key: string,
): Promise<string[]> {
  const p = new SqlParams();
  const where = conditions(filters, range, p, true, undefined, key);
  const keyParam = p.add(key);
  const result = await client.query<{ value: string }>(
    `SELECT tags ->> ${keyParam} AS value FROM emissions_hourly
     WHERE ${where} AND tags ? ${keyParam}
     GROUP BY 1 ORDER BY sum(co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg) DESC, 1
     LIMIT ${MAX_TAG_OPTIONS}`,
    p.values,
  );
  return result.rows.map((r) => r.value).sort((a, b) => a.localeCompare(b));
}
