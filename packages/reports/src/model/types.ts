import type { TargetReport } from "@canopy/db";
import type { BoundaryAccount, UsageSource } from "@canopy/db";
import type { StoredReportParameters, StoredSpend } from "@canopy/db/json";
import type { Headlines, MarketBasis } from "@canopy/methodology";
import type { Measures } from "./measures";
import type { ReportPeriod } from "../period";

/**
 * An amount of cost in one currency. `spend` fields are the "cost covered by the estimate" (cost on
 * usage of every kind but "other"; @canopy/methodology cost-coverage.ts): no tax, credits or other
 * lines Canopy attributes no energy to.
 */
export type Spend = StoredSpend;

/** One group of a breakdown (a provider, an account, a service, a region, a tag value, a month). */
export type BreakdownRow = {
  key: string;
  label: string;
  measures: Measures;
  spend: Spend[];
};

export type Breakdown = {
  /** provider | account | service | region | tag:<key> */
  dimension: string;
  title: string;
  rows: BreakdownRow[];
};

export type Comparison = {
  /** previous_period | same_period_last_year | year_to_date | previous_year_to_date */
  key: "previous_period" | "same_period_last_year" | "year_to_date" | "previous_year_to_date";
  title: string;
  period: { start: string; end: string; label: string };
  measures: Measures;
  spend: Spend[];
  /** emissions_monthly rows behind it; 0 means no data for that period. */
  rollupRows: number;
  /** Days of the period with any emissions (emissions_daily), against its length: shows partial data. */
  daysWithData: number;
  daysInPeriod: number;
};

/** Days with data per month of the months read (report period, comparisons, trend). */
export type DataDays = { month: string; daysWithData: number; daysInMonth: number };

export type { BoundaryAccount };

/** What the organization asked the report to show besides the fixed sections (reports.parameters). */
export type ReportParameters = StoredReportParameters;

export type FunctionalUnitIntensity = {
  name: string;
  count: number;
  /** SCI = (location-based electricity + embodied) ÷ units (ISO/IEC 21031; no market instruments). */
  sciKgPerUnit: number;
  /** Market-based Scope 3 Cat. 1 per unit, for reference. */
  co2eMarketKgPerUnit: number;
};

export type SpendIntensity = {
  currency: string;
  spendAmount: number;
  /** Scope 3 Cat. 1 location-based kg CO2e per 1,000 units of spend. */
  co2eLocationKgPer1000: number | null;
  co2eMarketKgPer1000: number | null;
};

/** Cost covered by the estimate, cost not modelled and their sum for one group (a service). */
export type CostCoverageRow = {
  key: string;
  label: string;
  covered: Spend[];
  notModelled: Spend[];
  total: Spend[];
  /** Absent in versions locked before it existed. */
  outOfScope?: Spend[];
};

/**
 * Cost coverage (the one definition in @canopy/methodology headlines.ts): covered = estimated from usage
 * + estimated from spend; out of scope; not modelled = the rest; covered + out of scope + not modelled =
 * total cost (per account and month, the imported invoice). From emissions_monthly, like every figure.
 */
export type CostCoverage = {
  definition: string;
  /** Which cost intensity per 1,000 of spend divides by. */
  intensityBasis: string;
  covered: Spend[];
  notModelled: Spend[];
  total: Spend[];
  /** Parts of covered, and the out-of-scope cost (absent in versions locked before they existed). */
  estimated?: Spend[];
  spendBased?: Spend[];
  outOfScope?: Spend[];
  /** By provider and service, largest total cost first. */
  byService: CostCoverageRow[];
  /** Tax lines (usage_hourly, kind "other", usage_type tax) in the period and boundary; part of outOfScope. */
  tax: Spend[];
  /** Credits, refunds and discounts (usage_type credit, refund, discount); part of outOfScope, usually negative. */
  credits: Spend[];
  /**
   * Cost of the kind-"other" lines by usage_type, from usage_hourly (tax, credit, fee…, or the usage type
   * of usage with no energy model); the name predates the out-of-scope / spend-based split.
   */
  notModelledByType: { usageType: string; currency: string; amount: number }[];
};

export type CoverageLine = {
  /** A reason from the importer or the ledger (tax, credit…), or usage with no energy model. */
  reason: string;
  /** Versions locked before the spend-based estimate say "unsupported" / "financial". */
  category: "out-of-scope" | "spend-based" | "not-modelled" | "error" | "unsupported" | "financial";
  lines: number | null;
  spendAmount: number;
  currency: string | null;
};

export type Coverage = {
  currency: string | null;
  /** Spend the estimate covers: estimated from usage or from spend. */
  spendEstimated: number;
  /** In-scope spend with no estimate: not modelled, and lines the importers left out. */
  spendUnsupported: number;
  /** Out-of-scope lines (tax, credits, refunds, fees, support…); outside the share. */
  spendFinancial: number;
  /** spendEstimated ÷ (spendEstimated + spendUnsupported); null without spend. */
  shareEstimated: number | null;
  lines: CoverageLine[];
  /** How lines left out by file imports were assigned to the period. */
  note: string;
};

export type MethodologyUse = {
  methodologyVersion: string;
  dataPack: string;
  dataPackChecksum: string;
  hourlyRows: number;
  co2eLocationKg: number;
};

export type ReconciliationRow = {
  provider: string;
  scope: string;
  /** What Canopy figure it is compared with. */
  comparedWith: string;
  providerCo2eKg: number;
  canopyCo2eKg: number;
  /** canopy ÷ provider; null when the provider figure is 0. */
  ratio: number | null;
  sources: string[];
};

export type Reconciliation =
  | { status: "none"; note: string; rows: [] }
  | { status: "imported"; note: string; rows: ReconciliationRow[] };

/** Facility kWh on hourly grid factors and disaggregated, of one month, provider and region (or all). */
export type HourlyCoverageFigures = {
  kwhFacility: number;
  /** Facility kWh whose location-based CO2e used the hour's grid intensity. */
  kwhHourlyGrid: number;
  /** Facility kWh of daily or monthly usage spread over its hours (not measured hourly usage). */
  kwhDisaggregated: number;
  /** kwhHourlyGrid ÷ kwhFacility (@canopy/methodology headlines); null without energy. */
  shareHourlyGrid: number | null;
  shareDisaggregated: number | null;
};

export type HourlyCoverage = HourlyCoverageFigures & {
  rows: (HourlyCoverageFigures & { month: string; provider: string; region: string })[];
};

export type DataQuality = {
  coverage: Coverage;
  /** Share of kWh on hourly grid factors (absent in versions locked before it existed). */
  hourlyCoverage?: HourlyCoverage;
  co2eOnDefaultsKg: number;
  /** co2eOnDefaultsKg ÷ total CO2e, location-based (@canopy/methodology headlines). */
  shareOnDefaults: number | null;
  /** Spend-based CO2e ÷ total CO2e, location-based (absent in versions locked before it existed). */
  shareSpendBased?: number | null;
  methodologies: MethodologyUse[];
  reconciliation: Reconciliation;
};

/** One import or sync whose usage counts in the report (usage_hourly lineage). */
export type { UsageSource };

export type Lineage = {
  /** Rows read to build the report, by table. */
  inputRowCounts: { emissionsHourly: number; emissionsMonthly: number; usageHourly: number };
  /** The report's numbers come from emissions_monthly; this is the same period summed from emissions_hourly. */
  hourlyCheck: { measures: Measures; maxDifference: number; agrees: boolean };
  /** The methodology version behind most of the location-based CO2e (all are listed in dataQuality). */
  methodologyVersion: string | null;
  dataPackChecksum: string | null;
  sources: string[];
  /** The imports and syncs the period's usage comes from (absent in versions locked before it existed). */
  usageSources?: UsageSource[];
};

/** Everything the numbers depend on. Its SHA-256 (canonical JSON) is the report's content hash. */
export type ReportContent = {
  schemaVersion: 1;
  organization: { id: string; name: string; slug: string };
  period: ReportPeriod;
  boundary: {
    allAccounts: boolean;
    /** Every account in the boundary (all of the organization's, or the chosen ones). */
    accounts: BoundaryAccount[];
    /** Ids of those with emissions in the period (absent in versions locked before it existed). */
    accountIdsWithData?: string[];
  };
  parameters: ReportParameters;
  totals: Measures;
  spend: Spend[];
  /** The customer's view: cloud emissions as Scope 3 Category 1. */
  customerView: { scope3Category1LocationKg: number; scope3Category1MarketKg: number };
  /**
   * Every headline figure as @canopy/methodology headlinesOf defines it, from the period's rollups
   * (costs summed over currencies, as the dashboard does). Absent in versions locked before it existed.
   */
  headlines?: Headlines;
  /**
   * The market-based basis over every month read (trend and comparisons); the period's own is
   * headlines.marketBasis. Absent in versions locked before it existed (estimated then).
   */
  trendMarketBasis?: MarketBasis;
  /** What customers are asked for about the provider's side. */
  providerView: {
    electricityLocationKg: number;
    electricityMarketKg: number;
    embodiedKg: number;
    kwhIt: number;
    kwhFacility: number;
    waterL: number;
  };
  /** Cost covered by the estimate, cost not modelled, by service, tax and credits (absent in versions locked before it existed). */
  costCoverage?: CostCoverage;
  breakdowns: Breakdown[];
  /** Monthly totals for the trend chart (13 months to the period's end, or the year). */
  trend: BreakdownRow[];
  /** How complete the data is: days with emissions in the period, and per month of everything read. */
  dataDays: { daysWithData: number; daysInPeriod: number; byMonth: DataDays[] };
  comparisons: Comparison[];
  intensity: { spend: SpendIntensity[]; functionalUnits: FunctionalUnitIntensity[] };
  /**
   * The organization's reduction targets: progress in the period's year and the forecast to year end
   * from the trend up to the period's end, as @canopy/db targetReports computes them for the
   * dashboard and the API (whole-organization reports only; absent in versions locked before it existed).
   */
  targets?: TargetReport[];
  dataQuality: DataQuality;
  lineage: Lineage;
  methodology: { source: string; sha256: string; markdown: string };
};

export type DiffLine = {
  metric: string;
  unit: string;
  locked: number;
  current: number;
  delta: number;
  deltaRatio: number | null;
};

export type DiffBreakdownLine = {
  dimension: string;
  key: string;
  label: string;
  lockedCo2eLocationKg: number;
  currentCo2eLocationKg: number;
  deltaKg: number;
};

/** How a draft differs from the locked version before it. */
export type ReportDiff = {
  against: { reportId: string; version: number; contentSha256: string; finalizedAt: string | null };
  /** The locked version's totals and period, as locked. */
  lockedTotals: Measures;
  totals: DiffLine[];
  /** Largest changes by group (location-based CO2e), at most 15. */
  breakdown: DiffBreakdownLine[];
  methodologyVersions: { locked: string[]; current: string[] };
  inputRowCounts: { locked: Lineage["inputRowCounts"]; current: Lineage["inputRowCounts"] };
  changed: boolean;
};

export type ReportStatus = "draft" | "final";

/** Identity and state of one version; not part of the content hash. */
export type ReportHeader = {
  reportId: string;
  version: number;
  status: ReportStatus;
  generatedAt: string;
  finalizedAt: string | null;
  contentSha256: string;
};

/** The one model every format is rendered from. */
export type ReportModel = { header: ReportHeader; content: ReportContent; diff: ReportDiff | null };
