import type { ClassifyOptions, UnsupportedReason } from "./types";
import { gbHoursOf, gbOf, GB_PER_TB, parseUnit } from "./units";
import { instanceMeasures, otherMeasure, type Measure } from "./usage-records";

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

const BYTES_PER_GB = 2 ** 30;

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

export function decideGcpSku(facts: GcpSkuFacts, options: ClassifyOptions): GcpSkuDecision {
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
    const sharedCore = /\bMicro Instance\b/i.test(sku) ? "f1-micro" : /\bSmall Instance\b/i.test(sku) ? "g1-small" : undefined;
    if (sharedCore) return measures(instanceMeasures("gcp", sharedCore, hours, {}, options), sharedCore);
    return measures([otherMeasure(amount)]);
  }

  if (unit === "byte-seconds" || unit === "gibibyte hour" || unit === "gibibyte month" || unit === "gibibyte second") {
    const gbHours = gbHoursOf(amount, parseUnit(unit), facts.periodStartMs) ?? 0;
    if (/\b(?:Ram|RAM|Memory)\b/.test(sku)) return measures([{ kind: "memory", quantity: gbHours, unit: "gb-hours" }]);
    const storage: Measure = {
      kind: "storage",
      quantity: gbHours / GB_PER_TB,
      unit: "tb-hours",
      storageClass: /SSD|Balanced|Extreme|Hyperdisk/i.test(sku) ? "ssd" : "hdd",
    };
    if (/\bRegional\b.*\bPD\b|\bRegional (?:SSD|Balanced|Storage PD)/i.test(sku)) storage.replicationHint = 2;
    return measures([storage]);
  }

  if (unit === "bytes" || unit === "gibibyte" || unit === "tebibyte") {
    const gb = unit === "bytes" ? amount / BYTES_PER_GB : (gbOf(amount, parseUnit(unit)) ?? 0);
    if (/Egress|egress|Download|data delivery|network traffic|Inter Region|Inter Zone/.test(sku) && !/Ingress/i.test(sku)) {
      return measures([{ kind: "network", quantity: gb, unit: "gb" }]);
    }
    return measures([otherMeasure(gb)]);
  }

  return measures([otherMeasure(amount)]);
}
