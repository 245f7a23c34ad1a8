import type { Estimate, EstimateQuality } from "./estimate-types";

/*
 * What of an estimate rests on a default factor (docs/methodology.md section 8): its location-based
 * operational CO2e when power, PUE or grid intensity was a default, its embodied CO2e when the
 * embodied factor was. The stored `co2e_on_defaults_kg` and `canopy estimate`'s "on default factors"
 * lines both come from here (predicates, so the per-record path allocates nothing).
 */

/** The operational (location-based) CO2e rests on a default power, PUE or grid factor. */
export const operationalOnDefaults = (q: EstimateQuality): boolean =>
  q.power.quality === "default" || q.pue.quality === "default" || q.grid.quality === "default";

/** The embodied CO2e rests on a default embodied factor. */
export const embodiedOnDefaults = (q: EstimateQuality): boolean => q.embodied.quality === "default";

/** The part of an estimate's CO2e (location-based operational + embodied) on default factors. */
export function co2eOnDefaultsKg(estimate: Estimate): number {
  const q = estimate.quality;
  return (
    (operationalOnDefaults(q) ? estimate.co2eLocationKg : 0) +
    (embodiedOnDefaults(q) ? estimate.embodiedKg : 0)
  );
}

const factorBits = { power: 1, pue: 2, grid: 4, market: 8, embodied: 16, water: 32 } as const;

/** Bit set per factor whose quality is `default` (stored as emissions_hourly.default_factors_mask). */
export function defaultFactorsMask(estimate: Estimate): number {
  let mask = 0;
  for (const [factor, bit] of Object.entries(factorBits) as [keyof typeof factorBits, number][]) {
    if (estimate.quality[factor].quality === "default") mask |= bit;
  }
  return mask;
}

/** Whether the estimate's power rests on measured CPU utilization (docs/methodology.md §2.1.1). */
export function utilizationMeasured(estimate: Estimate): boolean {
  return estimate.quality.power.quality === "measured";
}
