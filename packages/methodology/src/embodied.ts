import type { FactorQuality } from "./estimate-types";
import type { DataPack, InstanceTypeRow } from "./pack-types";
import type { ProfileRules } from "./profiles";
import { factorQuality } from "./quality";
import type { PackProvider as Provider } from "./providers";

export type EmbodiedRate = { readonly kgPerUnitHour: number; readonly quality: FactorQuality };

/**
 * Embodied emissions per vCPU-hour (SCI's M = TE × TiR/EL × RR/ToR):
 *
 *   instance share per hour = host kgCO2e × (instance vCPUs ÷ host vCPUs) ÷ lifespan hours
 *   per vCPU-hour          = host kgCO2e ÷ host vCPUs ÷ lifespan hours
 *
 * so a record in vCPU-hours needs no instance size at all. CCF's code divided usage hours by the
 * instance's vCPUs before applying the vCPU share, so the share cancelled and every size of a
 * family got the same per-instance-hour figure (too small by the vCPU count); this is the
 * documented formula instead.
 *
 * The denominator is the physical host's vCPUs in the canopy profile and CCF's "largest size in
 * the family" in the ccf profile (they differ for burstable families, whose largest size is far
 * smaller than the host).
 */
export function computeEmbodiedRate(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  row: InstanceTypeRow | undefined,
  lifespanHours: number,
  missingReason: string,
): EmbodiedRate {
  const denominator =
    row === undefined
      ? null
      : profile.embodiedHostVcpus === "host"
        ? (row.hostVcpus ?? row.familyLargestVcpus)
        : (row.familyLargestVcpus ?? row.hostVcpus);
  if (
    row !== undefined &&
    row.embodiedKgPerHost !== null &&
    row.embodiedKgPerHost > 0 &&
    denominator !== null
  ) {
    return {
      kgPerUnitHour: row.embodiedKgPerHost / denominator / lifespanHours,
      quality: factorQuality("regional"),
    };
  }
  const reason =
    row === undefined
      ? missingReason
      : `no host embodied data for ${row.name}; provider median per host vCPU`;
  return {
    kgPerUnitHour: pack.medianEmbodiedKgPerHostVcpu[provider] / lifespanHours,
    quality: factorQuality("provider-average", reason),
  };
}

/**
 * Separately billed GPUs (GCP GPU SKUs): CCF's per-GPU increment of the host embodied model
 * (150 kgCO2e per GPU card) amortized over the lifespan, per GPU-hour. Generic, not
 * model-specific, hence quality "default". The ccf profile has none: CCF estimates embodied for
 * compute rows only.
 */
export function gpuEmbodiedRate(
  pack: DataPack,
  profile: ProfileRules,
  lifespanHours: number,
): EmbodiedRate {
  if (!profile.gpuRecordEmbodied) {
    return {
      kgPerUnitHour: 0,
      quality: factorQuality("default", "ccf profile: embodied emissions for compute rows only"),
    };
  }
  return {
    kgPerUnitHour: pack.constants.embodiedKgPerGpu / lifespanHours,
    quality: factorQuality(
      "default",
      "generic per-GPU embodied increment (150 kgCO2e per GPU), not model-specific",
    ),
  };
}
