import type { PoolClient } from "pg";
import { providerMarketSource } from "./provider-figures";

/**
 * Daily total CO2e series per scope, the input of spike detection, budgets and targets. Total means
 * the headline total (@canopy/methodology headlines.ts): electricity (location-based, or market-based
 * in precedence order) + embodied hardware + spend-based. Organization, account and service series
 * come from emissions_daily; tag series from emissions_hourly (the rollups keep no tags).
 */

export type EmissionBasis = "location" | "market";
export type SeriesScopeType = "organization" | "account" | "service" | "tag";

export type ScopeSeries = {
  scopeType: SeriesScopeType;
  /** Account id, service name, "key=value"; "" for the organization. */
  scopeKey: string;
  scopeLabel: string;
  points: { day: string; co2eKg: number }[];
};

/** The headline total of a row of an emissions table read through providerMarketSource (alias x). */
export const totalKgSql = (basis: EmissionBasis, alias = "x") =>
  `(${basis === "market" ? `${alias}.co2e_market_precedence_kg` : `${alias}.co2e_location_kg`} + ${alias}.co2e_embodied_kg + ${alias}.co2e_spend_based_kg)`;

const monthStart = (day: string) => `${day.slice(0, 7)}-01`;
const nextMonthStart = (day: string) => {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
};

/** An organization-wide or per-tag daily series over [from, to) (ISO days); days without rows are absent. */
export async function dailyTotals(
  client: PoolClient,
  range: { from: string; to: string },
  basis: EmissionBasis,
  tag?: { key: string; value: string },
): Promise<{ day: string; co2eKg: number }[]> {
  const params = [range.from, range.to, monthStart(range.from), nextMonthStart(range.to)];
  const { rows } = tag
    ? await client.query<{ day: string; kg: number }>(
        `SELECT to_char((x.hour AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, sum(${totalKgSql(basis)})::float8 AS kg
         FROM ${providerMarketSource("emissions_hourly", "$3::date", "$4::date")} x
         WHERE x.hour >= $1::date AND x.hour < $2::date AND x.tags ->> $5 = $6
         GROUP BY 1 ORDER BY 1`,
        [...params, tag.key, tag.value],
      )
    : await client.query<{ day: string; kg: number }>(
        `SELECT to_char(x.day, 'YYYY-MM-DD') AS day, sum(${totalKgSql(basis)})::float8 AS kg
         FROM ${providerMarketSource("emissions_daily", "$3::date", "$4::date")} x
         WHERE x.day >= $1::date AND x.day < $2::date
         GROUP BY 1 ORDER BY 1`,
        params,
      );
  return rows.map((row) => ({ day: row.day, co2eKg: row.kg }));
}

/**
 * Every scope's daily series over [from, to): the organization, each account, each service, and the
 * `maxTagSeries` largest tag values (by total over the range) of the tenant's tag keys.
 */
export async function scopeSeries(
  client: PoolClient,
  range: { from: string; to: string },
  basis: EmissionBasis,
  options: { maxTagSeries?: number } = {},
): Promise<ScopeSeries[]> {
  const params = [range.from, range.to, monthStart(range.from), nextMonthStart(range.to)];
  const source = providerMarketSource("emissions_daily", "$3::date", "$4::date");
  const { rows } = await client.query<{
    scope_type: SeriesScopeType;
    scope_key: string;
    scope_label: string;
    day: string;
    kg: number;
  }>(
    `WITH d AS (
       SELECT x.day, x.cloud_account_id, x.service, ${totalKgSql(basis)} AS kg FROM ${source} x
       WHERE x.day >= $1::date AND x.day < $2::date)
     SELECT 'organization' AS scope_type, '' AS scope_key, 'Organization' AS scope_label,
            to_char(day, 'YYYY-MM-DD') AS day, sum(kg)::float8 AS kg FROM d GROUP BY day
     UNION ALL
     SELECT 'account', d.cloud_account_id::text, max(a.display_name || ' (' || a.provider || ' ' || a.provider_account_id || ')'),
            to_char(day, 'YYYY-MM-DD'), sum(kg)::float8
     FROM d JOIN cloud_accounts a ON a.id = d.cloud_account_id GROUP BY d.cloud_account_id, day
     UNION ALL
     SELECT 'service', service, service, to_char(day, 'YYYY-MM-DD'), sum(kg)::float8 FROM d GROUP BY service, day`,
    params,
  );
  const maxTagSeries = options.maxTagSeries ?? 200;
  const tags =
    maxTagSeries > 0
      ? await client.query<{ tag: string; day: string; kg: number }>(
          `WITH t AS (
             SELECT kv.key || '=' || kv.value AS tag, (x.hour AT TIME ZONE 'UTC')::date AS day,
                    ${totalKgSql(basis)} AS kg
             FROM ${providerMarketSource("emissions_hourly", "$3::date", "$4::date")} x,
                  jsonb_each_text(x.tags) kv
             WHERE x.hour >= $1::date AND x.hour < $2::date AND x.tags <> '{}'::jsonb),
           top AS (SELECT tag FROM t GROUP BY tag ORDER BY sum(kg) DESC LIMIT $5)
           SELECT t.tag, to_char(t.day, 'YYYY-MM-DD') AS day, sum(t.kg)::float8 AS kg
           FROM t JOIN top USING (tag) GROUP BY t.tag, t.day`,
          [...params, maxTagSeries],
        )
      : { rows: [] };
  const byScope = new Map<string, ScopeSeries>();
  const add = (
    scopeType: SeriesScopeType,
    scopeKey: string,
    label: string,
    day: string,
    kg: number,
  ) => {
    const key = `${scopeType}\u0000${scopeKey}`;
    let series = byScope.get(key);
    if (!series) {
      series = { scopeType, scopeKey, scopeLabel: label, points: [] };
      byScope.set(key, series);
    }
    series.points.push({ day, co2eKg: kg });
  };
  for (const row of rows) add(row.scope_type, row.scope_key, row.scope_label, row.day, row.kg);
  for (const row of tags.rows) add("tag", row.tag, `tag ${row.tag}`, row.day, row.kg);
  for (const series of byScope.values()) series.points.sort((a, b) => a.day.localeCompare(b.day));
  return [...byScope.values()];
}

/** The days of [from, to) as a dense array of kg (0 where a day has no rows). */
export function denseDays(
  points: readonly { day: string; co2eKg: number }[],
  from: string,
  to: string,
): number[] {
  const byDay = new Map(points.map((p) => [p.day, p.co2eKg]));
  const out: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(byDay.get(new Date(t).toISOString().slice(0, 10)) ?? 0);
  return out;
}
