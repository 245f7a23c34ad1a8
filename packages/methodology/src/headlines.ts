/**
 * The one definition of every headline figure. The dashboard, the REST API and the finance reports
 * sum the same columns of emissions_hourly, _daily or _monthly (`headlineSumsSql`) and derive the
 * headlines from those sums with `headlinesOf`; nothing else computes a total or a share.
 *
 * - Total CO2e (location-based) = electricity, location-based + embodied hardware + spend-based.
 * - Total CO2e (market-based)   = electricity, market-based + embodied hardware + spend-based, where
 *   electricity market-based follows the GHG Protocol Scope 2 precedence: the provider-reported figure
 *   where Canopy has one for the row's provider scope and month (allocated by share of facility energy),
 *   else Canopy's estimate. The sums read `co2e_market_precedence_kg`, `co2e_market_reported_kg` and
 *   `market_reported`, which only @canopy/db `providerMarketSource(table, from, to)` provides: every
 *   caller sums over that derived table, never over the bare emissions table. `marketBasis` names the
 *   basis the figure actually uses.
 * - Its range: the sum of every row's low and high (docs/methodology.md section 8.1).
 * - Share on default factors = CO2e resting on a default factor ÷ total (location-based).
 * - Share spend-based = spend-based CO2e ÷ total (location-based).
 * - Cost: estimated (usage with an energy model) + spend-based = covered by the estimate; out of scope
 *   (tax, credits, fees, support…); not modelled = the rest (spend-based lines in a currency other
 *   than USD). Covered + out of scope + not modelled = total cost (the invoice per account and month).
 * - Intensity per 1,000 of spend = total (location-based) ÷ cost covered by the estimate × 1,000.
 * - Share on hourly grid factors = facility kWh estimated with the hour's grid intensity ÷ facility kWh;
 *   share disaggregated = facility kWh of usage billed per day or month and spread over its hours ÷
 *   facility kWh (docs/methodology.md section 4, hourly). "Hourly" is shown only with these figures.
 */

/** The usage kind the energy model has nothing for (spend-based or out of scope). */
export const costNotModelledKind = "other";

/** Sums of stored columns every headline is derived from. Names carry units. */
export type HeadlineSums = {
  co2eLocationKg: number;
  /** Market-based in precedence order: provider-reported where Canopy has it, else estimated. */
  co2eMarketKg: number;
  /** The provider-reported part of co2eMarketKg. */
  co2eMarketReportedKg: number;
  /** Rows whose market-based figure is provider-reported. */
  marketRowsReported: number;
  /** Rows with a non-zero market-based estimate and no provider figure. */
  marketRowsEstimated: number;
  co2eEmbodiedKg: number;
  co2eSpendBasedKg: number;
  co2eOnDefaultsKg: number;
  co2eLowKg: number;
  co2eHighKg: number;
  costAmount: number;
  /** Cost of rows the energy model estimated (every kind but "other"). */
  costEstimatedAmount: number;
  costSpendBasedAmount: number;
  costOutOfScopeAmount: number;
  kwhFacility: number;
  /** Facility kWh whose location-based CO2e used the hour's grid intensity. */
  kwhHourlyGrid: number;
  /** Facility kWh of daily or monthly usage spread over its hours (never measured hourly usage). */
  kwhDisaggregated: number;
};

const sumOf = (expression: string) => `coalesce(sum(${expression}), 0)::float8`;

/** SQL aggregates (float8) for each sum; `prefix` is a table alias such as "e.". */
export const headlineSumsSql: Record<keyof HeadlineSums, (prefix?: string) => string> = {
  co2eLocationKg: (p = "") => sumOf(`${p}co2e_location_kg`),
  co2eMarketKg: (p = "") => sumOf(`${p}co2e_market_precedence_kg`),
  co2eMarketReportedKg: (p = "") => sumOf(`${p}co2e_market_reported_kg`),
  marketRowsReported: (p = "") => `count(*) FILTER (WHERE ${p}market_reported)::float8`,
  marketRowsEstimated: (p = "") =>
    `count(*) FILTER (WHERE NOT ${p}market_reported AND ${p}co2e_market_kg <> 0)::float8`,
  co2eEmbodiedKg: (p = "") => sumOf(`${p}co2e_embodied_kg`),
  co2eSpendBasedKg: (p = "") => sumOf(`${p}co2e_spend_based_kg`),
  co2eOnDefaultsKg: (p = "") => sumOf(`${p}co2e_on_defaults_kg`),
  co2eLowKg: (p = "") => sumOf(`${p}co2e_low_kg`),
  co2eHighKg: (p = "") => sumOf(`${p}co2e_high_kg`),
  costAmount: (p = "") => sumOf(`${p}cost_amount`),
  costEstimatedAmount: (p = "") =>
    `coalesce(sum(${p}cost_amount) FILTER (WHERE ${p}kind <> '${costNotModelledKind}'), 0)::float8`,
  costSpendBasedAmount: (p = "") => sumOf(`${p}cost_spend_based_amount`),
  costOutOfScopeAmount: (p = "") => sumOf(`${p}cost_out_of_scope_amount`),
  kwhFacility: (p = "") => sumOf(`${p}kwh_facility`),
  kwhHourlyGrid: (p = "") => sumOf(`${p}kwh_hourly_grid`),
  kwhDisaggregated: (p = "") => sumOf(`${p}kwh_disaggregated`),
};

export const headlineSumKeys = Object.keys(headlineSumsSql) as (keyof HeadlineSums)[];

/** `sum(...) AS "co2eLocationKg", …` for a SELECT list. */
export function headlineSumsSelect(prefix = ""): string {
  return headlineSumKeys.map((key) => `${headlineSumsSql[key](prefix)} AS "${key}"`).join(", ");
}

export const zeroHeadlineSums = (): HeadlineSums => ({
  co2eLocationKg: 0,
  co2eMarketKg: 0,
  co2eMarketReportedKg: 0,
  marketRowsReported: 0,
  marketRowsEstimated: 0,
  co2eEmbodiedKg: 0,
  co2eSpendBasedKg: 0,
  co2eOnDefaultsKg: 0,
  co2eLowKg: 0,
  co2eHighKg: 0,
  costAmount: 0,
  costEstimatedAmount: 0,
  costSpendBasedAmount: 0,
  costOutOfScopeAmount: 0,
  kwhFacility: 0,
  kwhHourlyGrid: 0,
  kwhDisaggregated: 0,
});

/** Which basis a market-based figure uses (the same names as @canopy/db marketBasedByMonth). */
export type MarketBasis = "provider-reported" | "estimated" | "provider-reported and estimated";

/**
 * The basis of a market-based sum: provider-reported when every row with a market-based figure has a
 * provider figure, estimated when none has, else both.
 */
export function marketBasisOf(
  s: Pick<HeadlineSums, "marketRowsReported" | "marketRowsEstimated">,
): MarketBasis {
  if (s.marketRowsReported <= 0) return "estimated";
  return s.marketRowsEstimated > 0 ? "provider-reported and estimated" : "provider-reported";
}

/** What a market-based label says in brackets, per basis. */
export const marketBasisQualifier: Record<MarketBasis, string> = {
  estimated: "estimated: contractual coverage + residual mix",
  "provider-reported": "provider-reported",
  "provider-reported and estimated": "provider-reported where available, else estimated",
};

export type Headlines = {
  /** Electricity location-based + embodied + spend-based: the headline figure. */
  totalKg: number;
  totalLowKg: number;
  totalHighKg: number;
  /** Electricity market-based + embodied + spend-based. */
  totalMarketBasedKg: number;
  electricityLocationKg: number;
  electricityMarketKg: number;
  /** The provider-reported part of electricityMarketKg. */
  electricityMarketReportedKg: number;
  marketBasis: MarketBasis;
  embodiedKg: number;
  spendBasedKg: number;
  onDefaultsKg: number;
  /** onDefaultsKg ÷ totalKg; null without emissions. */
  shareOnDefaults: number | null;
  /** spendBasedKg ÷ totalKg; null without emissions. */
  shareSpendBased: number | null;
  costTotalAmount: number;
  /** Estimated + spend-based: the cost the total describes. */
  costCoveredAmount: number;
  costEstimatedAmount: number;
  costSpendBasedAmount: number;
  costOutOfScopeAmount: number;
  /** Total − covered − out of scope: in-scope cost with no estimate at all. */
  costNotModelledAmount: number;
  kwhFacility: number;
  kwhHourlyGrid: number;
  kwhDisaggregated: number;
  /** kwhHourlyGrid ÷ kwhFacility; null without facility energy. */
  shareHourlyGrid: number | null;
  /** kwhDisaggregated ÷ kwhFacility; null without facility energy. */
  shareDisaggregated: number | null;
};

type EmissionSums = Pick<
  HeadlineSums,
  "co2eLocationKg" | "co2eMarketKg" | "co2eEmbodiedKg" | "co2eSpendBasedKg"
>;

/** Total CO2e, location-based. */
export const totalKgOf = (m: EmissionSums): number =>
  m.co2eLocationKg + m.co2eEmbodiedKg + m.co2eSpendBasedKg;
/** Total CO2e, market-based. */
export const totalMarketBasedKgOf = (m: EmissionSums): number =>
  m.co2eMarketKg + m.co2eEmbodiedKg + m.co2eSpendBasedKg;

/** part ÷ whole, or null when the whole is not positive (no emissions). */
export const shareOf = (part: number, whole: number): number | null =>
  whole > 0 ? part / whole : null;

/** A stored row's cost split (the same split `headlineSumsSql` makes in SQL). */
export function costPartsOf(row: {
  kind: string;
  costAmount: number;
  costSpendBasedAmount: number;
  costOutOfScopeAmount: number;
}) {
  const estimated = row.kind === costNotModelledKind ? 0 : row.costAmount;
  const covered = estimated + row.costSpendBasedAmount;
  return {
    estimated,
    spendBased: row.costSpendBasedAmount,
    covered,
    outOfScope: row.costOutOfScopeAmount,
    notModelled: row.costAmount - covered - row.costOutOfScopeAmount,
  };
}

export function headlinesOf(s: HeadlineSums): Headlines {
  const totalKg = totalKgOf(s);
  const costCoveredAmount = s.costEstimatedAmount + s.costSpendBasedAmount;
  return {
    totalKg,
    totalLowKg: s.co2eLowKg,
    totalHighKg: s.co2eHighKg,
    totalMarketBasedKg: totalMarketBasedKgOf(s),
    electricityLocationKg: s.co2eLocationKg,
    electricityMarketKg: s.co2eMarketKg,
    electricityMarketReportedKg: s.co2eMarketReportedKg,
    marketBasis: marketBasisOf(s),
    embodiedKg: s.co2eEmbodiedKg,
    spendBasedKg: s.co2eSpendBasedKg,
    onDefaultsKg: s.co2eOnDefaultsKg,
    shareOnDefaults: shareOf(s.co2eOnDefaultsKg, totalKg),
    shareSpendBased: shareOf(s.co2eSpendBasedKg, totalKg),
    costTotalAmount: s.costAmount,
    costCoveredAmount,
    costEstimatedAmount: s.costEstimatedAmount,
    costSpendBasedAmount: s.costSpendBasedAmount,
    costOutOfScopeAmount: s.costOutOfScopeAmount,
    costNotModelledAmount: s.costAmount - costCoveredAmount - s.costOutOfScopeAmount,
    kwhFacility: s.kwhFacility,
    kwhHourlyGrid: s.kwhHourlyGrid,
    kwhDisaggregated: s.kwhDisaggregated,
    shareHourlyGrid: shareOf(s.kwhHourlyGrid, s.kwhFacility),
    shareDisaggregated: shareOf(s.kwhDisaggregated, s.kwhFacility),
  };
}

/** kg CO2e per 1,000 of the cost covered by the estimate; null without covered cost. */
export function intensityPer1000(totalKg: number, costCoveredAmount: number): number | null {
  return costCoveredAmount > 0 ? (totalKg / costCoveredAmount) * 1000 : null;
}

export const headlineLabels = {
  totalKg: "Total CO2e, location-based (lifecycle grid factors)",
  totalRange: "Range (low – high)",
  totalMarketBasedKg: `Total CO2e, market-based (${marketBasisQualifier.estimated})`,
  electricityLocationKg: "Electricity, Scope 2 location-based (lifecycle grid factors)",
  electricityMarketKg: `Electricity, Scope 2 market-based (${marketBasisQualifier.estimated})`,
  embodiedKg: "Embodied hardware",
  spendBasedKg: "Spend-based estimate",
  shareOnDefaults: "Share on default factors",
  shareSpendBased: "Share spend-based",
} as const;

/** Hourly coverage: "hourly" is shown only beside these figures (issue #15). */
export const hourlyCoverageLabels = {
  shareHourlyGrid: "Share of kWh on hourly grid factors",
  shareDisaggregated: "Share of kWh disaggregated from daily or monthly usage",
} as const;

export const hourlyCoverageDefinition =
  "Share of kWh on hourly grid factors: facility kWh whose location-based CO2e used the grid intensity of its " +
  "hour in the region's zone, of all facility kWh; the rest used the zone's annual factor. Share disaggregated: " +
  "facility kWh of usage billed per day or month and spread over its hours by a documented profile, so its hourly " +
  "pattern is estimated, not measured.";

/** The market-based labels for the basis a figure actually uses. */
export const marketBasedLabels = (basis: MarketBasis) => ({
  totalMarketBasedKg: `Total CO2e, market-based (${marketBasisQualifier[basis]})`,
  electricityMarketKg: `Electricity, Scope 2 market-based (${marketBasisQualifier[basis]})`,
});

export const costCoverageLabels = {
  covered: "Cost covered by the estimate",
  estimated: "Cost estimated from usage",
  spendBased: "Cost estimated from spend",
  outOfScope: "Cost out of scope",
  notModelled: "Cost not modelled",
  total: "Total cost",
  tax: "Tax",
  credits: "Credits, refunds and discounts",
} as const;

/** usage_hourly.usage_type of cost-only rows that are tax. */
export const taxUsageTypes = ["tax"] as const;
/** usage_hourly.usage_type of cost-only rows that are credits (credits, refunds, discounts). */
export const creditUsageTypes = ["credit", "refund", "discount"] as const;

export const headlineDefinition =
  "Total CO2e (location-based) is electricity (location-based) plus embodied hardware plus the spend-based " +
  "estimate; the market-based total uses market-based electricity instead, provider-reported where the " +
  "provider gives a Scope 2 market-based figure for the month, else estimated. The range is the sum of every " +
  "line's low and high estimate. Share on default factors and share spend-based are fractions of the " +
  "location-based total.";

export const costCoverageDefinition =
  "Every billing line is estimated from its usage, estimated from its spend (usage without an energy model, " +
  "USD only, US EPA USEEIO factors), or out of scope (tax, credits, refunds, fees, commitments, support, " +
  "marketplace, licences, corrections). Cost covered by the estimate = estimated from usage + estimated from " +
  "spend. Cost not modelled = in-scope cost with no estimate (spend in a currency other than USD). Covered + " +
  "out of scope + not modelled = total cost, which per account and month equals the invoice total of the " +
  "imported file. Intensity per 1,000 of spend divides the location-based total by the cost covered.";
