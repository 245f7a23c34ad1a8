import type { PoolClient } from "pg";
import { providerMarketSource } from "./provider-figures";

/**
 * Reads of the emission rollups (emissions_hourly, emissions_daily, emissions_monthly) for reports.
 * Every function runs on a client inside `withTenantClient`, so row-level security limits it to one
 * organization; the account filter narrows it to the boundary. Emissions are read through
 * providerMarketSource, so co2eMarketKg is market-based in precedence order (provider-reported where
 * Canopy has the figure, else estimated), as on the dashboard.
 */

/** The quantities every report row carries (emission rollup sums). Names carry units. */
export type EmissionMeasures = {
  /** Energy at the servers. */
  kwhIt: number;
  /** Energy including data-centre overhead (PUE). */
  kwhFacility: number;
  /** Electricity emissions, location-based (the provider's Scope 2, location-based). */
  co2eLocationKg: number;
  /**
   * Electricity emissions, market-based (the provider's Scope 2, market-based): provider-reported where
   * Canopy has the provider's figure for the month, else estimated from contractual coverage and
   * residual mix (locked versions before the precedence existed: estimated only).
   */
  co2eMarketKg: number;
  /** Embodied hardware emissions (the provider's Scope 3, server manufacturing). */
  co2eEmbodiedKg: number;
  waterL: number;
  /** CO2e (location-based operational and embodied) whose inputs include a default factor. */
  co2eOnDefaultsKg: number;
  /** Spend-based CO2e of usage without an energy model (@canopy/methodology completeness.ts). */
  co2eSpendBasedKg: number;
  /** Sums of every row's low and high total CO2e (location-based basis). */
  co2eLowKg: number;
  co2eHighKg: number;
};

const measureSums = `coalesce(sum(kwh_it), 0)::float8 AS "kwhIt", coalesce(sum(kwh_facility), 0)::float8 AS "kwhFacility",
  coalesce(sum(co2e_location_kg), 0)::float8 AS "co2eLocationKg", coalesce(sum(co2e_market_precedence_kg), 0)::float8 AS "co2eMarketKg",
  coalesce(sum(co2e_embodied_kg), 0)::float8 AS "co2eEmbodiedKg", coalesce(sum(water_l), 0)::float8 AS "waterL",
  coalesce(sum(co2e_on_defaults_kg), 0)::float8 AS "co2eOnDefaultsKg",
  coalesce(sum(co2e_spend_based_kg), 0)::float8 AS "co2eSpendBasedKg", coalesce(sum(co2e_low_kg), 0)::float8 AS "co2eLowKg",
  coalesce(sum(co2e_high_kg), 0)::float8 AS "co2eHighKg"`;

export type MonthlyRow = EmissionMeasures & {
  month: string;
  cloudAccountId: string;
  provider: string;
  service: string;
  region: string;
  kind: string;
  /** Total cost of the row (cost_amount). */
  spendAmount: number;
  /** Parts of it estimated from spend and out of scope (see @canopy/methodology costPartsOf). */
  costSpendBasedAmount: number;
  costOutOfScopeAmount: number;
  currency: string | null;
  /** The provider-reported part of co2eMarketKg. */
  co2eMarketReportedKg: number;
  /** Canopy's own market-based estimate (co2e_market_kg): what provider figures are compared with. */
  co2eMarketEstimateKg: number;
  /** A provider figure covers the row (co2eMarketKg is provider-reported, not estimated). */
  marketReported: boolean;
  /** Facility kWh estimated with the hour's grid intensity, and spread from daily or monthly usage. */
  kwhHourlyGrid: number;
  kwhDisaggregated: number;
};

/** emissions_monthly rows of the boundary for months in [fromMonth, toMonth). */
export async function loadMonthlyRows(
  client: PoolClient,
  fromMonth: string,
  toMonth: string,
  accountIds: string[],
): Promise<MonthlyRow[]> {
  const result = await client.query<MonthlyRow>(
    `SELECT to_char(month, 'YYYY-MM-DD') AS month, cloud_account_id AS "cloudAccountId", provider::text AS provider, service,
            region, kind, kwh_it AS "kwhIt", kwh_facility AS "kwhFacility", co2e_location_kg AS "co2eLocationKg",
            co2e_market_precedence_kg AS "co2eMarketKg", co2e_market_reported_kg AS "co2eMarketReportedKg",
            market_reported AS "marketReported", co2e_market_kg AS "co2eMarketEstimateKg", co2e_embodied_kg AS "co2eEmbodiedKg", water_l AS "waterL",
            co2e_on_defaults_kg AS "co2eOnDefaultsKg", co2e_spend_based_kg AS "co2eSpendBasedKg",
            co2e_low_kg AS "co2eLowKg", co2e_high_kg AS "co2eHighKg", coalesce(cost_amount, 0)::float8 AS "spendAmount",
            cost_spend_based_amount::float8 AS "costSpendBasedAmount",
            cost_out_of_scope_amount::float8 AS "costOutOfScopeAmount", currency,
            kwh_hourly_grid AS "kwhHourlyGrid", kwh_disaggregated AS "kwhDisaggregated"
     FROM ${providerMarketSource("emissions_monthly", "$1", "$2")} x
     WHERE month >= $1::date AND month < $2::date AND cloud_account_id = ANY($3::uuid[])
     ORDER BY month, cloud_account_id, service, region, kind`,
    [fromMonth, toMonth, accountIds],
  );
  return result.rows;
}

export type HourlyGroup = EmissionMeasures & {
  methodologyVersion: string;
  /** Values of the requested tag keys, in order; null when the row has no such tag. */
  tagValues: (string | null)[];
  rows: number;
};

// The provider figures of the months the hourly period touches ([start, end) as timestamps).
const hourlyMonthFrom = "(date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC'))";
const hourlyMonthTo = "($2::timestamptz AT TIME ZONE 'UTC')";

/**
 * One pass over emissions_hourly for the period: row counts and sums by methodology version and by
 * the requested tag keys (grouped together, then rolled up per key by the caller). It checks the
 * rollups and gives the tag breakdowns, which the rollups do not carry.
 */
export async function scanHourly(
  client: PoolClient,
  start: string,
  end: string,
  accountIds: string[],
  tagKeys: string[],
): Promise<HourlyGroup[]> {
  const tagColumns = tagKeys.map((_, i) => `tags ->> $${i + 4} AS "tag${i}"`);
  const groupBy = ["methodology_version", ...tagKeys.map((_, i) => `"tag${i}"`)].join(", ");
  const result = await client.query<Record<string, unknown>>(
    `SELECT methodology_version AS "methodologyVersion", ${tagColumns.map((c) => `${c}, `).join("")}
            count(*)::float8 AS rows, ${measureSums}
     FROM ${providerMarketSource("emissions_hourly", hourlyMonthFrom, hourlyMonthTo)} x
     WHERE hour >= $1::timestamptz AND hour < $2::timestamptz AND cloud_account_id = ANY($3::uuid[])
     GROUP BY ${groupBy}`,
    [start, end, accountIds, ...tagKeys],
  );
  return result.rows.map((row) => ({
    methodologyVersion: row.methodologyVersion as string,
    tagValues: tagKeys.map((_, i) => (row[`tag${i}`] as string | null) ?? null),
    rows: row.rows as number,
    kwhIt: row.kwhIt as number,
    kwhFacility: row.kwhFacility as number,
    co2eLocationKg: row.co2eLocationKg as number,
    co2eMarketKg: row.co2eMarketKg as number,
    co2eEmbodiedKg: row.co2eEmbodiedKg as number,
    waterL: row.waterL as number,
    co2eOnDefaultsKg: row.co2eOnDefaultsKg as number,
    co2eSpendBasedKg: row.co2eSpendBasedKg as number,
    co2eLowKg: row.co2eLowKg as number,
    co2eHighKg: row.co2eHighKg as number,
  }));
}

/** Days with any emissions per month in [fromMonth, toMonth), from the daily rollups. */
export async function loadDataDays(
  client: PoolClient,
  fromMonth: string,
  toMonth: string,
  accountIds: string[],
): Promise<Map<string, number>> {
  const result = await client.query<{ month: string; days: number }>(
    `SELECT to_char(date_trunc('month', day), 'YYYY-MM-DD') AS month, count(DISTINCT day)::int AS days
     FROM emissions_daily WHERE day >= $1::date AND day < $2::date AND cloud_account_id = ANY($3::uuid[])
     GROUP BY 1`,
    [fromMonth, toMonth, accountIds],
  );
  return new Map(result.rows.map((row) => [row.month, row.days]));
}

/** First and last month with emissions (YYYY-MM-DD month starts), of the boundary or the whole organization; null without any. */
export async function loadDataSpan(
  client: PoolClient,
  accountIds: string[] | null,
): Promise<{ firstMonth: string; lastMonth: string } | null> {
  const result = await client.query<{ first: string | null; last: string | null }>(
    `SELECT to_char(min(month), 'YYYY-MM-DD') AS first, to_char(max(month), 'YYYY-MM-DD') AS last
     FROM emissions_monthly WHERE ($1::uuid[] IS NULL OR cloud_account_id = ANY($1::uuid[]))`,
    [accountIds],
  );
  const row = result.rows[0];
  return row?.first && row.last ? { firstMonth: row.first, lastMonth: row.last } : null;
}

/**
 * Tag keys on the organization's emissions, most frequent first: what the report form offers to break
 * down by (cost centre, team…). Reads a sample of the hourly rows of the last month with data (the
 * table is large; keys rarely differ between months), so it stays fast on years of history.
 */
export async function loadTagKeys(
  client: PoolClient,
  lastMonth: string,
  limit = 30,
): Promise<{ key: string; rows: number }[]> {
  const result = await client.query<{ key: string; rows: number }>(
    `SELECT k AS key, count(*)::int AS rows
     FROM (SELECT tags FROM emissions_hourly
           WHERE hour >= $1::date AND hour < ($1::date + interval '1 month') AND tags <> '{}'::jsonb
           LIMIT 100000) t,
          jsonb_object_keys(t.tags) k
     GROUP BY k ORDER BY count(*) DESC, k LIMIT $2`,
    [lastMonth, limit],
  );
  return result.rows;
}

/**
 * For an import's accounts and span: location-based CO2e of the hourly rows over the span's whole UTC
 * days, of the daily rollups over the same days, and the hourly row count within the span itself
 * (whether estimation and rollups have caught up with it).
 */
export async function importSpanTotals(
  client: PoolClient,
  accountIds: string[],
  span: { start: string; end: string },
): Promise<{ hourly: number; daily: number; rows: number }> {
  const result = await client.query<{ hourly: number; daily: number; rows: number }>(
    `WITH days AS (
         SELECT ($2::timestamptz AT TIME ZONE 'UTC')::date AS first_day,
                (($3::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1 AS end_day)
       SELECT (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_hourly, days
                WHERE cloud_account_id = ANY($1::uuid[]) AND hour >= first_day::timestamp AT TIME ZONE 'UTC'
                  AND hour < end_day::timestamp AT TIME ZONE 'UTC') AS hourly,
              (SELECT count(*) FROM emissions_hourly
                WHERE cloud_account_id = ANY($1::uuid[]) AND hour >= $2::timestamptz AND hour < $3::timestamptz)::int AS rows,
              (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_daily, days
                WHERE cloud_account_id = ANY($1::uuid[]) AND day >= first_day AND day < end_day) AS daily`,
    [accountIds, span.start, span.end],
  );
  return result.rows[0]!;
}

/** The tenant's regions with emissions (monthly rollups): months covered and facility kWh, most energy first. */
export async function regionsWithEmissions<Provider extends string>(
  client: PoolClient,
): Promise<
  {
    provider: Provider;
    region: string;
    firstMonth: string;
    lastMonth: string;
    kwhFacility: number;
  }[]
> {
  const { rows } = await client.query<{
    provider: Provider;
    region: string;
    firstMonth: string;
    lastMonth: string;
    kwhFacility: number;
  }>(
    `SELECT provider::text AS provider, region, to_char(min(month), 'YYYY-MM') AS "firstMonth",
            to_char(max(month), 'YYYY-MM') AS "lastMonth", sum(kwh_facility)::float8 AS "kwhFacility"
     FROM emissions_monthly GROUP BY provider, region
     ORDER BY sum(kwh_facility) DESC, provider, region`,
  );
  return rows;
}

/** Whether the tenant has any emissions in the provider's region. */
export async function regionHasEmissions(
  client: PoolClient,
  provider: string,
  region: string,
): Promise<boolean> {
  const used = await client.query(
    "SELECT 1 FROM emissions_monthly WHERE provider = $1 AND region = $2 LIMIT 1",
    [provider, region],
  );
  return used.rowCount !== 0;
}

/** The latest month with an estimate or a provider figure, not after `notAfterMonth` (YYYY-MM-DD). */
export async function latestMonthWithFigures(
  client: PoolClient,
  notAfterMonth: string,
): Promise<string | null> {
  const { rows } = await client.query<{ month: string | null }>(
    `SELECT to_char(greatest((SELECT max(month) FROM emissions_monthly WHERE month <= $1::date),
                             (SELECT max(month) FROM provider_reported_emissions WHERE month <= $1::date)),
                    'YYYY-MM-DD') AS month`,
    [notAfterMonth],
  );
  return rows[0]?.month ?? null;
}

/** The first day with daily emissions (YYYY-MM-DD), or null without any. */
export async function firstEmissionsDay(client: PoolClient): Promise<string | null> {
  const result = await client.query<{ day: string | null }>(
    "SELECT to_char(min(day), 'YYYY-MM-DD') AS day FROM emissions_daily",
  );
  return result.rows[0]?.day ?? null;
}

/** The last day with daily emissions (YYYY-MM-DD), or null without any. */
export async function lastEmissionsDay(client: PoolClient): Promise<string | null> {
  const result = await client.query<{ day: string | null }>(
    "SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM emissions_daily",
  );
  return result.rows[0]?.day ?? null;
}

/** The currency of the tenant's monthly rollups (the greatest when several), or null. */
export async function emissionsCurrency(client: PoolClient): Promise<string | null> {
  const currency = await client.query<{ currency: string | null }>(
    "SELECT max(currency) AS currency FROM emissions_monthly",
  );
  return currency.rows[0]?.currency ?? null;
}

/** Emission totals of accounts over a span, from the daily rollups (the whole UTC days it touches). */
export type SpanEmissionTotals = {
  kwhFacility: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  co2eEmbodiedKg: number;
  waterL: number;
};

export async function spanEmissionTotals(
  client: PoolClient,
  accountIds: readonly string[],
  span: { start: string; end: string },
): Promise<SpanEmissionTotals> {
  const result = await client.query<SpanEmissionTotals>(
    `SELECT coalesce(sum(kwh_facility), 0) AS "kwhFacility", coalesce(sum(co2e_location_kg), 0) AS "co2eLocationKg",
              coalesce(sum(co2e_market_kg), 0) AS "co2eMarketKg", coalesce(sum(co2e_embodied_kg), 0) AS "co2eEmbodiedKg",
              coalesce(sum(water_l), 0) AS "waterL"
       FROM emissions_daily
       WHERE cloud_account_id = ANY($1::uuid[]) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
         AND day < (($3::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1`,
    [accountIds, span.start, span.end],
  );
  return result.rows[0]!;
}

/** The tenant's estimate per provider and month (YYYY-MM-01), `from` inclusive, `to` exclusive. */
export async function monthlyEmissionsByProvider<Provider extends string>(
  client: PoolClient,
  range: { from: string; to: string },
): Promise<
  { provider: Provider; month: string; location: number; market: number; embodied: number }[]
> {
  const ours = await client.query<{
    provider: Provider;
    month: string;
    location: number;
    market: number;
    embodied: number;
  }>(
    `SELECT provider::text AS provider, to_char(month, 'YYYY-MM-DD') AS month, sum(co2e_location_kg)::float8 AS location,
            sum(co2e_market_kg)::float8 AS market, sum(co2e_embodied_kg)::float8 AS embodied
     FROM emissions_monthly WHERE month >= $1::date AND month < $2::date GROUP BY 1, 2`,
    [range.from, range.to],
  );
  return ours.rows;
}
