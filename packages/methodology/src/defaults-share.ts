import type { Estimate } from "./estimate-types";

/**
 * What of an estimate rests on a default factor (docs/methodology.md section 8): its location-based
 * operational CO2e when power, PUE or grid intensity was a default, its embodied CO2e when the
 * embodied factor was. The stored `co2e_on_defaults_kg`, the dashboard's data-quality panel and
 * `canopy estimate`'s "on default factors" lines all come from here.
 */
export function onDefaultsKg(estimate: Estimate): { operationalKg: number; embodiedKg: number } {
  const q = estimate.quality;
  const operational =
    q.power.quality === "default" || q.pue.quality === "default" || q.grid.quality === "default";
  return {
    operationalKg: operational ? estimate.co2eLocationKg : 0,
    embodiedKg: q.embodied.quality === "default" ? estimate.embodiedKg : 0,
  };
}

/** The part of an estimate's CO2e (location-based operational + embodied) on default factors. */
export function co2eOnDefaultsKg(estimate: Estimate): number {
  const { operationalKg, embodiedKg } = onDefaultsKg(estimate);
  return operationalKg + embodiedKg;
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
