import "server-only";
import { accountLabels, emissionsCurrency, type PoolClient } from "@canopy/db";
import {
  addDays,
  addMonths,
  fullMonths,
  toDay,
  type DateRange,
  type Filters,
} from "../emissions/params";
import { providerLabel } from "../format";

export type FilterOption = { value: string; label: string; hint?: string };

export type FilterOptions = {
  providers: FilterOption[];
  accounts: FilterOption[];
  services: FilterOption[];
  regions: FilterOption[];
  currency: string | null;
};

type Dimension = "provider" | "account" | "service" | "region";

const column: Record<Dimension, string> = {
  provider: "provider::text",
  account: "cloud_account_id::text",
  service: "service",
  region: "region",
};

/** At most this many tag keys, or values of one key, are offered (largest emissions first). */
export const MAX_TAG_OPTIONS = 200;

export class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ""): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/**
 * The rollup rows of a range, as a derived table `r` with the dimension columns and the method
 * version: monthly rollups for the whole months, daily rollups for the days of the partial months at
 * the edges (as the figures read them, so a 12-month view scans 12 monthly partitions' rows, not 365
 * days of them).
 */
export function rollupSource(range: Pick<DateRange, "from" | "to">, p: Params): string {
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

/** Tag filters: values of one key are alternatives, different keys must all match. */
function tagConditions(tags: string[], p: Params, exceptKey?: string): string[] {
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
export function conditions(
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
  p: Params,
  hourly: boolean,
  except?: Dimension,
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

async function distinctValues(
  client: PoolClient,
  dimension: Dimension,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
): Promise<string[]> {
  const p = new Params();
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

const byLabel = (a: FilterOption, b: FilterOption) =>
  a.label.localeCompare(b.label) || a.value.localeCompare(b.value);

/**
 * The values the dashboard's filters offer: those with emissions in the range under the other
 * filters (no blank region: usage without a region is still counted, it just cannot be picked).
 * A selected value stays offered even when the other filters exclude it, so it can be removed.
 */
export async function filterOptions(
  client: PoolClient,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
): Promise<FilterOptions> {
  const [providers, accountIds, services, regions] = [
    await distinctValues(client, "provider", filters, range),
    await distinctValues(client, "account", filters, range),
    await distinctValues(client, "service", filters, range),
    await distinctValues(client, "region", filters, range),
  ];
  const keep = (values: string[], selected: string[]) => [...new Set([...values, ...selected])];
  const accounts = await accountLabels(client, keep(accountIds, filters.account));
  const currency = await emissionsCurrency(client);
  return {
    providers: keep(providers, filters.provider)
      .map((value) => ({ value, label: providerLabel(value) }))
      .sort(byLabel),
    accounts: accounts
      .map((a) => ({ value: a.id, label: a.name, hint: `${providerLabel(a.provider)} ${a.pid}` }))
      .sort(byLabel),
    services: keep(services, filters.service)
      .map((value) => ({ value, label: value }))
      .sort(byLabel),
    regions: keep(regions, filters.region)
      .map((value) => ({ value, label: value }))
      .sort(byLabel),
    currency,
  };
}

/** Tag keys on the hourly rows in the range under the filters (and the other tag keys' filters). */
export async function tagKeys(
  client: PoolClient,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
): Promise<string[]> {
  const p = new Params();
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
export async function tagValues(
  client: PoolClient,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
  key: string,
): Promise<string[]> {
  const p = new Params();
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
