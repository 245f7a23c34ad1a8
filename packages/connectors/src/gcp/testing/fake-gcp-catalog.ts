/**
 * The Cloud Billing Catalog API as the fake GCP server serves it: services.list and
 * services.skus.list (REST, as @google-cloud/billing's CloudCatalogClient sends them on its fallback
 * transport). SKUs and prices are a fixture in Google's shapes for five regions, not a copy of the
 * live catalog.
 * https://cloud.google.com/billing/docs/reference/rest/v1/services/list,
 * https://cloud.google.com/billing/docs/reference/rest/v1/services.skus/list,
 * https://cloud.google.com/billing/docs/reference/rest/v1/services.skus/list#sku
 */

/** A SKU of the fake catalog: its public price per region over time (USD, per usage unit). */
export type FakeCatalogSku = {
  skuId: string;
  description: string;
  resourceFamily: string;
  resourceGroup: string;
  usageType: string;
  usageUnit: string;
  usageUnitDescription: string;
  /** Price versions in chronological order: from `effectiveTime` on, USD per unit in each region. */
  versions: { effectiveTime: string; usdByRegion: Record<string, number> }[];
};

export type FakeCatalogService = { serviceId: string; displayName: string };

export const fakeCatalogServices: FakeCatalogService[] = [
  { serviceId: "24E6-581D-38E5", displayName: "BigQuery" },
  { serviceId: "95FF-2EF5-5EA1", displayName: "Cloud Storage" },
  { serviceId: "6F81-5844-456A", displayName: "Compute Engine" },
  { serviceId: "CCD8-9BF1-090E", displayName: "Cloud Run" },
];

/** Regional price multipliers of the fixture over us-central1 (Google's regions differ by ~10–30 %). */
const regionFactor: Record<string, number> = {
  "us-central1": 1,
  "europe-west1": 1.1,
  "europe-north1": 1.1,
  "europe-north2": 1.1,
  "asia-northeast1": 1.29,
};
/** Google's location wording in SKU descriptions ("running in Americas", "running in Belgium"). */
const locationOf: Record<string, string> = {
  "us-central1": "Americas",
  "europe-west1": "Belgium",
  "europe-north1": "Finland",
  "europe-north2": "Stockholm",
  "asia-northeast1": "Japan",
};

/** us-central1 on-demand list prices of the fixture, USD per vCPU-hour and per GiB-hour. */
const familyPrices: { family: string; core: number; ram: number; qualifier?: string }[] = [
  { family: "N1", core: 0.031611, ram: 0.004237, qualifier: "Predefined" },
  { family: "N2", core: 0.031611, ram: 0.004237 },
  { family: "N2D", core: 0.027502, ram: 0.003686, qualifier: "AMD" },
  { family: "E2", core: 0.021811, ram: 0.002923 },
  { family: "C3", core: 0.03398, ram: 0.00455 },
  { family: "N4", core: 0.03047, ram: 0.00408 },
  { family: "T2A", core: 0.0308, ram: 0.00385 },
  { family: "C4A", core: 0.03465, ram: 0.003938 },
];

let skuSerial = 0x1000;
const skuId = () => {
  skuSerial += 0x11;
  const hex = skuSerial.toString(16).toUpperCase().padStart(4, "0");
  return `${hex}-${hex.split("").reverse().join("")}-${(skuSerial * 7).toString(16).toUpperCase().slice(-4).padStart(4, "0")}`;
};
const rounded = (value: number) => Number(value.toFixed(6));

/**
 * The fixture catalog of Compute Engine: core and RAM SKUs per family and location, standard PD
 * capacity, and SKUs a price reader must leave out (spot, commitments, egress, multi-region). Every
 * price took effect on `since` (previous version, 5 % lower, from `previousSince`).
 */
export function fakeComputeSkus(
  since = "2026-11-01T08:00:00Z",
  previousSince = "2026-01-01T08:00:00Z",
): FakeCatalogSku[] {
  skuSerial = 0x1000;
  const versions = (usd: number, regions: string[]) => [
    {
      effectiveTime: previousSince,
      usdByRegion: Object.fromEntries(
        regions.map((r) => [r, rounded(usd * regionFactor[r]! * 0.95)]),
      ),
    },
    {
      effectiveTime: since,
      usdByRegion: Object.fromEntries(regions.map((r) => [r, rounded(usd * regionFactor[r]!)])),
    },
  ];
  const skus: FakeCatalogSku[] = [];
  for (const region of Object.keys(regionFactor)) {
    const location = locationOf[region]!;
    for (const { family, core, ram, qualifier } of familyPrices) {
      const prefix = `${family}${qualifier ? ` ${qualifier}` : ""} Instance`;
      const group = family === "N1" ? "N1Standard" : "CPU";
      skus.push(
        {
          skuId: skuId(),
          description: `${prefix} Core running in ${location}`,
          resourceFamily: "Compute",
          resourceGroup: group,
          usageType: "OnDemand",
          usageUnit: "h",
          usageUnitDescription: "hour",
          versions: versions(core, [region]),
        },
        {
          skuId: skuId(),
          description: `${prefix} Ram running in ${location}`,
          resourceFamily: "Compute",
          resourceGroup: family === "N1" ? "N1Standard" : "RAM",
          usageType: "OnDemand",
          usageUnit: "GiBy.h",
          usageUnitDescription: "gibibyte hour",
          versions: versions(ram, [region]),
        },
        {
          skuId: skuId(),
          description: `Spot Preemptible ${prefix} Core running in ${location}`,
          resourceFamily: "Compute",
          resourceGroup: group,
          usageType: "Preemptible",
          usageUnit: "h",
          usageUnitDescription: "hour",
          versions: versions(core * 0.3, [region]),
        },
        {
          skuId: skuId(),
          description: `Commitment v1: ${family} Cpu in ${location} for 1 Year`,
          resourceFamily: "Compute",
          resourceGroup: group,
          usageType: "Commit1Yr",
          usageUnit: "h",
          usageUnitDescription: "hour",
          versions: versions(core * 0.63, [region]),
        },
      );
    }
    skus.push({
      skuId: skuId(),
      description: `Storage PD Capacity${region === "us-central1" ? "" : ` in ${location}`}`,
      resourceFamily: "Storage",
      resourceGroup: "PDStandard",
      usageType: "OnDemand",
      usageUnit: "GiBy.mo",
      usageUnitDescription: "gibibyte month",
      versions: versions(0.04, [region]),
    });
  }
  skus.push(
    {
      skuId: skuId(),
      description: "Network Internet Egress from Americas to EMEA",
      resourceFamily: "Network",
      resourceGroup: "PremiumInternetEgress",
      usageType: "OnDemand",
      usageUnit: "GiBy",
      usageUnitDescription: "gibibyte",
      versions: versions(0.12, ["us-central1"]),
    },
    {
      skuId: skuId(),
      description: "Storage PD Snapshot in Multi-Region Europe",
      resourceFamily: "Storage",
      resourceGroup: "PDSnapshot",
      usageType: "OnDemand",
      usageUnit: "GiBy.mo",
      usageUnitDescription: "gibibyte month",
      versions: versions(0.026, ["europe-west1"]),
    },
  );
  return skus;
}

/** Exchange rates of the fixture (per USD) for the currencies the fake converts to. */
export const fakeUsdRates: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, JPY: 151.2 };

const money = (amount: number, currencyCode: string) => {
  const units = Math.trunc(amount);
  return { currencyCode, units: String(units), nanos: Math.round((amount - units) * 1e9) };
};

/** A SKU in the v1 REST shape, with the price versions of the requested range (or the current one). */
export function skuResource(
  serviceId: string,
  sku: FakeCatalogSku,
  currencyCode: string,
  range: { start: number; end: number } | undefined,
  now: number,
) {
  const rate = fakeUsdRates[currencyCode]!;
  const versions = sku.versions.filter((v, i) => {
    const from = Date.parse(v.effectiveTime);
    const until = Date.parse(sku.versions[i + 1]?.effectiveTime ?? "9999-12-31T00:00:00Z");
    return range ? from < range.end && until > range.start : from <= now && until > now;
  });
  const regions = Object.keys(sku.versions.at(-1)?.usdByRegion ?? {});
  return {
    name: `services/${serviceId}/skus/${sku.skuId}`,
    skuId: sku.skuId,
    description: sku.description,
    category: {
      serviceDisplayName: "Compute Engine",
      resourceFamily: sku.resourceFamily,
      resourceGroup: sku.resourceGroup,
      usageType: sku.usageType,
    },
    serviceRegions: regions.map((r) => (sku.description.includes("Multi-Region") ? "europe" : r)),
    pricingInfo: versions.map((v) => ({
      summary: "",
      // effectiveTime is a Timestamp: RFC 3339 text in REST JSON.
      effectiveTime: v.effectiveTime,
      pricingExpression: {
        usageUnit: sku.usageUnit,
        displayQuantity: 1,
        usageUnitDescription: sku.usageUnitDescription,
        baseUnit: sku.usageUnit === "h" ? "s" : sku.usageUnit === "GiBy" ? "By" : "By.s",
        baseUnitDescription: sku.usageUnit === "h" ? "second" : "byte second",
        baseUnitConversionFactor: sku.usageUnit === "h" ? 3600 : 3_865_470_566_400,
        tieredRates: [
          {
            startUsageAmount: 0,
            unitPrice: money(Object.values(v.usdByRegion)[0]! * rate, currencyCode),
          },
        ],
      },
      currencyConversionRate: rate,
    })),
    serviceProviderName: "Google",
    geoTaxonomy: { type: "REGIONAL", regions },
  };
}
