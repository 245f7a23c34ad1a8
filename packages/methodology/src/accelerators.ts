import type {
  AcceleratorAlias,
  AcceleratorFamily,
  AcceleratorInfo,
  GpuCoefficient,
  InstanceTypeRow,
} from "./pack-types";
import type { PackProvider as Provider } from "./providers";

/**
 * The accelerator table of a pack (GPUs, TPUs, AI ASICs, FPGAs), the free-text matcher that
 * finds a model in a billing string, and the accelerator families used to estimate instance
 * types the catalog does not list.
 */

type Json = unknown;
const isRecord = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const fail = (path: string, expected: string): never => {
  throw new Error(`data pack: ${path} must be ${expected}`);
};
const tokensOf = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/**
 * Decodes `accelerators` and `aliases` of gpu-coefficients.json. Packs built before the table
 * existed (2025.1) get one entry and one single-token alias per power model, so they match as
 * they always did.
 */
export function decodeAcceleratorTable(
  gpuJson: Record<string, Json>,
  models: ReadonlyMap<string, GpuCoefficient>,
): { accelerators: Map<string, AcceleratorInfo>; aliases: AcceleratorAlias[] } {
  const accelerators = new Map<string, AcceleratorInfo>();
  const aliases: AcceleratorAlias[] = [];
  if (gpuJson.accelerators === undefined) {
    for (const [key, model] of models) {
      accelerators.set(key, Object.freeze({ key, name: model.name, kind: "gpu" }));
      aliases.push(Object.freeze({ tokens: Object.freeze([key]), key }));
    }
    return { accelerators, aliases };
  }
  const table = isRecord(gpuJson.accelerators)
    ? gpuJson.accelerators
    : fail("gpu.accelerators", "an object");
  for (const [key, value] of Object.entries(table)) {
    const path = `gpu.accelerators.${key}`;
    if (!isRecord(value)) fail(path, "an object");
    const entry = value as Record<string, Json>;
    if (typeof entry.name !== "string" || typeof entry.kind !== "string")
      fail(path, "{ name, kind }");
    const proxyOf = entry.proxyOf;
    if (proxyOf !== undefined && (typeof proxyOf !== "string" || !models.has(proxyOf)))
      fail(`${path}.proxyOf`, "a model with power figures");
    accelerators.set(
      key,
      Object.freeze({
        key,
        name: entry.name as string,
        kind: entry.kind as string,
        ...(proxyOf === undefined ? {} : { proxyOf: proxyOf as string }),
      }),
    );
  }
  const list = Array.isArray(gpuJson.aliases) ? gpuJson.aliases : fail("gpu.aliases", "an array");
  for (const [i, pair] of list.entries()) {
    const [phrase, key] = Array.isArray(pair) ? pair : [];
    if (typeof phrase !== "string" || typeof key !== "string" || !accelerators.has(key))
      fail(`gpu.aliases[${i}]`, "[phrase, known accelerator key]");
    aliases.push(
      Object.freeze({ tokens: Object.freeze(tokensOf(phrase as string)), key: key as string }),
    );
  }
  // Longest phrase first: "h100 nvl" before "h100"
  aliases.sort((a, b) => b.tokens.length - a.tokens.length);
  return { accelerators, aliases };
}

/**
 * The accelerator a free-text model names: a pack key as is (`h100-sxm`), else the longest alias
 * whose tokens appear consecutively ("Nvidia H100 80GB GPU running in Americas" → `h100-sxm`,
 * "TPU v5 lite" → `tpu-v5e`, "Nvidia Tesla T4" → `t4`).
 */
export function findAcceleratorKey(
  raw: string,
  accelerators: ReadonlyMap<string, AcceleratorInfo>,
  aliases: readonly AcceleratorAlias[],
): string | undefined {
  const trimmed = raw.trim().toLowerCase();
  if (accelerators.has(trimmed)) return trimmed;
  const tokens = tokensOf(trimmed);
  for (const alias of aliases) {
    const n = alias.tokens.length;
    for (let start = 0; start + n <= tokens.length; start++) {
      let all = true;
      for (let i = 0; i < n && all; i++) all = tokens[start + i] === alias.tokens[i];
      if (all) return alias.key;
    }
  }
  return undefined;
}

/**
 * Family of a catalog key, as the provider's names encode it:
 * AWS `p5.48xlarge` → `p5`; Azure `nd96isr h100 v5` → `nd h100 v5` (size digits and feature
 * letters dropped); GCP `a3-highgpu-8g` → `a3-highgpu`, `ct5lp-hightpu-4t` → `ct5lp-hightpu`.
 */
export function acceleratorFamilyKey(provider: Provider, key: string): string {
  if (provider === "aws") return key.split(".")[0] ?? key;
  if (provider === "azure") {
    const match = /^([a-z]+?)\d+[a-z]*(?:-\d+[a-z]*)?(\s.*)?$/.exec(key);
    return match ? `${match[1]}${match[2] ?? ""}` : key;
  }
  return key.replace(/-\d+[a-z]?$/, "");
}

/** Accelerator count a GCP machine-type name states (`a3-highgpu-4g` → 4, `ct6e-standard-8t` → 8). */
function acceleratorsInName(provider: Provider, key: string): number | undefined {
  if (provider !== "gcp") return undefined;
  const match = /-(\d+)[gt]$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** vCPUs a name states: Azure `nd96isr h100 v5` → 96; AWS `p5.24xlarge` → 24 × 4, `.xlarge` → 4, `.large` → 2. */
function vcpusInName(provider: Provider, key: string): number | undefined {
  if (provider === "azure") {
    const match = /^[a-z]+?(\d+)/.exec(key);
    return match ? Number(match[1]) : undefined;
  }
  if (provider === "aws") {
    const size = key.split(".")[1] ?? "";
    const match = /^(\d*)xlarge$/.exec(size);
    if (match) return 4 * (match[1] === "" ? 1 : Number(match[1]));
    return size === "large" ? 2 : undefined;
  }
  return undefined;
}

/** Accelerator families of a catalog: every family with at least one accelerator size. */
export function buildAcceleratorFamilies(
  rows: ReadonlyMap<string, InstanceTypeRow>,
  provider: Provider,
): Map<string, AcceleratorFamily> {
  const families = new Map<string, AcceleratorFamily>();
  for (const row of rows.values()) {
    if (row.gpuCount <= 0 || row.gpuModel === "" || row.vcpus === null) continue;
    const family = acceleratorFamilyKey(provider, row.key);
    const known = families.get(family);
    if (known !== undefined && (known.template.vcpus ?? 0) >= row.vcpus) continue;
    families.set(
      family,
      Object.freeze({
        family,
        template: row,
        acceleratorsPerVcpu: row.gpuCount / row.vcpus,
        memoryGbPerVcpu: row.memoryGb === null ? null : row.memoryGb / row.vcpus,
      }),
    );
  }
  return families;
}

/**
 * A row for an instance type the catalog lacks whose family is an accelerator family: the
 * family's largest known size scaled to this size. Accelerators come from the name where the
 * provider encodes them (GCP `-8g`), else from the vCPUs the name states × the family's
 * accelerators per vCPU, else the largest known size is assumed. Never CPU only.
 */
export function familyEstimatedRow(
  families: ReadonlyMap<string, AcceleratorFamily>,
  provider: Provider,
  key: string,
  raw: string,
): InstanceTypeRow | undefined {
  const family = families.get(acceleratorFamilyKey(provider, key));
  if (family === undefined) return undefined;
  const base = family.template;
  const named = acceleratorsInName(provider, key);
  const vcpus = vcpusInName(provider, key);
  let gpuCount: number;
  let size: number | null;
  let quality: "provider-average" | "default";
  let how: string;
  if (named !== undefined) {
    gpuCount = named;
    size = Math.round(named / family.acceleratorsPerVcpu);
    quality = "provider-average";
    how = `${named} accelerators from the name, vCPUs scaled from ${base.name}`;
  } else if (vcpus !== undefined) {
    gpuCount = vcpus * family.acceleratorsPerVcpu;
    size = vcpus;
    quality = "default";
    how = `${vcpus} vCPUs from the name × ${base.gpuCount}/${base.vcpus} accelerators per vCPU of ${base.name}`;
  } else {
    gpuCount = base.gpuCount;
    size = base.vcpus;
    quality = "default";
    how = `size unknown, ${base.name} assumed`;
  }
  return Object.freeze({
    ...base,
    key,
    name: raw.trim(),
    vcpus: size,
    memoryGb:
      family.memoryGbPerVcpu === null || size === null ? null : family.memoryGbPerVcpu * size,
    gpuCount,
    source: `estimated from accelerator family ${family.family} (${base.name}: ${base.source})`,
    familyEstimate: Object.freeze({
      quality,
      reason: `instance type "${raw.trim()}" not in data pack; estimated from family ${family.family}: ${how}`,
    }),
  });
}
