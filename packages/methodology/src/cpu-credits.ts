import { resolveCpuPower } from "./cpu-power";
import type { FactorQuality } from "./estimate-types";
import { findInstanceRow } from "./instance-types";
import type { DataPack, InstanceTypeRow } from "./pack-types";
import type { ProfileRules } from "./profiles";
import { factorQuality } from "./quality";
import type { PackProvider as Provider } from "./providers";

/**
 * AWS T Unlimited surplus CPU credits (`surplus-vcpu-hours`; one credit = one vCPU at 100 % for one
 * minute, billed per vCPU-hour: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-performance-instances-unlimited-mode.html).
 *
 * canopy: the instance-hours line already counts every vCPU at idle plus the baseline utilization,
 * and credits earned at the baseline pay for exactly that CPU time. The surplus is CPU time beyond
 * it, so it adds only the dynamic power: kWh = vCPU-hours × (maxW − minW) ÷ 1000. No embodied: the
 * hardware is amortized on the instance-hours line. ccf: CCF counts the amount as ordinary vCPU-hours
 * at 50 % ("CPUCredits = amount").
 */
export type SurplusCpuFactors = {
  readonly minKwhPerVcpuHour: number;
  readonly rangeKwhPerVcpuHour: number;
  readonly defaultUtilization: number;
  readonly powerQuality: FactorQuality;
  readonly powerQualityMeasured: FactorQuality;
  readonly embodiedQuality: FactorQuality;
};

/** A catalog row of the family the credit line names (`t3`), or of the instance type itself. */
function familyRowOf(
  pack: DataPack,
  provider: Provider,
  family: string,
): InstanceTypeRow | undefined {
  if (family === "") return undefined;
  const exact = findInstanceRow(pack, provider, family);
  if (exact !== undefined) return exact;
  const key = family.trim().toLowerCase();
  for (const row of pack.instances[provider].values()) if (row.family === key) return row;
  return undefined;
}

const embodiedOnInstanceLine = factorQuality(
  "default",
  "surplus CPU credits: the hardware is amortized on the instance-hours line",
);

export function resolveSurplusCpuFactors(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  family: string,
): SurplusCpuFactors {
  const row = familyRowOf(pack, provider, family);
  const cpu = resolveCpuPower(
    pack,
    profile,
    provider,
    row?.microarchitectures ?? [],
    family === ""
      ? "surplus CPU credits without an instance family; provider-average watts per vCPU"
      : `instance family "${family}" not in data pack; provider-average watts per vCPU`,
  );
  const minKwh = cpu.minWattsPerVcpu / 1000;
  const rangeKwh = (cpu.maxWattsPerVcpu - cpu.minWattsPerVcpu) / 1000;
  const aboveBaseline = profile.surplusCpuCredits === "aboveBaseline";
  return {
    minKwhPerVcpuHour: aboveBaseline ? 0 : minKwh,
    rangeKwhPerVcpuHour: rangeKwh,
    defaultUtilization: aboveBaseline ? 1 : pack.constants.defaultCpuUtilization,
    powerQuality: cpu.quality,
    // The surplus is CPU time at 100 % by definition; a measured utilization does not apply to it.
    powerQualityMeasured: cpu.quality,
    embodiedQuality: embodiedOnInstanceLine,
  };
}
