import type { EmissionRow, ShapeFactors, UsageRow, UsageShape } from "@canopy/db";
import type { Estimate, Estimator, UsageRecord } from "@canopy/methodology";

const factorBits = { power: 1, pue: 2, grid: 4, market: 8, embodied: 16, water: 32 } as const;

/** Bit set per factor whose quality is `default` (see emissions_hourly.default_factors_mask). */
export function defaultFactorsMask(estimate: Estimate): number {
  let mask = 0;
  for (const [factor, bit] of Object.entries(factorBits) as [keyof typeof factorBits, number][]) {
    if (estimate.quality[factor].quality === "default") mask |= bit;
  }
  return mask;
}

/**
 * The part of an estimate's CO2e (location-based operational + embodied) that rests on a default
 * factor: operational emissions when power, PUE or grid intensity was a default; embodied emissions
 * when the embodied factor was.
 */
export function co2eOnDefaultsKg(estimate: Estimate): number {
  const q = estimate.quality;
  const operational =
    q.power.quality === "default" || q.pue.quality === "default" || q.grid.quality === "default"
      ? estimate.co2eLocationKg
      : 0;
  return operational + (q.embodied.quality === "default" ? estimate.embodiedKg : 0);
}

export function usageRecordOf(row: UsageRow): UsageRecord {
  return {
    provider: row.provider,
    accountId: row.cloudAccountId,
    periodStart: row.hour.toISOString(),
    periodHours: row.periodHours,
    service: row.service,
    region: row.region,
    kind: row.kind as UsageRecord["kind"],
    quantity: row.quantity,
    unit: row.unit as UsageRecord["unit"],
    usageType: row.usageType || undefined,
    instanceType: row.instanceType || undefined,
    vcpus: row.vcpus ?? undefined,
    memoryGb: row.memoryGb ?? undefined,
    gpuModel: row.gpuModel ?? undefined,
    gpuCount: row.gpuCount ?? undefined,
    storageClass: (row.storageClass as UsageRecord["storageClass"]) ?? undefined,
    replicationHint: row.replicationHint ?? undefined,
    cpuUtilization: row.cpuUtilization ?? undefined,
  };
}

/** Estimates stored usage rows into emission rows, page by page. */
export async function* estimateUsagePages(
  pages: AsyncIterable<UsageRow[]>,
  estimator: Estimator,
  onPage?: (rows: number) => void,
): AsyncGenerator<EmissionRow> {
  for await (const page of pages) {
    for (const row of page) {
      const estimate = estimator.estimate(usageRecordOf(row));
      yield {
        cloudAccountId: row.cloudAccountId,
        hour: row.hour,
        dimsKey: row.dimsKey,
        provider: row.provider,
        service: row.service,
        region: row.region,
        kind: row.kind,
        instanceType: row.instanceType,
        tags: row.tags,
        pue: estimate.pue,
        gridIntensityGPerKwh: estimate.gridIntensityGPerKwh,
        defaultFactorsMask: defaultFactorsMask(estimate),
        kwhIt: estimate.kwhIt,
        kwhFacility: estimate.kwhFacility,
        co2eLocationKg: estimate.co2eLocationKg,
        co2eMarketKg: estimate.co2eMarketKg,
        co2eEmbodiedKg: estimate.embodiedKg,
        waterL: estimate.waterL,
        co2eOnDefaultsKg: co2eOnDefaultsKg(estimate),
        costAmount: row.costAmount,
        currency: row.currency,
        methodologyVersion: estimate.methodologyVersion,
      };
    }
    onPage?.(page.length);
  }
}

const LINEARITY_PROBE = 1000;
const measures = [
  "kwhIt",
  "kwhFacility",
  "co2eLocationKg",
  "co2eMarketKg",
  "embodiedKg",
  "waterL",
] as const;

function shapeRecord(shape: UsageShape, quantity: number): UsageRecord {
  return usageRecordOf({
    ...shape,
    cloudAccountId: "shape",
    hour: shape.firstHour,
    quantity,
    dimsKey: "",
    costAmount: null,
    currency: null,
    tags: {},
    syncRunId: null,
  });
}

const close = (a: number, b: number) =>
  Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-12);

/**
 * Per-unit factors for each usage shape, or undefined when some shape's estimate is not linear in
 * quantity (then the caller estimates row by row). Linearity is checked, not assumed: the estimate
 * at quantity 1000 must be 1000 × the estimate at quantity 1, with the same qualities.
 */
export function shapeFactorsOf(
  shapes: readonly UsageShape[],
  estimator: Estimator,
): ShapeFactors[] | undefined {
  const factors: ShapeFactors[] = [];
  for (const shape of shapes) {
    const unit = estimator.estimate(shapeRecord(shape, 1));
    const probe = estimator.estimate(shapeRecord(shape, LINEARITY_PROBE));
    const linear =
      measures.every((m) => close(probe[m], unit[m] * LINEARITY_PROBE)) &&
      defaultFactorsMask(probe) === defaultFactorsMask(unit) &&
      probe.pue === unit.pue &&
      probe.gridIntensityGPerKwh === unit.gridIntensityGPerKwh;
    if (!linear) return undefined;
    factors.push({
      shapeKey: shape.shapeKey,
      kwhItPerUnit: unit.kwhIt,
      kwhFacilityPerUnit: unit.kwhFacility,
      co2eLocationKgPerUnit: unit.co2eLocationKg,
      co2eMarketKgPerUnit: unit.co2eMarketKg,
      co2eEmbodiedKgPerUnit: unit.embodiedKg,
      waterLPerUnit: unit.waterL,
      co2eOnDefaultsKgPerUnit: co2eOnDefaultsKg(unit),
      pue: unit.pue,
      gridIntensityGPerKwh: unit.gridIntensityGPerKwh,
      defaultFactorsMask: defaultFactorsMask(unit),
      methodologyVersion: unit.methodologyVersion,
    });
  }
  return factors;
}
