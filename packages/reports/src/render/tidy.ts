import {
  measureKeys,
  scope3Category1LocationKg,
  scope3Category1MarketKg,
  zeroMeasures,
  type Measures,
} from "../model/measures";
import { costCoverageLabels } from "@canopy/methodology";
import { comparisonLines } from "../model/comparisons";
import type { HourlyCoverageFigures, ReportContent, ReportModel, Spend } from "../model/types";

type ReportContentCost = ReportContent["costCoverage"];
import { lastDay } from "./format";

/**
 * The one tidy table (CSV, and the XLSX "Data" sheet): one row per group, one column per variable.
 * Column names are stable; README.md documents each one. Add columns at the end only.
 */
export const tidyColumns = [
  { name: "report_id", description: "Report id (the same for every row)" },
  { name: "report_version", description: "Version number of the report" },
  { name: "report_status", description: "draft (recomputed on demand) or final (locked)" },
  { name: "organization", description: "Organization name" },
  { name: "period_first_day", description: "First day of the row's period (YYYY-MM-DD, UTC)" },
  { name: "period_last_day", description: "Last day of the row's period, inclusive" },
  {
    name: "dimension",
    description:
      "total | provider | account | service | region | tag:<key> | month | comparison | locked_version | cost_coverage | cost_line | hourly_coverage",
  },
  {
    name: "key",
    description:
      "Stable key of the group within the dimension (account id, provider:service, YYYY-MM…)",
  },
  { name: "label", description: "Human-readable name of the group" },
  {
    name: "scope3_cat1_location_kg",
    description:
      "Customer Scope 3 Category 1, location-based (lifecycle grid factors) (the headline total): co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg (kg CO2e)",
  },
  {
    name: "scope3_cat1_market_kg",
    description:
      "Customer Scope 3 Category 1, market-based (provider-reported where the provider gives a Scope 2 market-based figure for the month, else estimated: contractual coverage + residual mix; the summary names the basis): co2e_market_kg + co2e_embodied_kg + co2e_spend_based_kg (kg CO2e)",
  },
  {
    name: "co2e_location_kg",
    description:
      "Electricity emissions, Scope 2 location-based (lifecycle grid factors) (the provider's Scope 2 LBM), kg CO2e",
  },
  {
    name: "co2e_market_kg",
    description:
      "Electricity emissions, Scope 2 market-based (provider-reported where the provider gives a Scope 2 market-based figure for the month, else estimated: contractual coverage + residual mix; the summary names the basis) (the provider's Scope 2 MBM), kg CO2e",
  },
  {
    name: "co2e_embodied_kg",
    description: "Embodied server hardware emissions (the provider's Scope 3), kg CO2e",
  },
  { name: "kwh_it", description: "Energy at the servers, kWh" },
  { name: "kwh_facility", description: "Energy including data-centre overhead (PUE), kWh" },
  { name: "water_l", description: "Data-centre water use, litres" },
  {
    name: "co2e_on_defaults_kg",
    description:
      "Part of scope3_cat1_location_kg (operational and embodied) whose inputs include a default factor, kg CO2e",
  },
  {
    name: "spend_amount",
    description:
      "Cost covered by the estimate: estimated from usage + estimated from spend (empty for tag rows and mixed currencies)",
  },
  { name: "currency", description: "Currency of spend_amount (ISO 4217)" },
  {
    name: "methodology_version",
    description: "Methodology version behind most of the report's CO2e",
  },
  {
    name: "content_sha256",
    description: "SHA-256 of the report content (printed on every format)",
  },
  {
    name: "cost_not_modelled_amount",
    description:
      "Cost not modelled: in-scope cost without an estimate (spend in a currency other than USD); total, cost_coverage and cost_line rows",
  },
  {
    name: "cost_total_amount",
    description:
      "Total cost = spend_amount + cost_out_of_scope_amount + cost_not_modelled_amount (per account and month, the invoice); total, cost_coverage and cost_line rows",
  },
  {
    name: "co2e_spend_based_kg",
    description:
      "Spend-based estimate of usage without an energy model (US EPA USEEIO kg CO2e per USD), kg CO2e",
  },
  {
    name: "co2e_low_kg",
    description: "Low end of scope3_cat1_location_kg: sum of every line's low estimate, kg CO2e",
  },
  {
    name: "co2e_high_kg",
    description: "High end of scope3_cat1_location_kg: sum of every line's high estimate, kg CO2e",
  },
  {
    name: "cost_out_of_scope_amount",
    description:
      "Cost out of scope (tax, credits, refunds, fees, commitments, support, marketplace, licences); total, cost_coverage and cost_line rows",
  },
  {
    name: "kwh_hourly_grid",
    description:
      "Facility kWh whose location-based CO2e used the hour's grid intensity (the rest used the annual factor); total and hourly_coverage rows",
  },
  {
    name: "kwh_disaggregated",
    description:
      "Facility kWh of usage billed per day or month, spread over its hours (disaggregated, not measured hourly usage); total and hourly_coverage rows",
  },
  {
    name: "share_hourly_grid",
    description: "Share of kWh on hourly grid factors: kwh_hourly_grid / kwh_facility (0–1)",
  },
  {
    name: "share_disaggregated",
    description: "Share of kWh disaggregated: kwh_disaggregated / kwh_facility (0–1)",
  },
  {
    name: "change_ratio",
    description:
      "comparison rows: change of the report's figure against this one (location-based; previous year to date: this year to date against it), as a ratio; empty when not comparable or no data",
  },
  {
    name: "comparison_note",
    description:
      'comparison rows: "not comparable: …" with both spans\' days with data when a change would mislead, else empty',
  },
] as const;

export type TidyColumn = (typeof tidyColumns)[number]["name"];
export type TidyValue = string | number | null;
export type TidyRow = Record<TidyColumn, TidyValue>;

/** Which columns hold numbers (XLSX writes them as numbers; CSV with fixed decimals). */
export const numericColumns = new Set<TidyColumn>([
  "report_version",
  "scope3_cat1_location_kg",
  "scope3_cat1_market_kg",
  "co2e_location_kg",
  "co2e_market_kg",
  "co2e_embodied_kg",
  "kwh_it",
  "kwh_facility",
  "water_l",
  "co2e_on_defaults_kg",
  "spend_amount",
  "cost_not_modelled_amount",
  "cost_total_amount",
  "co2e_spend_based_kg",
  "co2e_low_kg",
  "co2e_high_kg",
  "cost_out_of_scope_amount",
  "kwh_hourly_grid",
  "kwh_disaggregated",
  "share_hourly_grid",
  "share_disaggregated",
  "change_ratio",
]);

export function tidyRows(model: ReportModel): TidyRow[] {
  const { content, header } = model;
  const base = {
    report_id: header.reportId,
    report_version: header.version,
    report_status: header.status,
    organization: content.organization.name,
    methodology_version: content.lineage.methodologyVersion,
    content_sha256: header.contentSha256,
  };
  const row = (
    dimension: string,
    key: string,
    label: string,
    period: { start: string; end: string },
    measures: Measures,
    spend: Spend[],
    cost?: { notModelled: Spend[]; total: Spend[]; outOfScope?: Spend[] | undefined },
    hourly?: HourlyCoverageFigures,
  ): TidyRow => {
    const currencies = [
      ...new Set(
        [
          ...spend,
          ...(cost?.notModelled ?? []),
          ...(cost?.total ?? []),
          ...(cost?.outOfScope ?? []),
        ].map((s) => s.currency),
      ),
    ];
    const single = spend.length === 1 ? spend[0]! : undefined;
    const currency = currencies.length === 1 ? currencies[0]! : undefined;
    const amountIn = (list: Spend[]) =>
      currency === undefined ? null : (list.find((s) => s.currency === currency)?.amount ?? 0);
    // Versions locked before a measure existed have no value for it: the cell stays empty.
    const values = Object.fromEntries(
      measureKeys.map((k) => [columnOf[k], measures[k] ?? null]),
    ) as Record<(typeof columnOf)[keyof typeof columnOf], number | null>;
    return {
      ...base,
      period_first_day: period.start,
      period_last_day: lastDay(period.end),
      dimension,
      key,
      label,
      scope3_cat1_location_kg: scope3Category1LocationKg(measures),
      scope3_cat1_market_kg: scope3Category1MarketKg(measures),
      ...values,
      spend_amount: cost ? amountIn(spend) : single ? single.amount : null,
      currency: cost
        ? (currency ?? (currencies.length > 1 ? "mixed" : null))
        : single
          ? single.currency
          : spend.length > 1
            ? "mixed"
            : null,
      cost_not_modelled_amount: cost ? amountIn(cost.notModelled) : null,
      cost_total_amount: cost ? amountIn(cost.total) : null,
      cost_out_of_scope_amount: cost?.outOfScope ? amountIn(cost.outOfScope) : null,
      kwh_hourly_grid: hourly?.kwhHourlyGrid ?? null,
      kwh_disaggregated: hourly?.kwhDisaggregated ?? null,
      share_hourly_grid: hourly?.shareHourlyGrid ?? null,
      share_disaggregated: hourly?.shareDisaggregated ?? null,
      change_ratio: null,
      comparison_note: null,
    };
  };
  const hourlyCoverage = content.dataQuality.hourlyCoverage;
  const period = content.period;
  const rows: TidyRow[] = [
    row(
      "total",
      "total",
      `All cloud emissions, ${period.label}`,
      period,
      content.totals,
      content.spend,
      // Versions locked before cost coverage existed have no costCoverage.
      content.costCoverage as ReportContentCost | undefined,
      hourlyCoverage,
    ),
  ];
  for (const breakdown of content.breakdowns) {
    for (const r of breakdown.rows)
      rows.push(row(breakdown.dimension, r.key, r.label, period, r.measures, r.spend));
  }
  const coverage = content.costCoverage as ReportContentCost | undefined;
  for (const r of coverage?.byService ?? [])
    rows.push(
      row("cost_coverage", r.key, r.label, period, zeroMeasures(), r.covered, {
        notModelled: r.notModelled,
        total: r.total,
        outOfScope: r.outOfScope,
      }),
    );
  const costLines = [
    ["tax", `${costCoverageLabels.tax} (out of scope)`, coverage?.tax ?? []],
    ["credits", `${costCoverageLabels.credits} (out of scope)`, coverage?.credits ?? []],
  ] as const;
  for (const [key, label, amounts] of coverage ? costLines : [])
    rows.push(
      row(
        "cost_line",
        key,
        label,
        period,
        zeroMeasures(),
        amounts.map((a) => ({ ...a, amount: 0 })),
        {
          notModelled: amounts.map((a) => ({ ...a, amount: 0 })),
          total: amounts,
          outOfScope: amounts,
        },
      ),
    );
  for (const r of hourlyCoverage?.rows ?? []) {
    const [y, m] = r.month.split("-").map(Number) as [number, number];
    const end = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    rows.push(
      row(
        "hourly_coverage",
        `${r.month.slice(0, 7)}:${r.provider}:${r.region}`,
        `${r.provider} ${r.region}, ${r.month.slice(0, 7)}`,
        { start: r.month.slice(0, 10), end },
        { ...zeroMeasures(), kwhFacility: r.kwhFacility },
        [],
        undefined,
        r,
      ),
    );
  }
  for (const month of content.trend) {
    const start = `${month.key}-01`;
    const [y, m] = month.key.split("-").map(Number) as [number, number];
    const end = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    rows.push(row("month", month.key, month.label, { start, end }, month.measures, month.spend));
  }
  for (const line of comparisonLines(content)) {
    const { comparison } = line;
    rows.push({
      ...row(
        "comparison",
        comparison.key,
        comparison.period.label,
        comparison.period,
        comparison.measures,
        comparison.spend,
      ),
      change_ratio: line.change,
      comparison_note: line.notComparableReason,
    });
  }
  if (model.diff) {
    const against = model.diff.against;
    rows.push(
      row(
        "locked_version",
        `v${against.version}`,
        `Locked version ${against.version} (${against.contentSha256.slice(0, 12)}…)`,
        period,
        model.diff.lockedTotals,
        [],
      ),
    );
  }
  return rows;
}

const columnOf = {
  kwhIt: "kwh_it",
  kwhFacility: "kwh_facility",
  co2eLocationKg: "co2e_location_kg",
  co2eMarketKg: "co2e_market_kg",
  co2eEmbodiedKg: "co2e_embodied_kg",
  waterL: "water_l",
  co2eOnDefaultsKg: "co2e_on_defaults_kg",
  co2eSpendBasedKg: "co2e_spend_based_kg",
  co2eLowKg: "co2e_low_kg",
  co2eHighKg: "co2e_high_kg",
} as const satisfies Record<keyof Measures, TidyColumn>;
