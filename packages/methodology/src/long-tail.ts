import { valueForYear, zoneIntensityForYear } from "./grid";
import type { DataPack, GridBoundary } from "./pack-types";
import { isPackProvider, providerNames, type PackProvider, type Provider } from "./providers";
import { factorQuality } from "./quality";
import type { RegionFactors } from "./region-factors";

/** Providers without a model in the data pack (docs/methodology.md section 2.12). */
export type LongTailProvider = Exclude<Provider, PackProvider>;

type LongTailRegion = {
  readonly location: string;
  /** Electricity Maps zone id; every zone listed here is in the pack's grid table. */
  readonly gridZone: string;
  /** Region-specific PUE where the source publishes one. */
  readonly pue?: number;
};

export type LongTailProfile = {
  readonly provider: LongTailProvider;
  /** The pack provider whose fleet-average coefficients stand in for power, memory, storage, network and embodied. */
  readonly coefficientsOf: PackProvider;
  readonly coefficientsNote: string;
  readonly pue: number;
  readonly pueNote: string;
  readonly regionSource: string;
  readonly regions: ReadonlyMap<string, LongTailRegion>;
};

/**
 * Uptime Institute, Global Data Center Survey 2024: average annual PUE of the surveyed data centres
 * 1.56. Used where a provider publishes no PUE: an industry average, flagged `default`.
 */
const industryAveragePue = 1.56;
const industryPueNote =
  "publishes no PUE; Uptime Institute Global Data Center Survey 2024 industry average 1.56";

/** Ember yearly electricity data via CO2.js (`average-intensities.json`, "World", 2024), gCO2e per kWh. */
const worldGridGPerKwh = 472.94;
const worldGridSource = "Ember world average 2024 (472.94 g/kWh), via CO2.js";

const awsFleetNote =
  "the pack's AWS fleet averages (CCF uses the same values, 0.74–3.5 W per vCPU, for Alibaba Cloud)";

const regions = (
  rows: readonly (readonly [string, string, string, number?])[],
): ReadonlyMap<string, LongTailRegion> =>
  new Map(
    rows.map(([id, location, gridZone, pue]) => [
      id,
      pue === undefined ? { location, gridZone } : { location, gridZone, pue },
    ]),
  );

/** Oracle's region list, https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm (city → zone by Canopy). */
const ociRegions = regions([
  ["us-ashburn-1", "Ashburn, Virginia", "US-MIDA-PJM"],
  ["us-phoenix-1", "Phoenix, Arizona", "US-SW-AZPS"],
  ["us-sanjose-1", "San Jose, California", "US-CAL-CISO"],
  ["us-chicago-1", "Chicago, Illinois", "US-MIDA-PJM"],
  ["ca-toronto-1", "Toronto", "CA-ON"],
  ["ca-montreal-1", "Montreal", "CA-QC"],
  ["uk-london-1", "London", "GB"],
  ["uk-cardiff-1", "Newport, Wales", "GB"],
  ["eu-frankfurt-1", "Frankfurt", "DE"],
  ["eu-amsterdam-1", "Amsterdam", "NL"],
  ["eu-zurich-1", "Zurich", "CH"],
  ["eu-madrid-1", "Madrid", "ES"],
  ["eu-marseille-1", "Marseille", "FR"],
  ["eu-paris-1", "Paris", "FR"],
  ["eu-milan-1", "Milan", "IT-NO"],
  ["eu-stockholm-1", "Stockholm", "SE-SE3"],
  ["ap-tokyo-1", "Tokyo", "JP-TK"],
  ["ap-osaka-1", "Osaka", "JP-KN"],
  ["ap-seoul-1", "Seoul", "KR"],
  ["ap-chuncheon-1", "Chuncheon", "KR"],
  ["ap-mumbai-1", "Mumbai", "IN-WE"],
  ["ap-hyderabad-1", "Hyderabad", "IN-SO"],
  ["ap-sydney-1", "Sydney", "AU-NSW"],
  ["ap-melbourne-1", "Melbourne", "AU-VIC"],
  ["ap-singapore-1", "Singapore", "SG"],
  ["sa-saopaulo-1", "São Paulo", "BR-CS"],
  ["sa-vinhedo-1", "Vinhedo", "BR-CS"],
  ["sa-santiago-1", "Santiago", "CL-SEN"],
  ["me-jeddah-1", "Jeddah", "SA"],
  ["me-dubai-1", "Dubai", "AE"],
  ["me-abudhabi-1", "Abu Dhabi", "AE"],
  ["il-jerusalem-1", "Jerusalem", "IL"],
  ["af-johannesburg-1", "Johannesburg", "ZA"],
  ["mx-queretaro-1", "Querétaro", "MX"],
  ["mx-monterrey-1", "Monterrey", "MX"],
]);

/** IBM's multizone regions, https://cloud.ibm.com/docs/overview?topic=overview-locations (city → zone by Canopy). */
const ibmRegions = regions([
  ["us-south", "Dallas", "US-TEX-ERCO"],
  ["us-east", "Washington DC", "US-MIDA-PJM"],
  ["ca-tor", "Toronto", "CA-ON"],
  ["br-sao", "São Paulo", "BR-CS"],
  ["eu-gb", "London", "GB"],
  ["eu-de", "Frankfurt", "DE"],
  ["eu-es", "Madrid", "ES"],
  ["jp-tok", "Tokyo", "JP-TK"],
  ["jp-osa", "Osaka", "JP-KN"],
  ["au-syd", "Sydney", "AU-NSW"],
]);

/**
 * Alibaba Cloud region ids, https://www.alibabacloud.com/help/en/ecs/user-guide/regions-and-zones;
 * PUE of the mainland regions from CCF's `pue.csv` (ALI rows, "trailing twelve months", by the
 * regions' Chinese names, e.g. 华东1（杭州） = cn-hangzhou).
 */
const alibabaRegions = regions([
  ["cn-qingdao", "Qingdao", "CN", 1.2],
  ["cn-beijing", "Beijing", "CN", 1.2],
  ["cn-zhangjiakou", "Zhangjiakou", "CN", 1.2],
  ["cn-huhehaote", "Hohhot", "CN", 1.2],
  ["cn-wulanchabu", "Ulanqab", "CN", 1.2],
  ["cn-hangzhou", "Hangzhou", "CN", 1.3],
  ["cn-shanghai", "Shanghai", "CN", 1.3],
  ["cn-nanjing", "Nanjing", "CN", 1.3],
  ["cn-shenzhen", "Shenzhen", "CN", 1.3],
  ["cn-heyuan", "Heyuan", "CN", 1.3],
  ["cn-guangzhou", "Guangzhou", "CN", 1.3],
  ["cn-chengdu", "Chengdu", "CN"],
  ["cn-hongkong", "Hong Kong", "HK"],
  ["ap-southeast-1", "Singapore", "SG"],
  ["ap-southeast-3", "Kuala Lumpur", "MY-WM"],
  ["ap-southeast-5", "Jakarta", "ID"],
  ["ap-southeast-7", "Bangkok", "TH"],
  ["ap-northeast-1", "Tokyo", "JP-TK"],
  ["ap-northeast-2", "Seoul", "KR"],
  ["eu-central-1", "Frankfurt", "DE"],
  ["eu-west-1", "London", "GB"],
  ["us-west-1", "Silicon Valley", "US-CAL-CISO"],
  ["us-east-1", "Virginia", "US-MIDA-PJM"],
  ["me-east-1", "Dubai", "AE"],
  ["me-central-1", "Riyadh", "SA"],
]);

export const longTailProfiles: Readonly<Record<LongTailProvider, LongTailProfile>> = {
  oci: {
    provider: "oci",
    coefficientsOf: "aws",
    coefficientsNote: awsFleetNote,
    pue: industryAveragePue,
    pueNote: `Oracle ${industryPueNote}`,
    regionSource: "Oracle region list",
    regions: ociRegions,
  },
  ibm: {
    provider: "ibm",
    coefficientsOf: "aws",
    coefficientsNote: awsFleetNote,
    pue: industryAveragePue,
    pueNote: `IBM Cloud ${industryPueNote}`,
    regionSource: "IBM Cloud locations",
    regions: ibmRegions,
  },
  alibaba: {
    provider: "alibaba",
    coefficientsOf: "aws",
    coefficientsNote: awsFleetNote,
    pue: 1.3,
    pueNote: "CCF's Alibaba Cloud provider-wide PUE 1.3",
    regionSource: "Alibaba Cloud regions",
    regions: alibabaRegions,
  },
  other: {
    provider: "other",
    coefficientsOf: "aws",
    coefficientsNote: awsFleetNote,
    pue: industryAveragePue,
    pueNote: `the provider ${industryPueNote}`,
    regionSource: "none (usage is estimated only where the row names its host cloud)",
    regions: new Map(),
  },
};

/**
 * A service hosted on a pack provider's cloud keeps the host in its region: `aws/us-east-1` (FOCUS
 * `HostProviderName` + `RegionId`), so the row is estimated with that region's PUE and grid.
 */
export function hostedRegionOf(region: string): { host: PackProvider; region: string } | undefined {
  const slash = region.indexOf("/");
  if (slash <= 0) return undefined;
  const host = region.slice(0, slash);
  return isPackProvider(host) ? { host, region: region.slice(slash + 1) } : undefined;
}

export function hostedRegion(host: PackProvider, region: string): string {
  return `${host}/${region}`;
}

const unstated: GridBoundary = "unstated";

/**
 * Site factors of a long-tail provider's own region: the region's zone in the pack's grid table,
 * else the mean of the provider's tabled regions, else the world average; the region's PUE or the
 * profile's; water at the mean of all providers' published WUE; no contractual coverage.
 */
export function longTailRegionFactors(
  pack: DataPack,
  provider: LongTailProvider,
  rawRegion: string,
  year: number,
): RegionFactors {
  const profile = longTailProfiles[provider];
  const region = rawRegion.trim().toLowerCase();
  const entry = profile.regions.get(region);
  const name = providerNames[provider];
  const missing =
    entry === undefined
      ? `${name} region "${region || "(empty)"}" not in Canopy's table`
      : undefined;

  let gridIntensityGPerKwh = worldGridGPerKwh;
  let gridQuality = factorQuality(
    "default",
    `${missing ?? `no grid data for ${region}`}; ${worldGridSource}`,
  );
  let gridBoundary = unstated;
  let gridSource = worldGridSource;
  const zoneValue = entry ? zoneIntensityForYear(pack, entry.gridZone, year) : undefined;
  if (zoneValue) {
    gridIntensityGPerKwh = zoneValue.value;
    gridQuality = factorQuality(
      "regional",
      zoneValue.year === year
        ? undefined
        : `grid intensity of ${zoneValue.year} used for ${year} (nearest year with data)`,
    );
    gridBoundary = pack.scope2?.canopyGrid.boundary ?? "lifecycle";
    gridSource =
      pack.scope2?.canopyGrid.source ??
      "Electricity Maps yearly zone averages (lifecycle), via CO2.js";
  } else if (entry === undefined && profile.regions.size > 0) {
    const values = [...profile.regions.values()]
      .map((r) => zoneIntensityForYear(pack, r.gridZone, year)?.value)
      .filter((v): v is number => v !== undefined);
    if (values.length > 0) {
      gridIntensityGPerKwh = values.reduce((s, v) => s + v, 0) / values.length;
      gridQuality = factorQuality(
        "provider-average",
        `${missing}; mean grid intensity of ${name}'s regions`,
      );
      gridBoundary = pack.scope2?.canopyGrid.boundary ?? "lifecycle";
      gridSource = pack.scope2?.canopyGrid.source ?? gridSource;
    }
  }

  const pue = entry?.pue ?? profile.pue;
  const pueQuality =
    entry?.pue !== undefined
      ? factorQuality("regional", "CCF pue.csv (trailing twelve months)")
      : factorQuality("default", profile.pueNote);
  const wue = valueForYear(pack.crossProviderWueByYear, year);
  return Object.freeze({
    provider,
    region,
    year,
    gridZone: entry?.gridZone ?? null,
    pue,
    wueLitresPerKwh: wue?.value ?? 0,
    cfeShare: 0,
    gridIntensityGPerKwh,
    gridBoundary,
    gridSource,
    contractualCoverageShare: 0,
    residualMixGPerKwh: null,
    residualMixBoundary: null,
    quality: Object.freeze({
      pue: pueQuality,
      grid: gridQuality,
      market: factorQuality(
        "default",
        `${name} publishes no contractual carbon-free coverage; market-based equals location-based`,
      ),
      water: factorQuality(
        "default",
        `${name} publishes no WUE; mean of all providers' published values`,
      ),
    }),
  });
}
