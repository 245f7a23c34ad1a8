import type { PoolClient } from "pg";
import { packProviders as providers } from "@canopy/methodology";

/**
 * Providers' own monthly carbon figures (provider_reported_emissions) read against Canopy's estimate:
 * which figures count, what each is compared with, the provider-reported market-based figure
 * allocated to Canopy's rows, and the calibrated view (methodology.md sections 5.1 and 13.1).
 * One module, so the reconciliation page, the API, the reports and the dashboard read the same thing.
 */

export type ProviderName = "aws" | "azure" | "gcp";
export type ReportedScope =
  "scope1" | "scope2-location" | "scope2-market" | "scope3" | "total" | "total-market";
export type CanopyMeasure = "co2eLocationKg" | "co2eMarketKg" | "co2eEmbodiedKg";
export type Basis = "location" | "market" | "embodied";

export type Comparison = {
  basis: Basis;
  reportedScope: ReportedScope;
  /** The Canopy figures whose sum is put beside the provider's. */
  canopyMeasures: CanopyMeasure[];
  label: string;
};

/** The major number of a model version ("v3.0.0" → 3, "15" → 15, none → 0). */
const majorOf = (modelVersion: string | null) => Number(/(\d+)/.exec(modelVersion ?? "")?.[1] ?? 0);

/**
 * Like with like (methodology.md section 13): each provider figure and the Canopy figures it is
 * compared with. AWS's totals include Scope 3 from model v3.0.0 on, so Canopy's embodied is added
 * from then; Azure's Scope 1+2+3 sum, market-based by Microsoft's method, is compared with market-based
 * + embodied, and its Scope 2 and Scope 3 (one request each) with market-based and embodied (on the
 * page and in reports alike). GCP's and Azure's Scope 1 have no Canopy figure.
 */
export function comparisonsFor(provider: ProviderName, modelVersion: string | null): Comparison[] {
  if (provider === "aws") {
    const withScope3 = majorOf(modelVersion) >= 3;
    const scopes = withScope3 ? "Scope 1 + 2 + 3" : "Scope 1 + 2";
    const embodied = withScope3 ? " + embodied" : "";
    return [
      {
        basis: "location",
        reportedScope: "total",
        canopyMeasures: withScope3 ? ["co2eLocationKg", "co2eEmbodiedKg"] : ["co2eLocationKg"],
        label: `AWS total, location-based (${scopes}) ↔ Canopy electricity, location-based${embodied}`,
      },
      {
        basis: "market",
        reportedScope: "total-market",
        canopyMeasures: withScope3 ? ["co2eMarketKg", "co2eEmbodiedKg"] : ["co2eMarketKg"],
        label: `AWS total, market-based (${scopes}) ↔ Canopy electricity, market-based${embodied}`,
      },
    ];
  }
  if (provider === "gcp") {
    return [
      {
        basis: "location",
        reportedScope: "scope2-location",
        canopyMeasures: ["co2eLocationKg"],
        label: "GCP Scope 2, location-based ↔ Canopy electricity, location-based",
      },
      {
        basis: "market",
        reportedScope: "scope2-market",
        canopyMeasures: ["co2eMarketKg"],
        label: "GCP Scope 2, market-based ↔ Canopy electricity, market-based (estimated)",
      },
      {
        basis: "embodied",
        reportedScope: "scope3",
        canopyMeasures: ["co2eEmbodiedKg"],
        label:
          "GCP Scope 3 ↔ Canopy embodied hardware (servers only; provider Scope 3 also covers buildings and networks)",
      },
    ];
  }
  // Azure's figures come one scope per request (Scope 1, 2, 3) plus their sum; older imports have the
  // sum alone, and a comparison shows only where its scope is stored.
  return [
    {
      basis: "market",
      reportedScope: "total",
      canopyMeasures: ["co2eMarketKg", "co2eEmbodiedKg"],
      label:
        "Azure Scope 1 + 2 + 3, one sum (Microsoft's method, market-based) ↔ Canopy electricity, market-based + embodied",
    },
    {
      basis: "market",
      reportedScope: "scope2-market",
      canopyMeasures: ["co2eMarketKg"],
      label: "Azure Scope 2 (Microsoft's method, market-based) ↔ Canopy electricity, market-based",
    },
    {
      basis: "embodied",
      reportedScope: "scope3",
      canopyMeasures: ["co2eEmbodiedKg"],
      label:
        "Azure Scope 3 ↔ Canopy embodied hardware (servers only; Microsoft's Scope 3 also covers buildings, transport and end of life)",
    },
  ];
}

/**
 * The one headline comparison per provider × month: the provider's total beside the Canopy figures
 * of the same boundary (GCP: Scope 1 + 2 LBM + 3 ↔ location-based + embodied).
 */
export function headlineComparison(
  provider: ProviderName,
  modelVersion: string | null,
): { reportedScopes: ReportedScope[]; canopyMeasures: CanopyMeasure[]; label: string } {
  if (provider === "gcp")
    return {
      reportedScopes: ["scope1", "scope2-location", "scope3"],
      canopyMeasures: ["co2eLocationKg", "co2eEmbodiedKg"],
      label: "GCP Scope 1 + Scope 2 location-based + Scope 3",
    };
  const first = comparisonsFor(provider, modelVersion)[0]!;
  return {
    reportedScopes: [first.reportedScope],
    canopyMeasures: first.canopyMeasures,
    label:
      provider === "aws"
        ? `AWS total, location-based (Scope 1 + 2 LBM${majorOf(modelVersion) >= 3 ? " + 3" : ""})`
        : "Azure Scope 1 + 2 + 3, one summed figure (Microsoft's method, market-based)",
  };
}

/** Reported scopes whose boundary is the provider's Scope 2 market-based electricity and nothing else. */
export const marketBasedScopes: readonly ReportedScope[] = ["scope2-market"];

/**
 * SQL selecting the figures that count for months in [from, to): per provider × provider account ×
 * month, the newest model version (numeric-aware: v10 > v9) and of it the copy fetched last (a payer
 * and a member account connected side by side both fetch the member's figures). Adds the match keys
 * (lower-cased account, region and service; '' = the figure does not break it down).
 */
function countedFiguresSql(from: string, to: string): string {
  return `SELECT id, provider, provider_account_id, account_key, month, region, service, region_key, service_key,
            scope, co2e_kg, source, model_version
     FROM (
       SELECT p.*, dense_rank() OVER (
                PARTITION BY p.provider, p.account_key, p.month
                ORDER BY p.model_key DESC, p.model DESC, p.batch_at DESC, p.batch_account, p.source) AS pick
       FROM (
         SELECT e.id, e.provider::text AS provider, e.provider_account_id, lower(e.provider_account_id) AS account_key,
                e.month, nullif(e.region, '') AS region, nullif(e.service, '') AS service,
                lower(coalesce(e.region, '')) AS region_key, lower(coalesce(e.service, '')) AS service_key,
                e.scope, e.co2e_kg, e.source, e.model_version, coalesce(e.model_version, '') AS model,
                coalesce(e.cloud_account_id::text, '') AS batch_account,
                coalesce((SELECT array_agg(d[1]::numeric ORDER BY n)
                          FROM regexp_matches(coalesce(e.model_version, ''), '\\d+', 'g') WITH ORDINALITY AS v(d, n)),
                         '{}') AS model_key,
                max(e.imported_at) OVER (PARTITION BY e.provider, lower(e.provider_account_id), e.month,
                                                      e.cloud_account_id, e.source, e.model_version) AS batch_at
         FROM provider_reported_emissions e
         WHERE e.month >= ${from}::date AND e.month < ${to}::date
       ) p
     ) ranked
     WHERE pick = 1`;
}

export type CountedFigure = {
  provider: ProviderName;
  providerAccountId: string;
  /** The connected account that fetched it (null: imported without one). */
  cloudAccountId: string | null;
  /** YYYY-MM-01 */
  month: string;
  region: string | null;
  service: string | null;
  scope: ReportedScope;
  co2eKg: number;
  source: string;
  modelVersion: string | null;
};

/** The provider figures that count (see countedFiguresSql) for months in [from, to), one per row. */
export async function loadCountedFigures(
  client: PoolClient,
  range: { from: string; to: string },
): Promise<CountedFigure[]> {
  const { rows } = await client.query<CountedFigure>(
    `SELECT c.provider, c.provider_account_id AS "providerAccountId", e.cloud_account_id AS "cloudAccountId",
            to_char(c.month, 'YYYY-MM-DD') AS month, c.region, c.service, c.scope, c.co2e_kg::float8 AS "co2eKg",
            c.source, c.model_version AS "modelVersion"
     FROM (${countedFiguresSql("$1", "$2")}) c JOIN provider_reported_emissions e ON e.id = c.id
     ORDER BY c.month, c.provider, c.account_key, c.region_key, c.service_key, c.scope`,
    [range.from, range.to],
  );
  return rows;
}

/** The Canopy rows (alias `m`, with its cloud account `a`) inside a figure's scope (alias `f`). */
const inScope = (f: string, m: string, a: string) =>
  `${a}.provider::text = ${f}.provider AND lower(${a}.provider_account_id) = ${f}.account_key AND ${m}.month = ${f}.month
   AND (${f}.region_key = '' OR lower(${m}.region) = ${f}.region_key)
   AND (${f}.service_key = '' OR lower(${m}.service) = ${f}.service_key)`;

export type CanopyScopeSums = {
  kwhFacility: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  co2eEmbodiedKg: number;
  /** emissions_monthly rows in the scope (0: Canopy has nothing there). */
  rows: number;
};

/** One provider scope (account × month, × region / service where the provider breaks it down). */
export type ProviderScope = {
  provider: ProviderName;
  providerAccountId: string;
  /** YYYY-MM-01 */
  month: string;
  region: string | null;
  service: string | null;
  modelVersion: string | null;
  sources: string[];
  reported: Partial<Record<ReportedScope, number>>;
  /** Canopy's estimate summed over the same scope (emissions_monthly). */
  canopy: CanopyScopeSums;
};

/** The counted provider figures of months in [from, to), per scope, with Canopy's sums beside them. */
export async function loadProviderScopes(
  client: PoolClient,
  range: { from: string; to: string },
): Promise<ProviderScope[]> {
  const { rows } = await client.query<{
    provider: ProviderName;
    account: string;
    month: string;
    region: string | null;
    service: string | null;
    key: string;
    scope: ReportedScope;
    kg: number;
    source: string;
    model: string | null;
    kwh: number;
    loc: number;
    mkt: number;
    emb: number;
    rows: number;
  }>(
    `WITH counted AS (${countedFiguresSql("$1", "$2")}),
     keys AS (SELECT DISTINCT provider, account_key, month, region_key, service_key FROM counted)
     SELECT c.provider, c.provider_account_id AS account, to_char(c.month, 'YYYY-MM-DD') AS month, c.region, c.service,
            concat_ws('|', c.provider, c.account_key, c.month, c.region_key, c.service_key) AS key,
            c.scope, c.co2e_kg::float8 AS kg, c.source, c.model_version AS model,
            s.kwh, s.loc, s.mkt, s.emb, s.rows
     FROM counted c
     JOIN (
       SELECT k.*, t.*
       FROM keys k
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(m.kwh_facility), 0)::float8 AS kwh, coalesce(sum(m.co2e_location_kg), 0)::float8 AS loc,
                coalesce(sum(m.co2e_market_kg), 0)::float8 AS mkt, coalesce(sum(m.co2e_embodied_kg), 0)::float8 AS emb,
                count(*)::int AS rows
         FROM emissions_monthly m JOIN cloud_accounts a ON a.id = m.cloud_account_id
         WHERE ${inScope("k", "m", "a")}
       ) t
     ) s USING (provider, account_key, month, region_key, service_key)
     ORDER BY c.month, c.provider, c.account_key, c.region_key, c.service_key, c.scope`,
    [range.from, range.to],
  );
  const scopes = new Map<string, ProviderScope>();
  for (const row of rows) {
    let scope = scopes.get(row.key);
    if (!scope) {
      scope = {
        provider: row.provider,
        providerAccountId: row.account,
        month: row.month,
        region: row.region,
        service: row.service,
        modelVersion: row.model,
        sources: [],
        reported: {},
        canopy: {
          kwhFacility: row.kwh,
          co2eLocationKg: row.loc,
          co2eMarketKg: row.mkt,
          co2eEmbodiedKg: row.emb,
          rows: row.rows,
        },
      };
      scopes.set(row.key, scope);
    }
    scope.reported[row.scope] = (scope.reported[row.scope] ?? 0) + row.kg;
    if (!scope.sources.includes(row.source)) scope.sources.push(row.source);
  }
  return [...scopes.values()];
}

const sumOf = (sums: CanopyScopeSums, measures: readonly CanopyMeasure[]) =>
  measures.reduce((n, m) => n + sums[m], 0);

export type ScopeCalibration = {
  basis: Basis;
  comparison: Comparison;
  reportedKg: number;
  canopyKg: number;
  /** provider ÷ Canopy for the same scope and basis; null when Canopy has nothing to scale there. */
  factor: number | null;
};

/** The calibration factors of one provider scope, one per basis the provider reports. */
export function scopeCalibrations(scope: ProviderScope): ScopeCalibration[] {
  const stored = comparisonsFor(scope.provider, scope.modelVersion).filter(
    (c) => scope.reported[c.reportedScope] !== undefined,
  );
  // One figure per basis: where a provider's own scope figure of a basis is stored (Azure Scope 2),
  // its sum of scopes (Azure's total, which contains it) would count it twice.
  return stored
    .filter(
      (c) =>
        c.reportedScope !== "total" ||
        !stored.some((other) => other !== c && other.basis === c.basis),
    )
    .map((comparison) => {
      const reportedKg = scope.reported[comparison.reportedScope]!;
      const canopyKg = sumOf(scope.canopy, comparison.canopyMeasures);
      return {
        basis: comparison.basis,
        comparison,
        reportedKg,
        canopyKg,
        factor: canopyKg > 0 ? reportedKg / canopyKg : null,
      };
    });
}

export type CalibrationStatus = "calibrated" | "uncalibrated";

/** One point of a provider's factor history: one month and basis. */
export type CalibrationPoint = {
  provider: ProviderName;
  month: string;
  basis: Basis;
  label: string;
  status: CalibrationStatus;
  /** Provider total ÷ Canopy total over the scopes that could be calibrated; null when uncalibrated. */
  factor: number | null;
  /** Provider figures of the scopes calibrated, and Canopy's figure for the same scopes. */
  reportedKg: number;
  canopyKg: number;
  /** Provider figures whose scope holds no Canopy estimate (not spread anywhere else). */
  reportedUnmatchedKg: number;
  reason: string | null;
};

const monthsIn = (from: string, to: string): string[] => {
  const months: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) < to;) {
    months.push(d.toISOString().slice(0, 10));
    d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  }
  return months;
};

/**
 * The factor history per provider, month and basis for months in [from, to): every month of a
 * provider that has figures in the range is listed, those without a figure marked uncalibrated, never
 * given another month's factor.
 */
export function calibrationHistory(
  scopes: readonly ProviderScope[],
  range: { from: string; to: string },
  providers: readonly ProviderName[] = [...new Set(scopes.map((s) => s.provider))].sort(),
): CalibrationPoint[] {
  const points: CalibrationPoint[] = [];
  for (const provider of providers) {
    const ofProvider = scopes.filter((s) => s.provider === provider);
    const newestModel = (list: readonly ProviderScope[]) =>
      list
        .map((s) => s.modelVersion ?? "")
        .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0] ?? null;
    const anyModel = newestModel(ofProvider);
    for (const month of monthsIn(range.from, range.to)) {
      const inMonth = ofProvider.filter((s) => s.month === month);
      const comparisons = comparisonsFor(
        provider,
        inMonth.length ? newestModel(inMonth) : anyModel,
      );
      // One point per basis (Azure compares two figures on the market basis).
      const bases = comparisons.filter(
        (c, i) => comparisons.findIndex((other) => other.basis === c.basis) === i,
      );
      for (const comparison of bases) {
        const calibrations = inMonth.flatMap((s) =>
          scopeCalibrations(s).filter((c) => c.basis === comparison.basis),
        );
        const scaled = calibrations.filter((c) => c.factor !== null);
        const reportedKg = scaled.reduce((n, c) => n + c.reportedKg, 0);
        const canopyKg = scaled.reduce((n, c) => n + c.canopyKg, 0);
        const unmatched = calibrations.filter((c) => c.factor === null);
        points.push({
          provider,
          month,
          basis: comparison.basis,
          label: (calibrations[0]?.comparison ?? comparison).label,
          status: scaled.length > 0 ? "calibrated" : "uncalibrated",
          factor: scaled.length > 0 ? reportedKg / canopyKg : null,
          reportedKg,
          canopyKg,
          reportedUnmatchedKg: unmatched.reduce((n, c) => n + c.reportedKg, 0),
          reason:
            calibrations.length === 0
              ? "No provider figure for this month and basis: shown as estimated."
              : scaled.length === 0
                ? "The provider's figure has no Canopy estimate in its scope (account, region, service): nothing to scale."
                : unmatched.length > 0
                  ? "Part of the provider's figure has no Canopy estimate in its scope and is left out of the factor."
                  : null,
        });
      }
    }
  }
  return points;
}

/**
 * SQL for the provider-reported market-based figure, allocated to Canopy's rows: `ctes(from, to)`
 * defines `provider_market_rates` (kg per kWh facility per month × account × service × region: each
 * scope2-market figure ÷ the facility kWh of Canopy's rows in its scope), `join` attaches it to any
 * emissions table (hourly, daily or monthly), `marketKg` is the market-based figure in precedence
 * order (provider-reported where a figure covers the row, else the estimate) and `reportedKg` the
 * provider-reported part. A row's share of the figure is its share of the scope's energy, so hours and
 * services split it the way they split the location-based energy.
 */
export const providerMarketSql = {
  ctes: (from: string, to: string) =>
    `market_figures AS (
       SELECT * FROM (${countedFiguresSql(from, to)}) c WHERE scope = ANY('{${marketBasedScopes.join(",")}}'::text[])
     ),
     market_scope_kwh AS (
       SELECT f.id, coalesce(sum(m.kwh_facility), 0)::float8 AS kwh
       FROM market_figures f
       LEFT JOIN (emissions_monthly m JOIN cloud_accounts a ON a.id = m.cloud_account_id) ON ${inScope("f", "m", "a")}
       GROUP BY f.id
     ),
     provider_market_rates AS (
       SELECT m.month, m.cloud_account_id, m.service, m.region, sum(f.co2e_kg / e.kwh)::float8 AS kg_per_kwh_facility
       FROM market_figures f
       JOIN market_scope_kwh e ON e.id = f.id AND e.kwh > 0
       JOIN cloud_accounts a ON a.provider::text = f.provider AND lower(a.provider_account_id) = f.account_key
       JOIN (SELECT DISTINCT month, cloud_account_id, service, region FROM emissions_monthly
             WHERE month >= ${from}::date AND month < ${to}::date) m
         ON m.cloud_account_id = a.id AND ${inScope("f", "m", "a")}
       GROUP BY 1, 2, 3, 4
     )`,
  join: (alias: string, monthExpression: string) =>
    `LEFT JOIN provider_market_rates pmr ON pmr.month = ${monthExpression} AND pmr.cloud_account_id = ${alias}.cloud_account_id
       AND pmr.service = ${alias}.service AND pmr.region = ${alias}.region`,
  marketKg: (alias: string) =>
    `coalesce(${alias}.kwh_facility * pmr.kg_per_kwh_facility, ${alias}.co2e_market_kg)`,
  reportedKg: (alias: string) => `coalesce(${alias}.kwh_facility * pmr.kg_per_kwh_facility, 0)`,
  /** The estimate of the rows the provider figure replaces. */
  replacedEstimateKg: (alias: string) =>
    `CASE WHEN pmr.kg_per_kwh_facility IS NULL THEN 0 ELSE ${alias}.co2e_market_kg END`,
};

const monthOfRow = {
  emissions_hourly: "date_trunc('month', e.hour AT TIME ZONE 'UTC')::date",
  emissions_daily: "date_trunc('month', e.day)::date",
  emissions_monthly: "e.month",
} as const;

/**
 * An emissions table as a derived table, its columns plus `co2e_market_precedence_kg` (market-based
 * in precedence order: provider-reported where a figure covers the row, else the estimate) and
 * `co2e_market_reported_kg` (the provider-reported part) and `market_reported` (a provider figure
 * covers the row): what @canopy/methodology headlineSumsSql sums for every headline: `FROM ${providerMarketSource(...)} AS x`,
 * then sum `co2e_market_precedence_kg` where the estimate's `co2e_market_kg` was summed. `from` and
 * `to` (SQL expressions, e.g. "$1") bound the months whose figures are read, [from, to).
 */
export function providerMarketSource(table: keyof typeof monthOfRow, from: string, to: string) {
  return `(WITH ${providerMarketSql.ctes(from, to)}
     SELECT e.*, ${providerMarketSql.marketKg("e")} AS co2e_market_precedence_kg,
            ${providerMarketSql.reportedKg("e")} AS co2e_market_reported_kg,
            (pmr.kg_per_kwh_facility IS NOT NULL) AS market_reported
     FROM ${table} e ${providerMarketSql.join("e", monthOfRow[table])})`;
}

/**
 * providerMarketSource where a provider market-based figure covers a month of [fromMonth, toMonth),
 * else the table with the same three columns at their no-figure values (precedence = the estimate):
 * the figures' join keeps a scan from running in parallel and costs a third of a 10M-row scan.
 * `from` and `to` are the SQL expressions of providerMarketSource.
 */
export async function marketSourceFor(
  client: PoolClient,
  table: keyof typeof monthOfRow,
  months: { fromMonth: string; toMonth: string },
  sql: { from: string; to: string },
): Promise<string> {
  const { rows } = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM provider_reported_emissions
                    WHERE month >= $1::date AND month < $2::date AND scope = ANY($3::text[])) AS found`,
    [months.fromMonth, months.toMonth, marketBasedScopes],
  );
  if (rows[0]?.found) return providerMarketSource(table, sql.from, sql.to);
  return `(SELECT e.*, e.co2e_market_kg AS co2e_market_precedence_kg, 0::float8 AS co2e_market_reported_kg,
                  false AS market_reported FROM ${table} e)`;
}

export type MarketBasis = "provider-reported" | "estimated" | "provider-reported and estimated";

export type MarketBasedMonth = {
  provider: ProviderName;
  month: string;
  /** Market-based in precedence order: provider-reported where Canopy has it, else estimated. */
  co2eMarketKg: number;
  /** The provider-reported part (allocated to rows by share of facility energy). */
  co2eMarketReportedKg: number;
  /** The estimated part. */
  co2eMarketEstimatedKg: number;
  /** Canopy's estimate for the rows the provider figure replaced (for the difference). */
  replacedEstimateKg: number;
  basis: MarketBasis;
  label: string;
};

export const marketBasisLabel: Record<MarketBasis, string> = {
  "provider-reported":
    "market-based: provider-reported (the provider's Scope 2 market-based figure, allocated by share of energy)",
  estimated: "market-based: estimated by Canopy",
  "provider-reported and estimated":
    "market-based: provider-reported where the provider gives it, estimated by Canopy elsewhere",
};

/**
 * Market-based CO2e per provider × month for months in [from, to) (optionally only some accounts),
 * provider-reported where a figure covers the rows, estimated elsewhere, with the basis named.
 */
export async function marketBasedByMonth(
  client: PoolClient,
  range: { from: string; to: string },
  accountIds: readonly string[] | null = null,
): Promise<MarketBasedMonth[]> {
  const { rows } = await client.query<{
    provider: ProviderName;
    month: string;
    market: number;
    reported: number;
    replaced: number;
    estimate: number;
    covered: boolean;
    uncovered_rows: boolean;
  }>(
    `WITH ${providerMarketSql.ctes("$1", "$2")}
     SELECT e.provider::text AS provider, to_char(e.month, 'YYYY-MM-DD') AS month,
            sum(${providerMarketSql.marketKg("e")})::float8 AS market, sum(${providerMarketSql.reportedKg("e")})::float8 AS reported,
            sum(${providerMarketSql.replacedEstimateKg("e")})::float8 AS replaced, sum(e.co2e_market_kg)::float8 AS estimate,
            bool_or(pmr.kg_per_kwh_facility IS NOT NULL) AS covered,
            bool_or(pmr.kg_per_kwh_facility IS NULL AND e.co2e_market_kg <> 0) AS uncovered_rows
     FROM emissions_monthly e ${providerMarketSql.join("e", "e.month")}
     WHERE e.month >= $1::date AND e.month < $2::date AND ($3::uuid[] IS NULL OR e.cloud_account_id = ANY($3::uuid[]))
     GROUP BY 1, 2 ORDER BY 2, 1`,
    [range.from, range.to, accountIds],
  );
  return rows.map((r) => {
    const basis: MarketBasis = !r.covered
      ? "estimated"
      : r.uncovered_rows
        ? "provider-reported and estimated"
        : "provider-reported";
    return {
      provider: r.provider,
      month: r.month,
      co2eMarketKg: r.market,
      co2eMarketReportedKg: r.reported,
      co2eMarketEstimatedKg: r.market - r.reported,
      replacedEstimateKg: r.replaced,
      basis,
      label: marketBasisLabel[basis],
    };
  });
}

export type CalibratedPoint = {
  /** Hour (ISO), day or month (YYYY-MM-DD). */
  period: string;
  provider: ProviderName;
  basis: Basis;
  /** Canopy's estimate on the basis (the sum of its measures). */
  estimatedKg: number;
  /** The same rows scaled by their scope's factor; rows without a factor are left as estimated. */
  calibratedKg: number;
  /** The part of estimatedKg that was scaled. */
  scaledEstimateKg: number;
  status: "calibrated" | "partly calibrated" | "uncalibrated";
};

const periodOf = {
  hour: `to_char(h.hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"')`,
  day: `to_char((h.hour AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')`,
  month: `to_char(date_trunc('month', h.hour AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
} as const;

/**
 * The calibrated view for months in [from, to): Canopy's hourly rows (emissions_hourly) per basis,
 * each scaled by the factor of its provider scope, so the shape over hours and services is Canopy's
 * and the level the provider's. Months (and scopes) without a provider figure stay as estimated and
 * are marked uncalibrated.
 */
export async function calibratedSeries(
  client: PoolClient,
  range: { from: string; to: string },
  granularity: keyof typeof periodOf,
  scopes?: readonly ProviderScope[],
): Promise<CalibratedPoint[]> {
  const known = scopes ?? (await loadProviderScopes(client, range));
  const history = calibrationHistory(known, range, providers);
  const bases = history.map((p) => {
    const model = known.find((s) => s.provider === p.provider && s.month === p.month)?.modelVersion;
    const measures =
      comparisonsFor(p.provider, model ?? null).find((c) => c.basis === p.basis)?.canopyMeasures ??
      [];
    return { ...p, measures };
  });
  const factors = known.flatMap((s) =>
    scopeCalibrations(s)
      .filter((c) => c.factor !== null)
      .map((c) => ({ scope: s, basis: c.basis, factor: c.factor! })),
  );
  const lower = (v: string | null) => (v ?? "").toLowerCase();
  const { rows } = await client.query<{
    period: string;
    provider: ProviderName;
    basis: Basis;
    estimated: number;
    calibrated: number;
    scaled: number;
  }>(
    `WITH b AS (
       SELECT * FROM unnest($3::text[], $4::date[], $5::text[], $6::bool[], $7::bool[], $8::bool[])
         AS b(provider, month, basis, loc, mkt, emb)
     ),
     f AS (
       SELECT * FROM unnest($9::text[], $10::text[], $11::date[], $12::text[], $13::text[], $14::text[], $15::float8[])
         AS f(provider, account_key, month, region_key, service_key, basis, factor)
     ),
     r AS (
       SELECT ${periodOf[granularity]} AS period, b.provider, b.basis, f.factor,
              (CASE WHEN b.loc THEN h.co2e_location_kg ELSE 0 END + CASE WHEN b.mkt THEN h.co2e_market_kg ELSE 0 END
               + CASE WHEN b.emb THEN h.co2e_embodied_kg ELSE 0 END) AS kg
       FROM emissions_hourly h
       JOIN cloud_accounts a ON a.id = h.cloud_account_id
       JOIN b ON b.provider = h.provider::text AND b.month = date_trunc('month', h.hour AT TIME ZONE 'UTC')::date
       LEFT JOIN f ON f.provider = b.provider AND f.basis = b.basis AND f.month = b.month
         AND f.account_key = lower(a.provider_account_id)
         AND (f.region_key = '' OR lower(h.region) = f.region_key) AND (f.service_key = '' OR lower(h.service) = f.service_key)
       WHERE h.hour >= $1::timestamptz AND h.hour < $2::timestamptz
     )
     SELECT period, provider, basis, sum(kg)::float8 AS estimated, sum(kg * coalesce(factor, 1))::float8 AS calibrated,
            sum(CASE WHEN factor IS NULL THEN 0 ELSE kg END)::float8 AS scaled
     FROM r GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [
      `${range.from}T00:00:00Z`,
      `${range.to}T00:00:00Z`,
      bases.map((b) => b.provider),
      bases.map((b) => b.month),
      bases.map((b) => b.basis),
      bases.map((b) => b.measures.includes("co2eLocationKg")),
      bases.map((b) => b.measures.includes("co2eMarketKg")),
      bases.map((b) => b.measures.includes("co2eEmbodiedKg")),
      factors.map((f) => f.scope.provider),
      factors.map((f) => lower(f.scope.providerAccountId)),
      factors.map((f) => f.scope.month),
      factors.map((f) => lower(f.scope.region)),
      factors.map((f) => lower(f.scope.service)),
      factors.map((f) => f.basis),
      factors.map((f) => f.factor),
    ],
  );
  return rows.map((r) => ({
    period: r.period,
    provider: r.provider,
    basis: r.basis,
    estimatedKg: r.estimated,
    calibratedKg: r.calibrated,
    scaledEstimateKg: r.scaled,
    status:
      r.scaled === 0
        ? "uncalibrated"
        : Math.abs(r.estimated - r.scaled) <= 1e-9 * Math.abs(r.estimated)
          ? "calibrated"
          : "partly calibrated",
  }));
}

/** One provider figure read from a carbon export file (the shape of @canopy/connectors ReportedCarbon). */
export type ImportedFigure = {
  provider: ProviderName;
  providerAccountId: string;
  /** YYYY-MM-01 */
  month: string;
  service?: string;
  region?: string;
  scope: ReportedScope;
  co2eKg: number;
  source: string;
  modelVersion?: string;
};

/** What an import replaced, per provider account × month × scope × model version. */
export type ReplacedFigures = {
  provider: ProviderName;
  providerAccountId: string;
  month: string;
  scope: ReportedScope;
  modelVersion: string | null;
  /** The sum stored by earlier imports of this key (0 when nothing was). */
  previousKg: number;
  previousRows: number;
  /** The sum the import stores. */
  co2eKg: number;
  rows: number;
};

/**
 * Stores figures read from a provider's carbon export file (no cloud account: cloud_account_id is
 * null), replacing what earlier file imports stored for the same provider account, month, scope and
 * model version, so re-importing a file (or a corrected one) does not double count. Figures fetched
 * by a connected account are kept; which copy counts is countedFiguresSql's choice (the newest
 * model version, then the batch stored last). Writes one audit entry. The client is tenant-scoped.
 */
export async function storeImportedFigures(
  client: PoolClient,
  tenantId: string,
  figures: readonly ImportedFigure[],
  audit: { actorLabel: string; actorUserId?: string | null; fileName: string },
): Promise<{ stored: number; replaced: ReplacedFigures[] }> {
  const keyOf = (f: ImportedFigure) =>
    JSON.stringify([
      f.provider,
      f.providerAccountId.toLowerCase(),
      f.month,
      f.scope,
      f.modelVersion ?? "",
    ]);
  const byKey = new Map<string, ReplacedFigures>();
  for (const f of figures) {
    const k = keyOf(f);
    const entry = byKey.get(k) ?? {
      provider: f.provider,
      providerAccountId: f.providerAccountId,
      month: f.month,
      scope: f.scope,
      modelVersion: f.modelVersion || null,
      previousKg: 0,
      previousRows: 0,
      co2eKg: 0,
      rows: 0,
    };
    entry.co2eKg += f.co2eKg;
    entry.rows += 1;
    byKey.set(k, entry);
  }
  const keys = [...byKey.values()];
  const deleted = await client.query<{ k: string; kg: number; n: number }>(
    `WITH gone AS (
       DELETE FROM provider_reported_emissions p
       USING unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[]) AS k(provider, account, month, scope, model_version)
       WHERE p.cloud_account_id IS NULL AND p.source LIKE '%-file'
         AND p.provider::text = k.provider AND lower(p.provider_account_id) = k.account AND p.month = k.month
         AND p.scope = k.scope AND coalesce(p.model_version, '') = k.model_version
       RETURNING k.provider, k.account, to_char(k.month, 'YYYY-MM-DD') AS month, k.scope, k.model_version, p.co2e_kg
     )
     SELECT json_build_array(provider, account, month, scope, model_version)::text AS k,
            sum(co2e_kg)::float8 AS kg, count(*)::int AS n
     FROM gone GROUP BY 1`,
    [
      keys.map((k) => k.provider),
      keys.map((k) => k.providerAccountId.toLowerCase()),
      keys.map((k) => k.month),
      keys.map((k) => k.scope),
      keys.map((k) => k.modelVersion ?? ""),
    ],
  );
  for (const row of deleted.rows) {
    const entry = byKey.get(JSON.stringify(JSON.parse(row.k)));
    if (entry) {
      entry.previousKg = row.kg;
      entry.previousRows = row.n;
    }
  }
  const stored = await insertFigures(client, tenantId, null, figures);
  const replaced = keys.filter((k) => k.previousRows > 0);
  await client.query(
    `INSERT INTO audit_log (tenant_id, actor_user_id, actor_label, action, target_type, target_id, details)
     VALUES ($1, $2, $3, 'provider_figures.import', 'provider_reported_emissions', NULL, $4)`,
    [
      tenantId,
      audit.actorUserId ?? null,
      audit.actorLabel,
      {
        fileName: audit.fileName,
        figures: figures.length,
        months: [...new Set(figures.map((f) => f.month))].sort(),
        replacedKeys: replaced.length,
      },
    ],
  );
  return { stored, replaced };
}

/**
 * Stores a provider's monthly figures for one cloud account (fetched from its carbon API), in the
 * caller's tenant transaction: what was stored for the same (source, month, model version) is
 * deleted first, figures of other model versions stay. Returns how many it stored.
 */
export async function replaceAccountFigures(
  client: PoolClient,
  tenantId: string,
  cloudAccountId: string,
  figures: readonly ImportedFigure[],
): Promise<number> {
  const keys = [
    ...new Set(figures.map((f) => JSON.stringify([f.source, f.month, f.modelVersion ?? ""]))),
  ].map((k) => JSON.parse(k) as [string, string, string]);
  await client.query(
    `DELETE FROM provider_reported_emissions p
       USING unnest($2::text[], $3::date[], $4::text[]) AS k(source, month, model_version)
       WHERE p.cloud_account_id = $1 AND p.source = k.source AND p.month = k.month AND coalesce(p.model_version, '') = k.model_version`,
    [cloudAccountId, keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2])],
  );
  return insertFigures(client, tenantId, cloudAccountId, figures);
}

/** Inserts provider figures of one cloud account, or of none (a carbon file's); returns how many. */
async function insertFigures(
  client: PoolClient,
  tenantId: string,
  cloudAccountId: string | null,
  figures: readonly ImportedFigure[],
): Promise<number> {
  const inserted = await client.query(
    `INSERT INTO provider_reported_emissions
       (tenant_id, cloud_account_id, provider, provider_account_id, month, service, region, scope, co2e_kg, source, model_version)
     SELECT $1, $2::uuid, f.provider::cloud_provider, f.account, f.month, nullif(f.service, ''), nullif(f.region, ''), f.scope, f.kg,
            f.source, nullif(f.model_version, '')
     FROM unnest($3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::text[], $11::text[])
       AS f(provider, account, month, service, region, scope, kg, source, model_version)`,
    [
      tenantId,
      cloudAccountId,
      figures.map((f) => f.provider),
      figures.map((f) => f.providerAccountId),
      figures.map((f) => f.month),
      figures.map((f) => f.service ?? ""),
      figures.map((f) => f.region ?? ""),
      figures.map((f) => f.scope),
      figures.map((f) => f.co2eKg),
      figures.map((f) => f.source),
      figures.map((f) => f.modelVersion ?? ""),
    ],
  );
  return inserted.rowCount ?? 0;
}

/** Whether the tenant has any provider figures stored. */
export async function hasProviderFigures(client: PoolClient): Promise<boolean> {
  const existing = await client.query("SELECT 1 FROM provider_reported_emissions LIMIT 1");
  return Boolean(existing.rowCount);
}
