import type { PackProvider as Provider } from "./providers";

/**
 * Canonical lookup keys. The same functions are used by `scripts/build-pack.ts` when the pack is
 * written and by the estimator when a record is looked up, so both sides agree by construction.
 */

const awsServicePrefixes = ["db.", "cache.", "kafka.", "ml.", "search."];
const awsServiceSuffixes = [".elasticsearch", ".search"];

/**
 * Instance type / VM size / machine type → the key used in the data pack.
 * - AWS: lower case; service prefixes (`db.`, `cache.`, `kafka.`, `ml.`, `search.`) and OpenSearch
 *   suffixes are removed, so `db.m5.large` resolves to the EC2 hardware `m5.large`.
 * - Azure: lower case, `Standard_`/`Basic_` prefix and ` Spot`/` Low Priority` suffix removed,
 *   `_` read as a space, anything after `/` dropped: `Standard_D2s_v5` → `d2s v5`.
 * - GCP: lower case, any resource path before the last `/` dropped.
 */
export function normalizeInstanceType(provider: Provider, raw: string): string {
  let key = raw.trim().toLowerCase();
  if (provider === "aws") {
    for (const prefix of awsServicePrefixes) {
      if (key.startsWith(prefix)) {
        key = key.slice(prefix.length);
        break;
      }
    }
    for (const suffix of awsServiceSuffixes) {
      if (key.endsWith(suffix)) {
        key = key.slice(0, -suffix.length);
        break;
      }
    }
    return key;
  }
  if (provider === "azure") {
    const slash = key.indexOf("/");
    if (slash >= 0) key = key.slice(0, slash);
    key = key.replace(/^(standard|basic)_/, "").replace(/_/g, " ");
    key = key.replace(/\s+(spot|low priority)$/, "");
    return key.replace(/\s+/g, " ").trim();
  }
  const slash = key.lastIndexOf("/");
  return slash >= 0 ? key.slice(slash + 1) : key;
}

/**
 * Region name → the key used in the data pack (before alias lookup).
 * - AWS: lower case; an availability-zone letter is removed (`us-east-1a` → `us-east-1`).
 * - Azure: lower case without spaces (`West Europe` → `westeurope`).
 * - GCP: lower case; a zone suffix is removed (`europe-west4-b` → `europe-west4`).
 */
export function normalizeRegionName(provider: Provider, raw: string): string {
  const key = raw.trim().toLowerCase();
  if (provider === "azure") return key.replace(/[\s_]+/g, "");
  if (provider === "aws") {
    const az = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)[a-z]$/.exec(key);
    return az?.[1] ?? key;
  }
  const zone = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(key);
  return zone?.[1] ?? key;
}

/** Key of a GPU model name: its last alphanumeric token (`Nvidia Tesla T4` → `t4`). */
export function gpuModelKeyOfName(name: string): string {
  const tokens = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return tokens[tokens.length - 1] ?? "";
}

/**
 * Finds a known GPU model inside free text such as a GCP SKU description
 * ("Nvidia Tesla T4 GPU running in Americas") or an accelerator type ("nvidia-tesla-t4").
 * Token-based, so "Nvidia Tesla T4" and "NVIDIA T4" both match `t4` (CCF matched by prefix and
 * missed the former).
 */
export function findGpuModelKey(raw: string, knownKeys: ReadonlySet<string>): string | undefined {
  for (const token of raw.toLowerCase().split(/[^a-z0-9]+/)) {
    if (token !== "" && knownKeys.has(token)) return token;
  }
  return undefined;
}

/**
 * Calendar year (UTC) of an ISO-8601 timestamp. Reads the four leading digits and only parses
 * the full date near a year boundary, where an offset can move the instant into another UTC year.
 */
export function utcYearOf(iso: string): number {
  const year =
    (iso.charCodeAt(0) - 48) * 1000 +
    (iso.charCodeAt(1) - 48) * 100 +
    (iso.charCodeAt(2) - 48) * 10 +
    (iso.charCodeAt(3) - 48);
  const month = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  const day = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
  if ((month === 1 && day === 1) || (month === 12 && day === 31) || !(year >= 0 && year <= 9999)) {
    const parsed = new Date(iso).getUTCFullYear();
    return Number.isFinite(parsed) ? parsed : year;
  }
  return year;
}
