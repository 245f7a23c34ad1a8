import type { ClassifyOptions, UnsupportedReason } from "./types";
import { gibHoursOf, gibOf, parseUnit, tbHoursOfGibHours } from "./units";
import { otherMeasure, type Measure } from "./usage-records";

/**
 * What a GCP billing-export line measures, from its SKU description and base usage unit
 * (`seconds`, `byte-seconds`, `bytes`, `requests`). Shared by the BigQuery export and FOCUS rows from Google.
 * Machine series come from the machine type itself (`n2d-standard-4`), never from its first two letters.
 */
export type GcpSkuFacts = {
  service: string;
  sku: string;
  usageUnit: string;
  amount: number;
  periodStartMs: number;
  /** From system_labels: compute.googleapis.com/machine_spec, /cores, /memory (MB). */
  machineSpec?: string;
  cores?: number;
  memoryMb?: number;
};

export type GcpSkuDecision =
  | { status: "measures"; measures: Measure[]; instanceType?: string }
  | { status: "unsupported"; reason: UnsupportedReason; detail: string };

const BYTES_PER_GIB = 2 ** 30;

/**
 * Transfer between regions or zones inside Google's network (incl. "Google Egress" to Google
 * services): network. Internet egress ("Network Internet Egress from Americas to Americas",
 * "Download Worldwide Destinations") and Cloud CDN delivery are outside the network model
 * (docs/methodology.md §2.7).
 */
const interRegionPattern =
  /Inter Region|Inter-Region|Inter Zone|Google Egress|Inter-Zone|Intra Continental|Inter Continental|between regions|Egress between|Replication/i;
const cdnPattern = /\bCDN\b|Cache (?:Egress|Fill|Data Transfer)|Media CDN/i;
const internetEgressPattern = /Internet|Egress|egress|Download|data delivery|network traffic/;

/** Network, out of the network model (internet egress, CDN delivery), or undefined (ingress, not transfer). */
export function gcpTransferOf(service: string, sku: string): "network" | "internet-egress" | "cdn-delivery" | undefined {
  if (/Ingress/i.test(sku)) return undefined;
  if (cdnPattern.test(sku) || /Cloud CDN|Media CDN/.test(service)) return "cdn-delivery";
  if (/Internet/i.test(sku)) return "internet-egress";
  if (interRegionPattern.test(sku)) return "network";
  return internetEgressPattern.test(sku) ? "internet-egress" : undefined;
}

/** GCP shared-core machines billed per instance-second ("Micro Instance with burstable CPU", "Small Instance with 1 VCPU"). */
function sharedCoreOf(sku: string): string | undefined {
  return /\bMicro Instance\b/i.test(sku) ? "f1-micro" : /\bSmall Instance\b/i.test(sku) ? "g1-small" : undefined;
}

/** `Nvidia Tesla T4 GPU running in Americas` → `Nvidia Tesla T4`. */
export function gcpGpuModelOf(sku: string): string | undefined {
  const match = /((?:Nvidia|NVIDIA)\s+(?:Tesla\s+)?[A-Z]\d+[A-Za-z0-9]*(?:\s+\d+GB)?)/.exec(sku);
  return match?.[1];
}

/**
 * TPU version of a Cloud TPU line: `TPU v5e ...`, `Tpu-v4 Pod ...`, `TPU v5 lite PodSlice ...` →
 * `TPU v5e`, `TPU v4`, `TPU v5 lite` (the methodology's accelerator table matches these); a
 * "Cloud TPU" service line without a version → `TPU`. Undefined for other lines.
 */
export function gcpTpuModelOf(service: string, sku: string): string | undefined {
  const version = /\bTPU[\s-]*(v\d+(?:[a-z]+\b|[\s-]+lite\b)?)/i.exec(sku)?.[1];
  if (version !== undefined) return `TPU ${version.toLowerCase().replace(/[\s-]+/g, " ")}`;
  if (/\bTrillium\b/i.test(sku)) return "TPU v6e";
  return /\bTPU\b/i.test(service) && !/Licen[cs]e|Storage|Egress/i.test(sku) ? "TPU" : undefined;
}

/** GCP usage units with no energy model that are not unit spellings parseUnit knows. */
const knownGcpUnits = new Set(["requests", "count", "gibibyte month", "mebibyte", "hour", "month", "day"]);

export function decideGcpSku(facts: GcpSkuFacts, _options: ClassifyOptions): GcpSkuDecision {
  const { sku, service, amount } = facts;
  const measures = (list: Measure[], instanceType?: string): GcpSkuDecision =>
    instanceType ? { status: "measures", measures: list, instanceType } : { status: "measures", measures: list };

  if (/^Support\b|Support$/.test(service)) return { status: "unsupported", reason: "support", detail: `${service} / ${sku}` };
  if (/Licen[cs]ing Fee|License/i.test(sku)) return { status: "unsupported", reason: "software-license", detail: sku };
  if (/^Commitment\b|Commitment v\d|Committed Use/i.test(sku)) return { status: "unsupported", reason: "reservation-fee", detail: sku };
  if (/\bFee\b/i.test(sku)) return { status: "unsupported", reason: "fee", detail: sku };

  const unit = facts.usageUnit.trim().toLowerCase();
  if (unit === "seconds" || unit === "second" || unit === "hour" || unit === "hours") {
    const hours = unit.startsWith("second") ? amount / 3600 : amount;
    // Before the vCPU test: "Micro Instance with burstable CPU" bills instance-seconds, not vCPU-seconds.
    const sharedCore = sharedCoreOf(sku);
    if (sharedCore) {
      return measures([{ kind: "compute", quantity: hours, unit: "instance-hours", instanceType: sharedCore }], sharedCore);
    }
    // Cloud TPU bills chip-seconds per SKU: accelerator records the estimator prices by TPU version.
    const tpu = gcpTpuModelOf(service, sku);
    if (tpu !== undefined) return measures([{ kind: "gpu", quantity: hours, unit: "gpu-hours", gpuModel: tpu }]);
    if (/GPU/.test(sku)) {
      const gpu: Measure = { kind: "gpu", quantity: hours, unit: "gpu-hours" };
      const model = gcpGpuModelOf(sku);
      if (model) gpu.gpuModel = model;
      return measures([gpu]);
    }
    if (/\b(?:Cores?|CPU|vCPU|VCPU|CPUs)\b/i.test(sku)) {
      // GCP already meters vCPU-seconds: one vCPU for one second per unit.
      const compute: Measure = { kind: "compute", quantity: hours, unit: "vcpu-hours" };
      if (facts.machineSpec) compute.instanceType = facts.machineSpec;
      if (facts.cores !== undefined) compute.vcpus = facts.cores;
      if (facts.memoryMb !== undefined) compute.memoryGb = facts.memoryMb / 1024;
      return measures([compute], facts.machineSpec);
    }
    return measures([otherMeasure(amount)]);
  }

  if (unit === "byte-seconds" || unit === "gibibyte hour" || unit === "gibibyte month" || unit === "gibibyte second") {
    const gibHours = gibHoursOf(amount, parseUnit(unit), facts.periodStartMs) ?? 0;
    if (/\b(?:Ram|RAM|Memory)\b/.test(sku)) {
      // The machine type lets the estimator subtract the memory already inside the SPECpower CPU watts.
      const memory: Measure = { kind: "memory", quantity: gibHours, unit: "gb-hours" };
      if (facts.machineSpec) memory.instanceType = facts.machineSpec;
      return measures([memory], facts.machineSpec);
    }
    const storage: Measure = {
      kind: "storage",
      quantity: tbHoursOfGibHours(gibHours),
      unit: "tb-hours",
    };
    // Standard persistent disks are HDD-backed; other SKUs name SSD media, or leave the medium to the estimator's flagged default.
    if (/SSD|Balanced|Extreme|Hyperdisk/i.test(sku)) storage.storageClass = "ssd";
    else if (/^(?:Regional )?Storage PD Capacity|Standard (?:PD|persistent disk)|\bHDD\b/i.test(sku)) storage.storageClass = "hdd";
    if (/\bRegional\b.*\bPD\b|\bRegional (?:SSD|Balanced|Storage PD)/i.test(sku)) storage.replicationHint = 2;
    return measures([storage]);
  }

  if (unit === "bytes" || unit === "gibibyte" || unit === "tebibyte") {
    const gib = unit === "bytes" ? amount / BYTES_PER_GIB : (gibOf(amount, parseUnit(unit)) ?? 0);
    const transfer = gcpTransferOf(service, sku);
    if (transfer === "network") return measures([{ kind: "network", quantity: gib, unit: "gb" }]);
    if (transfer !== undefined) return { status: "unsupported", reason: transfer, detail: sku };
    return measures([otherMeasure(gib)]);
  }

  if (!knownGcpUnits.has(unit) && parseUnit(unit).dimension === "unknown") {
    return {
      status: "unsupported",
      reason: "unit-not-recognized",
      detail: `unit "${facts.usageUnit}" on ${sku}`,
    };
  }
  return measures([otherMeasure(amount)]);
}
