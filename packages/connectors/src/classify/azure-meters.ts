import { textOf } from "./cell-values";
import type { ClassifyOptions, UnsupportedReason } from "./types";
import { gibHoursOf, gibOf, hoursOf, tbHoursOfGibHours, type ParsedUnit } from "./units";
import { instanceMeasures, otherMeasure, type Measure } from "./usage-records";

/**
 * What an Azure meter measures, from meter category / subcategory / name, the unit of measure (with its
 * block multiplier: `10 Hours`, `100 GB/Month`) and AdditionalInfo. Shared by cost-details exports and
 * FOCUS rows from Microsoft (`x_SkuMeterCategory`…).
 */
export type AzureMeterFacts = {
  meterCategory: string;
  meterSubCategory: string;
  meterName: string;
  unit: ParsedUnit;
  quantity: number;
  periodStartMs: number;
  additionalInfo?: Record<string, unknown>;
};

export type AzureMeterDecision =
  { status: "measures"; measures: Measure[]; instanceType?: string } | { status: "unsupported"; reason: UnsupportedReason; detail: string };

/** Managed disk tiers (GiB), per Azure's published disk sizes: Premium SSD P*, Standard SSD E*, Standard HDD S*. */
const managedDiskGib: Record<string, number> = {
  1: 4,
  2: 8,
  3: 16,
  4: 32,
  6: 64,
  10: 128,
  15: 256,
  20: 512,
  30: 1024,
  40: 2048,
  50: 4096,
  60: 8192,
  70: 16384,
  80: 32767,
};

/** Copies of the data kept by the redundancy option in the meter name. */
export function azureReplicationOf(text: string): number | undefined {
  if (/\b(?:RA-)?GZRS\b|\b(?:RA-)?GRS\b/.test(text)) return 6;
  if (/\bZRS\b|\bLRS\b/.test(text)) return 3;
  return undefined;
}

/** `D2 v3/D2s v3` → `Standard_D2_v3`; `DS4 v2 Spot` → `Standard_DS4_v2`; `Standard_D2s_v3` stays. */
export function azureVmSizeOf(meterName: string, additionalInfo?: Record<string, unknown>): string | undefined {
  const serviceType = textOf(additionalInfo?.["ServiceType"]);
  if (/^(?:Standard|Basic)_/i.test(serviceType)) return serviceType;
  const first = meterName.split("/")[0] ?? "";
  const cleaned = first
    .replace(/\s+(?:Spot|Low Priority|Windows|Linux)\b.*$/i, "")
    .trim()
    .replace(/\s+/g, "_");
  if (cleaned === "" || !/^[A-Za-z]+\d/.test(cleaned)) return undefined;
  return /^(?:Standard|Basic)_/i.test(cleaned) ? cleaned : `Standard_${cleaned}`;
}

const licensePattern = /License|Licence/i;
/**
 * Transfer between regions (Bandwidth "Inter-Region" meters, storage geo-replication) or inside the
 * provider's network (VNet peering, Private Link egress): network. Internet egress ("Standard Data
 * Transfer Out", routing-preference "Rtn Preference: MGN") and CDN / Front Door delivery are outside
 * the network model (docs/methodology.md §2.7).
 */
const interRegionPattern =
  /Inter-Region|Intra Continent|Inter Continent|Geo-Replication(?: v2)? Data transfer|Peering|Private Link|Egress/i;
const cdnPattern = /Content Delivery Network|\bCDN\b|Front Door/i;
const internetEgressPattern = /Data Transfer Out|Egress/i;
const networkInPattern = /Data Transfer In\b|Ingress/i;

/** Network, out of the network model (internet egress, CDN delivery), or undefined (ingress, not transfer). */
export function azureTransferOf(meterCategory: string, everything: string): "network" | "internet-egress" | "cdn-delivery" | undefined {
  if (networkInPattern.test(everything)) return undefined;
  if (cdnPattern.test(meterCategory) || cdnPattern.test(everything))
    return /Data Transfer|Egress|Data Processed/i.test(everything) ? "cdn-delivery" : undefined;
  if (/Rtn Preference|Standard Data Transfer Out|^Data Transfer Out/i.test(everything.trim())) return "internet-egress";
  if (interRegionPattern.test(everything)) return "network";
  return internetEgressPattern.test(everything) ? "internet-egress" : undefined;
}

function numberIn(info: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = Number(textOf(info?.[key]));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export function decideAzureMeter(facts: AzureMeterFacts, options: ClassifyOptions): AzureMeterDecision {
  const { meterCategory, meterSubCategory, meterName, unit, quantity, periodStartMs, additionalInfo } = facts;
  const measures = (list: Measure[], instanceType?: string): AzureMeterDecision =>
    instanceType ? { status: "measures", measures: list, instanceType } : { status: "measures", measures: list };
  const label = [meterCategory, meterSubCategory, meterName].filter(Boolean).join(" / ");

  if (
    meterCategory === "Virtual Machines Licenses" ||
    licensePattern.test(meterSubCategory) ||
    licensePattern.test(meterName) ||
    textOf(additionalInfo?.["UsageType"]) === "ComputeHR_SW"
  ) {
    return { status: "unsupported", reason: "software-license", detail: label };
  }

  const hours = hoursOf(quantity, unit, periodStartMs);
  const everything = `${meterSubCategory} ${meterName}`;

  if (/^Virtual Machines\b/i.test(meterCategory) && hours !== undefined && unit.dimension !== "months") {
    const size = azureVmSizeOf(meterName, additionalInfo);
    if (size) {
      const known: { vcpus?: number } = {};
      const vcpus = numberIn(additionalInfo, "VCPUs");
      if (vcpus !== undefined) known.vcpus = vcpus;
      return measures(instanceMeasures("azure", size, hours, known, options), size);
    }
  }

  // Managed disks bill per disk-month of a fixed tier size, whatever is written on them.
  const disk = /\b([PES])(\d{1,2})\b/.exec(meterName);
  if (unit.dimension === "months" && disk && /Disk/i.test(everything)) {
    const sizeGib = managedDiskGib[Number(disk[2])];
    const diskHours = hoursOf(quantity, unit, periodStartMs);
    if (sizeGib !== undefined && diskHours !== undefined) {
      const measure: Measure = {
        kind: "storage",
        quantity: tbHoursOfGibHours(diskHours * sizeGib),
        unit: "tb-hours",
        storageClass: disk[1] === "S" ? "hdd" : "ssd",
      };
      const replication = azureReplicationOf(everything);
      if (replication !== undefined) measure.replicationHint = replication;
      return measures([measure]);
    }
  }

  if (unit.dimension === "gb-seconds" || (unit.dimension === "gb-hours" && !/Storage/i.test(meterCategory))) {
    return measures([
      {
        kind: "memory",
        quantity: gibHoursOf(quantity, unit, periodStartMs) ?? 0,
        unit: "gb-hours",
      },
    ]);
  }

  if (unit.dimension === "gb-months" || unit.dimension === "tb-months" || unit.dimension === "gb-hours") {
    const gibHours = gibHoursOf(quantity, unit, periodStartMs) ?? 0;
    const measure: Measure = {
      kind: "storage",
      quantity: tbHoursOfGibHours(gibHours),
      unit: "tb-hours",
    };
    // The medium only when the meter names it; blob, file and log storage leave it to the estimator's flagged default.
    if (/Premium|SSD|Ultra/i.test(everything)) measure.storageClass = "ssd";
    else if (/\bHDD\b/i.test(everything)) measure.storageClass = "hdd";
    const replication = azureReplicationOf(everything);
    if (replication !== undefined) measure.replicationHint = replication;
    return measures([measure]);
  }

  if (unit.dimension === "gb" || unit.dimension === "tb" || unit.dimension === "bytes") {
    const transfer = azureTransferOf(meterCategory, everything);
    if (transfer === "network") return measures([{ kind: "network", quantity: gibOf(quantity, unit) ?? 0, unit: "gb" }]);
    if (transfer !== undefined) return { status: "unsupported", reason: transfer, detail: label };
    return measures([otherMeasure(gibOf(quantity, unit) ?? quantity)]);
  }

  if (hours !== undefined && unit.dimension !== "months") {
    // Databases and other PaaS metered in vCores: `2 vCore` per hour, or `vCore` hours directly.
    const vcoreCount = /(\d+(?:\.\d+)?)\s*vCore/i.exec(meterName);
    if (vcoreCount?.[1]) {
      return measures([{ kind: "compute", quantity: hours * Number(vcoreCount[1]), unit: "vcpu-hours" }]);
    }
    if (/^vCores?$/i.test(meterName.trim())) {
      return measures([{ kind: "compute", quantity: hours, unit: "vcpu-hours" }]);
    }
  }

  if (unit.dimension === "unknown") {
    return {
      status: "unsupported",
      reason: "unit-not-recognized",
      detail: `unit "${unit.text}" on ${label}`,
    };
  }
  return measures([otherMeasure(quantity * unit.multiplier)]);
}
