import {
  listFindings,
  readFirstSeen,
  readGcpCatalogPrices,
  readRecommendationSettings,
  readHourlyIntensities,
  readHourlyQuantities,
  readScopeEmissions,
  readUsageSpan,
  readWorkloadUsage,
  summarizeResourceUtilization,
  upsertFindings,
  writeRealizedSaving,
  type Finding,
  type FindingDraft,
  type PoolClient,
  type RealizedSaving,
  type ResourceUtilizationSummary,
  type WorkloadUsage,
} from "@canopy/db";
import { createEstimator, resolveDataPack, type Estimator } from "@canopy/methodology";
import { previousGenerationFindings, previousGeneration } from "./rules/previous-generation";
import {
  regionMoveCrossProvider,
  regionMoveFindings,
  regionMoveSameProvider,
} from "./rules/region-moves";
import {
  oldSnapshotFindings,
  oldSnapshots,
  storageLifecycle,
  storageLifecycleFindings,
  unattachedVolumeFindings,
  unattachedVolumes,
} from "./rules/storage";
import { hourlyGridBoundary } from "../hourly-grid";
import { GcpCatalogPriceBook } from "./catalog-prices";
import { idleInstances, rightsizing, utilizationFindings } from "./rules/rightsizing";
import {
  batchLikeWorkloads,
  timeShifting,
  timeShiftingFindings,
  type HourlyInputs,
} from "./rules/time-shifting";
import {
  defaultMinSavedKgPerMonth,
  hoursPerMonth,
  PriceBook,
  round,
  type RuleContext,
} from "./workload";

/** Every rule, by id; the web page's filter lists them in this order. */
export const recommendationRules = [
  { id: regionMoveSameProvider, label: "Region move (same provider)" },
  { id: regionMoveCrossProvider, label: "Region move (other provider)" },
  { id: previousGeneration, label: "Older instance generation" },
  { id: unattachedVolumes, label: "Unattached volumes" },
  { id: oldSnapshots, label: "Old snapshots" },
  { id: storageLifecycle, label: "Storage lifecycle" },
  { id: timeShifting, label: "Time shifting" },
  { id: idleInstances, label: "Idle instances (measured CPU)" },
  { id: rightsizing, label: "Rightsizing (measured CPU)" },
] as const;

const hourMs = 3_600_000;
const monthStart = (date: Date, offset = 0) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));

/**
 * The basis month: the latest calendar month with usage, or the one before when the latest is still
 * incomplete and the data reaches back that far. Its figures are scaled to an average month by the
 * hours the data covers.
 */
export function basisPeriod(span: { firstHour: Date; endHour: Date }) {
  let start = monthStart(new Date(span.endHour.getTime() - 1));
  if (span.endHour < monthStart(start, 1) && span.firstHour < start) start = monthStart(start, -1);
  const end = new Date(Math.min(monthStart(start, 1).getTime(), span.endHour.getTime()));
  const dataStart = new Date(Math.max(start.getTime(), span.firstHour.getTime()));
  const hours = (end.getTime() - dataStart.getTime()) / hourMs;
  return { start, end, hours, monthScale: hoursPerMonth / hours };
}

/** Runs every rule (pure) over the same aggregated usage. */
export function runRules(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
  hourly: HourlyInputs = { quantities: new Map(), intensities: new Map() },
  utilization: readonly ResourceUtilizationSummary[] = [],
): FindingDraft[] {
  return [
    ...utilizationFindings(context, workloads, utilization),
    ...timeShiftingFindings(context, workloads, hourly),
    ...regionMoveFindings(context, workloads),
    ...previousGenerationFindings(context, workloads),
    ...unattachedVolumeFindings(context, workloads),
    ...oldSnapshotFindings(context, workloads),
    ...storageLifecycleFindings(context, workloads),
  ];
}

export type ComputeResult = {
  basisMonth: string | null;
  workloads: number;
  findings: number;
  retired: number;
  realized: number;
  byRule: Record<string, number>;
  timingsMs: Record<string, number>;
};

/**
 * Recomputes a tenant's findings in its transaction: reads the basis month's usage once (set-based),
 * runs the rules, upserts by (rule, resource key) keeping states, then measures realized savings of
 * done findings.
 */
export async function computeRecommendations(
  client: PoolClient,
  tenantId: string,
  options: { now?: Date; estimator?: Estimator; minSavedKgPerMonth?: number } = {},
): Promise<ComputeResult> {
  const now = options.now ?? new Date();
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const result = await run();
    timings[name] = Math.round(performance.now() - t0);
    return result;
  };
  const ruleIds = recommendationRules.map((r) => r.id);
  const span = await timed("span", () => readUsageSpan(client));
  if (!span) {
    const { retired } = await upsertFindings(client, tenantId, [], ruleIds, now);
    return {
      basisMonth: null,
      workloads: 0,
      findings: 0,
      retired,
      realized: 0,
      byRule: {},
      timingsMs: timings,
    };
  }
  const basis = basisPeriod(span);
  const constraints = await readRecommendationSettings(client);
  const workloads = await timed("readUsage", () =>
    readWorkloadUsage(client, basis.start, basis.end, constraints.residencyTagKey),
  );
  const firstSeen = await timed("readFirstSeen", () => readFirstSeen(client, "storage"));
  const pack = resolveDataPack();
  // GCP Cloud Catalog list prices in force now, in the currencies of the tenant's GCP bill: the
  // price book's fallback where the bill itself has no unit price (§20.1).
  const gcpCurrencies = [
    ...new Set(
      workloads.flatMap((w) => (w.provider === "gcp" && w.currency !== null ? [w.currency] : [])),
    ),
  ];
  const catalog = await timed("readCatalogPrices", () =>
    readGcpCatalogPrices(client, gcpCurrencies, now),
  );
  const context: RuleContext = {
    basisMonth: basis.start.toISOString().slice(0, 10),
    basisStart: basis.start,
    basisEnd: basis.end,
    monthScale: basis.monthScale,
    estimator: options.estimator ?? createEstimator({ pack }),
    pack,
    constraints,
    prices: new PriceBook(
      pack,
      workloads,
      catalog.length > 0 ? new GcpCatalogPriceBook(pack, catalog, basis.start) : undefined,
    ),
    firstSeen,
    minSavedKgPerMonth: options.minSavedKgPerMonth ?? defaultMinSavedKgPerMonth,
  };
  const hourly = await timed("readHourly", () => readTimeShiftInputs(client, context, workloads));
  const utilization = await timed("readUtilization", () =>
    summarizeResourceUtilization(client, { start: basis.start, end: basis.end }),
  );
  const drafts = await timed("rules", () => runRules(context, workloads, hourly, utilization));
  const { retired } = await timed("write", () =>
    upsertFindings(client, tenantId, drafts, ruleIds, now),
  );
  const realized = await timed("realized", () => measureRealizedSavings(client, now));
  const byRule: Record<string, number> = {};
  for (const draft of drafts) byRule[draft.ruleId] = (byRule[draft.ruleId] ?? 0) + 1;
  return {
    basisMonth: context.basisMonth,
    workloads: workloads.length,
    findings: drafts.length,
    retired,
    realized,
    byRule,
    timingsMs: timings,
  };
}

/**
 * Hourly inputs of the time-shifting rule: grid intensity of the zones of batch-like workloads in
 * the basis month, and those workloads' hourly quantities (only where the zone has hourly data).
 */
async function readTimeShiftInputs(
  client: PoolClient,
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
): Promise<HourlyInputs> {
  const boundary = hourlyGridBoundary();
  const candidates = boundary === null ? [] : batchLikeWorkloads(context, workloads);
  if (boundary === null || candidates.length === 0)
    return { quantities: new Map(), intensities: new Map() };
  const zones = [...new Set(candidates.map((c) => c.zone))];
  const intensities = await readHourlyIntensities(
    client,
    zones,
    context.basisStart,
    context.basisEnd,
    boundary,
  );
  const withGrid = candidates.filter((c) => (intensities.get(c.zone)?.size ?? 0) > 0);
  const quantities = await readHourlyQuantities(
    client,
    context.basisStart,
    context.basisEnd,
    withGrid.map((c) => c.shapes[0]!),
  );
  return { quantities, intensities };
}

/** Data after done_at needed before a realized saving is shown. */
export const minimumHoursAfterDone = 24;

/**
 * Realized saving of each done finding (docs/methodology.md §20.8), from stored emissions of its
 * measure scope: (E_basis ÷ h_basis − E_after ÷ h_after) × 730.5, where E_basis covers the basis
 * month, E_after the hours from done_at to the tenant's latest emissions hour, and h the hours of
 * each period the data covers.
 */
export async function measureRealizedSavings(client: PoolClient, now: Date): Promise<number> {
  const done = await listFindings(client, { state: "done", includeRetired: true, limit: 10_000 });
  for (const finding of done)
    await writeRealizedSaving(client, finding.id, await realizedOf(client, finding, now));
  return done.length;
}

async function realizedOf(
  client: PoolClient,
  finding: Finding,
  now: Date,
): Promise<RealizedSaving> {
  const scope = finding.measureScope;
  const basisStart = new Date(`${finding.basisMonth}T00:00:00Z`);
  const basisEnd = monthStart(basisStart, 1);
  const doneAt = new Date(Math.floor(finding.doneAt!.getTime() / hourMs) * hourMs);
  const before = await readScopeEmissions(client, scope, basisStart, basisEnd);
  const after = await readScopeEmissions(
    client,
    scope,
    doneAt,
    new Date(now.getTime() + 366 * 24 * hourMs),
  );
  const hoursBefore = before.lastHourEnd
    ? (Math.min(before.lastHourEnd.getTime(), basisEnd.getTime()) - basisStart.getTime()) / hourMs
    : 0;
  const hoursAfter = after.lastHourEnd
    ? (after.lastHourEnd.getTime() - doneAt.getTime()) / hourMs
    : 0;
  const common = {
    measuredAt: now.toISOString(),
    hoursBefore,
    hoursAfter,
    formula: "(E_basis / h_basis - E_after / h_after) * 730.5",
  };
  if (hoursAfter < minimumHoursAfterDone || hoursBefore <= 0)
    return {
      ...common,
      status: "waiting",
      reason: `needs ${minimumHoursAfterDone} h of emissions after done_at`,
    };
  const monthly = (total: number, hours: number) => (total / hours) * hoursPerMonth;
  return {
    ...common,
    status: "measured",
    co2eLocationSavedKgPerMonth: round(
      monthly(before.co2eLocationKg, hoursBefore) - monthly(after.co2eLocationKg, hoursAfter),
    ),
    co2eMarketSavedKgPerMonth: round(
      monthly(before.co2eMarketKg, hoursBefore) - monthly(after.co2eMarketKg, hoursAfter),
    ),
    waterSavedLPerMonth: round(
      monthly(before.waterL, hoursBefore) - monthly(after.waterL, hoursAfter),
    ),
    basisCo2eLocationKgPerMonth: round(monthly(before.co2eLocationKg, hoursBefore)),
    afterCo2eLocationKgPerMonth: round(monthly(after.co2eLocationKg, hoursAfter)),
  };
}
