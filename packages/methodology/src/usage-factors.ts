import { resolveComputeFactors } from "./compute";
import { resolveSurplusCpuFactors } from "./cpu-credits";
import { resolveCpuPower } from "./cpu-power";
import { gpuEmbodiedRate } from "./embodied";
import type { FactorQuality } from "./estimate-types";
import { resolveGpuPower } from "./gpu";
import { findInstanceRow } from "./instance-types";
import { memoryAboveSpecpowerFraction, memoryKwhPerGbHour } from "./memory";
import { resolveNetworkPower } from "./network";
import type { DataPack } from "./pack-types";
import type { ProfileRules } from "./profiles";
import { factorQuality } from "./quality";
import { resolveStoragePower } from "./storage";
import type { PackProvider as Provider } from "./providers";
import type { UsageKind, UsageUnit } from "./usage-record";

/** How a record's quantity turns into energy. */
export const usageMode = { none: 0, compute: 1, perUnit: 2 } as const;
export type UsageMode = (typeof usageMode)[keyof typeof usageMode];

/**
 * Energy and embodied factors for one distinct combination of (provider, kind, unit, instance
 * type, storage class, GPU model); everything per record is a multiply. They do not depend on the
 * service, usage type or region (replication and site factors are resolved separately).
 *
 * compute  : see ComputeFactors (vCPU-hours, or instance-hours × vCPUs)
 * perUnit  : kWh IT = quantity × unitScale [× GPUs per instance] × kwhPerUnit (× replication)
 *            embodied = quantity × unitScale [× GPUs] × embodiedKgPerUnit
 * none     : zero (kind "other", or a unit the kind has no model for)
 */
export type UsageFactors = {
  readonly mode: UsageMode;
  // compute
  readonly perInstance: boolean;
  readonly vcpusPerInstance: number;
  readonly minKwhPerVcpuHour: number;
  readonly rangeKwhPerVcpuHour: number;
  readonly defaultUtilization: number;
  readonly hasInstanceTerms: boolean;
  readonly memoryGb: number;
  readonly extraMemoryKwhPerGbInstanceHour: number;
  readonly gpuCount: number;
  readonly gpuKwhPerGpuHour: number;
  readonly embodiedKgPerVcpuHour: number;
  // per unit
  readonly unitScale: number;
  readonly perGpuCount: boolean;
  readonly kwhPerUnit: number;
  readonly embodiedKgPerUnit: number;
  // shared (the replication factor itself depends on the region and is resolved with the site)
  /** Whether a record's `replicationHint` may override the factor (not for network). */
  readonly replicationHintApplies: boolean;
  readonly replicateEmbodied: boolean;
  readonly powerQuality: FactorQuality;
  readonly powerQualityMeasured: FactorQuality;
  readonly embodiedQuality: FactorQuality;
};

export type UsageInput = {
  readonly provider: Provider;
  readonly kind: UsageKind;
  readonly unit: UsageUnit;
  readonly instanceType: string;
  readonly storageClass: "ssd" | "hdd" | undefined;
  readonly gpuModel: string;
  readonly recordHasVcpus: boolean;
  readonly recordHasGpuCount: boolean;
};

const zeroBase = {
  perInstance: false,
  vcpusPerInstance: 1,
  minKwhPerVcpuHour: 0,
  rangeKwhPerVcpuHour: 0,
  defaultUtilization: 0,
  hasInstanceTerms: false,
  memoryGb: 0,
  extraMemoryKwhPerGbInstanceHour: 0,
  gpuCount: 0,
  gpuKwhPerGpuHour: 0,
  embodiedKgPerVcpuHour: 0,
  unitScale: 0,
  perGpuCount: false,
  kwhPerUnit: 0,
  embodiedKgPerUnit: 0,
  replicationHintApplies: false,
  replicateEmbodied: false,
} as const;

function none(powerReason: string, embodiedReason: string): UsageFactors {
  const power = factorQuality("default", powerReason);
  return {
    ...zeroBase,
    mode: usageMode.none,
    powerQuality: power,
    powerQualityMeasured: power,
    embodiedQuality: factorQuality("default", embodiedReason),
  };
}

/** Canonical units each kind accepts, with the factor to that kind's base unit. */
const unitScales: Readonly<Record<UsageKind, Partial<Record<UsageUnit, number>>>> = {
  compute: { "vcpu-hours": 1, "surplus-vcpu-hours": 1, "instance-hours": 1 },
  gpu: { "gpu-hours": 1, "instance-hours": 1 },
  memory: { "gb-hours": 1, "tb-hours": 1000 },
  storage: { "tb-hours": 1, "gb-hours": 1 / 1000 },
  network: { gb: 1 },
  other: {},
};

/**
 * Share of separately billed RAM that is counted: with a known machine type, only the memory above
 * what the SPECpower CPU watts already hold (the AWS/Azure compute rule, docs/methodology.md §2.4);
 * without one (Lambda, Fargate, Azure memory meters, GCP lines without machine_spec) all of it.
 */
function billedMemoryShare(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  instanceType: string,
): { fraction: number; power: FactorQuality } {
  const row = instanceType === "" ? undefined : findInstanceRow(pack, provider, instanceType);
  if (row === undefined || row.familyLargestVcpus === null || row.familyLargestMemoryGb === null) {
    const what =
      instanceType === ""
        ? "no machine type"
        : row === undefined
          ? `machine type "${instanceType}" not in data pack`
          : `no host memory for ${row.name}`;
    return {
      fraction: 1,
      power: factorQuality("regional", `${what}: billed memory counted in full (SPECpower share not subtracted)`),
    };
  }
  const cpu = resolveCpuPower(pack, profile, provider, row.microarchitectures, "");
  // CCF's GCP table has no SPECpower GB per chip: the ccf profile then keeps CCF's full count.
  if (cpu.memoryGbPerChip === null) {
    return {
      fraction: 1,
      power: factorQuality("regional", `no SPECpower memory per chip for ${row.name}: billed memory counted in full`),
    };
  }
  return {
    fraction: memoryAboveSpecpowerFraction(pack, row, cpu.memoryGbPerChip),
    power: factorQuality("regional"),
  };
}

export function resolveUsageFactors(
  pack: DataPack,
  profile: ProfileRules,
  input: UsageInput,
  lifespanHours: number,
): UsageFactors {
  const { provider, kind, unit } = input;
  if (kind === "other")
    return none("no energy model for this usage", "no embodied model for this usage");
  const unitScale = unitScales[kind][unit];
  if (unitScale === undefined) {
    return none(
      `unit "${unit}" is not supported for kind "${kind}"`,
      `unit "${unit}" is not supported for kind "${kind}"`,
    );
  }
  const shared = {
    replicationHintApplies: kind !== "network",
    replicateEmbodied: profile.replicateEmbodied,
  };

  if (kind === "compute" && unit === "surplus-vcpu-hours") {
    const c = resolveSurplusCpuFactors(pack, profile, provider, input.instanceType);
    return {
      ...zeroBase,
      ...shared,
      mode: usageMode.compute,
      minKwhPerVcpuHour: c.minKwhPerVcpuHour,
      rangeKwhPerVcpuHour: c.rangeKwhPerVcpuHour,
      defaultUtilization: c.defaultUtilization,
      powerQuality: c.powerQuality,
      powerQualityMeasured: c.powerQualityMeasured,
      embodiedQuality: c.embodiedQuality,
    };
  }

  if (kind === "compute") {
    const perInstance = unit === "instance-hours";
    const c = resolveComputeFactors(
      pack,
      profile,
      {
        provider,
        instanceType: input.instanceType,
        gpuModel: input.gpuModel,
        recordHasGpuCount: input.recordHasGpuCount,
        recordHasVcpus: input.recordHasVcpus,
        perInstance,
      },
      lifespanHours,
    );
    return {
      ...zeroBase,
      ...shared,
      mode: usageMode.compute,
      perInstance,
      vcpusPerInstance: c.vcpusPerInstance,
      minKwhPerVcpuHour: c.minKwhPerVcpuHour,
      rangeKwhPerVcpuHour: c.rangeKwhPerVcpuHour,
      defaultUtilization: c.defaultUtilization,
      hasInstanceTerms: c.hasInstanceTerms,
      memoryGb: c.memoryGb,
      extraMemoryKwhPerGbInstanceHour: c.extraMemoryKwhPerGbInstanceHour,
      gpuCount: c.gpuCount,
      gpuKwhPerGpuHour: c.gpuKwhPerGpuHour,
      embodiedKgPerVcpuHour: c.embodiedKgPerVcpuHour,
      powerQuality: c.powerQuality,
      powerQualityMeasured: c.powerQualityMeasured,
      embodiedQuality: c.embodiedQuality,
    };
  }

  if (kind === "gpu") {
    const row =
      input.instanceType === "" ? undefined : findInstanceRow(pack, provider, input.instanceType);
    const model = input.gpuModel !== "" ? input.gpuModel : (row?.gpuModel ?? "");
    const gpu = resolveGpuPower(pack, provider, model);
    const embodied = gpuEmbodiedRate(pack, profile, lifespanHours);
    const perGpuCount = unit === "instance-hours";
    const catalogGpus = row !== undefined && row.gpuCount > 0 ? row.gpuCount : undefined;
    let powerQuality = gpu.quality;
    if (perGpuCount && !input.recordHasGpuCount && catalogGpus === undefined) {
      powerQuality = factorQuality("default", "GPUs per instance unknown; 1 assumed");
    }
    return {
      ...zeroBase,
      ...shared,
      mode: usageMode.perUnit,
      unitScale,
      perGpuCount,
      gpuCount: catalogGpus ?? 1,
      kwhPerUnit: gpu.kwhPerGpuHour,
      embodiedKgPerUnit: embodied.kgPerUnitHour,
      powerQuality,
      powerQualityMeasured: powerQuality,
      embodiedQuality: embodied.quality,
    };
  }

  const noEmbodied = (what: string) => factorQuality("default", what);
  if (kind === "memory") {
    const { fraction, power } = billedMemoryShare(pack, profile, provider, input.instanceType);
    return {
      ...zeroBase,
      ...shared,
      mode: usageMode.perUnit,
      unitScale,
      kwhPerUnit: fraction * memoryKwhPerGbHour(pack),
      powerQuality: power,
      powerQualityMeasured: power,
      embodiedQuality: noEmbodied(
        "host embodied emissions are allocated to vCPU records, not to memory",
      ),
    };
  }
  if (kind === "storage") {
    const storage = resolveStoragePower(pack, input.storageClass);
    return {
      ...zeroBase,
      ...shared,
      mode: usageMode.perUnit,
      unitScale,
      kwhPerUnit: storage.kwhPerTbHour,
      powerQuality: storage.quality,
      powerQualityMeasured: storage.quality,
      embodiedQuality: noEmbodied("no embodied data for storage in data pack"),
    };
  }
  const network = resolveNetworkPower(pack);
  return {
    ...zeroBase,
    ...shared,
    mode: usageMode.perUnit,
    unitScale,
    kwhPerUnit: network.kwhPerGb,
    powerQuality: network.quality,
    powerQualityMeasured: network.quality,
    embodiedQuality: noEmbodied("no embodied data for network in data pack"),
  };
}
