import { firstSeenKey, type FindingDraft, type WorkloadUsage } from "@canopy/db";
import { canonicalRegion, type PackProvider as Provider } from "@canopy/methodology";
import { vmServices } from "./region-moves";
import {
  costDeltaOf,
  draftFigures,
  estimateShapes,
  groupBy,
  measureScopeOf,
  monthlyCostOf,
  resourcesOf,
  round,
  usageTypeWithoutRegion,
  zeroTotals,
  type RuleContext,
  priceSourcesOf,
} from "../workload";

export const unattachedVolumes = "unattached-volumes";
export const oldSnapshots = "old-snapshots";
export const storageLifecycle = "storage-lifecycle";

const dayMs = 86_400_000;
/** Snapshot storage billed for longer than this is proposed for review. */
export const snapshotReviewDays = 90;
/** Colder classes charge a minimum storage duration of 30 days (S3 Standard-IA, Azure Cool, GCS Nearline). */
export const lifecycleMinimumAgeDays = 30;

/** Block-volume capacity usage types (not operations, not snapshots) as each provider bills them. */
const blockVolume: Readonly<Record<Provider, RegExp>> = {
  aws: /EBS:VolumeUsage/,
  azure: /\b[PESU]\d+\s+(LRS|ZRS)\s+Disks?\b/i,
  gcp: /PD Capacity/i,
};

const snapshot: Readonly<Record<Provider, RegExp>> = {
  aws: /EBS:SnapshotUsage/,
  azure: /Snapshot/i,
  gcp: /PD Snapshot|Snapshot Storage/i,
};

const lineKey = (w: WorkloadUsage) =>
  [w.cloudAccountId, w.provider, w.service, w.region, w.usageType].join("|");

/**
 * Block volumes in an account and region where no VM ran during the whole basis month: a volume
 * attaches only to a VM of its own region (and account or subscription), so every such volume was
 * unattached. Saving = the volumes' whole estimate; cost = their billed cost.
 */
export function unattachedVolumeFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
): FindingDraft[] {
  const vmPlaces = new Set(
    workloads
      .filter(
        (w) =>
          (w.kind === "compute" || w.kind === "gpu") &&
          w.service === vmServices[w.provider] &&
          w.quantity > 0,
      )
      .map((w) => `${w.cloudAccountId}|${canonicalRegion(context.pack, w.provider, w.region)}`),
  );
  const volumes = workloads.filter(
    (w) =>
      w.kind === "storage" &&
      w.quantity > 0 &&
      blockVolume[w.provider].test(w.usageType) &&
      !snapshot[w.provider].test(w.usageType) &&
      !vmPlaces.has(`${w.cloudAccountId}|${canonicalRegion(context.pack, w.provider, w.region)}`),
  );
  const drafts: FindingDraft[] = [];
  for (const [resourceKey, shapes] of groupBy(volumes, lineKey)) {
    const first = shapes[0]!;
    const current = estimateShapes(context, shapes);
    const cost = monthlyCostOf(context, shapes);
    drafts.push({
      ruleId: unattachedVolumes,
      resourceKey,
      resources: resourcesOf(shapes),
      action: `Delete or snapshot the unattached ${first.usageType} volumes in ${first.region}`,
      howTo: `No VM of this account ran in ${first.region} during the month, so these volumes are attached to nothing. List them (AWS: EC2 › Volumes, state "available"; Azure: disks with "Unattached" state; GCP: disks without users), snapshot any you need, then delete them.`,
      ...draftFigures(context, current, zeroTotals()),
      costDeltaAmountPerMonth: cost ? round(-cost.amount, 4) : null,
      costCurrency: cost?.currency ?? null,
      costNote: cost
        ? "the volumes' billed cost in the basis month"
        : "no cost in the bill for these volumes",
      confidence: "medium",
      confidenceReason: `No VM usage in ${first.region} for this account during the basis month; the bill has no attachment state, so volumes kept on purpose (for a VM started later) look the same`,
      measureScope: measureScopeOf(shapes),
      details: { activeHours: shapes.reduce((s, w) => Math.max(s, w.activeHours), 0) },
    });
  }
  return drafts;
}

/**
 * Snapshot storage billed continuously for more than snapshotReviewDays (the age of the bill line:
 * the bill has no per-snapshot dates). Figures are an upper bound: all of the line's snapshots removed.
 */
export function oldSnapshotFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const snapshots = workloads.filter(
    (w) => w.kind === "storage" && w.quantity > 0 && snapshot[w.provider].test(w.usageType),
  );
  for (const [resourceKey, shapes] of groupBy(snapshots, lineKey)) {
    const first = shapes[0]!;
    const since = context.firstSeen.get(firstSeenKey(first));
    if (!since) continue;
    const ageDays = Math.floor((context.basisEnd.getTime() - since.getTime()) / dayMs);
    if (ageDays < snapshotReviewDays) continue;
    const current = estimateShapes(context, shapes);
    const cost = monthlyCostOf(context, shapes);
    drafts.push({
      ruleId: oldSnapshots,
      resourceKey,
      resources: resourcesOf(shapes),
      action: `Review ${first.usageType} snapshots in ${first.region}, billed for ${ageDays} days: delete those past your retention`,
      howTo: `Sort snapshots by creation date (AWS: EC2 › Snapshots or Data Lifecycle Manager; Azure: Snapshots; GCP: Compute Engine › Snapshots), delete those older than your retention policy, and add a lifecycle policy so they expire automatically.`,
      ...draftFigures(context, current, zeroTotals()),
      costDeltaAmountPerMonth: cost ? round(-cost.amount, 4) : null,
      costCurrency: cost?.currency ?? null,
      costNote: cost
        ? "upper bound: the line's whole billed cost in the basis month"
        : "no cost in the bill for these snapshots",
      confidence: "low",
      confidenceReason: `Upper bound (all snapshots of the line removed); the bill shows that snapshot storage has been billed since ${since.toISOString().slice(0, 10)}, not the age of each snapshot`,
      measureScope: measureScopeOf(shapes),
      details: { billedSince: since.toISOString(), ageDays, upperBound: true },
    });
  }
  return drafts;
}

type ColderClass = { usageType: string; label: string };

/** Colder classes of a hot object-storage usage type, in the order they are proposed. */
export function colderClassesOf(
  provider: Provider,
  service: string,
  usageType: string,
): ColderClass[] {
  if (provider === "aws" && service === "AmazonS3") {
    const m = /^((?:[A-Z]{2,4}\d?-)?)TimedStorage-ByteHrs$/.exec(usageType);
    if (!m) return [];
    return [
      { usageType: `${m[1]}TimedStorage-SIA-ByteHrs`, label: "S3 Standard-IA" },
      { usageType: `${m[1]}TimedStorage-GIR-ByteHrs`, label: "S3 Glacier Instant Retrieval" },
      { usageType: `${m[1]}TimedStorage-GlacierByteHrs`, label: "S3 Glacier Flexible Retrieval" },
    ];
  }
  if (provider === "azure") {
    const m = /^Hot ((?:RA-)?(?:LRS|ZRS|GRS|GZRS)) Data Stored$/.exec(usageType);
    if (!m) return [];
    return [
      { usageType: `Cool ${m[1]} Data Stored`, label: "Blob Cool tier" },
      { usageType: `Cold ${m[1]} Data Stored`, label: "Blob Cold tier" },
    ];
  }
  if (provider === "gcp") {
    const m = /^Standard Storage (.+)$/.exec(usageType);
    if (!m) return [];
    return [
      { usageType: `Nearline Storage ${m[1]}`, label: "Nearline" },
      { usageType: `Coldline Storage ${m[1]}`, label: "Coldline" },
    ];
  }
  return [];
}

/**
 * Hot object storage billed for at least lifecycleMinimumAgeDays that could move to a colder class:
 * CO2e re-estimated with the colder usage type, cost from the tenant's own price of that class in
 * the region. The proposed class is the first the tenant already pays for there, else the first.
 */
export function storageLifecycleFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const hot = workloads.filter(
    (w) =>
      w.kind === "storage" &&
      w.quantity > 0 &&
      colderClassesOf(w.provider, w.service, w.usageType).length > 0,
  );
  for (const [resourceKey, shapes] of groupBy(hot, lineKey)) {
    const first = shapes[0]!;
    const since = context.firstSeen.get(firstSeenKey(first));
    const ageDays = since
      ? Math.floor((context.basisEnd.getTime() - since.getTime()) / dayMs)
      : null;
    if (ageDays === null || ageDays < lifecycleMinimumAgeDays) continue;
    const classes = colderClassesOf(first.provider, first.service, first.usageType);
    const priced = (c: ColderClass) =>
      costDeltaOf(context, shapes, {
        provider: first.provider,
        item: `usage:${first.service}:${usageTypeWithoutRegion(first.provider, c.usageType)}`,
        region: first.region,
        label: c.label,
      });
    const target = classes.find((c) => priced(c).amount !== null) ?? classes[0]!;
    const cost = priced(target);
    const current = estimateShapes(context, shapes);
    const colder = estimateShapes(context, shapes, { usageType: target.usageType });
    drafts.push({
      ruleId: storageLifecycle,
      resourceKey,
      resources: resourcesOf(shapes),
      action: `Add a lifecycle rule moving objects not read for ${lifecycleMinimumAgeDays}+ days from ${first.usageType} to ${target.label} in ${first.region}`,
      howTo:
        first.provider === "aws"
          ? "Add an S3 Lifecycle rule (transition after 30+ days) or enable S3 Intelligent-Tiering on the bucket; exclude prefixes read often."
          : first.provider === "azure"
            ? "Add a blob lifecycle management policy (tierToCool after 30 days since last access); exclude containers read often."
            : "Add an Object Lifecycle Management rule (SetStorageClass NEARLINE at age 30) or enable Autoclass on the bucket.",
      ...draftFigures(context, current, colder),
      costDeltaAmountPerMonth: cost.amount === null ? null : round(cost.amount, 4),
      costCurrency: cost.currency,
      costNote: `${cost.note}; retrieval and early-deletion fees of the colder class are not included`,
      confidence: "low",
      confidenceReason: `The bill shows the storage has been billed since ${since!.toISOString().slice(0, 10)} but not how often objects are read; the estimation method gives both classes the same energy per TB (HDD), so CO2e changes only where replication differs`,
      measureScope: measureScopeOf(shapes),
      details: {
        priceSources: priceSourcesOf(cost.sources),
        billedSince: since!.toISOString(),
        ageDays,
        targetUsageType: target.usageType,
        targetClass: target.label,
      },
    });
  }
  return drafts;
}
