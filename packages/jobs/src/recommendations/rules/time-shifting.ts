import { hourlyQuantityKey, type FindingDraft, type WorkloadUsage } from "@canopy/db";
import { regionGeography } from "@canopy/methodology";
import {
  estimateShapes,
  groupBy,
  measureScopeOf,
  resourcesOf,
  round,
  usageRecordOf,
  type RuleContext,
} from "../workload";

export const timeShifting = "time-shifting";

/** Usage present in at most this share of the basis month's hours counts as batch-like. */
export const batchLikeMaxShareOfHours = 0.5;
/** …and in at least this many hours (a few runs, not a one-off). */
export const batchLikeMinHours = 4;
/** Share of the active hours that must have an hourly grid value for a finding. */
export const minHourlyCoverage = 0.9;

const dayMs = 86_400_000;

export const timeShiftKey = (w: WorkloadUsage) => hourlyQuantityKey(w);

/** Hourly compute usage of a zone-mapped region, active in few enough hours to be batch-like. */
export function batchLikeWorkloads(
  context: Pick<RuleContext, "basisStart" | "basisEnd" | "pack">,
  workloads: readonly WorkloadUsage[],
) {
  const basisHours = (context.basisEnd.getTime() - context.basisStart.getTime()) / 3_600_000;
  const groups = groupBy(
    workloads.filter(
      (w) =>
        (w.kind === "compute" || w.kind === "gpu") &&
        w.quantity > 0 &&
        w.activeHours === w.activePeriods,
    ),
    timeShiftKey,
  );
  const result: { key: string; shapes: WorkloadUsage[]; zone: string }[] = [];
  for (const [key, shapes] of groups) {
    const hours = Math.max(...shapes.map((s) => s.activePeriods));
    if (hours < batchLikeMinHours || hours > batchLikeMaxShareOfHours * basisHours) continue;
    const zone = regionGeography(shapes[0]!.provider, shapes[0]!.region, context.pack)?.gridZone;
    if (zone) result.push({ key, shapes, zone });
  }
  return result;
}

export type HourlyInputs = {
  /** timeShiftKey → hour start (ms) → quantity. */
  quantities: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** zone → hour start (ms) → gCO2e/kWh (the boundary estimation uses). */
  intensities: ReadonlyMap<string, ReadonlyMap<number, number>>;
};

/**
 * Time shifting for batch-like usage where hourly grid data exists: within each UTC day, the same
 * energy in the same number of hours, run in the day's cleanest hours (the largest hourly loads in
 * the cleanest hours, which minimizes Σ kWh × g by the rearrangement inequality). Saved =
 * Σ kWh_h × g_h − Σ kWh_(i) × g_(i), location-based only: the market-based residual mix is annual.
 */
export function timeShiftingFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
  hourly: HourlyInputs,
): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  for (const { key, shapes, zone } of batchLikeWorkloads(context, workloads)) {
    const byHour = hourly.quantities.get(key);
    const grid = hourly.intensities.get(zone);
    if (!byHour || !grid || grid.size === 0) continue;
    // kWh (facility) per unit of quantity: the estimator is linear in quantity.
    const totalQuantity = shapes.reduce((s, w) => s + w.quantity, 0);
    const kwhPerUnit =
      shapes.reduce(
        (s, w) => s + context.estimator.estimate(usageRecordOf(w, context.basisStart)).kwhFacility,
        0,
      ) / totalQuantity;
    if (!(kwhPerUnit > 0)) continue;

    const days = new Map<number, { kwh: number; hour: number }[]>();
    let covered = 0;
    for (const [hourMs, quantity] of byHour) {
      if (!grid.has(hourMs)) continue;
      covered++;
      const day = Math.floor(hourMs / dayMs) * dayMs;
      const list = days.get(day) ?? [];
      list.push({ kwh: quantity * kwhPerUnit, hour: hourMs });
      days.set(day, list);
    }
    if (covered < minHourlyCoverage * byHour.size) continue;

    let actualKg = 0;
    let shiftedKg = 0;
    let bestHours: Record<number, number> = {};
    for (const [day, loads] of days) {
      for (const load of loads) actualKg += (load.kwh * grid.get(load.hour)!) / 1000;
      const dayHours: { hour: number; g: number }[] = [];
      for (let h = 0; h < 24; h++) {
        const g = grid.get(day + h * 3_600_000);
        if (g !== undefined) dayHours.push({ hour: h, g });
      }
      dayHours.sort((a, b) => a.g - b.g || a.hour - b.hour);
      const sortedLoads = [...loads].sort((a, b) => b.kwh - a.kwh);
      sortedLoads.forEach((load, i) => {
        const slot = dayHours[i]!;
        shiftedKg += (load.kwh * slot.g) / 1000;
        bestHours[slot.hour] = (bestHours[slot.hour] ?? 0) + 1;
      });
    }
    const savedKg = (actualKg - shiftedKg) * context.monthScale;
    if (!(savedKg > 0) || savedKg < context.minSavedKgPerMonth) continue;
    const first = shapes[0]!;
    const topHours = Object.entries(bestHours)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([h]) => Number(h))
      .sort((a, b) => a - b);
    bestHours = {};
    drafts.push({
      ruleId: timeShifting,
      resourceKey: key,
      resources: resourcesOf(shapes),
      action: `Schedule ${first.instanceType || first.usageType} batch runs in ${first.region} in the cleanest hours of each day (UTC ${topHours.map((h) => `${h}:00`).join(", ")})`,
      howTo:
        "Move the job's start time (cron, EventBridge Scheduler, Azure Automation, Cloud Scheduler) or gate it on a carbon-aware window; see the region's intensity profile on the Regions page.",
      co2eLocationSavedKgPerMonth: round(savedKg),
      co2eMarketSavedKgPerMonth: 0,
      waterSavedLPerMonth: 0,
      basisMonth: context.basisMonth,
      basisCo2eLocationKgPerMonth: round(actualKg * context.monthScale),
      basisCo2eMarketKgPerMonth: round(
        estimateShapes(context, shapes).co2eMarketKg * context.monthScale,
      ),
      methodologyVersion: context.estimator.methodologyVersion,
      costDeltaAmountPerMonth: 0,
      costCurrency: first.currency,
      costNote: "the same usage at on-demand prices, which do not vary by hour (spot prices may)",
      confidence: "medium",
      confidenceReason: `Measured hourly grid intensity of ${zone} for ${covered} of ${byHour.size} active hours; assumes each day's runs can start any time that day`,
      measureScope: measureScopeOf(shapes),
      details: {
        zone,
        activeHours: byHour.size,
        hoursWithHourlyGrid: covered,
        actualCo2eLocationKg: round(actualKg),
        shiftedCo2eLocationKg: round(shiftedKg),
        cleanestHoursUtc: topHours,
        marketBased: "unchanged: the residual mix is an annual factor",
      },
    });
  }
  return drafts;
}
