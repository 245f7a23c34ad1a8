import type { DataPack } from "./pack-types";
import type { UsageRecord } from "./usage-record";

/** How good an input factor was. Ordered from best to worst. */
export type Quality = "measured" | "regional" | "provider-average" | "default";

export type FactorQuality = {
  quality: Quality;
  /** Short reason, present whenever a fallback was used. */
  reason?: string;
};

export type EstimateQuality = {
  power: FactorQuality;
  pue: FactorQuality;
  grid: FactorQuality;
  market: FactorQuality;
  embodied: FactorQuality;
  water: FactorQuality;
};

/** The estimation method's output for one UsageRecord. */
export type Estimate = {
  kwhIt: number;
  kwhFacility: number;
  pue: number;
  gridIntensityGPerKwh: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  embodiedKg: number;
  waterL: number;
  methodologyVersion: string;
  quality: EstimateQuality;
};

export type MethodologyProfile = "canopy" | "ccf";

export type EstimatorOptions = {
  profile?: MethodologyProfile;
  /** Hardware lifespan for embodied amortization; default documented in docs/methodology.md. */
  lifespanYears?: number;
  /** Optional hourly grid intensity (gCO2e/kWh) by grid zone and UTC hour; wins over annual averages. */
  hourlyGridIntensity?: (zone: string, hourStartMs: number) => number | undefined;
  /** Data pack by name (see `dataPacks`) or object; default the newest compiled pack. Part of `methodologyVersion`. */
  pack?: string | DataPack;
};

export type Estimator = {
  readonly methodologyVersion: string;
  estimate(record: UsageRecord): Estimate;
};
