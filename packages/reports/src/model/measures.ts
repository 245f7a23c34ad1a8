import { marketBasisQualifier, totalKgOf, totalMarketBasedKgOf } from "@canopy/methodology";
import type { EmissionMeasures } from "@canopy/db";
import type { ReportContent } from "./types";

/** The quantities every report row carries (declared with the reads that fill them). */
export type Measures = EmissionMeasures;

export const measureKeys = [
  "kwhIt",
  "kwhFacility",
  "co2eLocationKg",
  "co2eMarketKg",
  "co2eEmbodiedKg",
  "waterL",
  "co2eOnDefaultsKg",
  "co2eSpendBasedKg",
  "co2eLowKg",
  "co2eHighKg",
] as const satisfies readonly (keyof Measures)[];

export type MeasureKey = (typeof measureKeys)[number];

/** Units and plain names, shared by every renderer. */
export const measureInfo: Record<MeasureKey, { label: string; unit: string; column: string }> = {
  kwhIt: { label: "IT energy", unit: "kWh", column: "kwh_it" },
  kwhFacility: { label: "Facility energy (incl. PUE)", unit: "kWh", column: "kwh_facility" },
  co2eLocationKg: {
    label: "Electricity, Scope 2 location-based (lifecycle grid factors)",
    unit: "kg CO2e",
    column: "co2e_location_kg",
  },
  co2eMarketKg: {
    label: "Electricity, Scope 2 market-based (estimated: contractual coverage + residual mix)",
    unit: "kg CO2e",
    column: "co2e_market_kg",
  },
  co2eEmbodiedKg: { label: "Embodied hardware", unit: "kg CO2e", column: "co2e_embodied_kg" },
  waterL: { label: "Water", unit: "L", column: "water_l" },
  co2eOnDefaultsKg: {
    label: "CO2e resting on default factors",
    unit: "kg CO2e",
    column: "co2e_on_defaults_kg",
  },
  co2eSpendBasedKg: {
    label: "Spend-based estimate",
    unit: "kg CO2e",
    column: "co2e_spend_based_kg",
  },
  co2eLowKg: { label: "Total CO2e, low", unit: "kg CO2e", column: "co2e_low_kg" },
  co2eHighKg: { label: "Total CO2e, high", unit: "kg CO2e", column: "co2e_high_kg" },
};

export const zeroMeasures = (): Measures => ({
  kwhIt: 0,
  kwhFacility: 0,
  co2eLocationKg: 0,
  co2eMarketKg: 0,
  co2eEmbodiedKg: 0,
  waterL: 0,
  co2eOnDefaultsKg: 0,
  co2eSpendBasedKg: 0,
  co2eLowKg: 0,
  co2eHighKg: 0,
});

export function addMeasures(into: Measures, from: Measures): Measures {
  for (const key of measureKeys) into[key] += from[key];
  return into;
}

/** Rounds to 6 decimals (mg, mWh, mL): stored models are readable and stable across re-summation. */
export function roundMeasures(measures: Measures): Measures {
  const rounded = zeroMeasures();
  for (const key of measureKeys) rounded[key] = round6(measures[key]);
  return rounded;
}

export const round6 = (value: number): number => {
  const rounded = Math.round(value * 1e6) / 1e6;
  return Object.is(rounded, -0) ? 0 : rounded;
};

/**
 * Customer's Scope 3 Category 1 (purchased goods and services): the headline totals of
 * @canopy/methodology headlines.ts (electricity + embodied + spend-based), location- and market-based.
 * Versions locked before the spend-based estimate existed have no co2eSpendBasedKg (counted as 0).
 */
export const scope3Category1LocationKg = (m: Measures): number =>
  round6(totalKgOf({ ...m, co2eSpendBasedKg: m.co2eSpendBasedKg ?? 0 }));
export const scope3Category1MarketKg = (m: Measures): number =>
  round6(totalMarketBasedKgOf({ ...m, co2eSpendBasedKg: m.co2eSpendBasedKg ?? 0 }));

/** Relative change, or undefined when there is no base to compare with. */
export function changeRatio(current: number, base: number): number | undefined {
  if (!Number.isFinite(base) || Math.abs(base) < 1e-9) return undefined;
  return (current - base) / base;
}

/** What the period's market-based figures rest on (provider-reported, estimated or both). */
export const periodMarketQualifier = (content: Pick<ReportContent, "headlines">): string =>
  marketBasisQualifier[content.headlines?.marketBasis ?? "estimated"];
/** The same over every month read: the trend and the comparisons. */
export const trendMarketQualifier = (content: Pick<ReportContent, "trendMarketBasis">): string =>
  marketBasisQualifier[content.trendMarketBasis ?? "estimated"];
