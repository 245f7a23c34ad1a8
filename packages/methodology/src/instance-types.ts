import { familyEstimatedRow } from "./accelerators";
import { normalizeInstanceType } from "./normalize";
import { resolveDataPack } from "./pack";
import type { DataPack, InstanceTypeRow } from "./pack-types";
import type { PackProvider as Provider } from "./providers";

/** What the data pack knows about an instance type, VM size or machine type. */
export type InstanceTypeInfo = {
  readonly provider: Provider;
  /** The provider's spelling from the catalog (or the input, for synthesized GCP custom types). */
  readonly instanceType: string;
  /** Normalized lookup key. */
  readonly key: string;
  /**
   * `exact`: a catalog row; `custom`: a GCP custom type parsed from its name; `series`: a bare GCP
   * series such as `n2`; `family`: a size missing from the catalog, estimated from its
   * accelerator family (see `familyEstimate`).
   */
  readonly match: "exact" | "custom" | "series" | "family";
  readonly family: string;
  /** vCPUs of the instance; undefined for a bare series. */
  readonly vcpus: number | undefined;
  readonly memoryGb: number | undefined;
  /** CPU microarchitectures the type may run on (empty when unknown). */
  readonly microarchitectures: readonly string[];
  /** vCPUs of the physical host. */
  readonly hostVcpus: number | undefined;
  /** Manufacturing emissions of the whole host server, kgCO2e. */
  readonly hostEmbodiedKg: number | undefined;
  readonly gpuCount: number;
  /** GPU model key (e.g. `t4`, `v100`), undefined when none. */
  readonly gpuModel: string | undefined;
  /** Documented baseline utilization of burstable types, fraction of each vCPU. */
  readonly burstableBaselineUtilization: number | undefined;
  /** Where the row comes from (file in the pack's reference data or the provider's spec URL). */
  readonly source: string;
  /** What was assumed for a `family` match. */
  readonly familyEstimate: string | undefined;
};

const customPattern = /^(?:([a-z0-9]+)-)?custom-(\d+)-(\d+)(?:-ext)?$/;

/** First catalog row of a GCP series, used for host figures of custom types. */
function seriesHostRow(pack: DataPack, series: string): InstanceTypeRow | undefined {
  let best: InstanceTypeRow | undefined;
  for (const row of pack.instances.gcp.values()) {
    if (!row.key.startsWith(`${series}-`) || row.embodiedKgPerHost === null) continue;
    if (row.key.startsWith(`${series}-standard-`)) return row;
    best ??= row;
  }
  return best;
}

/**
 * Finds the catalog row of an instance type, or synthesizes one for GCP custom machine types
 * (`n2-custom-4-8192`, `custom-2-7680` for N1) and bare GCP series (`n2`). GCP types are matched
 * by their full series prefix, never by the first two characters (CCF's lookup turned n2d into n2).
 */
export function findInstanceRow(
  pack: DataPack,
  provider: Provider,
  raw: string,
): InstanceTypeRow | undefined {
  const key = normalizeInstanceType(provider, raw);
  if (key === "") return undefined;
  const exact = pack.instances[provider].get(key);
  if (exact !== undefined) return exact;
  const fromFamily = familyEstimatedRow(pack.acceleratorFamilies[provider], provider, key, raw);
  if (fromFamily !== undefined || provider !== "gcp") return fromFamily;

  const custom = customPattern.exec(key);
  const series = custom ? (custom[1] ?? "n1") : key;
  const archs = pack.gcpSeries.get(series);
  if (archs === undefined) return undefined;
  const host = seriesHostRow(pack, series);
  return Object.freeze({
    provider,
    key,
    name: raw.trim(),
    family: custom ? `${series}-custom` : series,
    vcpus: custom ? Number(custom[2]) || null : null,
    memoryGb: custom ? Number(custom[3]) / 1024 : null,
    hostVcpus: host?.hostVcpus ?? null,
    familyLargestVcpus: host?.familyLargestVcpus ?? null,
    familyLargestMemoryGb: host?.familyLargestMemoryGb ?? null,
    embodiedKgPerHost: host?.embodiedKgPerHost ?? null,
    microarchitectures: archs,
    gpuCount: 0,
    gpuModel: "",
    burstableBaseline: null,
    source: custom
      ? `GCP custom machine type (series ${series}); host: ${host?.source ?? "unknown"}`
      : `GCP series ${series}`,
  });
}

const lookupCache = new WeakMap<DataPack, Map<string, InstanceTypeInfo | null>>();

/**
 * Looks up an instance type in the data pack: vCPUs, memory, CPU microarchitectures, host vCPUs
 * and host embodied emissions. Accepts billing spellings (`db.m5.large`, `Standard_D2s_v5`,
 * `n2-custom-4-8192`). Returns undefined for types the pack does not know.
 */
export function lookupInstanceType(
  provider: Provider,
  instanceType: string,
  pack?: string | DataPack,
): InstanceTypeInfo | undefined {
  const resolved = resolveDataPack(pack);
  let cache = lookupCache.get(resolved);
  if (cache === undefined) {
    cache = new Map();
    lookupCache.set(resolved, cache);
  }
  const cacheKey = `${provider}|${instanceType}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  const row = findInstanceRow(resolved, provider, instanceType);
  const info: InstanceTypeInfo | null = row
    ? Object.freeze({
        provider,
        instanceType: row.name,
        key: row.key,
        match: resolved.instances[provider].has(row.key)
          ? "exact"
          : row.familyEstimate !== undefined
            ? "family"
            : row.vcpus === null
              ? "series"
              : "custom",
        family: row.family,
        vcpus: row.vcpus ?? undefined,
        memoryGb: row.memoryGb ?? undefined,
        microarchitectures: row.microarchitectures,
        hostVcpus: row.hostVcpus ?? undefined,
        hostEmbodiedKg: row.embodiedKgPerHost ?? undefined,
        gpuCount: row.gpuCount,
        gpuModel: row.gpuModel === "" ? undefined : row.gpuModel,
        burstableBaselineUtilization: row.burstableBaseline ?? undefined,
        source: row.source,
        familyEstimate: row.familyEstimate?.reason,
      })
    : null;
  if (cache.size > 50_000) cache.clear();
  cache.set(cacheKey, info);
  return info ?? undefined;
}
