import type { EmissionRow, ShapeFactors, UsageRow, UsageShape } from "@canopy/db";
import {
  co2eRangeKg,
  lineCoverage,
  rangeOf,
  spendBasedRelativeRange,
  spendCategoryOf,
  spendFactorCurrency,
  spendFactors,
  type Estimate,
  type Estimator,
  type LineCoverageInput,
  type UsageRecord,
} from "@canopy/methodology";

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

/**
 * How a row's cost is estimated (@canopy/methodology completeness.ts): kgCO2e per unit of cost and its
 * range for spend-based rows (zero otherwise), applied only to cost in the factors' currency.
 */
export function spendFactorsOf(row: LineCoverageInput) {
  const coverage = lineCoverage(row);
  const kgCo2ePerCurrencyUnit =
    coverage === "spend-based" ? spendFactors[spendCategoryOf(row)].kgCo2ePerUsd : 0;
  const range = rangeOf(kgCo2ePerCurrencyUnit, spendBasedRelativeRange);
  return {
    coverage,
    currency: spendFactorCurrency,
    kgCo2ePerCurrencyUnit,
    lowKgCo2ePerCurrencyUnit: range.lowKg,
    highKgCo2ePerCurrencyUnit: range.highKg,
  };
}

/** The spend-based and out-of-scope parts of one row, with the row's total CO2e range. */
function completenessOf(row: UsageRow, estimate: Estimate) {
  const spend = spendFactorsOf(row);
  const spendCost =
    spend.coverage === "spend-based" && row.currency === spend.currency ? row.costAmount : null;
  const spendAmount = Number(spendCost ?? 0);
  const range = co2eRangeKg(estimate);
  const spendLowKg = spendAmount * spend.lowKgCo2ePerCurrencyUnit;
  const spendHighKg = spendAmount * spend.highKgCo2ePerCurrencyUnit;
  return {
    co2eSpendBasedKg: spendAmount * spend.kgCo2ePerCurrencyUnit,
    // A negative cost (a correction) swaps which bound is low.
    co2eLowKg: range.lowKg + Math.min(spendLowKg, spendHighKg),
    co2eHighKg: range.highKg + Math.max(spendLowKg, spendHighKg),
    costSpendBasedAmount: spendCost ?? "0",
    costOutOfScopeAmount: spend.coverage === "out-of-scope" ? (row.costAmount ?? "0") : "0",
  };
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
        ...completenessOf(row, estimate),
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
    const range = co2eRangeKg(unit);
    const probeRange = co2eRangeKg(probe);
    const linear =
      measures.every((m) => close(probe[m], unit[m] * LINEARITY_PROBE)) &&
      close(probeRange.lowKg, range.lowKg * LINEARITY_PROBE) &&
      close(probeRange.highKg, range.highKg * LINEARITY_PROBE) &&
      defaultFactorsMask(probe) === defaultFactorsMask(unit) &&
      probe.pue === unit.pue &&
      probe.gridIntensityGPerKwh === unit.gridIntensityGPerKwh;
    if (!linear) return undefined;
    const spend = spendFactorsOf(shape);
    factors.push({
      shapeKey: shape.shapeKey,
      kwhItPerUnit: unit.kwhIt,
      kwhFacilityPerUnit: unit.kwhFacility,
      co2eLocationKgPerUnit: unit.co2eLocationKg,
      co2eMarketKgPerUnit: unit.co2eMarketKg,
      co2eEmbodiedKgPerUnit: unit.embodiedKg,
      waterLPerUnit: unit.waterL,
      co2eOnDefaultsKgPerUnit: co2eOnDefaultsKg(unit),
      co2eLowKgPerUnit: range.lowKg,
      co2eHighKgPerUnit: range.highKg,
      coverage: spend.coverage,
      spendCurrency: spend.currency,
      spendKgCo2ePerCurrencyUnit: spend.kgCo2ePerCurrencyUnit,
      spendLowKgCo2ePerCurrencyUnit: spend.lowKgCo2ePerCurrencyUnit,
      spendHighKgCo2ePerCurrencyUnit: spend.highKgCo2ePerCurrencyUnit,
      pue: unit.pue,
      gridIntensityGPerKwh: unit.gridIntensityGPerKwh,
      defaultFactorsMask: defaultFactorsMask(unit),
      methodologyVersion: unit.methodologyVersion,
    });
  }
  return factors;
}
