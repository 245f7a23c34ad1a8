import type { FindingDraft, ResourceUtilizationSummary, WorkloadUsage } from "@canopy/db";
import {
  normalizeInstanceType,
  type DataPack,
  type PackProvider as Provider,
  type UsageRecord,
} from "@canopy/methodology";
import {
  currencyOf,
  draftFigures,
  measureScopeOf,
  priceItemOf,
  priceNoteOf,
  priceSourcesOf,
  round,
  zeroTotals,
  type EstimateTotals,
  type PriceSource,
  type RuleContext,
} from "../workload";

type InstanceTypeRow = NonNullable<ReturnType<DataPack["instances"][Provider]["get"]>>;

export const idleInstances = "idle-instances";
export const rightsizing = "rightsizing";

/**
 * Canopy's thresholds on a VM's hourly mean CPU over the basis month (docs/methodology.md §20.9),
 * not from a standard: they sit at or below the providers' own low-utilization checks (AWS Trusted
 * Advisor's "Low Utilization Amazon EC2 Instances" flags days at 10 % CPU or less).
 * - at least `minMeasuredHours` measured hours (a week), so a quiet weekend is not a pattern;
 * - idle: every hour's mean below `idleMaxCpu` (2 %) → stop or remove it;
 * - oversized: the 95th percentile of the hourly means below `rightsizeP95Cpu` (10 %) → the next size
 *   down (half the vCPUs, same family and memory per vCPU), which then runs the same work at twice
 *   the utilization (still below 20 % at the 95th percentile).
 */
export const utilizationThresholds = {
  minMeasuredHours: 7 * 24,
  idleMaxCpu: 0.02,
  rightsizeP95Cpu: 0.1,
} as const;

/** The size of the same family with half the vCPUs and the same memory per vCPU, if the pack has it. */
export function sizeDownOf(
  pack: DataPack,
  provider: Provider,
  instanceType: string,
): { from: InstanceTypeRow; to: InstanceTypeRow } | undefined {
  const types = pack.instances[provider];
  const from = types.get(normalizeInstanceType(provider, instanceType));
  if (!from?.vcpus || from.vcpus < 2 || !from.memoryGb) return undefined;
  const gbPerVcpu = from.memoryGb / from.vcpus;
  const candidates = [...types.values()]
    .filter(
      (t) =>
        t.family === from.family &&
        t.vcpus === from.vcpus! / 2 &&
        t.memoryGb !== null &&
        Math.abs(t.memoryGb / t.vcpus - gbPerVcpu) <= 0.01 * gbPerVcpu,
    )
    .sort((a, b) => a.key.localeCompare(b.key));
  const to = candidates[0];
  return to ? { from, to } : undefined;
}

/** One VM's hours in the basis month as an estimator record (instance-hours at its measured mean). */
function recordOf(
  w: WorkloadUsage,
  r: ResourceUtilizationSummary,
  periodStart: Date,
  change: { instanceType?: string; cpuUtilization?: number } = {},
): UsageRecord {
  return {
    provider: w.provider,
    accountId: w.cloudAccountId,
    periodStart: periodStart.toISOString(),
    periodHours: 1,
    service: w.service,
    region: w.region,
    kind: "compute",
    quantity: r.hours,
    unit: "instance-hours",
    usageType: w.usageType,
    instanceType: change.instanceType ?? w.instanceType,
    cpuUtilization: change.cpuUtilization ?? Math.min(1, Math.max(0, r.meanCpu)),
  };
}

function estimateOf(context: RuleContext, record: UsageRecord | null): EstimateTotals {
  if (record === null) return zeroTotals();
  const e = context.estimator.estimate(record);
  return { co2eLocationKg: e.co2eLocationKg, co2eMarketKg: e.co2eMarketKg, waterL: e.waterL };
}

/** Monthly cost of `hours` of an instance type at the tenant's own unit price, or null with the reason. */
function monthlyCost(
  context: RuleContext,
  w: WorkloadUsage,
  instanceType: string,
  hours: number,
  currency: string | null,
): { amount: number | null; note: string; source?: PriceSource } {
  if (currency === null)
    return { amount: null, note: "no cost in the bill for this instance type" };
  const item = priceItemOf({ ...w, kind: "compute", instanceType });
  const price = context.prices.get(w.provider, item, w.region, w.unit, currency);
  if (!price) return { amount: null, note: `no price for ${instanceType} in region ${w.region}` };
  // The bill prices instance-hours or (AWS CUR, GCP) vCPU-hours of the type.
  let unitsPerHour = 1;
  if (w.unit === "vcpu-hours") {
    const vcpus = context.pack.instances[w.provider].get(
      normalizeInstanceType(w.provider, instanceType),
    )?.vcpus;
    if (!vcpus) return { amount: null, note: `vCPUs of ${instanceType} unknown` };
    unitsPerHour = vcpus;
  } else if (w.unit !== "instance-hours") {
    return { amount: null, note: `no hourly price for ${instanceType} (billed in ${w.unit})` };
  }
  return {
    amount: hours * unitsPerHour * price.amountPerUnit * context.monthScale,
    note: "",
    source: price.source,
  };
}

/**
 * Idle and oversized VMs from measured utilization (resource_utilization_hourly): one finding per
 * VM, CO2e and water from the estimator on the VM's measured hours (as it is, and stopped or one
 * size down at twice its utilization), cost from the tenant's own unit prices.
 */
export function utilizationFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
  utilization: readonly ResourceUtilizationSummary[],
): FindingDraft[] {
  const t = utilizationThresholds;
  const drafts: FindingDraft[] = [];
  const compute = workloads.filter(
    (w) => w.kind === "compute" && w.instanceType !== "" && w.quantity > 0,
  );
  // The bill and the monitoring API name the same size alike up to case (Standard_D2s_v3).
  const key = (account: string, region: string, type: string) =>
    [account, region, type.toLowerCase()].join("|");
  const shapesByType = new Map<string, WorkloadUsage[]>();
  for (const w of compute) {
    const k = key(w.cloudAccountId, w.region, w.instanceType);
    shapesByType.set(k, [...(shapesByType.get(k) ?? []), w]);
  }
  for (const r of utilization) {
    if (r.hours < t.minMeasuredHours || !r.instanceType) continue;
    const idle = r.maxCpu < t.idleMaxCpu;
    if (!idle && !(r.p95Cpu < t.rightsizeP95Cpu)) continue;
    const shapes = shapesByType.get(key(r.cloudAccountId, r.region, r.instanceType)) ?? [];
    const first = shapes[0];
    if (!first) continue; // measured, but not billed in the basis month
    const currency = currencyOf(shapes);
    const current = estimateOf(context, recordOf(first, r, context.basisStart));
    const currentCost = monthlyCost(context, first, first.instanceType, r.hours, currency);
    const measured = {
      resourceId: r.resourceId,
      measuredHours: r.hours,
      meanCpu: round(r.meanCpu, 4),
      p95Cpu: round(r.p95Cpu, 4),
      maxCpu: round(r.maxCpu, 4),
      thresholds: t,
    };
    const resources = {
      cloudAccountId: r.cloudAccountId,
      provider: first.provider,
      service: first.service,
      region: r.region,
      kind: "compute",
      instanceType: first.instanceType,
      resourceId: r.resourceId,
      quantity: r.hours,
      unit: "instance-hours",
    };
    if (idle) {
      const figures = draftFigures(context, current, zeroTotals());
      drafts.push({
        ruleId: idleInstances,
        resourceKey: `${r.cloudAccountId}|${r.resourceId}`,
        resources,
        action: `Stop or remove idle ${first.instanceType} ${r.resourceId} in ${r.region} (CPU never above ${round(r.maxCpu * 100, 1)} % in ${r.hours} measured hours)`,
        howTo:
          "Check with its owner that nothing needs it (a standby, a license server), snapshot its disks, then stop it; schedule it off-hours instead if it is used only sometimes.",
        ...figures,
        costDeltaAmountPerMonth: currentCost.amount === null ? null : round(-currentCost.amount, 4),
        costCurrency: currency,
        costNote:
          currentCost.amount === null
            ? currentCost.note
            : currentCost.source?.kind === "gcp-cloud-catalog"
              ? `its GCP Cloud Catalog on-demand list price per hour (effective ${currentCost.source.effectiveDate}; your bill has no unit price for it) × measured hours`
              : "its billed price per hour (your own unit price) × measured hours",
        confidence: "medium",
        confidenceReason:
          "Hourly CPU measured by the provider's monitoring for every hour counted; network and disk activity are not measured, so a VM serving light traffic can look idle",
        measureScope: measureScopeOf(shapes),
        details: measured,
      });
      continue;
    }
    const down = sizeDownOf(context.pack, first.provider, first.instanceType);
    if (!down) continue;
    const instanceType = down.to.name;
    const scaled = Math.min(1, r.meanCpu * (down.from.vcpus! / down.to.vcpus!));
    const target = estimateOf(
      context,
      recordOf(first, r, context.basisStart, { instanceType, cpuUtilization: scaled }),
    );
    const saved = (current.co2eLocationKg - target.co2eLocationKg) * context.monthScale;
    if (!(saved > 0) || saved < context.minSavedKgPerMonth) continue;
    const targetCost = monthlyCost(context, first, instanceType, r.hours, currency);
    const cost =
      currentCost.amount !== null && targetCost.amount !== null
        ? {
            amount: round(targetCost.amount - currentCost.amount, 4),
            note: priceNoteOf([currentCost.source!, targetCost.source!]),
          }
        : { amount: null, note: currentCost.amount === null ? currentCost.note : targetCost.note };
    drafts.push({
      ruleId: rightsizing,
      resourceKey: `${r.cloudAccountId}|${r.resourceId}`,
      resources,
      action: `Resize ${r.resourceId} from ${first.instanceType} to ${instanceType} in ${r.region} (95th percentile of hourly CPU ${round(r.p95Cpu * 100, 1)} %)`,
      howTo: `Stop the VM, change its size to ${instanceType} (half the vCPUs, the same memory per vCPU), start it and watch its CPU and memory for a week.`,
      ...draftFigures(context, current, target),
      costDeltaAmountPerMonth: cost.amount,
      costCurrency: currency,
      costNote: cost.note,
      confidence: "low",
      confidenceReason:
        "CPU is measured hourly, memory use is not: a workload bound by memory may need its size; the smaller size's power assumes the same work at twice the utilization",
      measureScope: measureScopeOf(shapes, { instanceTypes: [instanceType] }),
      details: {
        ...measured,
        vcpus: { from: down.from.vcpus, to: down.to.vcpus },
        memoryGb: { from: down.from.memoryGb, to: down.to.memoryGb },
        cpuUtilizationAfter: round(scaled, 4),
        priceSources: priceSourcesOf(
          cost.amount === null ? [] : [currentCost.source!, targetCost.source!],
        ),
      },
    });
  }
  return drafts;
}
