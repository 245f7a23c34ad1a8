import type { FactorQuality } from "./estimate-types";
import type { CpuCoefficient, DataPack } from "./pack-types";
import type { ProfileRules } from "./profiles";
import { factorQuality, joinReasons } from "./quality";
import type { PackProvider as Provider } from "./providers";

export type CpuPower = {
  readonly minWattsPerVcpu: number;
  readonly maxWattsPerVcpu: number;
  /** SPECpower GB per chip of the resolved microarchitecture(s); null when the table has none. */
  readonly memoryGbPerChip: number | null;
  /** True when the provider average was used instead of microarchitecture coefficients. */
  readonly providerAverage: boolean;
  readonly quality: FactorQuality;
};

const mean = (values: readonly number[]): number =>
  values.reduce((s, v) => s + v, 0) / values.length;
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * Watts per vCPU for a set of candidate microarchitectures (CCF rule): the mean of their
 * coefficients, or the median when Sandy Bridge or Ivy Bridge is among them (old generations
 * would otherwise dominate).
 *
 * Unlike CCF, a microarchitecture without a coefficient does not silently switch the whole set to
 * the provider average: the known ones are averaged and the gap is named in the quality reason.
 * Only when none is known is the provider average used, with quality "provider-average".
 */
export function resolveCpuPower(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  microarchitectures: readonly string[],
  unknownReason: string,
): CpuPower {
  const table = pack.cpu[profile.cpuCoefficients][provider];
  const known: CpuCoefficient[] = [];
  const missing: string[] = [];
  for (const arch of microarchitectures) {
    const coefficient = table.get(arch);
    if (coefficient) known.push(coefficient);
    else missing.push(arch);
  }
  if (known.length === 0) {
    const average = pack.cpu.providerAverage[profile.cpuCoefficients][provider];
    const reason =
      missing.length > 0
        ? `no power coefficient for ${missing.join(", ")}; provider-average watts per vCPU`
        : unknownReason;
    return {
      minWattsPerVcpu: average.minWattsPerVcpu,
      maxWattsPerVcpu: average.maxWattsPerVcpu,
      memoryGbPerChip: average.memoryGbPerChip,
      providerAverage: true,
      quality: factorQuality("provider-average", reason),
    };
  }
  const useMedian = microarchitectures.some((a) => a === "Sandy Bridge" || a === "Ivy Bridge");
  const combine = useMedian ? median : mean;
  const chips = known.map((k) => k.memoryGbPerChip).filter((g): g is number => g !== null);
  const notes = [...new Set(known.map((k) => k.note).filter((n): n is string => n !== undefined))];
  const reason = joinReasons(
    missing.length > 0
      ? `no power coefficient for ${missing.join(", ")}; mean of the others used`
      : undefined,
    ...notes,
  );
  return {
    minWattsPerVcpu: combine(known.map((k) => k.minWattsPerVcpu)),
    maxWattsPerVcpu: combine(known.map((k) => k.maxWattsPerVcpu)),
    memoryGbPerChip:
      chips.length > 0
        ? mean(chips)
        : pack.cpu.providerAverage[profile.cpuCoefficients][provider].memoryGbPerChip,
    providerAverage: false,
    quality: factorQuality("regional", reason),
  };
}

/**
 * Serverless platforms that bill no instance type but whose processor the provider documents. The
 * AWS connector names Lambda `-ARM` usage as `lambda-arm64`: "arm64 – 64-bit ARM architecture, for
 * AWS Graviton processors", launched as "AWS Lambda Functions Powered by AWS Graviton2 Processor"
 * (https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html). x86_64 Lambda has no
 * documented processor and keeps the provider average.
 */
const platformMicroarchitectures: Readonly<
  Record<Provider, Readonly<Record<string, readonly string[]>>>
> = {
  aws: { "lambda-arm64": ["AWS Graviton2"] },
  azure: {},
  gcp: {},
};

/** Microarchitectures of a documented serverless platform (`lambda-arm64`), or undefined. */
export function platformMicroarchitecturesOf(
  provider: Provider,
  platform: string,
): readonly string[] | undefined {
  const platforms = platformMicroarchitectures[provider];
  const key = platform.trim().toLowerCase();
  // Own keys only: a billing value such as "__proto__" or "constructor" must not reach the prototype.
  return Object.hasOwn(platforms, key) ? platforms[key] : undefined;
}
