/** Inputs of the Software Carbon Intensity score (ISO/IEC 21031:2024). */
export type SciInput = {
  /** E: energy consumed by the software within the boundary, kWh (facility kWh, i.e. with PUE). */
  energyKwh: number;
  /** I: location-based grid intensity, gCO2e per kWh. Market-based factors are not allowed. */
  gridIntensityGPerKwh: number;
  /** M: embodied emissions allocated to the software over the same window, kgCO2e. */
  embodiedKg: number;
  /** R: number of functional units (API calls, users, jobs, …) in the window; must be > 0. */
  functionalUnits: number;
};

/**
 * SCI = ((E × I) + M) per R, returned in kgCO2e per functional unit.
 * E × I is in grams (kWh × g/kWh), so it is divided by 1000 before M (kg) is added.
 * Throws RangeError for a non-positive R or negative / non-finite inputs: SCI is a rate and has
 * no meaning without a functional unit.
 */
export function sciScore({
  energyKwh,
  gridIntensityGPerKwh,
  embodiedKg,
  functionalUnits,
}: SciInput): number {
  for (const [name, value] of [
    ["energyKwh", energyKwh],
    ["gridIntensityGPerKwh", gridIntensityGPerKwh],
    ["embodiedKg", embodiedKg],
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  if (!Number.isFinite(functionalUnits) || functionalUnits <= 0) {
    throw new RangeError(`functionalUnits must be a finite number > 0, got ${functionalUnits}`);
  }
  const operationalKg = (energyKwh * gridIntensityGPerKwh) / 1000;
  return (operationalKg + embodiedKg) / functionalUnits;
}
