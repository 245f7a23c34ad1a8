import type { FactorQuality, MethodologyProfile } from "./estimate-types";
import { valueForYear, zoneIntensityForYear, type YearValue } from "./grid";
import { hostedRegionOf, longTailRegionFactors } from "./long-tail";
import { normalizeRegionName } from "./normalize";
import { resolveDataPack } from "./pack";
import type { DataPack, GridBoundary, RegionRow, YearSeries } from "./pack-types";
import { profileRules, type ProfileRules } from "./profiles";
import { factorQuality, joinReasons, worseOf } from "./quality";
import {
  isPackProvider,
  type PackProvider as Provider,
  type Provider as AnyProvider,
} from "./providers";

/** Everything about where the energy is used: data-centre overhead, water, grid, carbon-free share. */
export type RegionFactors = {
  /** The provider whose site it is: the host for a hosted region, the long-tail provider for its own. */
  readonly provider: AnyProvider;
  /** Canonical region key in the pack ("" when the input was empty). */
  readonly region: string;
  /** Year the factors were asked for (the data year may differ; see quality reasons). */
  readonly year: number;
  /** Electricity Maps zone id used for grid intensity (and for hourly data), null when unknown. */
  readonly gridZone: string | null;
  /** Power usage effectiveness, facility kWh ÷ IT kWh (≥ 1). */
  readonly pue: number;
  /** Litres of site water per kWh of IT energy. */
  readonly wueLitresPerKwh: number;
  /** Carbon-free-energy share the provider publishes for the region, 0–1 (0 when unknown). */
  readonly cfeShare: number;
  /** Location-based grid intensity, gCO2e per kWh (annual average). */
  readonly gridIntensityGPerKwh: number;
  /** What the grid factor includes (direct combustion, lifecycle, or not stated by the source). */
  readonly gridBoundary: GridBoundary;
  readonly gridSource: string;
  /** Share of the electricity covered by the provider's contracts (PPAs, certificates), 0–1. */
  readonly contractualCoverageShare: number;
  /**
   * Residual-mix factor for the uncovered share, gCO2 per kWh; null when the pack has none for
   * the region's area, and the uncovered share is valued at the location-based intensity.
   */
  readonly residualMixGPerKwh: number | null;
  readonly residualMixBoundary: GridBoundary | null;
  readonly quality: {
    readonly pue: FactorQuality;
    readonly grid: FactorQuality;
    readonly market: FactorQuality;
    readonly water: FactorQuality;
  };
};

type Factor = { readonly value: number; readonly quality: FactorQuality };

const yearNote = (what: string, found: YearValue, year: number): string | undefined =>
  found.year === year
    ? undefined
    : `${what} of ${found.year} used for ${year} (nearest year with data)`;

function regional(series: YearSeries, year: number, what: string): Factor | undefined {
  const found = valueForYear(series, year);
  return found === undefined
    ? undefined
    : { value: found.value, quality: factorQuality("regional", yearNote(what, found, year)) };
}

function fallback(
  series: YearSeries,
  year: number,
  quality: "provider-average" | "default",
  reason: string,
): Factor | undefined {
  const found = valueForYear(series, year);
  return found === undefined
    ? undefined
    : { value: found.value, quality: factorQuality(quality, reason) };
}

/** Canonical region key: normalized, then resolved through the pack's aliases. */
export function canonicalRegion(pack: DataPack, provider: Provider, raw: string): string {
  const key = normalizeRegionName(provider, raw);
  return pack.regionAliases[provider].get(key) ?? key;
}

function waterFactor(
  pack: DataPack,
  provider: Provider,
  entry: RegionRow | undefined,
  year: number,
  missing: string,
): Factor {
  return (
    (entry && regional(entry.wueLitresPerKwhByYear, year, "WUE")) ??
    fallback(
      pack.providerAverages[provider].wueLitresPerKwhByYear,
      year,
      "provider-average",
      `${missing}; provider fleet WUE`,
    ) ??
    fallback(
      pack.crossProviderWueByYear,
      year,
      "default",
      `${missing}; ${provider} publishes no WUE, mean of all providers' published values`,
    ) ?? { value: 0, quality: factorQuality("default", "no WUE data in pack") }
  );
}

function cfeFactor(entry: RegionRow | undefined, year: number): Factor {
  const found = entry && regional(entry.cfeShareByYear, year, "CFE share");
  if (found) return { value: Math.min(1, Math.max(0, found.value)), quality: found.quality };
  return {
    value: 0,
    quality: factorQuality(
      "default",
      "no carbon-free-energy share published for region; market-based equals location-based",
    ),
  };
}

type Market = {
  readonly coverage: number;
  readonly residualGPerKwh: number | null;
  readonly residualBoundary: GridBoundary | null;
  readonly quality: FactorQuality;
};

/** Packs without scope2.json (2025.1) keep their CFE-share proxy so their history reproduces. */
function legacyMarket(entry: RegionRow | undefined, year: number, pack: DataPack): Market {
  const cfe = cfeFactor(entry, year);
  const note = `pack ${pack.name} has no contractual-coverage table: the provider's CFE share is used as coverage (legacy proxy)`;
  return {
    coverage: cfe.value,
    residualGPerKwh: null,
    residualBoundary: null,
    quality: factorQuality(cfe.quality.quality, joinReasons(cfe.quality.reason, note)),
  };
}

/**
 * Estimated market-based inputs (GHG Protocol Scope 2): the provider's contractual coverage for
 * the year (nearest year flagged, none = 0), the uncovered share at the area's residual mix, or
 * at the location-based factor (flagged) where the pack has no residual mix.
 */
function marketFactors(
  pack: DataPack,
  provider: Provider,
  region: string,
  entry: RegionRow | undefined,
  year: number,
  gridBoundary: GridBoundary,
): Market {
  const tables = pack.scope2;
  if (tables === null) return legacyMarket(entry, year, pack);
  const published = tables.contractualCoverage[provider].get(region);
  const found = published && valueForYear(published.byYear, year);
  let coverage = 0;
  let coverageQuality: FactorQuality;
  if (found === undefined) {
    coverageQuality = factorQuality(
      "default",
      `no contractual carbon-free coverage published for ${provider} ${region || "(empty)"}; all energy valued as uncovered`,
    );
  } else {
    coverage = found.value;
    coverageQuality =
      found.year === year
        ? factorQuality("regional")
        : factorQuality(
            "provider-average",
            `contractual coverage of ${found.year} used for ${year} (nearest year ${provider} disclosed)`,
          );
  }
  const areaKey = tables.residualMixAreas[provider].get(region);
  const mix = areaKey === undefined ? undefined : tables.residualMixes.get(areaKey);
  const mixValue = mix && valueForYear(mix.byYear, year);
  if (mix && mixValue) {
    const note = yearNote(`residual mix (${mix.edition})`, mixValue, year);
    const quality =
      coverage >= 1 ? coverageQuality : worseOf(coverageQuality, factorQuality("regional", note));
    return { coverage, residualGPerKwh: mixValue.value, residualBoundary: mix.boundary, quality };
  }
  const missing =
    areaKey === undefined
      ? `no residual-mix area for ${region || "(empty)"} (outside AIB and Green-e coverage)`
      : `no ${areaKey} residual mix in pack ${pack.name}`;
  const quality =
    coverage >= 1
      ? coverageQuality
      : worseOf(
          coverageQuality,
          factorQuality(
            "provider-average",
            `${missing}; uncovered share valued at the location-based factor (${gridBoundary})`,
          ),
        );
  return { coverage, residualGPerKwh: null, residualBoundary: null, quality };
}

function gridSourceOf(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  region: string,
  usedProviderAverage: boolean,
): { boundary: GridBoundary; source: string } {
  const tables = pack.scope2;
  if (profile.siteData !== "ccf") {
    return (
      tables?.canopyGrid ?? {
        boundary: "lifecycle",
        source: "Electricity Maps yearly zone averages (lifecycle), via CO2.js",
      }
    );
  }
  const ccf = tables?.ccfGrid[provider];
  return (
    (usedProviderAverage ? undefined : ccf?.get(region)) ??
    ccf?.get("*") ?? { boundary: "unstated", source: "CCF grid factors" }
  );
}

function singleRegionFactors(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  region: string,
  entry: RegionRow | undefined,
  year: number,
): RegionFactors {
  const missing =
    entry === undefined
      ? `region "${region}" not in data pack`
      : `no published value for ${region}`;
  const averages = pack.providerAverages[provider];
  let pue: Factor;
  let grid: Factor;
  if (profile.siteData === "ccf") {
    pue =
      entry?.ccfPue != null
        ? { value: entry.ccfPue, quality: factorQuality("regional") }
        : {
            value: averages.ccfPue,
            quality: factorQuality("provider-average", "ccf profile: CCF provider-wide PUE"),
          };
    grid =
      entry?.ccfGridGPerKwh != null
        ? { value: entry.ccfGridGPerKwh, quality: factorQuality("regional") }
        : {
            value: averages.ccfGridGPerKwh,
            quality: factorQuality(
              "provider-average",
              `${region || "(empty)"} not in CCF grid factors; CCF provider average`,
            ),
          };
  } else {
    pue = (entry && regional(entry.pueByYear, year, "PUE")) ??
      fallback(
        averages.pueByYear,
        year,
        "provider-average",
        `${missing.replace("value", "PUE")}; provider mean PUE`,
      ) ?? {
        value: 1,
        quality: factorQuality("default", "no PUE data in pack"),
      };
    const zoneValue = entry?.gridZone
      ? zoneIntensityForYear(pack, entry.gridZone, year)
      : undefined;
    grid = zoneValue
      ? {
          value: zoneValue.value,
          quality: factorQuality("regional", yearNote("grid intensity", zoneValue, year)),
        }
      : (fallback(
          averages.gridGPerKwhByYear,
          year,
          "provider-average",
          entry === undefined
            ? `${missing}; provider mean grid intensity`
            : `no grid zone for ${region}; provider mean grid intensity`,
        ) ?? { value: 0, quality: factorQuality("default", "no grid data in pack") });
  }
  const water = waterFactor(pack, provider, entry, year, missing.replace("value", "WUE"));
  const cfe = cfeFactor(entry, year);
  const gridSource = gridSourceOf(
    pack,
    profile,
    provider,
    region,
    grid.quality.quality !== "regional",
  );
  const market = marketFactors(pack, provider, region, entry, year, gridSource.boundary);
  return Object.freeze({
    provider,
    region,
    year,
    gridZone: entry?.gridZone ?? null,
    pue: Math.max(1, pue.value),
    wueLitresPerKwh: water.value,
    cfeShare: cfe.value,
    gridIntensityGPerKwh: grid.value,
    gridBoundary: gridSource.boundary,
    gridSource: gridSource.source,
    contractualCoverageShare: market.coverage,
    residualMixGPerKwh: market.residualGPerKwh,
    residualMixBoundary: market.residualBoundary,
    quality: Object.freeze({
      pue: pue.quality,
      grid: grid.quality,
      market: market.quality,
      water: water.quality,
    }),
  });
}

const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/**
 * Dual- and multi-regions (GCP `nam4`, `us`, …): per factor, the mean over the member regions
 * that have a regional value for it (all members when none has). CCF sums member grid factors
 * instead of averaging them, which makes `us` 5–10× too high.
 */
function memberRegionFactors(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  entry: RegionRow,
  members: readonly string[],
  year: number,
): RegionFactors {
  const parts = members.map((m) =>
    singleRegionFactors(pack, profile, provider, m, pack.regions[provider].get(m), year),
  );
  const combine = (
    value: (f: RegionFactors) => number,
    quality: (f: RegionFactors) => FactorQuality,
  ): Factor => {
    const regionalParts = parts.filter((p) => quality(p).quality === "regional");
    const used = regionalParts.length > 0 ? regionalParts : parts;
    const note = `mean of member regions ${used.map((p) => p.region).join(", ")}`;
    const worst = used.map(quality).reduce((a, b) => worseOf(a, b));
    return {
      value: mean(used.map(value)),
      quality: factorQuality(
        worst.quality,
        worst.quality === "regional" ? note : joinReasons(note, worst.reason),
      ),
    };
  };
  const pue = combine(
    (p) => p.pue,
    (p) => p.quality.pue,
  );
  const grid = combine(
    (p) => p.gridIntensityGPerKwh,
    (p) => p.quality.grid,
  );
  const cfe = mean(parts.map((p) => p.cfeShare));
  const coverage = combine(
    (p) => p.contractualCoverageShare,
    (p) => p.quality.market,
  );
  const withMix = parts.filter((p) => p.residualMixGPerKwh !== null);
  const allMixed = withMix.length === parts.length;
  const sameBoundary = (of: (p: RegionFactors) => GridBoundary | null): GridBoundary | null => {
    const set = new Set(parts.map(of));
    return set.size === 1 ? ([...set][0] as GridBoundary | null) : "unstated";
  };
  const water = combine(
    (p) => p.wueLitresPerKwh,
    (p) => p.quality.water,
  );
  return Object.freeze({
    provider,
    region: entry.region,
    year,
    gridZone: null,
    pue: pue.value,
    wueLitresPerKwh: water.value,
    cfeShare: cfe,
    gridIntensityGPerKwh: grid.value,
    gridBoundary: sameBoundary((p) => p.gridBoundary) ?? "unstated",
    gridSource: [...new Set(parts.map((p) => p.gridSource))].join("; "),
    contractualCoverageShare: coverage.value,
    residualMixGPerKwh: allMixed ? mean(withMix.map((p) => p.residualMixGPerKwh as number)) : null,
    residualMixBoundary: allMixed ? sameBoundary((p) => p.residualMixBoundary) : null,
    quality: Object.freeze({
      pue: pue.quality,
      grid: grid.quality,
      market: coverage.quality,
      water: water.quality,
    }),
  });
}

/** Site factors of a (provider, region, year) for a profile. Used by the estimator on cache misses. */
export function resolveRegionFactors(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  rawRegion: string,
  year: number,
): RegionFactors {
  const region = canonicalRegion(pack, provider, rawRegion);
  const entry = pack.regions[provider].get(region);
  const members = entry?.members;
  if (entry && members && members.length > 0) {
    return memberRegionFactors(pack, profile, provider, entry, members, year);
  }
  return singleRegionFactors(pack, profile, provider, region, entry, year);
}

/**
 * Site factors of any provider's region: a pack provider's from the pack, a hosted region's
 * (`aws/us-east-1`) from its host's, a long-tail provider's own from its profile (long-tail.ts).
 */
export function resolveSiteFactors(
  pack: DataPack,
  profile: ProfileRules,
  provider: AnyProvider,
  region: string,
  year: number,
): RegionFactors {
  if (isPackProvider(provider)) return resolveRegionFactors(pack, profile, provider, region, year);
  const hosted = hostedRegionOf(region);
  if (hosted) return resolveRegionFactors(pack, profile, hosted.host, hosted.region, year);
  return longTailRegionFactors(pack, provider, region, year);
}

/**
 * PUE, WUE, carbon-free-energy share, grid zone and grid intensity of a cloud region, with the
 * quality of each (regional, or which fallback was used and why).
 *
 * `year` defaults to the pack's latest grid year; `profile` to "canopy".
 */
export function regionFactors(
  provider: AnyProvider,
  region: string,
  options: { year?: number; profile?: MethodologyProfile; pack?: string | DataPack } = {},
): RegionFactors {
  const pack = resolveDataPack(options.pack);
  const profile = profileRules[options.profile ?? "canopy"];
  return resolveSiteFactors(pack, profile, provider, region, options.year ?? pack.referenceYear);
}
