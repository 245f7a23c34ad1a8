/**
 * Region names as bills spell them → the provider's region code.
 * AWS usage-type prefixes and long names are AWS's own published conventions; Azure display names
 * follow `az account list-locations` (both "East US" and the billing order "US East").
 */

/** AWS usage-type region prefixes (`USE2-BoxUsage:m5.large`). us-east-1 often has no prefix. */
const awsUsageTypePrefixes: Record<string, string> = {
  USE1: "us-east-1",
  USE2: "us-east-2",
  USW1: "us-west-1",
  USW2: "us-west-2",
  UGE1: "us-gov-east-1",
  UGW1: "us-gov-west-1",
  CAN1: "ca-central-1",
  CAN2: "ca-west-1",
  EU: "eu-west-1",
  EUW1: "eu-west-1",
  EUW2: "eu-west-2",
  EUW3: "eu-west-3",
  EUC1: "eu-central-1",
  EUC2: "eu-central-2",
  EUN1: "eu-north-1",
  EUS1: "eu-south-1",
  EUS2: "eu-south-2",
  APN1: "ap-northeast-1",
  APN2: "ap-northeast-2",
  APN3: "ap-northeast-3",
  APS1: "ap-southeast-1",
  APS2: "ap-southeast-2",
  APS3: "ap-south-1",
  APS4: "ap-southeast-3",
  APS5: "ap-south-2",
  APS6: "ap-southeast-4",
  APE1: "ap-east-1",
  SAE1: "sa-east-1",
  AFS1: "af-south-1",
  MES1: "me-south-1",
  MEC1: "me-central-1",
  ILC1: "il-central-1",
  MXC1: "mx-central-1",
  CNN1: "cn-north-1",
  CNW1: "cn-northwest-1",
};

const awsRegionCodePattern = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export function isAwsRegionCode(text: string): boolean {
  return awsRegionCodePattern.test(text);
}

export type AwsUsageTypeParts = {
  /** Region of the prefix, if any (`USE2-…` → us-east-2). */
  region?: string;
  /** Second region of inter-region transfer (`USE1-USW2-AWS-Out-Bytes` → us-west-2). */
  peerRegion?: string;
  /** The usage type without its region prefixes (`BoxUsage:m5.large`). */
  base: string;
};

const usageTypeCache = new Map<string, AwsUsageTypeParts>();

export function splitAwsUsageType(usageType: string): AwsUsageTypeParts {
  const cached = usageTypeCache.get(usageType);
  if (cached) return cached;
  let base = usageType;
  let region: string | undefined;
  let peerRegion: string | undefined;
  const codePrefix = /^([a-z]{2}(?:-gov)?-[a-z]+-\d)-/.exec(base); // ca-central-1-KMS-Keys
  if (codePrefix?.[1]) {
    region = codePrefix[1];
    base = base.slice(codePrefix[0].length);
  } else {
    const first = /^([A-Z]{2,3}\d?)-/.exec(base);
    const firstRegion = first?.[1] ? awsUsageTypePrefixes[first[1]] : undefined;
    if (first && firstRegion) {
      region = firstRegion;
      base = base.slice(first[0].length);
      const second = /^([A-Z]{2,3}\d?)-/.exec(base);
      const secondRegion = second?.[1] ? awsUsageTypePrefixes[second[1]] : undefined;
      if (second && secondRegion) {
        peerRegion = secondRegion;
        base = base.slice(second[0].length);
      }
    }
  }
  const parts: AwsUsageTypeParts = { base };
  if (region) parts.region = region;
  if (peerRegion) parts.peerRegion = peerRegion;
  if (usageTypeCache.size < 100_000) usageTypeCache.set(usageType, parts);
  return parts;
}

/** AWS `product/location` long names (legacy CUR, FOCUS RegionName). */
const awsLongNames: Record<string, string> = {
  "us east (n. virginia)": "us-east-1",
  "us east (northern virginia)": "us-east-1",
  "us east (ohio)": "us-east-2",
  "us west (n. california)": "us-west-1",
  "us west (northern california)": "us-west-1",
  "us west (oregon)": "us-west-2",
  "africa (cape town)": "af-south-1",
  "asia pacific (hong kong)": "ap-east-1",
  "asia pacific (mumbai)": "ap-south-1",
  "asia pacific (hyderabad)": "ap-south-2",
  "asia pacific (osaka)": "ap-northeast-3",
  "asia pacific (osaka-local)": "ap-northeast-3",
  "asia pacific (seoul)": "ap-northeast-2",
  "asia pacific (singapore)": "ap-southeast-1",
  "asia pacific (sydney)": "ap-southeast-2",
  "asia pacific (tokyo)": "ap-northeast-1",
  "asia pacific (jakarta)": "ap-southeast-3",
  "asia pacific (melbourne)": "ap-southeast-4",
  "canada (central)": "ca-central-1",
  "canada west (calgary)": "ca-west-1",
  "eu (frankfurt)": "eu-central-1",
  "eu (germany)": "eu-central-1",
  "eu (zurich)": "eu-central-2",
  "eu (ireland)": "eu-west-1",
  "eu (london)": "eu-west-2",
  "eu (milan)": "eu-south-1",
  "eu (spain)": "eu-south-2",
  "eu (paris)": "eu-west-3",
  "eu (stockholm)": "eu-north-1",
  "israel (tel aviv)": "il-central-1",
  "middle east (bahrain)": "me-south-1",
  "middle east (uae)": "me-central-1",
  "south america (sao paulo)": "sa-east-1",
  "aws govcloud (us-east)": "us-gov-east-1",
  "aws govcloud (us-west)": "us-gov-west-1",
  "aws govcloud (us)": "us-gov-west-1",
  "china (beijing)": "cn-north-1",
  "china (ningxia)": "cn-northwest-1",
};

export function awsRegionFromLongName(name: string): string | undefined {
  return awsLongNames[name.trim().toLowerCase()];
}

/** Azure display names (both orders) → location codes. Codes themselves pass through lower-cased. */
const azureDisplayNames: Record<string, string> = {};
function azure(code: string, ...names: string[]): void {
  for (const name of names) azureDisplayNames[name.toLowerCase().replace(/\s+/g, "")] = code;
}
azure("eastus", "East US", "US East");
azure("eastus2", "East US 2", "US East 2");
azure("centralus", "Central US", "US Central");
azure("northcentralus", "North Central US", "US North Central");
azure("southcentralus", "South Central US", "US South Central");
azure("westcentralus", "West Central US", "US West Central");
azure("westus", "West US", "US West");
azure("westus2", "West US 2", "US West 2");
azure("westus3", "West US 3", "US West 3");
azure("canadacentral", "Canada Central", "CA Central");
azure("canadaeast", "Canada East", "CA East");
azure("brazilsouth", "Brazil South", "BR South");
azure("brazilsoutheast", "Brazil Southeast", "BR Southeast");
azure("mexicocentral", "Mexico Central", "MX Central");
azure("northeurope", "North Europe", "EU North", "Europe North");
azure("westeurope", "West Europe", "EU West", "Europe West");
azure("uksouth", "UK South");
azure("ukwest", "UK West");
azure("francecentral", "France Central", "FR Central");
azure("francesouth", "France South", "FR South");
azure("germanywestcentral", "Germany West Central", "DE West Central");
azure("germanynorth", "Germany North", "DE North");
azure("switzerlandnorth", "Switzerland North", "CH North");
azure("switzerlandwest", "Switzerland West", "CH West");
azure("norwayeast", "Norway East", "NO East");
azure("norwaywest", "Norway West", "NO West");
azure("swedencentral", "Sweden Central", "SE Central");
azure("polandcentral", "Poland Central", "PL Central");
azure("italynorth", "Italy North", "IT North");
azure("spaincentral", "Spain Central", "ES Central");
azure("eastasia", "East Asia", "AP East", "Asia East");
azure("southeastasia", "Southeast Asia", "AP Southeast", "Asia Southeast");
azure("japaneast", "Japan East", "JA East");
azure("japanwest", "Japan West", "JA West");
azure("koreacentral", "Korea Central", "KR Central");
azure("koreasouth", "Korea South", "KR South");
azure("australiaeast", "Australia East", "AU East");
azure("australiasoutheast", "Australia Southeast", "AU Southeast");
azure("australiacentral", "Australia Central", "AU Central");
azure("centralindia", "Central India", "IN Central", "India Central");
azure("southindia", "South India", "IN South");
azure("westindia", "West India", "IN West");
azure("southafricanorth", "South Africa North", "ZA North");
azure("southafricawest", "South Africa West", "ZA West");
azure("uaenorth", "UAE North", "AE North");
azure("uaecentral", "UAE Central", "AE Central");
azure("qatarcentral", "Qatar Central", "QA Central");
azure("israelcentral", "Israel Central", "IL Central");

/** Not a place: meters billed globally or across regions. */
const azureNonRegions = new Set(["", "global", "allregions", "intercontinental", "unassigned", "unknown", "zone1", "zone2"]);

const azureCodePattern = /^[a-z]+[0-9]?$/;

/** `EastUS`, `eastus`, `US East`, `East US` → `eastus`; undefined when it names no region. */
export function azureRegionCodeOf(location: string): string | undefined {
  const squashed = location.toLowerCase().replace(/\s+/g, "");
  if (azureNonRegions.has(squashed)) return undefined;
  const fromDisplay = azureDisplayNames[squashed];
  if (fromDisplay) return fromDisplay;
  return azureCodePattern.test(squashed) ? squashed : undefined;
}

/** Is this one of the Azure location codes we know (as opposed to a meter region like "Virginia")? */
const knownAzureCodes = new Set(Object.values(azureDisplayNames));
export function isKnownAzureRegion(code: string): boolean {
  return knownAzureCodes.has(code);
}
