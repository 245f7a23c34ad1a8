import {
  costCoverageDefinition,
  costPartsOf,
  creditUsageTypes,
  headlinesOf,
  marketBasisOf,
  providerNames,
  shareOf,
  taxUsageTypes,
  type HeadlineSums,
  type Provider,
  type Headlines,
} from "@canopy/methodology";
import {
  measureKeys,
  round6,
  scope3Category1LocationKg,
  scope3Category1MarketKg,
} from "../model/measures";
import type {
  BoundaryAccount,
  Breakdown,
  BreakdownRow,
  Comparison,
  CostCoverage,
  CostCoverageRow,
  FunctionalUnitIntensity,
  HourlyCoverage,
  Lineage,
  MethodologyUse,
  ReportContent,
  ReportParameters,
  Spend,
  SpendIntensity,
  UsageSource,
} from "../model/types";
import { monthsBetween, shortMonthLabel, type ReportPeriod } from "../period";
import { buildCoverage } from "./coverage";
import { sumMeasures, sumSpend } from "./sums";
import { buildReconciliation } from "./reconciliation";
import type {
  HourlyGroup,
  ImportRun,
  MonthlyRow,
  OtherKindCostLine,
  Organization,
  ProviderFigure,
} from "./queries";
import type { ReportRanges } from "./ranges";

export type AssembleInputs = {
  organization: Organization;
  period: ReportPeriod;
  ranges: ReportRanges;
  boundary: { allAccounts: boolean; accounts: BoundaryAccount[] };
  parameters: ReportParameters;
  monthly: MonthlyRow[];
  /** Days with emissions by month start (YYYY-MM-DD), for the months in ranges.monthly. */
  dataDays: Map<string, number>;
  hourly: HourlyGroup[];
  usageSources: UsageSource[];
  importRuns: ImportRun[];
  providerFigures: ProviderFigure[];
  /** Cost of kind-"other" lines by usage_type from usage_hourly (period and boundary). */
  otherKindCost: OtherKindCostLine[];
  methodology: { source: string; sha256: string; markdown: string };
  /** Data pack checksum by pack name (from @canopy/methodology). */
  packChecksum: (packName: string) => string | undefined;
};

const providerLabel = (provider: string) => providerNames[provider as Provider] ?? provider;

/** Builds the report content from what the queries read. Pure: same inputs, same content. */
export function assembleContent(inputs: AssembleInputs): ReportContent {
  const { period } = inputs;
  const inPeriod = inputs.monthly.filter(
    (row) => row.month >= period.start && row.month < period.end,
  );
  const totals = sumMeasures(inPeriod);
  const spend = coveredCost(inPeriod);
  const accountsById = new Map(inputs.boundary.accounts.map((a) => [a.id, a]));

  const breakdowns: Breakdown[] = [
    breakdownOf("provider", "By provider", inPeriod, (r) => [
      r.provider,
      providerLabel(r.provider),
    ]),
    breakdownOf("account", "By account", inPeriod, (r) => {
      const account = accountsById.get(r.cloudAccountId);
      return [
        r.cloudAccountId,
        account ? `${account.displayName} (${account.providerAccountId})` : r.cloudAccountId,
      ];
    }),
    breakdownOf("service", "By service", inPeriod, (r) => [
      `${r.provider}:${r.service}`,
      `${r.service} (${providerLabel(r.provider)})`,
    ]),
    breakdownOf("region", "By region", inPeriod, (r) => [
      `${r.provider}:${r.region}`,
      `${r.region} (${providerLabel(r.provider)})`,
    ]),
    ...inputs.parameters.tagKeys.map((tagKey, index) => tagBreakdown(tagKey, index, inputs.hourly)),
  ];

  const trend = monthsBetween(inputs.ranges.trend.start, inputs.ranges.trend.end).map((month) => {
    const rows = inputs.monthly.filter((row) => row.month === month);
    return {
      key: month.slice(0, 7),
      label: shortMonthLabel(month),
      measures: sumMeasures(rows),
      spend: coveredCost(rows),
    };
  });

  const daysOf = (start: string, end: string) => {
    const months = monthsBetween(start, end);
    return {
      daysWithData: months.reduce((n, month) => n + (inputs.dataDays.get(month) ?? 0), 0),
      daysInPeriod: months.reduce((n, month) => n + daysInMonth(month), 0),
    };
  };
  const comparisons: Comparison[] = inputs.ranges.comparisons.map((range) => {
    const rows = inputs.monthly.filter((row) => row.month >= range.start && row.month < range.end);
    return {
      key: range.key,
      title: range.title,
      period: { start: range.start, end: range.end, label: range.label },
      measures: sumMeasures(rows),
      spend: coveredCost(rows),
      rollupRows: rows.length,
      ...daysOf(range.start, range.end),
    };
  });

  const headlines = reportHeadlines(totals, inPeriod);
  const customerView = {
    scope3Category1LocationKg: scope3Category1LocationKg(totals),
    scope3Category1MarketKg: scope3Category1MarketKg(totals),
  };
  const intensity = {
    spend: spend.map((s): SpendIntensity => ({
      currency: s.currency,
      spendAmount: s.amount,
      co2eLocationKgPer1000:
        s.amount > 0 ? round6((customerView.scope3Category1LocationKg / s.amount) * 1000) : null,
      co2eMarketKgPer1000:
        s.amount > 0 ? round6((customerView.scope3Category1MarketKg / s.amount) * 1000) : null,
    })),
    functionalUnits: inputs.parameters.functionalUnits.map((unit): FunctionalUnitIntensity => ({
      name: unit.name,
      count: unit.count,
      sciKgPerUnit: round6(customerView.scope3Category1LocationKg / unit.count),
      co2eMarketKgPerUnit: round6(customerView.scope3Category1MarketKg / unit.count),
    })),
  };

  const methodologies = methodologyUses(inputs.hourly, inputs.packChecksum);
  const hourlyTotals = sumMeasures(inputs.hourly);
  const maxDifference = round6(
    Math.max(...measureKeys.map((key) => Math.abs(hourlyTotals[key] - totals[key]))),
  );
  const tolerance = 1e-6 + 1e-9 * Math.max(...measureKeys.map((key) => Math.abs(totals[key])));
  const primary = methodologies[0];
  const lineage: Lineage = {
    inputRowCounts: {
      emissionsHourly: inputs.hourly.reduce((n, g) => n + g.rows, 0),
      emissionsMonthly: inPeriod.length,
      usageHourly: inputs.usageSources.reduce((n, s) => n + s.rows, 0),
    },
    hourlyCheck: { measures: hourlyTotals, maxDifference, agrees: maxDifference <= tolerance },
    usageSources: inputs.usageSources,
    methodologyVersion: primary?.methodologyVersion ?? null,
    dataPackChecksum: primary?.dataPackChecksum ?? null,
    sources: [
      `emissions_monthly: months ${period.start} to ${period.end} (exclusive), accounts in the boundary (totals, breakdowns, comparisons, trend)`,
      `emissions_hourly: hours ${period.start}T00:00Z to ${period.end}T00:00Z (exclusive), accounts in the boundary (tag breakdowns, row counts, check of the rollups, methodology versions)`,
      "usage_hourly: row count of the estimated usage, by the import or sync it came from (data sources)",
      "usage_hourly: cost not modelled by usage type (tax, credits, cost coverage)",
      "sync_runs: lines left out by file imports (coverage)",
      "provider_reported_emissions: providers' own figures (reconciliation)",
    ],
  };

  return {
    schemaVersion: 1,
    organization: inputs.organization,
    period,
    boundary: {
      ...inputs.boundary,
      accountIdsWithData: inputs.boundary.accounts
        .filter((a) => inPeriod.some((row) => row.cloudAccountId === a.id))
        .map((a) => a.id),
    },
    parameters: inputs.parameters,
    totals,
    spend,
    customerView,
    headlines,
    trendMarketBasis: marketBasisOf(marketRowsOf(inputs.monthly)),
    costCoverage: buildCostCoverage(inPeriod, inputs.otherKindCost),
    providerView: {
      electricityLocationKg: totals.co2eLocationKg,
      electricityMarketKg: totals.co2eMarketKg,
      embodiedKg: totals.co2eEmbodiedKg,
      kwhIt: totals.kwhIt,
      kwhFacility: totals.kwhFacility,
      waterL: totals.waterL,
    },
    breakdowns,
    trend,
    dataDays: {
      ...daysOf(period.start, period.end),
      byMonth: monthsBetween(inputs.ranges.monthly.start, inputs.ranges.monthly.end).map(
        (month) => ({
          month,
          daysWithData: inputs.dataDays.get(month) ?? 0,
          daysInMonth: daysInMonth(month),
        }),
      ),
    },
    comparisons,
    intensity,
    dataQuality: {
      coverage: buildCoverage(
        inPeriod,
        inputs.importRuns,
        period,
        inputs.boundary,
        inputs.otherKindCost,
      ),
      co2eOnDefaultsKg: totals.co2eOnDefaultsKg,
      shareOnDefaults: headlines.shareOnDefaults,
      shareSpendBased: headlines.shareSpendBased,
      hourlyCoverage: buildHourlyCoverage(inPeriod),
      methodologies,
      reconciliation: buildReconciliation(
        inputs.providerFigures,
        inputs.boundary.accounts,
        inPeriod,
      ),
    },
    lineage,
    methodology: inputs.methodology,
  };
}

/** Hourly-grid and disaggregated shares of facility kWh, overall and per month, provider and region. */
export function buildHourlyCoverage(rows: readonly MonthlyRow[]): HourlyCoverage {
  const figures = (kwh: { facility: number; hourlyGrid: number; disaggregated: number }) => ({
    kwhFacility: round6(kwh.facility),
    kwhHourlyGrid: round6(kwh.hourlyGrid),
    kwhDisaggregated: round6(kwh.disaggregated),
    shareHourlyGrid: nullableRound6(shareOf(kwh.hourlyGrid, kwh.facility)),
    shareDisaggregated: nullableRound6(shareOf(kwh.disaggregated, kwh.facility)),
  });
  const total = { facility: 0, hourlyGrid: 0, disaggregated: 0 };
  const groups = new Map<
    string,
    { month: string; provider: string; region: string } & typeof total
  >();
  for (const row of rows) {
    const key = `${row.month}|${row.provider}|${row.region}`;
    const group = groups.get(key) ?? {
      month: row.month,
      provider: row.provider,
      region: row.region,
      facility: 0,
      hourlyGrid: 0,
      disaggregated: 0,
    };
    for (const into of [group, total]) {
      into.facility += row.kwhFacility;
      into.hourlyGrid += row.kwhHourlyGrid;
      into.disaggregated += row.kwhDisaggregated;
    }
    groups.set(key, group);
  }
  return {
    ...figures(total),
    rows: [...groups.values()]
      .filter((g) => g.facility !== 0)
      .sort(
        (a, b) =>
          a.month.localeCompare(b.month) ||
          a.provider.localeCompare(b.provider) ||
          a.region.localeCompare(b.region),
      )
      .map((g) => ({ month: g.month, provider: g.provider, region: g.region, ...figures(g) })),
  };
}

const nullableRound6 = (value: number | null) => (value === null ? null : round6(value));

type CostPart = keyof ReturnType<typeof costPartsOf>;

/** One part of the rows' cost by currency (@canopy/methodology costPartsOf). */
function costPart(rows: readonly MonthlyRow[], part: CostPart): Spend[] {
  return sumSpend(
    rows.map((row) => ({
      spendAmount: costPartsOf({ ...row, costAmount: row.spendAmount })[part],
      currency: row.currency,
    })),
  );
}

/** "Cost covered by the estimate" of rows: estimated from usage + estimated from spend. */
export const coveredCost = (rows: readonly MonthlyRow[]): Spend[] => costPart(rows, "covered");

/** "Cost not modelled" of rows: in scope, without an estimate. */
export const notModelledCost = (rows: readonly MonthlyRow[]): Spend[] =>
  costPart(rows, "notModelled");

/**
 * The headlines of the period, from the same sums the dashboard reads (costs summed over
 * currencies, as the dashboard does), each rounded like every stored figure.
 */
function reportHeadlines(totals: ReportTotals, rows: readonly MonthlyRow[]): Headlines {
  const sums: HeadlineSums = {
    co2eLocationKg: totals.co2eLocationKg,
    co2eMarketKg: totals.co2eMarketKg,
    co2eEmbodiedKg: totals.co2eEmbodiedKg,
    co2eSpendBasedKg: totals.co2eSpendBasedKg,
    co2eOnDefaultsKg: totals.co2eOnDefaultsKg,
    co2eLowKg: totals.co2eLowKg,
    co2eHighKg: totals.co2eHighKg,
    costAmount: 0,
    costEstimatedAmount: 0,
    costSpendBasedAmount: 0,
    costOutOfScopeAmount: 0,
    co2eMarketReportedKg: 0,
    ...marketRowsOf(rows),
    kwhFacility: totals.kwhFacility,
    kwhHourlyGrid: 0,
    kwhDisaggregated: 0,
  };
  for (const row of rows) {
    sums.co2eMarketReportedKg += row.co2eMarketReportedKg;
    sums.kwhHourlyGrid += row.kwhHourlyGrid;
    sums.kwhDisaggregated += row.kwhDisaggregated;
    const parts = costPartsOf({ ...row, costAmount: row.spendAmount });
    sums.costAmount += row.spendAmount;
    sums.costEstimatedAmount += parts.estimated;
    sums.costSpendBasedAmount += parts.spendBased;
    sums.costOutOfScopeAmount += parts.outOfScope;
  }
  const headlines = headlinesOf(sums);
  return Object.fromEntries(
    Object.entries(headlines).map(([key, value]) => [
      key,
      typeof value === "number" ? round6(value) : value,
    ]),
  ) as Headlines;
}

/** Rows with a provider-reported and with an estimated market-based figure (@canopy/methodology marketBasisOf). */
function marketRowsOf(rows: readonly MonthlyRow[]) {
  return {
    marketRowsReported: rows.filter((r) => r.marketReported).length,
    marketRowsEstimated: rows.filter((r) => !r.marketReported && r.co2eMarketKg !== 0).length,
  };
}

type ReportTotals = ReturnType<typeof sumMeasures>;

const taxTypes = new Set<string>(taxUsageTypes);
const creditTypes = new Set<string>(creditUsageTypes);

function buildCostCoverage(
  inPeriod: readonly MonthlyRow[],
  lines: readonly OtherKindCostLine[],
): CostCoverage {
  const groups = new Map<string, { label: string; rows: MonthlyRow[] }>();
  for (const row of inPeriod) {
    const key = `${row.provider}:${row.service}`;
    const group = groups.get(key) ?? {
      label: `${row.service} (${providerLabel(row.provider)})`,
      rows: [],
    };
    group.rows.push(row);
    groups.set(key, group);
  }
  const size = (spend: Spend[]) => spend.reduce((n, s) => n + Math.abs(s.amount), 0);
  const byService: CostCoverageRow[] = [...groups.entries()]
    .map(([key, group]) => ({
      key,
      label: group.label,
      covered: coveredCost(group.rows),
      notModelled: notModelledCost(group.rows),
      total: sumSpend(group.rows),
      outOfScope: costPart(group.rows, "outOfScope"),
    }))
    .filter((row) => row.total.length > 0)
    .sort((a, b) => size(b.total) - size(a.total) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const of = (types: Set<string>) =>
    sumSpend(
      lines
        .filter((l) => types.has(l.usageType))
        .map((l) => ({ spendAmount: l.amount, currency: l.currency })),
    );
  return {
    definition: costCoverageDefinition,
    intensityBasis:
      "Intensity per 1,000 of spend divides Scope 3 Category 1 by the cost covered by the estimate (not the total cost: tax, credits and other out-of-scope lines would otherwise move the rate).",
    covered: coveredCost(inPeriod),
    notModelled: notModelledCost(inPeriod),
    total: sumSpend(inPeriod),
    estimated: costPart(inPeriod, "estimated"),
    spendBased: costPart(inPeriod, "spendBased"),
    outOfScope: costPart(inPeriod, "outOfScope"),
    byService,
    tax: of(taxTypes),
    credits: of(creditTypes),
    notModelledByType: lines
      .filter((l) => l.currency !== null && l.amount !== 0)
      .map((l) => ({ usageType: l.usageType, currency: l.currency!, amount: round6(l.amount) })),
  };
}

function breakdownOf(
  dimension: string,
  title: string,
  rows: readonly MonthlyRow[],
  keyOf: (row: MonthlyRow) => [string, string],
): Breakdown {
  const groups = new Map<string, { label: string; rows: MonthlyRow[] }>();
  for (const row of rows) {
    const [key, label] = keyOf(row);
    const group = groups.get(key) ?? { label, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const result: BreakdownRow[] = [...groups.entries()].map(([key, group]) => ({
    key,
    label: group.label,
    measures: sumMeasures(group.rows),
    spend: coveredCost(group.rows),
  }));
  return { dimension, title, rows: sortRows(result, [dimension, `${dimension}s`]) };
}

const UNTAGGED = "(untagged)";

function tagBreakdown(tagKey: string, index: number, hourly: readonly HourlyGroup[]): Breakdown {
  const groups = new Map<string, HourlyGroup[]>();
  const ordered = [...hourly].sort((a, b) => compareGroups(a, b));
  for (const group of ordered) {
    const value = group.tagValues[index] ?? UNTAGGED;
    groups.set(value, [...(groups.get(value) ?? []), group]);
  }
  const rows: BreakdownRow[] = [...groups.entries()].map(([value, members]) => ({
    key: value,
    label: value,
    measures: sumMeasures(members),
    spend: [],
  }));
  return {
    dimension: `tag:${tagKey}`,
    title: `By tag "${tagKey}"`,
    rows: sortRows(rows, ["value", "values"]),
  };
}

/** Key of the row that groups a breakdown's groups without emissions or energy. */
export const ZERO_ROWS_KEY = "(no emissions)";

/** Every measure rounds to 0 (a support fee, a service whose usage has no energy model). */
const isZeroRow = (row: BreakdownRow) =>
  measureKeys.every((key) => Math.abs(row.measures[key]) < 5e-7);

/**
 * Largest Scope 3 Cat. 1 (location-based) first; ties by key, so the order never depends on the
 * database. Groups whose every measure is 0 are folded into one last row that names how many there
 * are (their spend stays in it, so the rows still add up to the totals).
 */
function sortRows(rows: BreakdownRow[], nouns: [string, string]): BreakdownRow[] {
  const size = (row: BreakdownRow) => scope3Category1LocationKg(row.measures);
  const sorted = rows
    .filter((row) => !isZeroRow(row))
    .sort((a, b) => size(b) - size(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const zero = rows.filter(isZeroRow);
  if (zero.length === 0) return sorted;
  const folded: BreakdownRow = {
    key: ZERO_ROWS_KEY,
    label: `Other: ${zero.length} ${zero.length === 1 ? nouns[0] : nouns[1]} with 0 kg CO2e`,
    measures: sumMeasures(zero.map((row) => row.measures)),
    spend: sumSpend(
      zero.flatMap((row) =>
        row.spend.map((s) => ({ spendAmount: s.amount, currency: s.currency })),
      ),
    ),
  };
  return [...sorted, folded];
}

function compareGroups(a: HourlyGroup, b: HourlyGroup): number {
  const left = [a.methodologyVersion, ...a.tagValues.map((v) => v ?? "")].join("\u0000");
  const right = [b.methodologyVersion, ...b.tagValues.map((v) => v ?? "")].join("\u0000");
  return left < right ? -1 : left > right ? 1 : 0;
}

function daysInMonth(monthStart: string): number {
  const [year, month] = monthStart.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** "canopy-1.0.0+pack.2025.1.lifespan-6y" → "2025.1". */
export function packNameOf(methodologyVersion: string): string | undefined {
  const match = /\+pack\.(.+?)(?:\.lifespan-\d+y)?$/.exec(methodologyVersion);
  return match?.[1];
}

function methodologyUses(
  hourly: readonly HourlyGroup[],
  packChecksum: (name: string) => string | undefined,
): MethodologyUse[] {
  const byVersion = new Map<string, HourlyGroup[]>();
  for (const group of [...hourly].sort(compareGroups)) {
    byVersion.set(group.methodologyVersion, [
      ...(byVersion.get(group.methodologyVersion) ?? []),
      group,
    ]);
  }
  return [...byVersion.entries()]
    .map(([methodologyVersion, groups]) => {
      const dataPack = packNameOf(methodologyVersion) ?? "unknown";
      return {
        methodologyVersion,
        dataPack,
        dataPackChecksum: packChecksum(dataPack) ?? "unknown data pack",
        hourlyRows: groups.reduce((n, g) => n + g.rows, 0),
        co2eLocationKg: sumMeasures(groups).co2eLocationKg,
      };
    })
    .sort(
      (a, b) =>
        b.co2eLocationKg - a.co2eLocationKg ||
        (a.methodologyVersion < b.methodologyVersion ? -1 : 1),
    );
}
