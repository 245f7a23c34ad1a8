import type { DataPack, InstanceTypeRow } from "./pack-types";
import type { PackProvider as Provider } from "./providers";

/** kWh per GB-hour of memory (CCF: 0.392 W/GB, DDR4). */
export function memoryKwhPerGbHour(pack: DataPack): number {
  return pack.constants.memoryKwhPerGbHour;
}

/**
 * Share of an instance's memory that is NOT already inside the SPECpower watts per vCPU, as a
 * fraction of instance memory (CCF approach, one correction):
 *
 *   chips        = ceil(largest vCPU in family ÷ 96)   (m5zn and z1d: 2)
 *   extraHostGb  = largest memory − chips × SPECpower GB per chip
 *   fraction     = max(0, extraHostGb) ÷ largest memory
 *   extra GB-h   = fraction × instance memory × instance-hours
 *
 * CCF subtracts the SPECpower memory of one chip from the memory *per chip* and then scales by
 * the instance's share of the *whole* server, which undercounts multi-chip hosts by the chip
 * count (m6a.large: 3.16 instead of 6.32 GB per hour). Canopy uses the whole-host figure.
 *
 * Applies to AWS and Azure compute only: GCP bills RAM as separate memory records, and AWS
 * burstable families (t2/t3/t3a/t4g) never get extra memory (as in CCF).
 */
export function extraMemoryFraction(
  pack: DataPack,
  provider: Provider,
  row: InstanceTypeRow,
  memoryGbPerChip: number | null,
): number {
  if (provider === "gcp") return 0;
  if (provider === "aws" && pack.constants.noExtraMemoryFamilies.includes(row.family)) return 0;
  return memoryAboveSpecpowerFraction(pack, row, memoryGbPerChip);
}

/**
 * The same share for separately billed RAM (GCP `memory` records naming their machine type): the
 * SPECpower watts of the machine's vCPU records already hold `chips × GB per chip` of the host's
 * memory, so only the rest of the billed RAM is counted, as on AWS and Azure compute records.
 */
export function memoryAboveSpecpowerFraction(
  pack: DataPack,
  row: InstanceTypeRow,
  memoryGbPerChip: number | null,
): number {
  const largestVcpus = row.familyLargestVcpus;
  const largestMemoryGb = row.familyLargestMemoryGb;
  if (largestVcpus === null || largestMemoryGb === null || memoryGbPerChip === null) return 0;
  const chips = pack.constants.twoChipFamilies.includes(row.family)
    ? 2
    : Math.max(1, Math.ceil(largestVcpus / pack.constants.vcpusPerPhysicalChip));
  const extraHostGb = largestMemoryGb - chips * memoryGbPerChip;
  return extraHostGb > 0 ? extraHostGb / largestMemoryGb : 0;
}
