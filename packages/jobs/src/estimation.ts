import type {
  AccountWindow,
  EmissionRow,
  HourlyShapeFactors,
  ShapeFactors,
  UsageRow,
  UsageShape,
} from "@canopy/db";
import {
  co2eOnDefaultsKg,
  closeTo,
  co2eRangeKg,
  defaultFactorsMask,
  linearUnitEstimate,
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
  utilizationMeasured,
} from "@canopy/methodology";
import { costParts, spreadHoursOf } from "./hourly-grid";

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
    kind: row.kind,
    quantity: row.quantity,
    unit: row.unit,
    usageType: row.usageType || undefined,
    instanceType: row.instanceType || undefined,
    vcpus: row.vcpus ?? undefined,
    memoryGb: row.memoryGb ?? undefined,
    gpuModel: row.gpuModel ?? undefined,
    gpuCount: row.gpuCount ?? undefined,
    storageClass: row.storageClass ?? undefined,
    replicationHint: row.replicationHint ?? undefined,
    cpuUtilization: row.cpuUtilization ?? undefined,
  };
}

/**
 * How rows are spread over their hours on the row-by-row path (the set-based path does the same in
 * SQL): the window that cuts them, and the grid zone of a row when that zone has hourly
 * intensities in the window (null otherwise).
 */
export type SpreadContext = {
  window: AccountWindow;
  hourlyZoneOf(row: UsageRow): string | null;
};

function emissionRowOf(
  row: UsageRow,
  hour: Date,
  dimsKey: string,
  estimate: Estimate,
  spread: boolean,
  costAmount: string | null,
): EmissionRow {
  const hourly = estimate.quality.grid.quality === "measured";
  return {
    cloudAccountId: row.cloudAccountId,
    hour,
    dimsKey,
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
    kwhHourlyGrid: hourly ? estimate.kwhFacility : 0,
    kwhDisaggregated: spread ? estimate.kwhFacility : 0,
    kwhMeasuredUtilization: utilizationMeasured(estimate) ? estimate.kwhFacility : 0,
    ...completenessOf({ ...row, costAmount }, estimate),
    costAmount,
    currency: row.currency,
    methodologyVersion: estimate.methodologyVersion,
  };
}

/**
 * Estimates stored usage rows into emission rows, page by page. With `spread`, a row billed for a
 * longer period becomes one row per hour (1/n of its quantity and cost, each hour estimated on its
 * own with periodHours 1), as the set-based path does.
 */
export async function* estimateUsagePages(
  pages: AsyncIterable<UsageRow[]>,
  estimator: Estimator,
  onPage?: (rows: number) => void,
  spread?: SpreadContext,
): AsyncGenerator<EmissionRow> {
  for await (const page of pages) {
    for (const row of page) {
      const record = usageRecordOf(row);
      const estimate = estimator.estimate(record);
      const plan = spread
        ? spreadHoursOf(
            row,
            spread.window,
            estimate.kwhFacility !== 0,
            spread.hourlyZoneOf(row) !== null,
          )
        : { hours: [row.hour], spread: false };
      if (!plan.spread) {
        yield emissionRowOf(row, row.hour, row.dimsKey, estimate, false, row.costAmount);
        continue;
      }
      const n = plan.hours.length;
      const costs = costParts(row.costAmount, n);
      // Spread rows carry their period's start in dims_key, as in the set-based path.
      const dimsKey = `${row.dimsKey}/${Math.floor(row.hour.getTime() / 1000)}`;
      for (let k = 0; k < n; k++) {
        const hour = plan.hours[k]!;
        const part = estimator.estimate({
          ...record,
          periodStart: hour.toISOString(),
          periodHours: 1,
          quantity: row.quantity / n,
        });
        yield emissionRowOf(row, hour, dimsKey, part, true, costs[k] ?? null);
      }
    }
    onPage?.(page.length);
  }
}

function shapeRecord(
  shape: UsageShape,
  quantity: number,
  periodHours = shape.periodHours,
): UsageRecord {
  return usageRecordOf({
    ...shape,
    periodHours,
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

/** What the set-based path needs for hourly grid factors: the probe estimators and each shape's zone. */
export type HourlyFactorSetup = {
  /** Estimators whose hourly source returns hourlyProbeIntensities (0, 500, 1000) everywhere. */
  probes: readonly Estimator[];
  zoneOf(shape: UsageShape): string | null;
};

const hourlyMeasures = (e: Estimate) => {
  const range = co2eRangeKg(e);
  return [e.co2eLocationKg, e.co2eMarketKg, co2eOnDefaultsKg(e), range.lowKg, range.highKg];
};

/**
 * A shape's per-unit figures as affine functions of the hour's intensity g, read from the estimator
 * at g = 0 and 1000 for one hour of one unit; null when the estimator does not use an hourly value
 * for it (no zone, no energy); undefined when a figure is not affine in g (checked at g = 500).
 */
function hourlyFactorsOf(
  shape: UsageShape,
  setup: HourlyFactorSetup,
): HourlyShapeFactors | null | undefined {
  const gridZone = setup.zoneOf(shape);
  if (gridZone === null) return null;
  const [atZero, atMid, atFull] = setup.probes.map((probe) =>
    probe.estimate(shapeRecord(shape, 1, 1)),
  ) as [Estimate, Estimate, Estimate];
  if (atFull.quality.grid.quality !== "measured" || atFull.gridIntensityGPerKwh !== 1000)
    return null;
  const zero = hourlyMeasures(atZero);
  const mid = hourlyMeasures(atMid);
  const full = hourlyMeasures(atFull);
  const affine = zero.every((z, i) => closeTo(mid[i]!, (z + full[i]!) / 2));
  const mask = defaultFactorsMask(atFull);
  if (!affine || defaultFactorsMask(atZero) !== mask || defaultFactorsMask(atMid) !== mask)
    return undefined;
  const perG = zero.map((z, i) => (full[i]! - z) / 1000);
  return {
    gridZone,
    co2eLocationKg0: zero[0]!,
    co2eLocationKgPerG: perG[0]!,
    co2eMarketKg0: zero[1]!,
    co2eMarketKgPerG: perG[1]!,
    co2eOnDefaultsKg0: zero[2]!,
    co2eOnDefaultsKgPerG: perG[2]!,
    co2eLowKg0: zero[3]!,
    co2eLowKgPerG: perG[3]!,
    co2eHighKg0: zero[4]!,
    co2eHighKgPerG: perG[4]!,
    defaultFactorsMask: mask,
  };
}

/**
 * Per-unit factors for each usage shape, or undefined when some shape's estimate is not linear in
 * quantity (then the caller estimates row by row): the shared rule of @canopy/methodology
 * linear-shape.ts, checked per shape, never assumed. With
 * `hourly`, each shape with a grid zone also gets its figures as affine functions of the hour's
 * intensity (checked too).
 */
export function shapeFactorsOf(
  shapes: readonly UsageShape[],
  estimator: Estimator,
  hourly?: HourlyFactorSetup,
): ShapeFactors[] | undefined {
  const factors: ShapeFactors[] = [];
  for (const shape of shapes) {
    const unit = linearUnitEstimate(estimator, shapeRecord(shape, 1));
    if (unit === undefined) return undefined;
    const range = co2eRangeKg(unit);
    const hourlyFactors = hourly ? hourlyFactorsOf(shape, hourly) : null;
    if (hourlyFactors === undefined) return undefined;
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
      utilizationMeasured: utilizationMeasured(unit),
      periodHours: shape.periodHours,
      hourly: hourlyFactors,
    });
  }
  return factors;
}
