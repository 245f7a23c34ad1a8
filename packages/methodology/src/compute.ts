import { platformMicroarchitecturesOf, resolveCpuPower } from "./cpu-power";
import { computeEmbodiedRate } from "./embodied";
import type { FactorQuality } from "./estimate-types";
import { resolveGpuPower } from "./gpu";
import { findInstanceRow } from "./instance-types";
import { extraMemoryFraction, memoryKwhPerGbHour } from "./memory";
import type { DataPack } from "./pack-types";
import type { ProfileRules } from "./profiles";
import { factorQuality, joinReasons, worseOf } from "./quality";
import type { PackProvider as Provider } from "./providers";

/**
 * Per-vCPU-hour energy model of a compute record, resolved once per distinct instance type:
 *
 *   kWh IT = vCPU-hours × (minW + u × (maxW − minW)) ÷ 1000
 *          + instance-hours × extra memory GB × 0.000392            (AWS/Azure, memory above SPECpower)
 *          + instance-hours × GPUs × (gpuMinW + 0.5 × (gpuMaxW − gpuMinW)) ÷ 1000
 *
 * u = measured `cpuUtilization`, else the burstable baseline (canopy profile), else 50 %.
 */
export type ComputeFactors = {
  /** vCPUs per instance from the catalog (or the documented default when unknown). */
  readonly vcpusPerInstance: number;
  /** True when vCPUs per instance came from the default because nothing else was known. */
  readonly vcpusAssumed: boolean;
  readonly minKwhPerVcpuHour: number;
  readonly rangeKwhPerVcpuHour: number;
  readonly defaultUtilization: number;
  /** Instance memory from the catalog, GB (0 when unknown). */
  readonly memoryGb: number;
  /** kWh per GB of instance memory per instance-hour for memory above the SPECpower share. */
  readonly extraMemoryKwhPerGbInstanceHour: number;
  /** GPUs per instance from the catalog. */
  readonly gpuCount: number;
  readonly gpuKwhPerGpuHour: number;
  /** Whether the memory / GPU terms apply (an instance type is known, or GPUs were given). */
  readonly hasInstanceTerms: boolean;
  readonly embodiedKgPerVcpuHour: number;
  /** Power quality with assumed utilization, and with measured utilization. */
  readonly powerQuality: FactorQuality;
  readonly powerQualityMeasured: FactorQuality;
  readonly embodiedQuality: FactorQuality;
};

export type ComputeInput = {
  readonly provider: Provider;
  readonly instanceType: string;
  /** The record's GPU model (overrides the catalog's) or "". */
  readonly gpuModel: string;
  /** The record carries `gpuCount`. */
  readonly recordHasGpuCount: boolean;
  /** The record carries `vcpus`. */
  readonly recordHasVcpus: boolean;
  /** The record is in instance-hours. */
  readonly perInstance: boolean;
};

export function resolveComputeFactors(
  pack: DataPack,
  profile: ProfileRules,
  input: ComputeInput,
  lifespanHours: number,
): ComputeFactors {
  const { provider, instanceType } = input;
  const row = instanceType === "" ? undefined : findInstanceRow(pack, provider, instanceType);
  const missing =
    instanceType === ""
      ? "no instance type"
      : row === undefined
        ? `instance type "${instanceType}" not in data pack`
        : `microarchitecture of ${row.name} unknown`;
  // A documented serverless platform (Lambda arm64 → Graviton2) when the catalog has no row.
  const platformArchs =
    row === undefined && instanceType !== ""
      ? platformMicroarchitecturesOf(provider, instanceType)
      : undefined;
  const cpu = resolveCpuPower(
    pack,
    profile,
    provider,
    row?.microarchitectures ?? platformArchs ?? [],
    `${missing}; provider-average watts per vCPU`,
  );

  const baseline = row?.burstableBaseline ?? null;
  // GCP bills a shared-core machine's sustained vCPU share (e2-micro: 0.25 vCPU-seconds per
  // second), so that share is its vCPU count and the baseline is never applied again as utilization.
  const gcpSharedCoreShare = provider === "gcp" ? baseline : null;
  const catalogVcpus =
    row?.vcpus == null
      ? null
      : gcpSharedCoreShare === null
        ? row.vcpus
        : row.vcpus * gcpSharedCoreShare;
  const vcpusAssumed = catalogVcpus === null && input.perInstance && !input.recordHasVcpus;
  const vcpusPerInstance = catalogVcpus ?? pack.constants.defaultVcpusPerInstance;

  const defaultUtilization =
    profile.burstableAtBaseline && baseline !== null && gcpSharedCoreShare === null
      ? baseline
      : pack.constants.defaultCpuUtilization;
  // ccf profile: CCF scales an AWS burstable type's vCPU-hours by baseline ÷ 50 % (CPU terms only).
  const cpuScale =
    profile.burstableScalesVcpuHours && provider === "aws" && baseline !== null
      ? baseline / pack.constants.defaultCpuUtilization
      : 1;

  const memoryFraction =
    row === undefined ? 0 : extraMemoryFraction(pack, provider, row, cpu.memoryGbPerChip);

  // GCP bills attached GPUs and TPUs as their own SKUs (`gpu` records): its catalog counts are
  // informational here, or the accelerators would be counted twice.
  const gpuCount = provider === "gcp" ? 0 : (row?.gpuCount ?? 0);
  const hasGpu = gpuCount > 0 || input.recordHasGpuCount;
  const gpuModel = input.gpuModel !== "" ? input.gpuModel : (row?.gpuModel ?? "");
  const gpu = hasGpu ? resolveGpuPower(pack, provider, gpuModel) : undefined;

  const embodied = computeEmbodiedRate(
    pack,
    profile,
    provider,
    row,
    lifespanHours,
    `${missing}; provider median per host vCPU`,
  );

  let powerQuality = cpu.quality;
  if (gpu) powerQuality = worseOf(powerQuality, gpu.quality);
  if (row?.familyEstimate !== undefined) {
    const { quality, reason } = row.familyEstimate;
    powerQuality = worseOf(powerQuality, factorQuality(quality, reason));
  }
  if (vcpusAssumed) {
    powerQuality = worseOf(
      powerQuality,
      factorQuality(
        "default",
        `vCPUs per instance unknown; ${pack.constants.defaultVcpusPerInstance} assumed`,
      ),
    );
  }
  const powerQualityMeasured =
    powerQuality.quality === "regional"
      ? factorQuality("measured", powerQuality.reason)
      : powerQuality;
  let embodiedQuality = vcpusAssumed
    ? worseOf(embodied.quality, factorQuality("default", joinReasons("vCPUs per instance unknown")))
    : embodied.quality;
  if (row?.familyEstimate !== undefined) {
    embodiedQuality = worseOf(
      embodiedQuality,
      factorQuality("provider-average", `host of ${row.name} taken from its family`),
    );
  }

  return {
    vcpusPerInstance,
    vcpusAssumed,
    minKwhPerVcpuHour: (cpuScale * cpu.minWattsPerVcpu) / 1000,
    rangeKwhPerVcpuHour: (cpuScale * (cpu.maxWattsPerVcpu - cpu.minWattsPerVcpu)) / 1000,
    defaultUtilization,
    memoryGb: row?.memoryGb ?? 0,
    extraMemoryKwhPerGbInstanceHour: memoryFraction * memoryKwhPerGbHour(pack),
    gpuCount,
    gpuKwhPerGpuHour: gpu?.kwhPerGpuHour ?? 0,
    hasInstanceTerms: row !== undefined || input.recordHasGpuCount,
    embodiedKgPerVcpuHour: embodied.kgPerUnitHour,
    powerQuality,
    powerQualityMeasured,
    embodiedQuality,
  };
}
