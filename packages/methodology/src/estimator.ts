import type { Estimate, EstimateQuality, Estimator, EstimatorOptions } from "./estimate-types";
import { averageHourlyIntensity } from "./grid";
import { utcYearOf } from "./normalize";
import { resolveDataPack } from "./pack";
import type { DataPack } from "./pack-types";
import { defaultLifespanYears, hoursPerYear, methodCodeVersion, profileRules, type ProfileRules } from "./profiles";
import { estimateQuality, factorQuality } from "./quality";
import { resolveRegionFactors, type RegionFactors } from "./region-factors";
import { resolveUsageFactors, usageMode, type UsageFactors } from "./usage-factors";
import type { UsageRecord } from "./usage-record";

/** Everything resolved for one cache key; per record only multiplications remain. */
type Resolved = {
  readonly usage: UsageFactors;
  readonly site: RegionFactors;
  /** Quality objects by variant: bit 0 = utilization measured, bit 1 = hourly grid used. */
  readonly qualities: (EstimateQuality | undefined)[];
};

/** Cache entries kept before the cache is cleared (bounds memory on pathological inputs). */
const maxCacheEntries = 200_000;

/**
 * `methodologyVersion` = `<profile>-<code version>+pack.<pack name>[.lifespan-<years>y]`, e.g.
 * `canopy-1.0.0+pack.2025.1`. Every emissions row stores it, so history can be re-estimated.
 */
export function methodologyVersionOf(profile: ProfileRules, pack: DataPack, lifespanYears: number): string {
  const lifespan = lifespanYears === defaultLifespanYears ? "" : `.lifespan-${String(lifespanYears).replace(".", "_")}y`;
  return `${profile.name}-${methodCodeVersion}+pack.${pack.name}${lifespan}`;
}

function qualityVariant(resolved: Resolved, variant: number): EstimateQuality {
  const u = resolved.usage;
  const s = resolved.site.quality;
  const q = estimateQuality({
    power: variant & 1 ? u.powerQualityMeasured : u.powerQuality,
    pue: s.pue,
    grid: variant & 2 ? factorQuality("measured") : s.grid,
    market: s.market,
    embodied: u.embodiedQuality,
    water: s.water,
  });
  resolved.qualities[variant] = q;
  return q;
}

/**
 * Creates the pure estimator. Options: `profile` ("canopy" default, or "ccf"), `lifespanYears`
 * (default 4), `hourlyGridIntensity` (wins over annual averages when it returns a value), `pack`
 * (data pack name or object, default the newest compiled pack).
 *
 * Per record: kwhIt by kind → kwhFacility = kwhIt × PUE → co2eLocationKg = kwhFacility × grid
 * intensity ÷ 1000 → co2eMarketKg = location × (1 − CFE share) → waterL = kwhIt × WUE; embodied
 * from the host share. Factors are resolved once per distinct
 * (provider, region, year, kind, unit, service, usageType, instanceType, storageClass, gpuModel)
 * and cached; quality objects are shared frozen constants.
 */
export function createEstimator(options: EstimatorOptions = {}): Estimator {
  const profile = profileRules[options.profile ?? "canopy"];
  if (profile === undefined) throw new RangeError(`unknown methodology profile "${String(options.profile)}"`);
  const pack = resolveDataPack(options.pack);
  const lifespanYears = options.lifespanYears ?? defaultLifespanYears;
  if (!(lifespanYears > 0) || !Number.isFinite(lifespanYears)) {
    throw new RangeError(`lifespanYears must be a positive finite number, got ${lifespanYears}`);
  }
  const lifespanHours = lifespanYears * hoursPerYear;
  const methodologyVersion = methodologyVersionOf(profile, pack, lifespanYears);
  const hourly = options.hourlyGridIntensity;

  const cache = new Map<string, Resolved>();
  const siteCache = new Map<string, RegionFactors>();

  const resolve = (record: UsageRecord, year: number): Resolved => {
    const siteKey = `${record.provider}\u0001${record.region}\u0001${year}`;
    let site = siteCache.get(siteKey);
    if (site === undefined) {
      site = resolveRegionFactors(pack, profile, record.provider, record.region, year);
      if (siteCache.size >= maxCacheEntries) siteCache.clear();
      siteCache.set(siteKey, site);
    }
    const usage = resolveUsageFactors(
      pack,
      profile,
      {
        provider: record.provider,
        region: site.region,
        kind: record.kind,
        unit: record.unit,
        service: record.service,
        usageType: record.usageType ?? "",
        instanceType: record.instanceType ?? "",
        storageClass: record.storageClass,
        gpuModel: record.gpuModel ?? "",
        recordHasVcpus: record.vcpus !== undefined,
        recordHasGpuCount: record.gpuCount !== undefined,
      },
      lifespanHours,
    );
    return { usage, site, qualities: [undefined, undefined, undefined, undefined] };
  };

  const overflowQuality = estimateQuality({
    power: factorQuality("default", "quantity too large to estimate (result not finite); not estimated"),
    pue: factorQuality("default"),
    grid: factorQuality("default"),
    market: factorQuality("default"),
    embodied: factorQuality("default", "quantity too large to estimate"),
    water: factorQuality("default"),
  });

  function estimate(record: UsageRecord): Estimate {
    const year = utcYearOf(record.periodStart);
    const key =
      record.provider +
      "\u0001" +
      record.region +
      "\u0001" +
      year +
      "\u0001" +
      record.kind +
      "\u0001" +
      record.unit +
      "\u0001" +
      record.service +
      "\u0001" +
      (record.usageType ?? "") +
      "\u0001" +
      (record.instanceType ?? "") +
      "\u0001" +
      (record.storageClass ?? "") +
      "\u0001" +
      (record.gpuModel ?? "") +
      (record.vcpus === undefined ? "\u0001" : "\u0001v") +
      (record.gpuCount === undefined ? "" : "g");
    let resolved = cache.get(key);
    if (resolved === undefined) {
      resolved = resolve(record, year);
      if (cache.size >= maxCacheEntries) cache.clear();
      cache.set(key, resolved);
    }
    const u = resolved.usage;
    const site = resolved.site;

    let variant = 0;
    let kwhIt = 0;
    let embodiedKg = 0;
    if (u.mode === usageMode.compute) {
      const vcpus = record.vcpus ?? u.vcpusPerInstance;
      const vcpuHours = u.perInstance ? record.quantity * vcpus : record.quantity;
      const measured = record.cpuUtilization;
      let utilization = u.defaultUtilization;
      if (measured !== undefined) {
        utilization = measured;
        variant = 1;
      }
      kwhIt = vcpuHours * (u.minKwhPerVcpuHour + utilization * u.rangeKwhPerVcpuHour);
      if (u.hasInstanceTerms) {
        const instanceHours = vcpuHours / vcpus;
        kwhIt +=
          instanceHours *
          ((record.memoryGb ?? u.memoryGb) * u.extraMemoryKwhPerGbInstanceHour +
            (record.gpuCount ?? u.gpuCount) * u.gpuKwhPerGpuHour);
      }
      embodiedKg = vcpuHours * u.embodiedKgPerVcpuHour;
    } else if (u.mode === usageMode.perUnit) {
      let units = record.quantity * u.unitScale;
      if (u.perGpuCount) units *= record.gpuCount ?? u.gpuCount;
      kwhIt = units * u.kwhPerUnit;
      embodiedKg = units * u.embodiedKgPerUnit;
    }
    const replication = u.replicationHintApplies ? (record.replicationHint ?? u.replication) : u.replication;
    kwhIt *= replication;
    if (u.replicateEmbodied) embodiedKg *= replication;

    let gridIntensityGPerKwh = site.gridIntensityGPerKwh;
    if (hourly !== undefined && site.gridZone !== null && kwhIt > 0) {
      const measuredIntensity = averageHourlyIntensity(hourly, site.gridZone, record.periodStart, record.periodHours);
      if (measuredIntensity !== undefined) {
        gridIntensityGPerKwh = measuredIntensity;
        variant |= 2;
      }
    }

    const kwhFacility = kwhIt * site.pue;
    const co2eLocationKg = (kwhFacility * gridIntensityGPerKwh) / 1000;
    const co2eMarketKg = co2eLocationKg * (1 - site.cfeShare);
    const waterL = kwhIt * site.wueLitresPerKwh;

    // Guard: absurdly large quantities can overflow; never return Infinity or NaN.
    if (!(co2eLocationKg < Infinity && co2eMarketKg < Infinity && embodiedKg < Infinity && waterL < Infinity)) {
      return {
        kwhIt: 0,
        kwhFacility: 0,
        pue: site.pue,
        gridIntensityGPerKwh: site.gridIntensityGPerKwh,
        co2eLocationKg: 0,
        co2eMarketKg: 0,
        embodiedKg: 0,
        waterL: 0,
        methodologyVersion,
        quality: overflowQuality,
      };
    }

    return {
      kwhIt,
      kwhFacility,
      pue: site.pue,
      gridIntensityGPerKwh,
      co2eLocationKg,
      co2eMarketKg,
      embodiedKg,
      waterL,
      methodologyVersion,
      quality: resolved.qualities[variant] ?? qualityVariant(resolved, variant),
    };
  }

  return Object.freeze({ methodologyVersion, estimate });
}
