import { resolveDataPack } from "./pack";
import type { DataPack } from "./pack-types";
import { canonicalRegion } from "./region-factors";
import type { PackProvider as Provider } from "./providers";

/**
 * Where a region is, for data-residency constraints. The data pack's region table holds the
 * Electricity Maps zone of each region, whose first part is the ISO 3166-1 alpha-2 country
 * ("US-MIDA-PJM" → US, "JP-TK" → JP); the continent of each country is the UN M49 / ISO 3166
 * assignment (docs/methodology.md §20.2). The table has no other location column, so a region
 * without a zone has no known country and is never proposed as a move target.
 */
export const continentCodes = ["AF", "AS", "EU", "NA", "OC", "SA"] as const;
export type Continent = (typeof continentCodes)[number];

const continentOfCountry: Readonly<Record<string, Continent>> = {
  AE: "AS",
  AT: "EU",
  AU: "OC",
  BE: "EU",
  BH: "AS",
  BR: "SA",
  CA: "NA",
  CH: "EU",
  CL: "SA",
  CN: "AS",
  DE: "EU",
  DK: "EU",
  ES: "EU",
  FI: "EU",
  FR: "EU",
  GB: "EU",
  GR: "EU",
  HK: "AS",
  ID: "AS",
  IE: "EU",
  IL: "AS",
  IN: "AS",
  IT: "EU",
  JP: "AS",
  KR: "AS",
  MX: "NA",
  MY: "AS",
  NL: "EU",
  NO: "EU",
  NZ: "OC",
  PL: "EU",
  QA: "AS",
  SA: "AS",
  SE: "EU",
  SG: "AS",
  TH: "AS",
  TW: "AS",
  US: "NA",
  ZA: "AF",
};

/** The 27 member states of the European Union (ISO 3166-1 alpha-2), for the "EU" jurisdiction. */
export const euMemberStates: ReadonlySet<string> = new Set(
  "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split(" "),
);

export type RegionGeography = {
  readonly provider: Provider;
  /** Canonical region key in the pack. */
  readonly region: string;
  readonly location: string;
  readonly gridZone: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly continent: Continent | null;
};

export function countryOfZone(zone: string): string {
  return zone.split("-")[0]!.toUpperCase();
}

export function continentOf(country: string): Continent | null {
  return continentOfCountry[country.toUpperCase()] ?? null;
}

/** Country and continent of a region, or undefined when the pack gives it no grid zone. */
export function regionGeography(
  provider: Provider,
  region: string,
  pack: DataPack = resolveDataPack(),
): RegionGeography | undefined {
  const key = canonicalRegion(pack, provider, region);
  const row = pack.regions[provider].get(key);
  if (!row?.gridZone) return undefined;
  const country = countryOfZone(row.gridZone);
  return {
    provider,
    region: key,
    location: row.location,
    gridZone: row.gridZone,
    country,
    continent: continentOf(country),
  };
}

// Regions a customer cannot simply deploy to from a commercial account: GovCloud, China (separate
// partitions), provider-internal staging/canary regions.
const restrictedRegion = /gov|^cn-|china|stage|euap/;

/**
 * Single regions of a provider that may be proposed as a move target: known to the pack with a
 * grid zone, not a multi-region, not a restricted partition.
 */
export function deployableRegions(
  provider: Provider,
  pack: DataPack = resolveDataPack(),
): RegionGeography[] {
  const result: RegionGeography[] = [];
  for (const row of pack.regions[provider].values()) {
    if (row.members !== null || restrictedRegion.test(row.region)) continue;
    const geography = regionGeography(provider, row.region, pack);
    if (geography) result.push(geography);
  }
  return result;
}

/** Whether the region's continent is in the list (null or empty = any). */
export function continentAllowed(
  geography: Pick<RegionGeography, "continent">,
  allowed: readonly string[] | null | undefined,
): boolean {
  if (!allowed || allowed.length === 0) return true;
  return allowed.some((code) => geography.continent === code.trim().toUpperCase());
}

/**
 * Whether the region's country is in a jurisdiction list: ISO 3166-1 alpha-2 country codes, or "EU"
 * for the European Union's member states (null or empty = any).
 */
export function jurisdictionAllowed(
  geography: Pick<RegionGeography, "country">,
  allowed: readonly string[] | null | undefined,
): boolean {
  if (!allowed || allowed.length === 0) return true;
  return allowed.some((entry) => {
    const code = entry.trim().toUpperCase();
    return code === "EU" ? euMemberStates.has(geography.country) : geography.country === code;
  });
}

/** A residency tag value is a jurisdiction: a country code or "EU". */
export function isJurisdiction(value: string): boolean {
  const code = value.trim().toUpperCase();
  return code === "EU" || /^[A-Z]{2}$/.test(code);
}
