/**
 * Completeness: what happens to every billing line. A line is
 * - "estimated": usage the energy model covers (any kind but "other");
 * - "spend-based": usage or cloud spend with no energy model (kind "other" that is not out of scope),
 *   estimated from its cost with a kgCO2e-per-USD factor of its service category (section 2.10 of
 *   docs/methodology.md); only USD cost is converted, other currencies stay "not modelled";
 * - "out-of-scope": money that buys no cloud infrastructure or is counted elsewhere (tax, credits,
 *   refunds, fees, commitments, support, marketplace, licences, corrections).
 * Rows are classified from their kind and usage_type: cost-only rows carry the reason of the line
 * as usage_type (tax, credit…, the connectors' unsupportedReasons).
 */

export type LineCoverage = "estimated" | "spend-based" | "out-of-scope";

/**
 * Reasons of cost-only lines that are outside the boundary of the estimate, with why. Every other
 * kind-"other" row is usage without an energy model and gets the spend-based estimate.
 */
export const outOfScopeReasons: Readonly<Record<string, string>> = {
  tax: "a levy, not a purchased service",
  credit: "a financial adjustment of usage already counted",
  refund: "a financial adjustment of usage already counted",
  discount: "a financial adjustment of usage already counted",
  purchase: "an upfront commitment payment; the usage it pays for is counted on its usage lines",
  fee: "a one-off or subscription fee that buys no metered infrastructure",
  "reservation-fee":
    "a commitment's recurring fee; the covered usage is counted on its usage lines",
  "savings-plan-fee":
    "a commitment's recurring fee; the covered usage is counted on its usage lines",
  "savings-plan-negation": "the offset of usage already counted at its on-demand price",
  "unused-commitment": "paid commitment with no usage behind it",
  "surcharge-on-counted-usage": "a charge on usage already counted",
  adjustment: "a financial adjustment",
  correction: "a financial correction",
  rounding: "a rounding line",
  support: "a human support service, outside cloud infrastructure",
  marketplace:
    "third-party software sold through the provider, outside the provider's infrastructure",
  "software-license": "a software licence; the hardware running it is counted on its usage lines",
};

/** Usage types of spend-based rows with no energy model (not a cost-only reason). */
export const spendBasedReasons: Readonly<Record<string, string>> = {
  "provider-not-supported": "cloud spend at a provider Canopy has no energy model for, with no host cloud named (section 2.12)",
  "internet-egress": "data transfer to the internet, outside the network model (section 2.7)",
  "cdn-delivery": "CDN delivery to end users, outside the network model (section 2.7)",
  "unit-not-recognized": "usage in a unit the classifier does not recognize",
};

export type SpendCategory = "data-processing-hosting" | "telecommunications";

export type SpendFactor = {
  category: SpendCategory;
  kgCo2ePerUsd: number;
  /** What the factor is, its edition and currency year (docs/methodology.md section 2.10). */
  source: string;
};

const useeioV12 =
  "US EPA Supply Chain GHG Emission Factors v1.2 by NAICS-6 (USEEIO), kg CO2e per 2021 USD, purchaser price, with margins";

/** kgCO2e per USD by service category (2021 USD, applied to nominal USD without deflation). */
export const spendFactors: Readonly<Record<SpendCategory, SpendFactor>> = {
  "data-processing-hosting": {
    category: "data-processing-hosting",
    kgCo2ePerUsd: 0.148,
    source: `${useeioV12}: NAICS 518210 Data Processing, Hosting, and Related Services`,
  },
  telecommunications: {
    category: "telecommunications",
    kgCo2ePerUsd: 0.082,
    source: `${useeioV12}: NAICS 517311 Wired Telecommunications Carriers`,
  },
};

/** The only currency the spend-based factors are denominated in. */
export const spendFactorCurrency = "USD";

// Data moved over networks (ingress, internet egress, CDN delivery) is a telecommunications service.
const networkUsagePattern =
  /DataTransfer|Data Transfer|Bytes|Egress|Ingress|Transfer|Download|Network|CDN/i;
const networkServicePattern = /CloudFront|Content Delivery|CDN|Networking|Bandwidth/i;

export type LineCoverageInput = { kind: string; usageType: string; service: string };

export function lineCoverage(row: LineCoverageInput): LineCoverage {
  if (row.kind !== "other") return "estimated";
  return Object.hasOwn(outOfScopeReasons, row.usageType) ? "out-of-scope" : "spend-based";
}

/** The spend category of a spend-based row, from its usage type and service. */
export function spendCategoryOf(row: LineCoverageInput): SpendCategory {
  return networkUsagePattern.test(row.usageType) || networkServicePattern.test(row.service)
    ? "telecommunications"
    : "data-processing-hosting";
}

/**
 * kgCO2e per unit of the row's currency for a spend-based row, or undefined when the currency is
 * not USD (the cost then stays "not modelled": Canopy does not convert currencies).
 */
export function spendKgCo2ePerCurrencyUnit(
  row: LineCoverageInput,
  currency: string | null | undefined,
): number | undefined {
  if (lineCoverage(row) !== "spend-based" || currency !== spendFactorCurrency) return undefined;
  return spendFactors[spendCategoryOf(row)].kgCo2ePerUsd;
}
