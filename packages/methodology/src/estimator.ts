import type { Estimate, EstimateQuality, Estimator, EstimatorOptions } from "./estimate-types";
import { averageHourlyIntensity } from "./grid";
import { utcYearOf } from "./normalize";
import { resolveDataPack } from "./pack";
import type { DataPack } from "./pack-types";
import {
  defaultLifespanYears,
  hoursPerYear,
  methodCodeVersion,
  profileRules,
  type ProfileRules,
} from "./profiles";
import { hostedRegionOf, longTailProfiles } from "./long-tail";
import {
  isPackProvider,
  providerNames,
  providers,
  type PackProvider,
  type Provider,
} from "./providers";
import { estimateQuality, factorQuality } from "./quality";
import { resolveSiteFactors, type RegionFactors } from "./region-factors";
import { resolveReplication } from "./replication";
import { resolveUsageFactors, usageMode, type UsageFactors } from "./usage-factors";
import type { UsageRecord } from "./usage-record";

/**
 * `methodologyVersion` = `<profile>-<code version>+pack.<pack name>[.lifespan-<years>y]`, e.g.
 * `canopy-2.0.0+pack.2026.1`. Every emissions row stores it, so history can be re-estimated.
 */
export function methodologyVersionOf(
  profile: ProfileRules,
  pack: DataPack,
  lifespanYears: number,
): string {
  const lifespan =
    lifespanYears === defaultLifespanYears
      ? ""
      : `.lifespan-${String(lifespanYears).replace(".", "_")}y`;
  return `${profile.name}-${methodCodeVersion}+pack.${pack.name}${lifespan}`;
}

/**
 * What one record needs beyond its usage factors: the site (region, year), the replication factor
 * of its service and usage type in that region, and the quality objects.
 */
type Combination = {
  readonly site: RegionFactors;
  readonly replication: number;
  /** By variant: bit 0 = utilization measured, bit 1 = hourly grid intensity used. */
  readonly qualities: (EstimateQuality | undefined)[];
};

/** Usage factors plus the combinations (service → usageType → region → year) seen with them. */
type UsageEntry = {
  readonly usage: UsageFactors;
  readonly combinations: Node;
};

type Node = Map<unknown, unknown>;

/** Cache entries kept before the caches are cleared (bounds memory on pathological inputs). */
const maxCacheEntries = 200_000;

// Looked up per record: a property read, not a search of the provider list.
const providerSlots = Object.fromEntries(providers.map((p, i) => [p, i])) as Record<
  Provider,
  number
>;
const providerIndex = (provider: Provider): number => providerSlots[provider];
const emptyRoots = (): Node[] => providers.map(() => new Map());

/**
 * Whose model estimates a record: its own provider's (pack providers), the host cloud's for a
 * hosted region (`aws/us-east-1`, docs/methodology.md section 2.12), else a long-tail profile's,
 * which borrows a pack provider's fleet-average coefficients.
 */
function modelOf(record: UsageRecord): { usageProvider: PackProvider; hosted: boolean } {
  const provider = record.provider;
  if (isPackProvider(provider)) return { usageProvider: provider, hosted: false };
  const hosted = hostedRegionOf(record.region);
  if (hosted) return { usageProvider: hosted.host, hosted: true };
  return { usageProvider: longTailProfiles[provider].coefficientsOf, hosted: false };
}

/** A long-tail provider's own usage borrows coefficients: power and embodied are flagged `default`. */
function borrowedCoefficients(usage: UsageFactors, provider: Provider): UsageFactors {
  if (isPackProvider(provider)) return usage;
  const profileOf = longTailProfiles[provider];
  const note = `${providerNames[provider]}: no power data in the pack; ${profileOf.coefficientsNote}`;
  return Object.freeze({
    ...usage,
    powerQuality: factorQuality("default", note),
    embodiedQuality: factorQuality("default", note),
  });
}

/**
 * Creates the pure estimator. Options: `profile` ("canopy" default, or "ccf"), `lifespanYears`
 * (default 4), `hourlyGridIntensity` (wins over annual averages when it returns a value), `pack`
 * (data pack name or object, default the newest compiled pack).
 *
 * Per record: kwhIt by kind → kwhFacility = kwhIt × PUE → co2eLocationKg = kwhFacility × grid
 * intensity ÷ 1000 → co2eMarketKg = kwhFacility × (1 − contractual coverage) × residual mix ÷ 1000
 * → waterL = kwhIt × WUE; embodied from the host share.
 *
 * Speed: factors are resolved once per distinct input and cached in nested Maps keyed by the
 * record's own strings (no composite key strings are built per record); quality objects are
 * shared frozen constants, so a cache hit allocates only the returned Estimate.
 */
export function createEstimator(options: EstimatorOptions = {}): Estimator {
  const profile = profileRules[options.profile ?? "canopy"];
  if (profile === undefined)
    throw new RangeError(`unknown methodology profile "${String(options.profile)}"`);
  const pack = resolveDataPack(options.pack);
  const lifespanYears = options.lifespanYears ?? defaultLifespanYears;
  if (!(lifespanYears > 0) || !Number.isFinite(lifespanYears)) {
    throw new RangeError(`lifespanYears must be a positive finite number, got ${lifespanYears}`);
  }
  const lifespanHours = lifespanYears * hoursPerYear;
  const methodologyVersion = methodologyVersionOf(profile, pack, lifespanYears);
  const hourly = options.hourlyGridIntensity;

  // provider → region → year → site factors (consulted on combination misses only)
  let siteRoots: Node[] = emptyRoots();
  // provider → kind → unit → instanceType → storageClass | gpuModel → [flags] → UsageEntry
  let usageRoots: Node[] = emptyRoots();
  let entries = 0;

  const countEntry = () => {
    entries++;
    if (entries > maxCacheEntries) {
      siteRoots = emptyRoots();
      usageRoots = emptyRoots();
      entries = 0;
    }
  };

  const child = (node: Node, key: unknown): Node => {
    let next = node.get(key) as Node | undefined;
    if (next === undefined) {
      next = new Map();
      node.set(key, next);
    }
    return next;
  };

  const siteOf = (record: UsageRecord, year: number): RegionFactors => {
    const byYear = child(siteRoots[providerIndex(record.provider)] as Node, record.region);
    let site = byYear.get(year) as RegionFactors | undefined;
    if (site === undefined) {
      site = resolveSiteFactors(pack, profile, record.provider, record.region, year);
      byYear.set(year, site);
      countEntry();
    }
    return site;
  };

  const resolveUsage = (record: UsageRecord): UsageEntry => {
    const { usageProvider, hosted } = modelOf(record);
    const usage = resolveUsageFactors(
      pack,
      profile,
      {
        provider: usageProvider,
        kind: record.kind,
        unit: record.unit,
        instanceType: record.instanceType ?? "",
        storageClass: record.storageClass,
        gpuModel: record.gpuModel ?? "",
        recordHasVcpus: record.vcpus !== undefined,
        recordHasGpuCount: record.gpuCount !== undefined,
      },
      lifespanHours,
    );
    countEntry();
    return {
      usage: hosted ? usage : borrowedCoefficients(usage, record.provider),
      combinations: new Map(),
    };
  };

  const usageOf = (record: UsageRecord): UsageEntry => {
    let node = usageRoots[providerIndex(record.provider)] as Node;
    node = child(node, record.kind);
    node = child(node, record.unit);
    node = child(node, record.instanceType);
    // storage factors depend on the storage class only, the others on the GPU model only
    node = child(node, record.kind === "storage" ? record.storageClass : record.gpuModel);
    const flags = (record.vcpus === undefined ? 0 : 1) | (record.gpuCount === undefined ? 0 : 2);
    let slots = node.get(0) as (UsageEntry | undefined)[] | undefined;
    if (slots === undefined) {
      slots = [undefined, undefined, undefined, undefined];
      node.set(0, slots);
    }
    let entry = slots[flags];
    if (entry === undefined) {
      entry = resolveUsage(record);
      slots[flags] = entry;
    }
    return entry;
  };

  const combinationOf = (entry: UsageEntry, record: UsageRecord, year: number): Combination => {
    let node = child(entry.combinations, record.service);
    node = child(node, record.usageType);
    node = child(node, record.region);
    let combination = node.get(year) as Combination | undefined;
    if (combination === undefined) {
      const site = siteOf(record, year);
      const { usageProvider, hosted } = modelOf(record);
      // A long-tail provider's own services have no replication rule in the pack (factor 1).
      const replication =
        isPackProvider(record.provider) || hosted
          ? resolveReplication(
              pack,
              profile,
              usageProvider,
              record.service,
              record.usageType ?? "",
              record.kind,
              site.region,
            )
          : { factor: 1 };
      combination = {
        site,
        replication: replication.factor,
        qualities: [undefined, undefined, undefined, undefined],
      };
      node.set(year, combination);
      countEntry();
    }
    return combination;
  };

  const qualityOf = (entry: UsageEntry, combination: Combination, variant: number) => {
    const u = entry.usage;
    const site = combination.site.quality;
    const q = estimateQuality({
      power: variant & 1 ? u.powerQualityMeasured : u.powerQuality,
      pue: site.pue,
      grid: variant & 2 ? factorQuality("measured") : site.grid,
      market: site.market,
      embodied: u.embodiedQuality,
      water: site.water,
    });
    combination.qualities[variant] = q;
    return q;
  };

  const overflowQuality = estimateQuality({
    power: factorQuality(
      "default",
      "quantity too large to estimate (result not finite); not estimated",
    ),
    pue: factorQuality("default"),
    grid: factorQuality("default"),
    market: factorQuality("default"),
    embodied: factorQuality("default", "quantity too large to estimate"),
    water: factorQuality("default"),
  });

  function estimate(record: UsageRecord): Estimate {
    const entry = usageOf(record);
    const combination = combinationOf(entry, record, utcYearOf(record.periodStart));
    const site = combination.site;
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
    // kwhIt < 0 is a correction: it takes the hour's intensity too, so it reverses exactly.
    if (hourly !== undefined && site.gridZone !== null && kwhIt !== 0) {
      const measuredIntensity = averageHourlyIntensity(
        hourly,
        site.gridZone,
        record.periodStart,
        record.periodHours,
      );
      if (measuredIntensity !== undefined) {
        gridIntensityGPerKwh = measuredIntensity;
        variant |= 2;
      }
    }

    const kwhFacility = kwhIt * site.pue;
    const co2eLocationKg = (kwhFacility * gridIntensityGPerKwh) / 1000;
    // GHG Protocol market-based: contracted share at 0, the rest at the residual mix (or, flagged
    // in quality.market, at the location-based intensity where the pack has no residual mix)
    const uncoveredGPerKwh = site.residualMixGPerKwh ?? gridIntensityGPerKwh;
    const co2eMarketKg =
      (kwhFacility * (1 - site.contractualCoverageShare) * uncoveredGPerKwh) / 1000;
    const waterL = kwhIt * site.wueLitresPerKwh;

    // Guard: absurdly large quantities can overflow; never return Infinity or NaN.
    if (!(
      co2eLocationKg < Infinity &&
      co2eMarketKg < Infinity &&
      embodiedKg < Infinity &&
      waterL < Infinity
    )) {
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
      quality: combination.qualities[variant] ?? qualityOf(entry, combination, variant),
    };
  }

  return Object.freeze({ methodologyVersion, estimate });
}
