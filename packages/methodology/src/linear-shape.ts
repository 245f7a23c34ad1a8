import type { Estimate, EstimateQuality, Estimator } from "./estimate-types";
import type { UsageRecord } from "./usage-record";
import { co2eRangeKg } from "./uncertainty";

/**
 * Shape-based estimation, the one rule `canopy estimate` and the estimate jobs share: for a fixed
 * record shape (everything but the quantity: kind, unit, region, year, instance type, …) the
 * estimate is proportional to the quantity, so it is computed once per shape and scaled. This is
 * checked per shape, never assumed: the estimate at LINEARITY_PROBE_QUANTITY must be that many
 * times the estimate at quantity 1, with the same factors and qualities; a shape that fails is
 * estimated record by record.
 */
export const LINEARITY_PROBE_QUANTITY = 1000;

/** The figures of an estimate that scale with quantity. */
export const scaledFigures = [
  "kwhIt",
  "kwhFacility",
  "co2eLocationKg",
  "co2eMarketKg",
  "embodiedKg",
  "waterL",
] as const;

const qualityFactors: readonly (keyof EstimateQuality)[] = [
  "power",
  "pue",
  "grid",
  "market",
  "embodied",
  "water",
];

/** Equal up to floating-point rounding of a product. */
export const closeTo = (a: number, b: number): boolean =>
  Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-12);

/** The estimate of `quantity` units from the estimate of one unit of the same shape. */
export function scaleEstimate(perUnit: Estimate, quantity: number): Estimate {
  return {
    kwhIt: perUnit.kwhIt * quantity,
    kwhFacility: perUnit.kwhFacility * quantity,
    pue: perUnit.pue,
    gridIntensityGPerKwh: perUnit.gridIntensityGPerKwh,
    co2eLocationKg: perUnit.co2eLocationKg * quantity,
    co2eMarketKg: perUnit.co2eMarketKg * quantity,
    embodiedKg: perUnit.embodiedKg * quantity,
    waterL: perUnit.waterL * quantity,
    methodologyVersion: perUnit.methodologyVersion,
    quality: perUnit.quality,
  };
}

/** Whether `estimate` is `perUnit` × `factor` in every figure (and its CO2e range), with the same factors and qualities. */
export function isScaledEstimate(estimate: Estimate, perUnit: Estimate, factor: number): boolean {
  if (!scaledFigures.every((figure) => closeTo(estimate[figure], perUnit[figure] * factor)))
    return false;
  const range = co2eRangeKg(estimate);
  const unitRange = co2eRangeKg(perUnit);
  return (
    closeTo(range.lowKg, unitRange.lowKg * factor) &&
    closeTo(range.highKg, unitRange.highKg * factor) &&
    estimate.pue === perUnit.pue &&
    estimate.gridIntensityGPerKwh === perUnit.gridIntensityGPerKwh &&
    estimate.methodologyVersion === perUnit.methodologyVersion &&
    qualityFactors.every(
      (f) =>
        estimate.quality[f].quality === perUnit.quality[f].quality &&
        estimate.quality[f].reason === perUnit.quality[f].reason,
    )
  );
}

/**
 * The estimate of one unit of `record`'s shape when the estimator scales that shape exactly with
 * quantity, else undefined (estimate such records one by one).
 */
export function linearUnitEstimate(
  estimator: Estimator,
  record: UsageRecord,
): Estimate | undefined {
  const unit = estimator.estimate({ ...record, quantity: 1 });
  const probe = estimator.estimate({ ...record, quantity: LINEARITY_PROBE_QUANTITY });
  return isScaledEstimate(probe, unit, LINEARITY_PROBE_QUANTITY) ? unit : undefined;
}
