import type { FindingDraft, WorkloadUsage } from "@canopy/db";
import {
  continentAllowed,
  deployableRegions,
  isJurisdiction,
  jurisdictionAllowed,
  normalizeInstanceType,
  packProviders as providers,
  regionGeography,
  type DataPack,
  type PackProvider as Provider,
  type RegionGeography,
} from "@canopy/methodology";
import {
  costDeltaOf,
  draftFigures,
  estimateShapes,
  groupBy,
  measureScopeOf,
  resourcesOf,
  round,
  type EstimateTotals,
  usageTypeWithoutRegion,
  type RuleContext,
  priceSourcesOf,
} from "../workload";
import { wattsPerVcpuOf } from "./previous-generation";

export const regionMoveSameProvider = "region-move-same-provider";
export const regionMoveCrossProvider = "region-move-cross-provider";

/** Kinds whose energy moves with the workload (network transfer depends on where the users are). */
const movableKinds = new Set(["compute", "gpu", "memory", "storage"]);

/** The VM service of each provider, as the connectors name it: the only usage moved across clouds. */
export const vmServices: Readonly<Record<Provider, string>> = {
  aws: "AmazonEC2",
  azure: "Virtual Machines",
  gcp: "Compute Engine",
};

/** A move must save at least this share of the workload's location-based CO2e to be proposed. */
const minShareSaved = 0.05;

/** Alternatives kept in a finding's details besides the best one. */
const alternativesKept = 3;

const workloadKey = (w: WorkloadUsage) =>
  [
    w.cloudAccountId,
    w.provider,
    w.service,
    w.kind,
    w.usageType,
    w.instanceType,
    w.region,
    w.residency ?? "",
  ].join("|");

/**
 * Target regions the organization's constraints and the workload's residency tag allow. A residency
 * value that is not a jurisdiction (a country code or "EU") pins the workload where it is.
 */
export function allowedTargets(
  context: Pick<RuleContext, "constraints" | "pack">,
  provider: Provider,
  residency: string | null,
): RegionGeography[] {
  if (residency !== null && !isJurisdiction(residency)) return [];
  return deployableRegions(provider, context.pack).filter(
    (g) =>
      continentAllowed(g, context.constraints.allowedContinents) &&
      jurisdictionAllowed(g, context.constraints.allowedJurisdictions) &&
      (residency === null || jurisdictionAllowed(g, [residency])),
  );
}

type Candidate = {
  geography: RegionGeography;
  provider: Provider;
  instanceType: string;
  service: string;
  totals: EstimateTotals;
};

/** General-purpose families a cross-provider move may land on (no storage-, GPU- or memory-special types). */
const generalPurpose: Readonly<Record<Provider, RegExp>> = {
  aws: /^[mcr]\d+[aig]?$/,
  azure: /^[def]\d+[a-z]* v\d$/,
  gcp: /^(n1|n2|n2d|n4|c3|c4|e2|t2d)-/,
};

/**
 * The instance type of another provider closest to a size: same vCPUs, general purpose, no
 * accelerator, not burstable, nearest memory (ratio), then nearest maximum watts per vCPU to the
 * current type's, then the catalog name. Keeps the hardware as close as the catalogs allow, so the
 * delta is mostly the region.
 */
export function counterpartInstance(
  pack: DataPack,
  provider: Provider,
  size: { vcpus: number; memoryGb: number; maxWattsPerVcpu: number },
): string | undefined {
  let best: { name: string; memory: number; watts: number } | undefined;
  for (const row of pack.instances[provider].values()) {
    if (row.vcpus !== size.vcpus || row.memoryGb === null || row.gpuCount > 0) continue;
    if (row.burstableBaseline !== null || row.familyEstimate) continue;
    if (!generalPurpose[provider].test(provider === "aws" ? row.family : row.key)) continue;
    const memory = Math.abs(Math.log(row.memoryGb / size.memoryGb));
    const watts = Math.abs(
      wattsPerVcpuOf(pack, provider, row.key).maxWattsPerVcpu - size.maxWattsPerVcpu,
    );
    const better =
      !best ||
      memory < best.memory - 1e-9 ||
      (Math.abs(memory - best.memory) <= 1e-9 &&
        (watts < best.watts - 1e-9 ||
          (Math.abs(watts - best.watts) <= 1e-9 && row.name < best.name)));
    if (better) best = { name: row.name, memory, watts };
  }
  return best?.name;
}

function sizeOf(pack: DataPack, shapes: readonly WorkloadUsage[]) {
  const first = shapes[0]!;
  const key = normalizeInstanceType(first.provider, first.instanceType);
  const row = pack.instances[first.provider].get(key);
  const vcpus = first.vcpus ?? row?.vcpus ?? null;
  const memoryGb = first.memoryGb ?? row?.memoryGb ?? null;
  if (vcpus === null || memoryGb === null || !(memoryGb > 0)) return undefined;
  return {
    vcpus,
    memoryGb,
    maxWattsPerVcpu: wattsPerVcpuOf(pack, first.provider, key).maxWattsPerVcpu,
  };
}

/**
 * Region moves: for each workload (account, service, usage / instance type, region) the cleaner
 * regions of the same provider, and of the other providers for VMs, with the CO2e of the same usage
 * re-estimated there by the same estimator. One finding per workload and scope: the cleanest allowed
 * region by location-based CO2e, with the next ones in details.
 */
export function regionMoveFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const movable = workloads.filter((w) => movableKinds.has(w.kind) && w.quantity > 0);
  for (const [key, shapes] of groupBy(movable, workloadKey)) {
    const first = shapes[0]!;
    const here = regionGeography(first.provider, first.region, context.pack);
    if (!here) continue;
    const current = estimateShapes(context, shapes);
    if (!(current.co2eLocationKg > 0)) continue;

    const same: Candidate[] = [];
    for (const g of allowedTargets(context, first.provider, first.residency)) {
      if (g.region === here.region) continue;
      same.push({
        geography: g,
        provider: first.provider,
        instanceType: first.instanceType,
        service: first.service,
        totals: estimateShapes(context, shapes, { region: g.region }),
      });
    }
    const sameDraft = bestMove(context, regionMoveSameProvider, key, shapes, current, here, same);
    if (sameDraft) drafts.push(sameDraft);

    const isVm =
      first.service === vmServices[first.provider] &&
      first.kind === "compute" &&
      first.instanceType !== "";
    const size = isVm ? sizeOf(context.pack, shapes) : undefined;
    if (!size) continue;
    const cross: Candidate[] = [];
    for (const provider of providers) {
      if (provider === first.provider) continue;
      const instanceType = counterpartInstance(context.pack, provider, size);
      if (!instanceType) continue;
      for (const g of allowedTargets(context, provider, first.residency)) {
        cross.push({
          geography: g,
          provider,
          instanceType,
          service: vmServices[provider],
          totals: estimateShapes(context, shapes, {
            provider,
            region: g.region,
            service: vmServices[provider],
            instanceType,
            usageType: "",
            dropSizing: true,
          }),
        });
      }
    }
    const crossDraft = bestMove(
      context,
      regionMoveCrossProvider,
      key,
      shapes,
      current,
      here,
      cross,
    );
    if (crossDraft) drafts.push(crossDraft);
  }
  return drafts;
}

function bestMove(
  context: RuleContext,
  ruleId: string,
  key: string,
  shapes: readonly WorkloadUsage[],
  current: EstimateTotals,
  here: RegionGeography,
  candidates: Candidate[],
): FindingDraft | undefined {
  const cleaner = candidates
    .filter((c) => {
      const saved = current.co2eLocationKg - c.totals.co2eLocationKg;
      return (
        saved >= minShareSaved * current.co2eLocationKg &&
        saved * context.monthScale >= context.minSavedKgPerMonth
      );
    })
    .sort(
      (a, b) =>
        a.totals.co2eLocationKg - b.totals.co2eLocationKg ||
        a.geography.region.localeCompare(b.geography.region),
    );
  const best = cleaner[0];
  if (!best) return undefined;
  const first = shapes[0]!;
  const label = (c: Candidate) =>
    c.provider === first.provider ? c.geography.region : `${c.provider} ${c.geography.region}`;
  const itemLabel = best.instanceType || first.usageType;
  const cost = costDeltaOf(context, shapes, {
    provider: best.provider,
    item: best.instanceType
      ? `instance:${normalizeInstanceType(best.provider, best.instanceType)}`
      : `usage:${first.service}:${usageTypeWithoutRegion(first.provider, first.usageType)}`,
    region: best.geography.region,
    label: itemLabel,
  });
  const billed = cost.amount !== null && cost.sources.every((source) => source.kind === "bill");
  const figures = draftFigures(context, current, best.totals);
  const cross = best.provider !== first.provider;
  const what = first.instanceType
    ? `${first.instanceType} (${first.service})`
    : `${first.service} ${first.usageType}`;
  const target = cross
    ? `${best.provider} ${best.instanceType} in ${best.geography.region}`
    : best.geography.region;
  return {
    ruleId,
    resourceKey: key,
    resources: { ...resourcesOf(shapes), residency: first.residency },
    action: `Move ${what} from ${first.region} (${here.location || here.country}) to ${target} (${best.geography.location || best.geography.country})`,
    howTo: cross
      ? `Re-platform the workload on ${best.provider}: deploy ${best.instanceType} in ${best.geography.region}, migrate its data, then shut down the ${first.region} capacity. Check latency to your users and that the size fits.`
      : `Deploy the same ${first.instanceType || first.usageType} in ${best.geography.region} (check it is offered there), move traffic and data, then shut down ${first.region}. Keep latency and data-transfer costs in mind.`,
    ...figures,
    costDeltaAmountPerMonth: cost.amount === null ? null : round(cost.amount, 4),
    costCurrency: cost.currency,
    costNote: cost.note,
    // Medium only when the bill itself prices the target: a list price does not show it is offered there to this account.
    confidence: billed ? "medium" : "low",
    confidenceReason:
      cost.amount === null
        ? `${cost.note}; your bill does not show ${itemLabel} running in ${best.geography.region}, so availability and price there are unconfirmed`
        : billed
          ? "CO2e re-estimated with annual grid factors; your bill already prices the same usage in the target region"
          : `Cost ${cost.note}; your bill does not show ${itemLabel} running in ${best.geography.region}, so availability there is unconfirmed`,
    measureScope: {
      ...measureScopeOf(shapes, {
        regions: [best.geography.region],
        instanceTypes: best.instanceType ? [best.instanceType] : [],
        services: [best.service],
      }),
      // The account on the other provider is not known before the move: measure across all of them.
      ...(cross ? { cloudAccountIds: [] } : {}),
    },
    details: {
      priceSources: priceSourcesOf(cost.sources),
      from: {
        region: here.region,
        country: here.country,
        continent: here.continent,
        gridZone: here.gridZone,
      },
      to: {
        provider: best.provider,
        region: best.geography.region,
        country: best.geography.country,
        continent: best.geography.continent,
        gridZone: best.geography.gridZone,
        instanceType: best.instanceType || null,
      },
      alternatives: cleaner.slice(1, 1 + alternativesKept).map((c) => ({
        provider: c.provider,
        region: c.geography.region,
        label: label(c),
        instanceType: c.instanceType || null,
        co2eLocationSavedKgPerMonth: round(
          (current.co2eLocationKg - c.totals.co2eLocationKg) * context.monthScale,
        ),
        co2eMarketSavedKgPerMonth: round(
          (current.co2eMarketKg - c.totals.co2eMarketKg) * context.monthScale,
        ),
      })),
      candidatesCompared: candidates.length,
    },
  };
}
