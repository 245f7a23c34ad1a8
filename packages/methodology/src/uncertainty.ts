import type { Estimate, Quality } from "./estimate-types";

/**
 * Uncertainty: a low and a high for every estimate's total CO2e (location-based operational +
 * embodied, and the spend-based estimate), derived from the quality flag of each input
 * (docs/methodology.md section 8.1).
 *
 * Each input has a relative range r by quality level. The operational CO2e is a product of
 * independent factors (energy from the power model × PUE × grid intensity), so their ranges combine
 * in quadrature, r = √(r_power² + r_pue² + r_grid²) (first-order propagation for a product); the
 * range is multiplicative, low = central ÷ (1 + r), high = central × (1 + r), so it never goes below
 * zero and is symmetric on a log scale. Embodied and spend-based CO2e get their own r. A row's low
 * and high are the sums of its parts' lows and highs, and totals sum the rows: errors are treated as
 * fully correlated (the same coefficient serves many rows), which gives the widest, conservative range.
 *
 * The values are Canopy's assumptions (no source publishes ranges for these coefficients), stated
 * so that an auditor can check and replace them.
 */
export const relativeRanges: Readonly<
  Record<"power" | "pue" | "grid" | "embodied", Readonly<Record<Quality, number>>>
> = {
  // SPECpower-based watts: measured utilization, hardware-specific curve at an assumed utilization,
  // provider-average watts, an assumption (vCPUs, SSD, network coefficient…).
  power: { measured: 0.1, regional: 0.3, "provider-average": 0.5, default: 1 },
  // Reported regional PUE, provider mean, no figure.
  pue: { measured: 0.05, regional: 0.05, "provider-average": 0.1, default: 0.2 },
  // Hourly zone intensity, annual zone average, provider mean, no figure.
  grid: { measured: 0.05, regional: 0.15, "provider-average": 0.3, default: 0.5 },
  // Host manufacturing data for the type, provider median, generic increment or nothing to amortize.
  embodied: { measured: 0.3, regional: 0.3, "provider-average": 0.5, default: 1 },
};

/** Relative range of a spend-based estimate (an industry-average EEIO factor, 2021 USD). */
export const spendBasedRelativeRange = 1;

export type Co2eRange = { lowKg: number; highKg: number };

/** central ÷ (1 + r) … central × (1 + r), ordered (a negative correction swaps them), finite. */
export function rangeOf(centralKg: number, relative: number): Co2eRange {
  const a = centralKg / (1 + relative);
  const b = Math.min(centralKg * (1 + relative), Number.MAX_VALUE);
  return a <= b ? { lowKg: a, highKg: b } : { lowKg: b, highKg: a };
}

/** Relative range of an estimate's operational (electricity) CO2e, from its quality flags. */
export function operationalRelativeRange(quality: Estimate["quality"]): number {
  const power = relativeRanges.power[quality.power.quality];
  const pue = relativeRanges.pue[quality.pue.quality];
  const grid = relativeRanges.grid[quality.grid.quality];
  return Math.sqrt(power * power + pue * pue + grid * grid);
}

/** Low and high of an estimate's location-based operational + embodied CO2e. */
export function co2eRangeKg(
  estimate: Pick<Estimate, "co2eLocationKg" | "embodiedKg" | "quality">,
): Co2eRange {
  const operational = rangeOf(estimate.co2eLocationKg, operationalRelativeRange(estimate.quality));
  const embodied = rangeOf(
    estimate.embodiedKg,
    relativeRanges.embodied[estimate.quality.embodied.quality],
  );
  return {
    lowKg: operational.lowKg + embodied.lowKg,
    highKg: Math.min(operational.highKg + embodied.highKg, Number.MAX_VALUE),
  };
}
