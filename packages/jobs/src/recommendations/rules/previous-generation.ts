import type { FindingDraft, WorkloadUsage } from "@canopy/db";
import {
  findInstanceRow,
  normalizeInstanceType,
  profileRules,
  resolveCpuPower,
  type DataPack,
  type PackProvider as Provider,
} from "@canopy/methodology";
import {
  costDeltaOf,
  draftFigures,
  estimateShapes,
  groupBy,
  measureScopeOf,
  resourcesOf,
  round,
  type RuleContext,
  priceSourcesOf,
} from "../workload";

export const previousGeneration = "previous-generation";

export type Successor = { key: string; arm: boolean; processor: string };

/**
 * Current-generation and Arm successors of an older instance family, by the providers' naming
 * conventions (docs/methodology.md §20.3): AWS `<family><generation><attributes>.<size>` with
 * generation ≤ 5 (t ≤ 3) → the 7th generation (Intel `i`, AMD `a`, Graviton3 `g`); Azure D/E v2–v4
 * → v5 (Intel `s`, Ampere Altra `ps`); GCP N1 → N4 / N2. Only keys the data pack knows are returned.
 */
export function successorsOf(pack: DataPack, provider: Provider, instanceKey: string): Successor[] {
  const candidates: Successor[] = [];
  if (provider === "aws") {
    const m = /^([mcr])([345])(a?)\.(\w+)$/.exec(instanceKey);
    if (m) {
      const [, family, , amd, size] = m;
      candidates.push({
        key: `${family}7${amd ? "a" : "i"}.${size}`,
        arm: false,
        processor: amd ? "AMD" : "Intel",
      });
      candidates.push({ key: `${family}7g.${size}`, arm: true, processor: "AWS Graviton3" });
    }
    const t = /^t([23])\.(\w+)$/.exec(instanceKey);
    if (t) {
      if (t[1] === "2") candidates.push({ key: `t3.${t[2]}`, arm: false, processor: "Intel" });
      candidates.push({ key: `t4g.${t[2]}`, arm: true, processor: "AWS Graviton2" });
    }
  } else if (provider === "azure") {
    // D/DS/E v2–v4; the v5 size with the same vCPUs (DS3 v2 has 4 vCPUs, like D4s v5)
    const m = /^([de])s?\d+s? v([234])$/.exec(instanceKey);
    const vcpus = pack.instances.azure.get(instanceKey)?.vcpus;
    if (m && vcpus) {
      candidates.push({ key: `${m[1]}${vcpus}s v5`, arm: false, processor: "Intel" });
      candidates.push({ key: `${m[1]}${vcpus}ps v5`, arm: true, processor: "Ampere Altra" });
    }
  } else {
    const m = /^n1-(standard|highmem|highcpu)-(\d+)$/.exec(instanceKey);
    if (m) {
      const n4 = `n4-${m[1]}-${m[2]}`;
      candidates.push({
        key: pack.instances.gcp.has(n4) ? n4 : `n2-${m[1]}-${m[2]}`,
        arm: false,
        processor: "Intel",
      });
    }
  }
  return candidates.filter((c) => pack.instances[provider].has(c.key));
}

/** Watts per vCPU of an instance type from the pack's CPU coefficients (idle, full load, default load). */
export function wattsPerVcpuOf(pack: DataPack, provider: Provider, instanceKey: string) {
  const row = findInstanceRow(pack, provider, instanceKey);
  const power = resolveCpuPower(
    pack,
    profileRules.canopy,
    provider,
    row?.microarchitectures ?? [],
    "unknown type",
  );
  const u = pack.constants.defaultCpuUtilization;
  return {
    microarchitectures: row?.microarchitectures ?? [],
    minWattsPerVcpu: round(power.minWattsPerVcpu, 4),
    maxWattsPerVcpu: round(power.maxWattsPerVcpu, 4),
    atDefaultUtilization: round(
      power.minWattsPerVcpu + u * (power.maxWattsPerVcpu - power.minWattsPerVcpu),
      4,
    ),
    defaultUtilization: u,
  };
}

/** Writes a successor key the way the bill spells the original (keeps `db.` etc. and Azure's `Standard_`). */
function spelled(provider: Provider, original: string, targetKey: string): string {
  if (provider === "aws") {
    const prefix = /^(db\.|cache\.|kafka\.|ml\.|search\.)/i.exec(original)?.[1] ?? "";
    return `${prefix}${targetKey}`;
  }
  if (provider === "azure") {
    const [name = "", version = ""] = targetKey.split(" ");
    return `Standard_${name.charAt(0).toUpperCase()}${name.slice(1)}_${version}`;
  }
  return targetKey;
}

/**
 * Older instance families: for each workload on an older family with a successor in the pack, the
 * same usage re-estimated on the successor (Arm or current x86, whichever saves more), with the
 * W/vCPU difference from the pack's CPU coefficients.
 */
export function previousGenerationFindings(
  context: RuleContext,
  workloads: readonly WorkloadUsage[],
): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const compute = workloads.filter(
    (w) => w.kind === "compute" && w.instanceType !== "" && w.quantity > 0,
  );
  const key = (w: WorkloadUsage) =>
    [w.cloudAccountId, w.provider, w.service, w.region, w.instanceType].join("|");
  for (const [resourceKey, shapes] of groupBy(compute, key)) {
    const first = shapes[0]!;
    const instanceKey = normalizeInstanceType(first.provider, first.instanceType);
    const successors = successorsOf(context.pack, first.provider, instanceKey);
    if (successors.length === 0) continue;
    const current = estimateShapes(context, shapes);
    const options = successors.map((s) => {
      const instanceType = spelled(first.provider, first.instanceType, s.key);
      return {
        successor: s,
        instanceType,
        totals: estimateShapes(context, shapes, { instanceType, dropSizing: true }),
        watts: wattsPerVcpuOf(context.pack, first.provider, s.key),
      };
    });
    options.sort((a, b) => a.totals.co2eLocationKg - b.totals.co2eLocationKg);
    const best = options[0]!;
    const saved = (current.co2eLocationKg - best.totals.co2eLocationKg) * context.monthScale;
    if (!(saved > 0) || saved < context.minSavedKgPerMonth) continue;
    const from = wattsPerVcpuOf(context.pack, first.provider, instanceKey);
    const cost = costDeltaOf(context, shapes, {
      provider: first.provider,
      item: `instance:${best.successor.key}`,
      region: first.region,
      label: best.instanceType,
    });
    drafts.push({
      ruleId: previousGeneration,
      resourceKey,
      resources: resourcesOf(shapes),
      action: `Replace ${first.instanceType} with ${best.instanceType}${best.successor.arm ? ` (Arm, ${best.successor.processor})` : ` (${best.successor.processor}, current generation)`} in ${first.region}`,
      howTo: best.successor.arm
        ? `Rebuild the image or container for arm64 (most Linux distributions, runtimes and managed engines support it), test, then change the instance type to ${best.instanceType}.`
        : `Stop the instance, change its type to ${best.instanceType} (same vCPUs and memory class), start it, and check drivers (ENA/NVMe) on old images.`,
      ...draftFigures(context, current, best.totals),
      costDeltaAmountPerMonth: cost.amount === null ? null : round(cost.amount, 4),
      costCurrency: cost.currency,
      costNote: cost.note,
      confidence:
        from.microarchitectures.length > 0 && best.watts.microarchitectures.length > 0
          ? "medium"
          : "low",
      confidenceReason:
        "Power per vCPU from SPECpower-derived coefficients of both processors at the default utilization; real savings depend on how the workload performs per vCPU on the new hardware",
      measureScope: measureScopeOf(shapes, { instanceTypes: [best.instanceType] }),
      details: {
        priceSources: priceSourcesOf(cost.sources),
        wattsPerVcpu: { from, to: best.watts },
        wattsPerVcpuDifferenceAtDefaultUtilization: round(
          from.atDefaultUtilization - best.watts.atDefaultUtilization,
          4,
        ),
        options: options.map((o) => ({
          instanceType: o.instanceType,
          arm: o.successor.arm,
          processor: o.successor.processor,
          maxWattsPerVcpu: o.watts.maxWattsPerVcpu,
          co2eLocationSavedKgPerMonth: round(
            (current.co2eLocationKg - o.totals.co2eLocationKg) * context.monthScale,
          ),
        })),
        ...(first.provider === "gcp"
          ? { arm: "the data pack has no GCP Arm (Axion C4A, Ampere T2A) machine types" }
          : {}),
      },
    });
  }
  return drafts;
}
