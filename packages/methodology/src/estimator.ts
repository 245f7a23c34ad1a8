import type { Estimate, EstimateQuality, Estimator, EstimatorOptions } from "./estimate-types";
import { averageHourlyIntensity } from "./grid";
import { utcYearOf } from "./normalize";
import { resolveDataPack } from "./pack";
import type { DataPack } from "./pack-types";
import { defaultLifespanYears, hoursPerYear, methodCodeVersion, profileRules, type ProfileRules } from "./profiles";
import { estimateQuality, factorQuality } from "./quality";
import { resolveRegionFactors, type RegionFactors } from "./region-factors";
import { resolveReplication } from "./replication";
import { resolveUsageFactors, usageMode, type UsageFactors } from "./usage-factors";
import type { UsageRecord } from "./usage-record";

/**
 * `methodologyVersion` = `<profile>-<code version>+pack.<pack name>[.lifespan-<years>y]`, e.g.
 * `canopy-1.0.0+pack.2025.1`. Every emissions row stores it, so history can be re-estimated.
 */
export function methodologyVersionOf(profile: ProfileRules, pack: DataPack, lifespanYears: number): string {
  const lifespan = lifespanYears === defaultLifespanYears ? "" : `.lifespan-${String(lifespanYears).replace(".", "_")}y`;
  return `${profile.name}-${methodCodeVersion}+pack.${pack.name}${lifespan}`;
}

/** What one (usage factors × site factors) pair needs per record: replication and quality. */
type Combination = {
  readonly replication: number;
  /** By variant: bit 0 = utilization measured, bit 1 = hourly grid intensity used. */
  readonly qualities: (EstimateQuality | undefined)[];
};

/** Usage factors plus the combinations with the sites they have been seen with. */
type UsageEntry = {
  readonly usage: UsageFactors;
  readonly bySite: Map<RegionFactors, Combination>;
  lastSite: RegionFactors | undefined;
  lastCombination: Combination | undefined;
};

type Node = Map<unknown, unknown>;

/** Cache entries kept before the caches are cleared (bounds memory on pathological inputs). */
const maxCacheEntries = 200_000;

const providerIndex = (provider: string): number => (provider === "aws" ? 0 : provider === "azure" ? 1 : 2);

/**
 * Creates the pure estimator. Options: `profile` ("canopy" default, or "ccf"), `lifespanYears`
 * (default 4), `hourlyGridIntensity` (wins over annual averages when it returns a value), `pack`
 * (data pack name or object, default the newest compiled pack).
 *
 * Per record: kwhIt by kind → kwhFacility = kwhIt × PUE → co2eLocationKg = kwhFacility × grid
 * intensity ÷ 1000 → co2eMarketKg = location × (1 − CFE share) → waterL = kwhIt × WUE; embodied
 * from the host share.
 *
 * Speed: factors are resolved once per distinct input and cached in nested Maps keyed by the
 * record's own strings (no composite key strings are built per record); quality objects are
 * shared frozen constants, so a cache hit allocates only the returned Estimate.
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

  // provider → region → year → site factors
  let siteRoots: Map<string, Map<number, RegionFactors>>[] = [new Map(), new Map(), new Map()];
  // provider → kind → unit → service → usageType → instanceType → storageClass → gpuModel → flags
  let usageRoots: Node[] = [new Map(), new Map(), new Map()];
  let entries = 0;

  const countEntry = () => {
    entries++;
    if (entries > maxCacheEntries) {
      siteRoots = [new Map(), new Map(), new Map()];
      usageRoots = [new Map(), new Map(), new Map()];
      entries = 0;
    }
  };

  const siteOf = (record: UsageRecord, year: number): RegionFactors => {
    const roots = siteRoots[providerIndex(record.provider)] as Map<string, Map<number, RegionFactors>>;
    let byYear = roots.get(record.region);
    if (byYear === undefined) {
      byYear = new Map();
      roots.set(record.region, byYear);
    }
    let site = byYear.get(year);
    if (site === undefined) {
      site = resolveRegionFactors(pack, profile, record.provider, record.region, year);
      byYear.set(year, site);
      countEntry();
    }
    return site;
  };

  const child = (node: Node, key: unknown): Node => {
    let next = node.get(key) as Node | undefined;
    if (next === undefined) {
      next = new Map();
      node.set(key, next);
    }
    return next;
  };

  const usageOf = (record: UsageRecord): UsageEntry => {
    let node = usageRoots[providerIndex(record.provider)] as Node;
    node = child(node, record.kind);
    node = child(node, record.unit);
    node = child(node, record.service);
    node = child(node, record.usageType);
    node = child(node, record.instanceType);
    node = child(node, record.storageClass);
    node = child(node, record.gpuModel);
    const flags = (record.vcpus === undefined ? 0 : 1) | (record.gpuCount === undefined ? 0 : 2);
    let entry = node.get(flags) as UsageEntry | undefined;
    if (entry === undefined) {
      const usage = resolveUsageFactors(
        pack,
        profile,
        {
          provider: record.provider,
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
      entry = { usage, bySite: new Map(), lastSite: undefined, lastCombination: undefined };
      node.set(flags, entry);
      countEntry();
    }
    return entry;
  };

  const combinationOf = (entry: UsageEntry, site: RegionFactors, record: UsageRecord): Combination => {
    if (entry.lastSite === site) return entry.lastCombination as Combination;
    let combination = entry.bySite.get(site);
    if (combination === undefined) {
      const replication = resolveReplication(
        pack,
        profile,
        record.provider,
        record.service,
        record.usageType ?? "",
        record.kind,
        site.region,
      );
      combination = { replication: replication.factor, qualities: [undefined, undefined, undefined, undefined] };
      entry.bySite.set(site, combination);
    }
    entry.lastSite = site;
    entry.lastCombination = combination;
    return combination;
  };

  const qualityOf = (entry: UsageEntry, site: RegionFactors, combination: Combination, variant: number) => {
    const u = entry.usage;
    const q = estimateQuality({
      power: variant & 1 ? u.powerQualityMeasured : u.powerQuality,
      pue: site.quality.pue,
      grid: variant & 2 ? factorQuality("measured") : site.quality.grid,
      market: site.quality.market,
      embodied: u.embodiedQuality,
      water: site.quality.water,
    });
    combination.qualities[variant] = q;
    return q;
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
    const site = siteOf(record, utcYearOf(record.periodStart));
    const entry = usageOf(record);
    const combination = combinationOf(entry, site, record);
    const u = entry.usage;

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
    const replication = u.replicationHintApplies
      ? (record.replicationHint ?? combination.replication)
      : combination.replication;
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
      quality: combination.qualities[variant] ?? qualityOf(entry, site, combination, variant),
    };
  }

  return Object.freeze({ methodologyVersion, estimate });
}
