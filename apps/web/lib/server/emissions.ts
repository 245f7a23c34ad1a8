import "server-only";
import {
  accountLabels,
  emissionMethodologyVersions,
  emissionSumKeys,
  emissionSums,
  firstEmissionsDay,
  lastEmissionsDay,
  latestUtilizationRuns,
  payerAccounts,
  measuredComputeShare,
  usageSources,
  type EmissionGroup,
  type EmissionSumRow,
  type PayerAccount,
  type PoolClient,
} from "@canopy/db";
import {
  headlinesOf,
  intensityPer1000,
  marketBasisOf,
  regionFactors,
  type MarketBasis,
} from "@canopy/methodology";
import {
  addDays,
  addMonths,
  monthStart,
  rangeProblems,
  resolveRange,
  toDay,
  type BreakdownQuery,
  type DateRange,
  type Filters,
  type Granularity,
  type GroupBy,
  type SeriesQuery,
} from "../emissions/params";
import { providerLabel } from "../format";
import { badRequest } from "./api-error";
import type { TenantScope } from "./tenant-scope";

/** Every figure as @canopy/methodology headlines.ts defines it (headlinesOf), plus energy and water. */
export type Measures = {
  /** Electricity, location-based. */
  co2eLocationKg: number;
  /** Electricity, market-based: provider-reported where Canopy has it, else estimated. */
  co2eMarketKg: number;
  /** The provider-reported part of co2eMarketKg. */
  co2eMarketReportedKg: number;
  /** The basis co2eMarketKg and co2eTotalMarketBasedKg use. */
  marketBasis: MarketBasis;
  co2eEmbodiedKg: number;
  co2eSpendBasedKg: number;
  /** Total CO2e, location-based (electricity + embodied + spend-based): the headline figure. */
  co2eTotalKg: number;
  co2eTotalLowKg: number;
  co2eTotalHighKg: number;
  /** Total CO2e, market-based. */
  co2eTotalMarketBasedKg: number;
  kwhFacility: number;
  /** Facility kWh whose location-based CO2e used the hour's grid intensity (not the annual factor). */
  kwhHourlyGrid: number;
  /** Facility kWh of daily or monthly usage spread over its hours (disaggregated, not measured hourly). */
  kwhDisaggregated: number;
  /** kwhHourlyGrid ÷ kwhFacility; null without energy. */
  shareHourlyGrid: number | null;
  /** kwhDisaggregated ÷ kwhFacility; null without energy. */
  shareDisaggregated: number | null;
  waterL: number;
  co2eOnDefaultsKg: number;
  /** Total cost: covered + out of scope + not modelled (the invoice, per account and month). */
  costAmount: number;
  /** "Cost covered by the estimate": estimated from usage + estimated from spend. */
  costCoveredAmount: number;
  costEstimatedAmount: number;
  costSpendBasedAmount: number;
  /** Tax, credits, refunds, fees, commitments, support, marketplace, licences. */
  costOutOfScopeAmount: number;
  /** "Cost not modelled": in-scope cost without an estimate. */
  costNotModelledAmount: number;
};

type SumRow = EmissionSumRow;
const sumKeys = emissionSumKeys;

const emptySums = (): SumRow =>
  ({
    ...Object.fromEntries(sumKeys.map((k) => [k, 0])),
    currency: null,
  }) as SumRow;

export function measuresOf(row: SumRow): Measures {
  const h = headlinesOf(row);
  return {
    co2eLocationKg: h.electricityLocationKg,
    co2eMarketKg: h.electricityMarketKg,
    co2eMarketReportedKg: h.electricityMarketReportedKg,
    marketBasis: h.marketBasis,
    co2eEmbodiedKg: h.embodiedKg,
    co2eSpendBasedKg: h.spendBasedKg,
    co2eTotalKg: h.totalKg,
    co2eTotalLowKg: h.totalLowKg,
    co2eTotalHighKg: h.totalHighKg,
    co2eTotalMarketBasedKg: h.totalMarketBasedKg,
    kwhFacility: row.kwhFacility,
    kwhHourlyGrid: h.kwhHourlyGrid,
    kwhDisaggregated: h.kwhDisaggregated,
    shareHourlyGrid: h.shareHourlyGrid,
    shareDisaggregated: h.shareDisaggregated,
    waterL: row.waterL,
    co2eOnDefaultsKg: h.onDefaultsKg,
    costAmount: h.costTotalAmount,
    costCoveredAmount: h.costCoveredAmount,
    costEstimatedAmount: h.costEstimatedAmount,
    costSpendBasedAmount: h.costSpendBasedAmount,
    costOutOfScopeAmount: h.costOutOfScopeAmount,
    costNotModelledAmount: h.costNotModelledAmount,
  };
}

async function aggregate(
  client: PoolClient,
  filters: Filters,
  range: DateRange,
  granularity: Granularity | "none",
  groupBy: EmissionGroup,
  today: string,
) {
  const { rows: sums, source } = await emissionSums(
    client,
    filters,
    range,
    granularity,
    groupBy,
    today,
  );
  const rows = groupBy === "payer" ? await regroupByPayer(client, sums) : sums;
  return { rows, source };
}

/**
 * The payer group of an account: `provider:<parent_account_id>` (AWS payer account, Azure billing
 * account or profile, GCP billing account), or `provider:<its own provider account id>` when none is
 * recorded, so a payer account and the accounts it pays for fall in one group.
 */
const payerKeyOf = (a: PayerAccount) => `${a.provider}:${a.parentAccountId ?? a.providerAccountId}`;

async function regroupByPayer<R extends SumRow & { period: string; grp: string }>(
  client: PoolClient,
  rows: R[],
): Promise<R[]> {
  const keys = new Map((await payerAccounts(client)).map((a) => [a.id, payerKeyOf(a)]));
  const out = new Map<string, R>();
  for (const row of rows) {
    const grp = keys.get(row.grp) ?? row.grp;
    const id = `${row.period}\u0000${grp}`;
    const into = out.get(id);
    if (!into) {
      out.set(id, { ...row, grp });
      continue;
    }
    for (const k of sumKeys) into[k] = (into[k] ?? 0) + (row[k] ?? 0);
    if ((row.currency ?? "") > (into.currency ?? "")) into.currency = row.currency;
  }
  return [...out.values()].sort((a, b) =>
    a.period < b.period ? -1 : a.period > b.period ? 1 : a.grp < b.grp ? -1 : a.grp > b.grp ? 1 : 0,
  );
}

const payerNoun: Record<string, string> = {
  aws: "AWS payer account",
  azure: "Azure billing account",
  gcp: "GCP billing account",
};

export async function firstDataDay(client: PoolClient): Promise<string | null> {
  return firstEmissionsDay(client);
}

/** The period of the same length just before `range` (a 31-day range: the 31 days before it). */
export function previousPeriod(range: Pick<DateRange, "from" | "days">): DateRange {
  return { from: addDays(range.from, -range.days), to: addDays(range.from, -1), days: range.days };
}

export type Comparison = {
  from: string;
  to: string;
  comparable: boolean;
  /** Why the previous period cannot be compared (null when it can). */
  reason: string | null;
};

export async function lastDataDay(client: PoolClient): Promise<string | null> {
  return lastEmissionsDay(client);
}

export async function rangeFor(
  client: PoolClient,
  filters: Filters,
  granularity?: Granularity,
): Promise<DateRange> {
  const range = resolveRange(
    filters,
    filters.to ? null : await lastDataDay(client),
    toDay(new Date()),
  );
  const problems = rangeProblems(range, granularity);
  if (problems) throw badRequest("The date range cannot be served.", problems);
  return range;
}

export type GroupLabel = { key: string; label: string; provider?: string };

async function groupLabels(
  client: PoolClient,
  groupBy: GroupBy,
  keys: string[],
): Promise<Map<string, GroupLabel>> {
  const labels = new Map<string, GroupLabel>();
  if (groupBy === "account" && keys.length) {
    for (const row of await accountLabels(client, keys))
      labels.set(row.id, { key: row.id, label: row.name, provider: row.provider });
  }
  if (groupBy === "payer" && keys.length) {
    const wanted = new Set(keys);
    const members = new Map<string, PayerAccount[]>();
    for (const account of await payerAccounts(client)) {
      const key = payerKeyOf(account);
      if (wanted.has(key)) members.set(key, [...(members.get(key) ?? []), account]);
    }
    for (const [key, accounts] of members) {
      const recorded = accounts.find((a) => a.parentAccountId !== null);
      const provider = accounts[0]!.provider;
      const label = recorded
        ? `${payerNoun[provider] ?? provider} ${recorded.parentAccountId}`
        : `${accounts[0]!.name} (${accounts[0]!.providerAccountId}), no payer recorded`;
      labels.set(key, { key, label, provider });
    }
  }
  for (const key of keys) {
    if (labels.has(key)) continue;
    if (groupBy === "region") {
      const [provider, region] = key.split("/");
      labels.set(key, { key, label: region || "No region (global)", provider: provider ?? "" });
    } else if (groupBy === "provider")
      labels.set(key, { key, label: providerLabel(key), provider: key });
    else if (groupBy === "instanceType") labels.set(key, { key, label: key || "No instance type" });
    else labels.set(key, { key, label: key || "All" });
  }
  return labels;
}

const scopeGroups = [
  { key: "operational", label: "Operational (energy, location-based)" },
  { key: "embodied", label: "Embodied (hardware)" },
  { key: "spend-based", label: "Spend-based (usage without an energy model)" },
];

/** Row counts that give back a basis (marketBasisOf) for a split part. */
const marketRowsOf = (basis: MarketBasis) => ({
  marketRowsReported: basis === "estimated" ? 0 : 1,
  marketRowsEstimated: basis === "provider-reported" ? 0 : 1,
});

/**
 * Splits a measure row into its operational, embodied and spend-based parts (group-by "scope"). Cost,
 * energy, water and the CO2e on defaults stay with the operational part; the total's range is
 * apportioned by each part's share of the total (rows store one range for their total).
 */
function splitScope(m: Measures): { key: string; measures: Measures }[] {
  const part = (key: string, kg: { loc: number; mkt: number; emb: number; spend: number }) => {
    const operational = key === "operational";
    const sums: SumRow = {
      ...emptySums(),
      co2eLocationKg: kg.loc,
      co2eMarketKg: kg.mkt,
      co2eMarketReportedKg: operational ? m.co2eMarketReportedKg : 0,
      ...(operational ? marketRowsOf(m.marketBasis) : {}),
      co2eEmbodiedKg: kg.emb,
      co2eSpendBasedKg: kg.spend,
      co2eOnDefaultsKg: operational ? m.co2eOnDefaultsKg : 0,
      kwhFacility: operational ? m.kwhFacility : 0,
      waterL: operational ? m.waterL : 0,
      costAmount: operational ? m.costAmount : 0,
      costEstimatedAmount: operational ? m.costEstimatedAmount : 0,
      costSpendBasedAmount: operational ? m.costSpendBasedAmount : 0,
      costOutOfScopeAmount: operational ? m.costOutOfScopeAmount : 0,
    };
    const share = m.co2eTotalKg !== 0 ? (kg.loc + kg.emb + kg.spend) / m.co2eTotalKg : 0;
    sums.co2eLowKg = m.co2eTotalLowKg * share;
    sums.co2eHighKg = m.co2eTotalHighKg * share;
    return { key, measures: measuresOf(sums) };
  };
  return [
    part("operational", { loc: m.co2eLocationKg, mkt: m.co2eMarketKg, emb: 0, spend: 0 }),
    part("embodied", { loc: 0, mkt: 0, emb: m.co2eEmbodiedKg, spend: 0 }),
    part("spend-based", { loc: 0, mkt: 0, emb: 0, spend: m.co2eSpendBasedKg }),
  ];
}

export type SeriesPoint = { period: string; group: string } & Measures;

// ---------------------------------------------------------------------------------------------

/** Time series of emissions, one point per (period, group). */
export async function emissionsSeries(scope: TenantScope, query: SeriesQuery) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, query, query.granularity);
    const { rows, source } = await aggregate(
      client,
      query,
      range,
      query.granularity,
      query.groupBy,
      toDay(new Date()),
    );
    let points: SeriesPoint[] = rows.map((row) => ({
      period: row.period,
      group: row.grp,
      ...measuresOf(row),
    }));
    if (query.groupBy === "scope") {
      points = points.flatMap((point) =>
        splitScope(point).map(({ key, measures }) => ({
          period: point.period,
          group: key,
          ...measures,
        })),
      );
    }
    const labels =
      query.groupBy === "scope"
        ? scopeGroups
        : [
            ...(
              await groupLabels(client, query.groupBy, [...new Set(points.map((p) => p.group))])
            ).values(),
          ];
    return {
      range: { from: range.from, to: range.to },
      granularity: query.granularity,
      groupBy: query.groupBy,
      source,
      groups: labels,
      points,
    };
  });
}

export type BreakdownRow = GroupLabel &
  Measures & {
    share: number;
    /** Total CO2e of the group in the previous period; null when the periods are not comparable. */
    previousCo2eTotalKg: number | null;
    /** (current − previous) ÷ previous; null when not comparable or the group had nothing before. */
    changeShare: number | null;
    region?: { gridIntensityGPerKwh: number; pue: number; cfeShare: number; quality: string };
  };

/** Totals per group over a range, largest first, paginated. Regions carry their site factors. */
export async function emissionsBreakdown(scope: TenantScope, query: BreakdownQuery) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, query);
    const { rows } = await aggregate(
      client,
      query,
      range,
      "none",
      query.groupBy,
      toDay(new Date()),
    );
    let groups = rows.map((row) => ({ key: row.grp, measures: measuresOf(row) }));
    if (query.groupBy === "scope") groups = groups.flatMap((g) => splitScope(g.measures));
    const total = groups.reduce((sum, g) => sum + g.measures.co2eTotalKg, 0);
    // Period over period: the same filters over the period of the same length just before.
    const before = previousPeriod(range);
    const first = await firstDataDay(client);
    let previous = new Map<string, number>();
    let previousTotal = 0;
    if (first !== null && first <= before.from) {
      const prior = await aggregate(
        client,
        query,
        before,
        "none",
        query.groupBy,
        toDay(new Date()),
      );
      let priorGroups = prior.rows.map((row) => ({ key: row.grp, measures: measuresOf(row) }));
      if (query.groupBy === "scope")
        priorGroups = priorGroups.flatMap((g) => splitScope(g.measures));
      previous = new Map(priorGroups.map((g) => [g.key, g.measures.co2eTotalKg]));
      previousTotal = priorGroups.reduce((sum, g) => sum + g.measures.co2eTotalKg, 0);
    }
    const comparison: Comparison = {
      from: before.from,
      to: before.to,
      comparable: first !== null && first <= before.from && previousTotal !== 0,
      reason:
        first === null || first > before.from
          ? `Data starts on ${first ?? "no day"}, after the start of the previous period (${before.from}).`
          : previousTotal === 0
            ? "The previous period has no emissions for these filters."
            : null,
    };
    groups.sort(
      (a, b) => b.measures.co2eTotalKg - a.measures.co2eTotalKg || a.key.localeCompare(b.key),
    );
    const pageRows = groups.slice((query.page - 1) * query.limit, query.page * query.limit);
    const labels =
      query.groupBy === "scope"
        ? new Map(scopeGroups.map((g) => [g.key, g]))
        : await groupLabels(
            client,
            query.groupBy,
            pageRows.map((g) => g.key),
          );
    const items: BreakdownRow[] = pageRows.map((g) => {
      const label: GroupLabel = labels.get(g.key) ?? { key: g.key, label: g.key };
      const before = comparison.comparable ? (previous.get(g.key) ?? 0) : null;
      const row: BreakdownRow = {
        ...label,
        ...g.measures,
        share: total ? g.measures.co2eTotalKg / total : 0,
        previousCo2eTotalKg: before,
        changeShare: before ? (g.measures.co2eTotalKg - before) / before : null,
      };
      if (query.groupBy === "region") row.region = siteFactors(label.provider ?? "", label.label);
      return row;
    });
    return {
      range: { from: range.from, to: range.to },
      groupBy: query.groupBy,
      // The basis of the market-based column over every group (each row also carries its own).
      marketBasis: marketBasisOf({
        marketRowsReported: rows.reduce((n, r) => n + r.marketRowsReported, 0),
        marketRowsEstimated: rows.reduce((n, r) => n + r.marketRowsEstimated, 0),
      }),
      comparison,
      page: query.page,
      limit: query.limit,
      totalItems: groups.length,
      items,
    };
  });
}

function siteFactors(provider: string, region: string) {
  try {
    const f = regionFactors(provider as "aws", region);
    return {
      gridIntensityGPerKwh: f.gridIntensityGPerKwh,
      pue: f.pue,
      cfeShare: f.cfeShare,
      quality: f.quality.grid.quality,
    };
  } catch {
    return { gridIntensityGPerKwh: 0, pue: 0, cfeShare: 0, quality: "unknown" };
  }
}

/**
 * KPI figures: totals over the range, the last month of the range against the month before and the
 * same month a year earlier, cost intensity and the share resting on default factors.
 */
export async function emissionsSummary(scope: TenantScope, filters: Filters) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, filters);
    const today = toDay(new Date());
    const { rows } = await aggregate(client, filters, range, "none", "none", today);
    const row = rows[0];
    const totals = measuresOf(row ?? emptySums());
    const currency = row?.currency ?? null;
    const month = monthStart(range.to);
    // When the range ends inside a month, every month is compared over the same days (1 to N), so a
    // month in progress is not read as a drop.
    const lastDay = addDays(addMonths(month, 1), -1);
    const throughDay = range.to < lastDay ? Number(range.to.slice(8, 10)) : null;
    const monthTotal = async (start: string) => {
      const end = addDays(addMonths(start, 1), -1);
      const to = throughDay === null ? end : minDay(addDays(start, throughDay - 1), end);
      const result = await aggregate(
        client,
        filters,
        { from: start, to, days: 0 },
        "none",
        "none",
        today,
      );
      return result.rows[0] ? measuresOf(result.rows[0]).co2eTotalKg : 0;
    };
    const [current, previous, yearAgo] = [
      await monthTotal(month),
      await monthTotal(addMonths(month, -1)),
      await monthTotal(addMonths(month, -12)),
    ];
    const headlines = headlinesOf(row ?? emptySums());
    return {
      range: { from: range.from, to: range.to },
      totals,
      currency,
      // Per 1,000 of the cost covered by the estimate (@canopy/methodology headlines.ts).
      kgCo2ePer1000Currency: intensityPer1000(headlines.totalKg, headlines.costCoveredAmount),
      defaultsShare: headlines.shareOnDefaults,
      spendBasedShare: headlines.shareSpendBased,
      hourlyGridShare: headlines.shareHourlyGrid,
      disaggregatedShare: headlines.shareDisaggregated,
      hourlyCoverage: await coverageRows(client, filters, range, today),
      months: {
        throughDay,
        current: { month, co2eTotalKg: current },
        previous: { month: addMonths(month, -1), co2eTotalKg: previous },
        yearAgo: { month: addMonths(month, -12), co2eTotalKg: yearAgo },
      },
    };
  });
}

const minDay = (a: string, b: string) => (a < b ? a : b);

/** The share of facility kWh on hourly grid factors (and disaggregated) of one provider, region and month. */
export type HourlyCoverageRow = {
  /** YYYY-MM-01 */
  month: string;
  provider: string;
  region: string;
  kwhFacility: number;
  kwhHourlyGrid: number;
  kwhDisaggregated: number;
  shareHourlyGrid: number | null;
  shareDisaggregated: number | null;
};

/** Hourly-grid coverage per month, provider and region over the range (the same sums as the totals). */
async function coverageRows(
  client: PoolClient,
  filters: Filters,
  range: DateRange,
  today: string,
): Promise<HourlyCoverageRow[]> {
  const { rows } = await aggregate(client, filters, range, "month", "region", today);
  return rows
    .filter((row) => row.kwhFacility !== 0)
    .map((row) => {
      const h = headlinesOf(row);
      const [provider = "", ...region] = row.grp.split("/");
      return {
        month: row.period,
        provider,
        region: region.join("/"),
        kwhFacility: h.kwhFacility,
        kwhHourlyGrid: h.kwhHourlyGrid,
        kwhDisaggregated: h.kwhDisaggregated,
        shareHourlyGrid: h.shareHourlyGrid,
        shareDisaggregated: h.shareDisaggregated,
      };
    });
}

export type CostCoverageRow = {
  service: string;
  costCoveredAmount: number;
  costOutOfScopeAmount: number;
  costNotModelledAmount: number;
  costAmount: number;
};

/**
 * "Cost covered by the estimate", "Cost out of scope" and "Cost not modelled" by service over the
 * filtered range (the dashboard's Cost coverage panel), largest total cost first. Same sums as every
 * other figure (@canopy/methodology headlines.ts), so the rows add up to the summary's totals.
 */
export async function costCoverageByService(scope: TenantScope, filters: Filters) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, filters);
    const { rows } = await aggregate(client, filters, range, "none", "service", toDay(new Date()));
    const items: CostCoverageRow[] = rows
      .map((row) => {
        const m = measuresOf(row);
        return {
          service: row.grp,
          costCoveredAmount: m.costCoveredAmount,
          costOutOfScopeAmount: m.costOutOfScopeAmount,
          costNotModelledAmount: m.costNotModelledAmount,
          costAmount: m.costAmount,
        };
      })
      .filter(
        (r) =>
          r.costAmount !== 0 ||
          r.costCoveredAmount !== 0 ||
          r.costOutOfScopeAmount !== 0 ||
          r.costNotModelledAmount !== 0,
      )
      .sort(
        (a, b) =>
          Math.abs(b.costAmount) - Math.abs(a.costAmount) || a.service.localeCompare(b.service),
      );
    const totals = items.reduce(
      (sum, r) => ({
        costCoveredAmount: sum.costCoveredAmount + r.costCoveredAmount,
        costOutOfScopeAmount: sum.costOutOfScopeAmount + r.costOutOfScopeAmount,
        costNotModelledAmount: sum.costNotModelledAmount + r.costNotModelledAmount,
        costAmount: sum.costAmount + r.costAmount,
      }),
      { costCoveredAmount: 0, costOutOfScopeAmount: 0, costNotModelledAmount: 0, costAmount: 0 },
    );
    return { range: { from: range.from, to: range.to }, items, totals };
  });
}

/**
 * The imports and syncs the filtered range's usage comes from (usage_hourly lineage), for the
 * dashboard's "Data sources" panel: which file or sync each number came from.
 */
export async function dataSources(scope: TenantScope, filters: Filters) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, filters);
    const end = new Date(Date.parse(`${range.to}T00:00:00Z`) + 86_400_000).toISOString();
    const items = await usageSources(client, {
      start: `${range.from}T00:00:00Z`,
      end,
      cloudAccountIds: filters.account.length ? filters.account : null,
      providers: filters.provider,
      services: filters.service,
      regions: filters.region,
    });
    return { range: { from: range.from, to: range.to }, items };
  });
}

/** A service, or a usage line, whose figures rest partly on default factors. */
export type OnDefaultsRow = {
  key: string;
  provider: string;
  service: string;
  /** Lines only. */
  region?: string;
  kind?: string;
  co2eOnDefaultsKg: number;
  co2eTotalKg: number;
  /** co2eOnDefaultsKg ÷ co2eTotalKg; null without emissions. */
  shareOnDefaults: number | null;
};

/** Lines listed in the data-quality panel (largest CO2e on defaults first). */
export const MAX_DEFAULT_LINES = 25;

/**
 * The data-quality panel under the dashboard's filters: the accounts with figures in the range, and
 * the services and usage lines (provider, service, region, kind) whose CO2e rests on a default factor
 * (docs/methodology.md section 8), largest first. Same sums as every other figure.
 */
export async function dataQualityDetail(scope: TenantScope, filters: Filters) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, filters);
    const today = toDay(new Date());
    const onDefaults = (row: SumRow) => {
      const h = headlinesOf(row);
      return {
        co2eOnDefaultsKg: h.onDefaultsKg,
        co2eTotalKg: h.totalKg,
        shareOnDefaults: h.shareOnDefaults,
      };
    };
    const byDefaults = (a: OnDefaultsRow, b: OnDefaultsRow) =>
      b.co2eOnDefaultsKg - a.co2eOnDefaultsKg || a.key.localeCompare(b.key);
    const accounts = await aggregate(client, filters, range, "none", "account", today);
    const services = await aggregate(client, filters, range, "none", "provider-service", today);
    const lines = await aggregate(client, filters, range, "none", "line", today);
    return {
      range: { from: range.from, to: range.to },
      accountIds: accounts.rows.map((r) => r.grp),
      services: services.rows
        .map((row): OnDefaultsRow => {
          const [provider = "", service = ""] = row.grp.split("\u001f");
          return { key: row.grp, provider, service, ...onDefaults(row) };
        })
        .filter((r) => r.co2eOnDefaultsKg > 0)
        .sort(byDefaults),
      lines: lines.rows
        .map((row): OnDefaultsRow => {
          const [provider = "", service = "", region = "", kind = ""] = row.grp.split("\u001f");
          return { key: row.grp, provider, service, region, kind, ...onDefaults(row) };
        })
        .filter((r) => r.co2eOnDefaultsKg > 0)
        .sort(byDefaults)
        .slice(0, MAX_DEFAULT_LINES),
    };
  });
}

/**
 * Compute energy on measured utilization under the filters (docs/methodology.md §2.1.1), and the
 * latest utilization read of each account in scope, with its error when it failed.
 */
export async function measuredUtilizationDetail(scope: TenantScope, filters: Filters) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, filters);
    const end = new Date(Date.parse(`${range.to}T00:00:00Z`) + 86_400_000).toISOString();
    const share = await measuredComputeShare(client, {
      start: `${range.from}T00:00:00Z`,
      end,
      cloudAccountIds: filters.account.length ? filters.account : null,
      providers: filters.provider,
      services: filters.service,
      regions: filters.region,
    });
    const runs = (await latestUtilizationRuns(client)).filter(
      (r) => filters.account.length === 0 || filters.account.includes(r.cloudAccountId),
    );
    return {
      range: { from: range.from, to: range.to },
      computeKwhFacility: share.computeKwh,
      measuredKwhFacility: share.measuredKwh,
      measuredShare: share.share,
      runs: runs.map((r) => ({
        cloudAccountId: r.cloudAccountId,
        status: r.status,
        source: r.source as "aws-cloudwatch" | "azure-monitor" | "gcp-monitoring",
        windowStart: r.windowStart.toISOString(),
        windowEnd: r.windowEnd.toISOString(),
        resources: r.resources,
        hoursStored: r.hoursStored,
        usageRowsMeasured: r.usageRowsMeasured,
        error: r.error,
        finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
      })),
    };
  });
}

/**
 * The method versions (e.g. canopy-1.0.0+pack.2025.1) of the figures in the range under the filters'
 * providers, accounts, services and regions (read from the rollups), most used first.
 */
export async function methodologyVersions(scope: TenantScope, filters: Filters) {
  return scope.sql(async (client) => {
    const range = await rangeFor(client, filters);
    return emissionMethodologyVersions(client, filters, range);
  });
}
