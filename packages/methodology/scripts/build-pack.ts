/**
 * Compiles the reference tables in /work/shared/reference (and the hand-compiled provider
 * specifications in data/sources/) into the compact JSON files of one data pack:
 *
 *   pnpm exec tsx scripts/build-pack.ts [--reference /work/shared/reference] [--pack 2026.1]
 *
 * The output is checked in. Nothing at run time or test time reads the reference folder.
 * Output is deterministic (no timestamps), so re-running on unchanged inputs gives the same
 * checksums.
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCsvObjects } from "./csv";
import { gpuModelKeyOfName, normalizeInstanceType, normalizeRegionName } from "../src/normalize";
import type { PackProvider as Provider } from "../src/providers";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, "..");
const args = process.argv.slice(2);
const argValue = (name: string, fallback: string): string => {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] ? (args[index + 1] as string) : fallback;
};
const referenceRoot = argValue("--reference", "/work/shared/reference");
const packName = argValue("--pack", "2026.1");
const outDir = join(packageRoot, "data", `pack-${packName}`);
const sourcesDir = join(packageRoot, "data", "sources");

const providers: Provider[] = ["aws", "azure", "gcp"];
const ccfProviderName: Record<Provider, string> = { aws: "AWS", azure: "AZURE", gcp: "GCP" };
const gsfProviderName: Record<string, Provider> = {
  "Amazon Web Services": "aws",
  "Microsoft Azure": "azure",
  "Google Cloud": "gcp",
};

const readRef = (path: string): string => readFileSync(join(referenceRoot, path), "utf8");
const readSource = (path: string): string => readFileSync(join(sourcesDir, path), "utf8");
const csvRef = (path: string) => parseCsvObjects(readRef(path));
const csvSource = (path: string) => parseCsvObjects(readSource(path));
const num = (value: string | undefined): number | null => {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.toUpperCase() === "NA") return null;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : null;
};
const round = (value: number, digits = 6): number => Number(value.toFixed(digits));
const warnings: string[] = [];
const warn = (message: string) => warnings.push(message);

// ---------------------------------------------------------------------------------------------
// CPU coefficients
// ---------------------------------------------------------------------------------------------

type CpuEntry = {
  minW: number;
  maxW: number;
  gbPerChip: number | null;
  source: string;
  note?: string;
};

/** Microarchitecture names as Canopy spells them (CCF application spelling, extended). */
const canonicalArch = (name: string): string => {
  const trimmed = name.trim();
  if (/^EPYC /.test(trimmed)) return `AMD ${trimmed}`;
  if (/^Graviton/.test(trimmed)) return `AWS ${trimmed}`;
  return trimmed;
};
/**
 * Left out on purpose: ccf-coefficients' EPYC 5th Gen row (3.68/8.96 W per vCPU) is 4-5× the
 * EPYC 4th Gen figure and unreviewed upstream; rows that would need it get the provider average
 * with a reason instead.
 */
const excludedArchs = new Set(["AMD EPYC 5th Gen"]);

const ccfAppCpu = csvRef("ccf/cpu_microarchitecture_coefficients.csv");
const appCpu = (provider: Provider): Map<string, CpuEntry> => {
  const map = new Map<string, CpuEntry>();
  for (const row of ccfAppCpu) {
    if (
      row.provider !== ccfProviderName[provider] ||
      row.microarchitecture === "Unknown (fallback)"
    )
      continue;
    map.set(canonicalArch(row.microarchitecture ?? ""), {
      minW: num(row.min_watts) ?? 0,
      maxW: num(row.max_watts) ?? 0,
      gbPerChip: num(row.memory_gb_per_physical_chip),
      source: `ccf/cpu_microarchitecture_coefficients.csv (${ccfProviderName[provider]})`,
    });
  }
  return map;
};
const appFallback = (provider: Provider): CpuEntry => {
  const row = ccfAppCpu.find(
    (r) => r.provider === ccfProviderName[provider] && r.microarchitecture === "Unknown (fallback)",
  );
  if (!row) throw new Error(`no CCF fallback row for ${provider}`);
  return {
    minW: num(row.min_watts) ?? 0,
    maxW: num(row.max_watts) ?? 0,
    gbPerChip: num(row.memory_gb_per_physical_chip),
    source: `ccf/cpu_microarchitecture_coefficients.csv (${ccfProviderName[provider]} Unknown fallback)`,
  };
};
const coefficientsUse = (provider: Provider): Map<string, CpuEntry> => {
  const map = new Map<string, CpuEntry>();
  for (const row of csvRef(`ccf-coefficients/output/coefficients-${provider}-use.csv`)) {
    const arch = canonicalArch(row.Architecture ?? "");
    if (excludedArchs.has(arch)) continue;
    map.set(arch, {
      minW: round(num(row["Min Watts"]) ?? 0, 4),
      maxW: round(num(row["Max Watts"]) ?? 0, 4),
      gbPerChip: num(row["GB/Chip"]) === null ? null : round(num(row["GB/Chip"]) ?? 0, 2),
      source: `ccf-coefficients/output/coefficients-${provider}-use.csv`,
    });
  }
  return map;
};
const fillMissing = (target: Map<string, CpuEntry>, from: Map<string, CpuEntry>, note?: string) => {
  for (const [arch, entry] of from) {
    if (!target.has(arch)) target.set(arch, note ? { ...entry, note } : entry);
  }
};
const ampereProxyNote =
  "Ampere Altra approximated by AWS Graviton2 coefficients (both use the Arm Neoverse N1 core)";
const addAmpereProxy = (target: Map<string, CpuEntry>) => {
  const graviton2 = target.get("AWS Graviton2");
  if (graviton2) target.set("Ampere Altra", { ...graviton2, note: ampereProxyNote });
};

const cpuSets: Record<"canopy" | "ccf", Record<Provider, Record<string, CpuEntry>>> = {
  canopy: { aws: {}, azure: {}, gcp: {} },
  ccf: { aws: {}, azure: {}, gcp: {} },
};
const awsView = coefficientsUse("aws");
for (const provider of providers) {
  // canopy: newest CCF coefficients (provider view, then AWS view, then CCF application table)
  const canopy = coefficientsUse(provider);
  fillMissing(canopy, awsView);
  fillMissing(canopy, appCpu(provider));
  addAmpereProxy(canopy);
  cpuSets.canopy[provider] = Object.fromEntries([...canopy].sort(([a], [b]) => a.localeCompare(b)));

  // ccf: CCF application constants; gaps (CCF's silent fallbacks) filled from CCF's own other tables
  const ccf = appCpu(provider);
  for (const other of providers) {
    if (other !== provider) {
      fillMissing(
        ccf,
        appCpu(other),
        `not in CCF's ${ccfProviderName[provider]} table; CCF ${ccfProviderName[other]} value used`,
      );
    }
  }
  fillMissing(
    ccf,
    awsView,
    "not in the CCF application tables; ccf-coefficients (AWS view) value used",
  );
  addAmpereProxy(ccf);
  cpuSets.ccf[provider] = Object.fromEntries([...ccf].sort(([a], [b]) => a.localeCompare(b)));
}
const cpuProviderAverage = {
  canopy: Object.fromEntries(providers.map((p) => [p, appFallback(p)])),
  ccf: Object.fromEntries(providers.map((p) => [p, appFallback(p)])),
};

// ---------------------------------------------------------------------------------------------
// GPU coefficients
// ---------------------------------------------------------------------------------------------

type GpuModelOut = {
  name: string;
  minW: number;
  maxW: number;
  source: string;
  kind?: string;
  /** "ccf": CCF/Teads idle figure; "derived": data-sheet max × the CCF idle share (see idleRule). */
  idleBasis?: "ccf" | "data-sheet" | "derived";
};
const gpuModels: Record<string, GpuModelOut> = {};
const gpuByProvider: Record<Provider, string[]> = { aws: [], azure: [], gcp: [] };
for (const row of csvRef("ccf/gpu_coefficients.csv")) {
  const provider = providers.find((p) => ccfProviderName[p] === row.provider);
  if (!provider) continue;
  const key = gpuModelKeyOfName(row.gpu_model ?? "");
  gpuModels[key] ??= {
    name: row.gpu_model ?? key,
    minW: num(row.min_watts) ?? 0,
    maxW: num(row.max_watts) ?? 0,
    source: "ccf/gpu_coefficients.csv",
  };
  if (!gpuByProvider[provider].includes(key)) gpuByProvider[provider].push(key);
}

// Accelerator table (data/sources/accelerators.csv): every GPU, TPU and AI/FPGA accelerator the
// three clouds sell, with match aliases; data-sheet max power for the models CCF lacks. Where a
// data sheet gives only the max, idle = max × the median idle/max share of CCF's GPU rows.
const ccfIdleShares = Object.values(gpuModels)
  .map((m) => m.minW / m.maxW)
  .sort((a, b) => a - b);
const middle = Math.floor(ccfIdleShares.length / 2);
const derivedIdleShare = round(
  ccfIdleShares.length % 2 === 1
    ? (ccfIdleShares[middle] ?? 0)
    : ((ccfIdleShares[middle - 1] ?? 0) + (ccfIdleShares[middle] ?? 0)) / 2,
  4,
);
for (const model of Object.values(gpuModels)) model.idleBasis = "ccf";
type AcceleratorOut = { name: string; kind: string; source: string; proxyOf?: string };
const accelerators: Record<string, AcceleratorOut> = {};
const acceleratorAliases: [string, string][] = [];
const aliasPhrase = (text: string): string =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .join(" ");
for (const row of csvSource("accelerators.csv")) {
  const key = row.key ?? "";
  const maxW = num(row.max_watts);
  const idleW = num(row.idle_watts);
  const source = row.power_source ?? "";
  const ccf = gpuModels[key];
  if (ccf && maxW !== null) throw new Error(`accelerators.csv: ${key} has CCF figures and a max`);
  if (ccf) {
    ccf.name = row.name ?? ccf.name;
    ccf.kind = row.kind ?? "gpu";
  }
  if (!ccf && maxW !== null) {
    gpuModels[key] = {
      name: row.name ?? key,
      minW: idleW ?? round(maxW * derivedIdleShare, 2),
      maxW,
      source,
      kind: row.kind ?? "gpu",
      idleBasis: idleW === null ? "derived" : "data-sheet",
    };
  }
  const proxyOf = row.proxy_of ?? "";
  if (proxyOf !== "" && !gpuModels[proxyOf])
    throw new Error(`accelerators.csv: unknown proxy ${proxyOf}`);
  accelerators[key] = {
    name: row.name ?? key,
    kind: row.kind ?? "gpu",
    source,
    ...(proxyOf === "" ? {} : { proxyOf }),
  };
  for (const alias of (row.aliases ?? key).split(";")) {
    const phrase = aliasPhrase(alias);
    if (phrase !== "") acceleratorAliases.push([phrase, key]);
  }
}
for (const key of Object.keys(gpuModels)) {
  if (!accelerators[key]) throw new Error(`accelerators.csv: CCF model ${key} has no row`);
}
// Longest phrase first, so "h100 nvl" wins over "h100"
acceleratorAliases.sort(
  (a, b) => b[0].split(" ").length - a[0].split(" ").length || a[0].localeCompare(b[0]),
);

// ---------------------------------------------------------------------------------------------
// Embodied model (CCF / Teads increments) for rows without a CCF figure
// ---------------------------------------------------------------------------------------------

const embodiedModel = {
  baseKg: 1000,
  memoryKgPerGbAbove16: 533 / 384,
  cpuKgPerExtraSocket: 100,
  ssdKgPerDrive: 100,
  hddKgPerDrive: 50,
  gpuKgPerGpu: 150,
  source:
    "CCF embodied method (ccf-coefficients: 1000 kg base server + increments; Dell R740 LCA for memory)",
};
const modelEmbodiedKg = (
  hostMemoryGb: number,
  sockets: number,
  ssd: number,
  hdd: number,
  gpus: number,
): number =>
  round(
    embodiedModel.baseKg +
      Math.max(0, hostMemoryGb - 16) * embodiedModel.memoryKgPerGbAbove16 +
      Math.max(0, sockets - 1) * embodiedModel.cpuKgPerExtraSocket +
      ssd * embodiedModel.ssdKgPerDrive +
      hdd * embodiedModel.hddKgPerDrive +
      gpus * embodiedModel.gpuKgPerGpu,
    2,
  );

// ---------------------------------------------------------------------------------------------
// Instance catalog
// ---------------------------------------------------------------------------------------------

type InstanceRow = {
  provider: Provider;
  key: string;
  name: string;
  family: string;
  vcpus: number | null;
  memoryGb: number | null;
  hostVcpus: number | null;
  familyLargestVcpus: number | null;
  familyLargestMemoryGb: number | null;
  embodiedKgPerHost: number | null;
  microarchitectures: string[];
  gpuCount: number;
  gpuModel: string;
  burstableBaseline: number | null;
  source: string;
};
const instances = new Map<string, InstanceRow>();
const instanceId = (provider: Provider, key: string) => `${provider}|${key}`;
const addInstance = (row: InstanceRow) => {
  const id = instanceId(row.provider, row.key);
  if (!instances.has(id)) instances.set(id, row);
};
const archList = (value: string | undefined): string[] =>
  (value ?? "")
    .split(";")
    .map((a) => canonicalArch(a))
    .filter((a) => a !== "" && a !== "Unknown");

const cpuNameFill = new Map<string, string>();
const familyArchFill = new Map<string, string>();
for (const row of csvSource("cpu-microarchitectures.csv")) {
  const target = row.match_kind === "cpu_name" ? cpuNameFill : familyArchFill;
  target.set(`${row.provider}|${row.match}`, row.microarchitecture ?? "");
}
const burstable = new Map<string, number>();
for (const row of csvSource("burstable-baselines.csv")) {
  const provider = row.provider as Provider;
  burstable.set(
    instanceId(provider, normalizeInstanceType(provider, row.instance_type ?? "")),
    num(row.baseline_utilization_per_vcpu) ?? 0.5,
  );
}

// AWS -----------------------------------------------------------------------------------------
{
  const teads = new Map(
    csvRef("ccf-coefficients/data/aws-instances.csv").map((r) => [
      (r["Instance type"] ?? "").toLowerCase(),
      r,
    ]),
  );
  const embodied = new Map(
    csvRef("ccf-coefficients/output/coefficients-aws-embodied.csv").map((r) => [
      (r.type ?? "").toLowerCase(),
      num(r.total),
    ]),
  );
  const familyOf = (type: string) => type.split(".")[0] ?? type;
  const familyEmbodied = new Map<string, number>();
  for (const [type, total] of embodied) {
    if (total !== null && !familyEmbodied.has(familyOf(type)))
      familyEmbodied.set(familyOf(type), total);
  }
  const appRows = csvRef("ccf/aws_instance_types.csv");
  // CCF's host figure is per family; a few sizes (c6i.32xlarge, c6i.metal) lack it in the table
  const appFamilyEmbodied = new Map<string, number>();
  for (const row of appRows) {
    const value = num(row.embodied_kgco2e_per_host);
    const family = (row.family ?? "").toLowerCase();
    if (value !== null && family !== "u-3tb1" && !appFamilyEmbodied.has(family))
      appFamilyEmbodied.set(family, value);
  }
  // Family-level microarchitecture from the hardware table when the CCF row says Unknown
  const familyCpuArch = new Map<string, string>();
  for (const row of appRows) {
    const cpu = teads.get((row.instance_type ?? "").toLowerCase())?.["Platform CPU Name"];
    const arch = cpu ? cpuNameFill.get(`aws|${cpu}`) : undefined;
    if (arch && !familyCpuArch.has((row.family ?? "").toLowerCase()))
      familyCpuArch.set((row.family ?? "").toLowerCase(), arch);
  }
  for (const row of appRows) {
    const key = normalizeInstanceType("aws", row.instance_type ?? "");
    const family = (row.family ?? "").toLowerCase();
    const hardware = teads.get(key);
    let archs = archList(row.microarchitectures);
    let archSource = "ccf/aws_instance_types.csv";
    if (archs.length === 0) {
      const cpu = hardware?.["Platform CPU Name"];
      const fill =
        (cpu ? cpuNameFill.get(`aws|${cpu}`) : undefined) ??
        familyArchFill.get(`aws|${family}`) ??
        familyCpuArch.get(family);
      if (fill) {
        archs = [fill];
        archSource = "data/sources/cpu-microarchitectures.csv";
      } else {
        warn(`aws ${key}: microarchitecture unknown`);
      }
    }
    let embodiedKg = embodied.get(key) ?? familyEmbodied.get(family) ?? null;
    let embodiedSource = "ccf-coefficients/output/coefficients-aws-embodied.csv";
    if (family === "u-3tb1") {
      // CCF's u-*tb1 rows carry memory where embodied belongs; no ccf-coefficients row exists for
      // u-3tb1, so the host is modelled: 3072 GB, 4 sockets (224 vCPU of 28-core Xeon 8176M).
      embodiedKg = modelEmbodiedKg(3072, 4, 0, 0, 0);
      embodiedSource = "CCF embodied increments (modelled)";
    }
    if (embodiedKg === null) {
      embodiedKg = num(row.embodied_kgco2e_per_host) ?? appFamilyEmbodied.get(family) ?? null;
      embodiedSource = "ccf/aws_instance_types.csv";
    }
    const gpuModel = row.gpu_model ? gpuModelKeyOfName(row.gpu_model) : "";
    addInstance({
      provider: "aws",
      key,
      name: row.instance_type ?? key,
      family,
      vcpus: num(row.vcpu),
      memoryGb: num(row.memory_gb),
      hostVcpus: num(hardware?.["Platform Total Number of vCPU"]) ?? num(row.family_largest_vcpu),
      familyLargestVcpus: num(row.family_largest_vcpu),
      familyLargestMemoryGb: num(row.family_largest_memory_gb),
      embodiedKgPerHost: embodiedKg,
      microarchitectures: archs,
      gpuCount: num(row.gpu_count) ?? 0,
      gpuModel,
      burstableBaseline:
        num(row.burstable_baseline_utilization_pct) === null
          ? null
          : (num(row.burstable_baseline_utilization_pct) ?? 0) / 100,
      source: `${archSource}; embodied: ${embodiedSource}`,
    });
  }
  for (const row of csvRef("ccf/aws_service_node_types.csv")) {
    const key = normalizeInstanceType("aws", row.instance_type ?? "");
    if (instances.has(instanceId("aws", key))) continue;
    addInstance({
      provider: "aws",
      key,
      name: row.instance_type ?? key,
      family: key.split(".")[0] ?? key,
      vcpus: num(row.vcpu),
      memoryGb: num(row.memory_gb),
      hostVcpus: null,
      familyLargestVcpus: null,
      familyLargestMemoryGb: null,
      embodiedKgPerHost: null,
      microarchitectures: [],
      gpuCount: 0,
      gpuModel: "",
      burstableBaseline: null,
      source: "ccf/aws_service_node_types.csv",
    });
  }
}

// Azure ---------------------------------------------------------------------------------------
{
  const hardware = new Map<string, Record<string, string>>();
  for (const row of csvRef("ccf-coefficients/data/azure-instances.csv")) {
    const key = normalizeInstanceType("azure", row["Virtual Machine"] ?? "");
    if (!hardware.has(key)) hardware.set(key, row);
  }
  const embodied = new Map<string, number | null>();
  for (const row of csvRef("ccf-coefficients/output/coefficients-azure-embodied.csv")) {
    const key = normalizeInstanceType("azure", row.type ?? "");
    if (!embodied.has(key)) embodied.set(key, num(row.total));
  }
  const appRows = csvRef("ccf/azure_vm_types.csv");
  const appArchs = new Map<string, string[]>();
  for (const row of appRows)
    appArchs.set(
      normalizeInstanceType("azure", row.vm_size ?? ""),
      archList(row.microarchitectures),
    );
  /** Constrained-vCPU size → its full size: `e4-2s v3` → `e4s v3`, `ds11-1 v2` → `ds11 v2`. */
  const parentOfConstrained = (key: string): string =>
    key.replace(/^([a-z]+\d+)-\d+([a-z]*)/, "$1$2");
  for (const row of appRows) {
    const key = normalizeInstanceType("azure", row.vm_size ?? "");
    const hw = hardware.get(key);
    let archs = archList(row.microarchitectures);
    let archSource = "ccf/azure_vm_types.csv";
    if (archs.length === 0 && hw) {
      archs = archList(hw.Microarchitecture);
      archSource = "ccf-coefficients/data/azure-instances.csv";
    }
    if (archs.length === 0) {
      const parent = parentOfConstrained(key);
      archs = (parent !== key ? appArchs.get(parent) : undefined) ?? [];
      if (archs.length > 0)
        archSource = "ccf/azure_vm_types.csv (parent size of constrained vCPU size)";
    }
    if (archs.length === 0) warn(`azure ${key}: microarchitecture unknown`);
    let embodiedKg = embodied.get(key) ?? null;
    let embodiedSource = "ccf-coefficients/output/coefficients-azure-embodied.csv";
    if (embodiedKg === null) {
      embodiedKg = num(row.embodied_kgco2e_per_host);
      embodiedSource = "ccf/azure_vm_types.csv";
    }
    addInstance({
      provider: "azure",
      key,
      name: row.vm_size ?? key,
      family: row.series ?? "",
      vcpus: num(row.vcpu),
      memoryGb: num(row.memory_gb),
      hostVcpus:
        num(hw?.["Platform vCPUs (highest vCPU possible)"]) ?? num(row.family_largest_vcpu),
      familyLargestVcpus: num(row.family_largest_vcpu),
      familyLargestMemoryGb: num(row.family_largest_memory_gb),
      embodiedKgPerHost: embodiedKg,
      microarchitectures: archs,
      gpuCount: num(row.gpu_count) ?? 0,
      gpuModel: row.gpu_model ? gpuModelKeyOfName(row.gpu_model) : "",
      burstableBaseline: burstable.get(instanceId("azure", key)) ?? null,
      source: `${archSource}; embodied: ${embodiedSource}`,
    });
  }
}

// GCP -----------------------------------------------------------------------------------------
const gcpSeries: Record<string, { microarchitectures: string[]; source: string }> = {};
{
  const hardware = new Map<string, Record<string, string>>();
  for (const row of csvRef("ccf-coefficients/data/gcp-instances.csv")) {
    const key = normalizeInstanceType("gcp", row["Machine type"] ?? "");
    if (!hardware.has(key)) hardware.set(key, row);
  }
  const embodiedMean = new Map(
    csvRef("ccf-coefficients/output/coefficients-gcp-embodied-mean.csv").map((r) => [
      (r.type ?? "").toLowerCase(),
      num(r.total_mean),
    ]),
  );
  for (const row of csvRef("ccf/gcp_machine_series_microarchitectures.csv")) {
    const archs = archList(row.microarchitectures);
    if (archs.length > 0)
      gcpSeries[row.series_key ?? ""] = {
        microarchitectures: archs,
        source: "ccf/gcp_machine_series_microarchitectures.csv",
      };
  }
  for (const row of csvRef("ccf/gcp_machine_types.csv")) {
    const key = normalizeInstanceType("gcp", row.machine_type ?? "");
    const hw = hardware.get(key);
    let archs = archList(row.microarchitectures_by_series);
    let archSource = "ccf/gcp_machine_types.csv (microarchitectures_by_series)";
    if (archs.length === 0 && (key === "f1-micro" || key === "g1-small")) {
      archs = gcpSeries.n1?.microarchitectures ?? [];
      archSource = "ccf/gcp_machine_series_microarchitectures.csv (n1: shared-core N1 hosts)";
    }
    let embodiedKg = embodiedMean.get(key) ?? null;
    let embodiedSource = "ccf-coefficients/output/coefficients-gcp-embodied-mean.csv";
    if (embodiedKg === null) {
      embodiedKg = num(row.embodied_kgco2e_per_host);
      embodiedSource = "ccf/gcp_machine_types.csv";
    }
    addInstance({
      provider: "gcp",
      key,
      name: row.machine_type ?? key,
      family: row.family ?? "",
      vcpus: num(row.vcpu),
      memoryGb: num(hw?.["Instance Memory"]),
      hostVcpus:
        num(hw?.["Platform vCPUs (highest vCPU possible)"]) ?? num(row.family_largest_vcpu),
      familyLargestVcpus: num(row.family_largest_vcpu),
      familyLargestMemoryGb: num(hw?.["Platform Memory"]),
      embodiedKgPerHost: embodiedKg,
      microarchitectures: archs,
      gpuCount: 0,
      gpuModel: "",
      burstableBaseline: burstable.get(instanceId("gcp", key)) ?? null,
      source: `${archSource}; embodied: ${embodiedSource}`,
    });
  }
}

// Newer families from provider specifications ---------------------------------------------------
for (const row of csvSource("instance-families-added.csv")) {
  const provider = row.provider as Provider;
  const sizes = (row.sizes ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map((spec) => {
      const [name, vcpus, memoryGb] = spec.split(":");
      return { name: name ?? "", vcpus: Number(vcpus), memoryGb: Number(memoryGb) };
    });
  const largest = sizes.reduce((a, b) => (b.vcpus > a.vcpus ? b : a));
  const sockets = num(row.host_sockets) ?? 1;
  const embodiedKg = modelEmbodiedKg(
    largest.memoryGb,
    sockets,
    num(row.host_ssd_drives) ?? 0,
    num(row.host_hdd_drives) ?? 0,
    num(row.host_gpus) ?? 0,
  );
  const arch = row.microarchitecture ?? "";
  if (provider === "gcp") {
    const series = (row.family ?? "").split("-")[0] ?? "";
    gcpSeries[series] ??= { microarchitectures: [arch], source: row.source_url ?? "" };
  }
  for (const size of sizes) {
    addInstance({
      provider,
      key: normalizeInstanceType(provider, size.name),
      name: size.name,
      family: row.family ?? "",
      vcpus: size.vcpus,
      memoryGb: size.memoryGb,
      hostVcpus: largest.vcpus,
      familyLargestVcpus: largest.vcpus,
      familyLargestMemoryGb: largest.memoryGb,
      embodiedKgPerHost: embodiedKg,
      microarchitectures: [arch],
      gpuCount: 0,
      gpuModel: row.gpu_model ? gpuModelKeyOfName(row.gpu_model) : "",
      burstableBaseline: null,
      source: `${row.source_url}; embodied: CCF embodied increments (modelled, ${sockets} socket(s), ${largest.memoryGb} GB host)`,
    });
  }
}

// Accelerator instance families (data/sources/accelerator-instance-families.csv) -----------------
// Sizes are `name:vCPUs:GB:accelerators`; `name:::accelerators` patches a row already in the
// catalog (its CCF vCPUs, memory, CPU and embodied figures are kept).
const acceleratorCountOf = (text: string): number => {
  const [numerator, denominator] = text.split("/");
  const value = Number(numerator) / (denominator === undefined ? 1 : Number(denominator));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`bad accelerator count ${text}`);
  return round(value, 6);
};
for (const row of csvSource("accelerator-instance-families.csv")) {
  const provider = row.provider as Provider;
  const model = row.accelerator ?? "";
  if (!accelerators[model]) throw new Error(`accelerator-instance-families.csv: unknown ${model}`);
  const sizes = (row.sizes ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map((spec) => {
      const [name, vcpus, memoryGb, count] = spec.split(":");
      return {
        name: name ?? "",
        vcpus: num(vcpus),
        memoryGb: num(memoryGb),
        accelerators: acceleratorCountOf(count ?? ""),
      };
    });
  const hostAccelerators = Math.max(...sizes.map((s) => s.accelerators));
  const listed = sizes.filter((s) => s.vcpus !== null);
  const largest = listed.reduce<(typeof listed)[number] | undefined>(
    (a, b) => (a === undefined || (b.vcpus ?? 0) > (a.vcpus ?? 0) ? b : a),
    undefined,
  );
  const arch = row.microarchitecture ?? "";
  const source = `accelerators: ${row.source_url}`;
  for (const size of sizes) {
    const key = normalizeInstanceType(provider, size.name);
    const existing = instances.get(instanceId(provider, key));
    if (existing) {
      // The upstream host figure left these accelerators out (ccf-coefficients additional_gpus 0)
      const addEmbodied =
        row.add_accelerator_embodied === "yes" && existing.embodiedKgPerHost !== null;
      instances.set(instanceId(provider, key), {
        ...existing,
        gpuCount: size.accelerators,
        gpuModel: model,
        embodiedKgPerHost: addEmbodied
          ? round(
              (existing.embodiedKgPerHost ?? 0) + hostAccelerators * embodiedModel.gpuKgPerGpu,
              2,
            )
          : existing.embodiedKgPerHost,
        source: `${existing.source}; ${source}${addEmbodied ? ` (+${hostAccelerators} x ${embodiedModel.gpuKgPerGpu} kg accelerator embodied)` : ""}`,
      });
      continue;
    }
    if (size.vcpus === null || largest === undefined)
      throw new Error(`accelerator-instance-families.csv: ${size.name} is new and needs vCPUs`);
    const hostMemoryGb = largest.memoryGb ?? 0;
    addInstance({
      provider,
      key,
      name: size.name,
      family: row.family ?? "",
      vcpus: size.vcpus,
      memoryGb: size.memoryGb,
      hostVcpus: largest.vcpus,
      familyLargestVcpus: largest.vcpus,
      familyLargestMemoryGb: largest.memoryGb,
      embodiedKgPerHost: modelEmbodiedKg(hostMemoryGb, 1, 0, 0, hostAccelerators),
      microarchitectures: arch === "" ? [] : [arch],
      gpuCount: size.accelerators,
      gpuModel: model,
      burstableBaseline: null,
      source: `${source}; embodied: CCF embodied increments (modelled, 1 socket, ${hostMemoryGb} GB host, ${hostAccelerators} accelerators)`,
    });
  }
}
// Providers' accelerator lists (for provider averages) include every powered, non-proxy model
// their catalog rows use
for (const row of instances.values()) {
  const model = row.gpuModel;
  if (model === "" || !gpuModels[model] || accelerators[model]?.proxyOf) continue;
  if (!gpuByProvider[row.provider].includes(model)) gpuByProvider[row.provider].push(model);
}

// Consistency: a host is never smaller than an instance on it (a few upstream rows disagree, e.g.
// Azure M416ms v2 with a 208-vCPU "platform", GCP m1-ultramem with 1433.6 GB "platform memory").
for (const [id, row] of instances) {
  const atLeast = (host: number | null, own: number | null): number | null =>
    host === null ? host : own !== null && own > host ? own : host;
  const fixed = {
    ...row,
    hostVcpus: atLeast(row.hostVcpus, row.vcpus),
    familyLargestVcpus: atLeast(row.familyLargestVcpus, row.vcpus),
    familyLargestMemoryGb: atLeast(row.familyLargestMemoryGb, row.memoryGb),
  };
  if (
    fixed.hostVcpus !== row.hostVcpus ||
    fixed.familyLargestVcpus !== row.familyLargestVcpus ||
    fixed.familyLargestMemoryGb !== row.familyLargestMemoryGb
  ) {
    warn(`${id}: host smaller than the instance upstream; raised to the instance's size`);
    instances.set(id, fixed);
  }
}

// ---------------------------------------------------------------------------------------------
// Grid intensity (Electricity Maps yearly zone averages via CO2.js)
// ---------------------------------------------------------------------------------------------

type YearSeries = [number, number][];
const emDir = "grid-intensity/co2js/electricity-maps";
const emYears = readdirSync(join(referenceRoot, emDir))
  .map((f) => /^yearly_(\d{4})\.json$/.exec(f)?.[1])
  .filter((y): y is string => y !== undefined)
  .map(Number)
  .sort((a, b) => a - b);
const emByYear = new Map<number, Record<string, { carbonIntensity?: { value?: number } }>>();
for (const year of emYears) emByYear.set(year, JSON.parse(readRef(`${emDir}/yearly_${year}.json`)));
const zoneSeries = (zone: string): YearSeries | null => {
  const series: YearSeries = [];
  for (const year of emYears) {
    const value = emByYear.get(year)?.[zone]?.carbonIntensity?.value;
    if (typeof value === "number" && Number.isFinite(value) && value >= 0)
      series.push([year, value]);
  }
  return series.length > 0 ? series : null;
};

// ---------------------------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------------------------

type RegionOut = {
  provider: Provider;
  region: string;
  location: string;
  gridZone: string | null;
  zoneSource: string;
  pue: YearSeries;
  wue: YearSeries;
  cfe: YearSeries;
  cfeBasis: string;
  ccfGridGPerKwh: number | null;
  ccfPue: number | null;
  members: string[] | null;
  notes: string[];
};
const regions = new Map<string, RegionOut>();
const regionId = (provider: Provider, region: string) => `${provider}|${region}`;
const ensureRegion = (provider: Provider, region: string): RegionOut => {
  const id = regionId(provider, region);
  let entry = regions.get(id);
  if (!entry) {
    entry = {
      provider,
      region,
      location: "",
      gridZone: null,
      zoneSource: "",
      pue: [],
      wue: [],
      cfe: [],
      cfeBasis: "",
      ccfGridGPerKwh: null,
      ccfPue: null,
      members: null,
      notes: [],
    };
    regions.set(id, entry);
  }
  return entry;
};

const gsfRows = csvRef("region-metadata/Cloud_Region_Metadata.csv").filter(
  (r) => gsfProviderName[r["cloud-provider"] ?? ""],
);
const overrides = csvSource("region-overrides.csv");
/** GSF rows that an override re-assigns to another region id (value `region` or `region@Location`). */
const takeRows = new Map<string, { source: string; location?: string; reason: string }>();
for (const o of overrides) {
  if (o.action !== "take-gsf-row") continue;
  const [source, location] = (o.value ?? "").split("@");
  takeRows.set(regionId(o.provider as Provider, o.region ?? ""), {
    source: source ?? "",
    location,
    reason: o.reason ?? "",
  });
}
const consumedSources = new Set(
  [...takeRows.entries()].map(([target, t]) => `${target.split("|")[0]}|${t.source}`),
);
const rowsByRegion = new Map<string, Record<string, string>[]>();
for (const row of gsfRows) {
  const provider = gsfProviderName[row["cloud-provider"] ?? ""] as Provider;
  const region = normalizeRegionName(provider, row["cloud-region"] ?? "");
  const list = rowsByRegion.get(regionId(provider, region)) ?? [];
  list.push(row);
  rowsByRegion.set(regionId(provider, region), list);
}
const gsfAssignments = new Map<string, Record<string, string>[]>();
for (const [id, rows] of rowsByRegion) {
  if (!consumedSources.has(id)) gsfAssignments.set(id, rows);
}
for (const [target, take] of takeRows) {
  const provider = target.split("|")[0] as Provider;
  const rows = (rowsByRegion.get(regionId(provider, take.source)) ?? []).filter(
    (r) => take.location === undefined || r.location === take.location,
  );
  if (rows.length === 0)
    warn(`override ${target}: no GSF rows for ${take.source}@${take.location ?? "*"}`);
  gsfAssignments.set(target, rows);
}

/** Provider-years whose WUE is one fleet-wide figure repeated on every row (AWS 2022 and 2023). */
const fleetWue = new Map<string, number>();
{
  const byProviderYear = new Map<string, Set<number>>();
  const counts = new Map<string, number>();
  for (const row of gsfRows) {
    const wue = num(row["water-usage-effectiveness"]);
    if (wue === null) continue;
    const key = `${gsfProviderName[row["cloud-provider"] ?? ""]}|${row.year}`;
    const set = byProviderYear.get(key) ?? new Set<number>();
    set.add(wue);
    byProviderYear.set(key, set);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, values] of byProviderYear) {
    if (values.size === 1 && (counts.get(key) ?? 0) >= 10)
      fleetWue.set(key, [...values][0] as number);
  }
}

for (const [id, rows] of gsfAssignments) {
  const [providerText, region] = id.split("|") as [Provider, string];
  const provider = providerText;
  const entry = ensureRegion(provider, region);
  const sorted = [...rows].sort((a, b) => Number(a.year) - Number(b.year));
  for (const row of sorted) {
    const year = Number(row.year);
    if (row.location) entry.location = row.location;
    const zone = row["em-zone-id"] ?? "";
    if (zone !== "") {
      entry.gridZone = zone; // latest year wins (earlier GSF years carry several wrong zones)
      entry.zoneSource = `GSF Cloud_Region_Metadata.csv (${row.year})`;
    }
    const pue = num(row["power-usage-effectiveness"]);
    if (pue !== null && pue >= 1) entry.pue.push([year, pue]);
    const wue = num(row["water-usage-effectiveness"]);
    if (wue !== null && wue >= 0 && !fleetWue.has(`${provider}|${row.year}`))
      entry.wue.push([year, wue]);
    if (provider !== "gcp") {
      const annual = num(row["provider-cfe-annual"]);
      const hourly = num(row["provider-cfe-hourly"]);
      const cfe = annual ?? hourly;
      if (cfe !== null && cfe >= 0 && cfe <= 1) {
        entry.cfe.push([year, cfe]);
        entry.cfeBasis =
          annual !== null ? "provider-cfe-annual (GSF)" : "provider-cfe-hourly (GSF)";
      }
    }
  }
  const take = takeRows.get(id);
  if (take) entry.notes.push(take.reason);
}

// Google's own region files: CFE (hourly-matched) per region and year, for GCP
{
  const dir = "region-metadata/google-region-carbon-info";
  const files = readdirSync(join(referenceRoot, dir))
    .filter((f) => /^\d{4}\.csv$/.test(f))
    .sort();
  for (const file of files) {
    const year = Number(file.slice(0, 4));
    for (const row of csvRef(`${dir}/${file}`)) {
      const region = normalizeRegionName("gcp", row["Google Cloud Region"] ?? "");
      if (region === "") continue;
      const entry = ensureRegion("gcp", region);
      if (!entry.location && row.Location) entry.location = row.Location;
      const cfe = num(row["Google CFE"]);
      if (cfe !== null && cfe >= 0 && cfe <= 1) {
        entry.cfe.push([year, cfe]);
        entry.cfeBasis = "Google CFE (hourly-matched), GoogleCloudPlatform/region-carbon-info";
      }
    }
  }
}

// CCF grid factors and PUE (for the ccf profile), and CCF's zone mapping as a fallback
const ccfGridUnknown: Partial<Record<Provider, number>> = {};
for (const row of csvRef("ccf/grid_emission_factors.csv")) {
  const provider = providers.find((p) => ccfProviderName[p] === row.provider);
  if (!provider) continue;
  const variant = row.variant ?? "";
  if (!variant.startsWith("default")) continue;
  const value = num(row.gco2e_per_kwh);
  if (row.region === "Unknown") {
    if (value !== null) ccfGridUnknown[provider] = value;
    continue;
  }
  if (row.region_kind && row.region_kind !== "region" && provider === "gcp") continue; // sums; recomputed as means
  const region = normalizeRegionName(provider, row.region ?? "");
  if (value === null) continue;
  const entry = ensureRegion(provider, region);
  entry.ccfGridGPerKwh ??= value;
  const zone = row.electricity_maps_zone ?? "";
  if (entry.gridZone === null && zone !== "") {
    entry.gridZone = zone;
    entry.zoneSource = "ccf/grid_emission_factors.csv (electricity_maps_zone)";
  }
}
const ccfPueDefault: Partial<Record<Provider, number>> = {};
for (const row of csvRef("ccf/pue.csv")) {
  const provider = providers.find((p) => ccfProviderName[p] === row.provider);
  if (!provider) continue;
  const value = num(row.pue);
  if (value === null) continue;
  if (row.region === "*") ccfPueDefault[provider] = value;
  else ensureRegion(provider, normalizeRegionName(provider, row.region ?? "")).ccfPue = value;
}

// Overrides: zones and GCP dual/multi-region members
for (const o of overrides) {
  const provider = o.provider as Provider;
  const region = o.region ?? "";
  if (o.action === "zone") {
    const entry = ensureRegion(provider, region);
    entry.gridZone = o.value ?? null;
    entry.zoneSource = `data/sources/region-overrides.csv (${o.source_url})`;
    entry.notes.push(o.reason ?? "");
  } else if (o.action === "members" || o.action === "members-prefix") {
    const entry = ensureRegion(provider, region);
    entry.members =
      o.action === "members"
        ? (o.value ?? "").split(";")
        : [...regions.values()]
            .filter(
              (r) =>
                r.provider === provider &&
                r.members === null &&
                r.region.startsWith(o.value ?? "\u0000") &&
                /\d$/.test(r.region),
            )
            .map((r) => r.region)
            .sort();
    entry.location = o.reason ?? "";
    entry.notes.push(`${o.reason} (${o.source_url})`);
  }
}

// Validate zones against the grid data
for (const entry of regions.values()) {
  if (entry.gridZone !== null && zoneSeries(entry.gridZone) === null) {
    warn(`${entry.provider} ${entry.region}: zone ${entry.gridZone} not in Electricity Maps data`);
    entry.gridZone = null;
  }
  if (entry.gridZone === null && entry.members === null)
    warn(`${entry.provider} ${entry.region}: no grid zone`);
  for (const series of [entry.pue, entry.wue, entry.cfe]) series.sort((a, b) => a[0] - b[0]);
}

// Aliases from CCF (Azure display names, AWS long names)
const regionAliases: Record<Provider, Record<string, string>> = { aws: {}, azure: {}, gcp: {} };
for (const row of csvRef("ccf/region_aliases.csv")) {
  const provider = providers.find((p) => ccfProviderName[p] === row.provider);
  if (!provider) continue;
  const canonical = normalizeRegionName(provider, row.canonical_region ?? "");
  const alias = normalizeRegionName(provider, row.alias ?? "");
  if (alias !== canonical) regionAliases[provider][alias] = canonical;
}

// Provider averages and the cross-provider WUE fallback
const meanByYear = (pairs: [number, number][]): YearSeries => {
  const acc = new Map<number, { sum: number; n: number }>();
  for (const [year, value] of pairs) {
    const a = acc.get(year) ?? { sum: 0, n: 0 };
    a.sum += value;
    a.n += 1;
    acc.set(year, a);
  }
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([year, a]) => [year, round(a.sum / a.n, 4)]);
};
const providerAverages: Record<string, unknown> = {};
for (const provider of providers) {
  const list = [...regions.values()].filter((r) => r.provider === provider && r.members === null);
  const wueRegional = meanByYear(list.flatMap((r) => r.wue));
  const wueFleet: YearSeries = [...fleetWue.entries()]
    .filter(([key]) => key.startsWith(`${provider}|`))
    .map(([key, value]) => [Number(key.split("|")[1]), value]);
  const wue = meanByYear([
    ...wueRegional.filter(([y]) => !wueFleet.some(([fy]) => fy === y)),
    ...wueFleet,
  ]);
  const gridPairs: [number, number][] = [];
  for (const r of list) {
    if (r.gridZone) gridPairs.push(...(zoneSeries(r.gridZone) ?? []));
  }
  providerAverages[provider] = {
    pue: meanByYear(list.flatMap((r) => r.pue)),
    wue,
    wueBasis:
      wueFleet.length > 0
        ? "fleet-wide figure where the provider published one, else mean of regional values"
        : "mean of regional values",
    grid: meanByYear(gridPairs),
    ccfPue: ccfPueDefault[provider] ?? null,
    ccfGridGPerKwh: ccfGridUnknown[provider] ?? null,
  };
}
const crossProviderWue = meanByYear([
  ...[...regions.values()].flatMap((r) => r.wue),
  ...[...fleetWue.entries()].map(([key, value]): [number, number] => [
    Number(key.split("|")[1]),
    value,
  ]),
]);

const usedZones = new Set(
  [...regions.values()].map((r) => r.gridZone).filter((z): z is string => z !== null),
);
const gridZones: Record<string, YearSeries> = {};
for (const zone of [...usedZones].sort()) gridZones[zone] = zoneSeries(zone) ?? [];

// ---------------------------------------------------------------------------------------------
// Scope 2: grid-factor boundaries, contractual coverage, residual mixes (scope2.json)
// ---------------------------------------------------------------------------------------------

type Boundary = "direct" | "lifecycle" | "unstated";
type CoverageOut = { byYear: YearSeries; basis: string; derivation?: Record<string, YearSeries> };
const contractualCoverage: Record<Provider, Record<string, CoverageOut>> = {
  aws: {},
  azure: {},
  gcp: {},
};
/** Carbon-free share (0-1) of an Electricity Maps zone's consumption, by year. */
const zoneCarbonFreeShare = (zone: string): YearSeries => {
  const series: YearSeries = [];
  for (const year of emYears) {
    const value = (
      emByYear.get(year)?.[zone] as { carbonFreeEnergy?: { value?: number } } | undefined
    )?.carbonFreeEnergy?.value;
    if (typeof value === "number" && value >= 0 && value <= 100) series.push([year, value / 100]);
  }
  return series;
};
const yearsText = (series: YearSeries): string =>
  series
    .map(([y]) => y)
    .sort((a, b) => a - b)
    .join(", ");
// AWS and Azure: the GSF shares are contractual (annual matching of purchased CFE); a reported
// market-based intensity of 0 for a year without a share is a 100 % contractual claim.
for (const [id, rows] of gsfAssignments) {
  const [provider, region] = id.split("|") as [Provider, string];
  if (provider === "gcp") continue;
  const shares: YearSeries = [];
  const marketZero: YearSeries = [];
  for (const row of rows) {
    const year = Number(row.year);
    const share = num(row["provider-cfe-annual"]) ?? num(row["provider-cfe-hourly"]);
    if (share !== null && share >= 0 && share <= 1) shares.push([year, share]);
    else if (num(row["provider-carbon-intensity-market-annual"]) === 0) marketZero.push([year, 1]);
  }
  if (shares.length + marketZero.length === 0) continue;
  const basis = [
    shares.length > 0
      ? `provider-cfe-annual (hourly where only that exists) ${yearsText(shares)}`
      : "",
    marketZero.length > 0
      ? `market-based intensity 0 reported for ${yearsText(marketZero)} (provider-carbon-intensity-market-annual), read as 100 % contractual`
      : "",
  ]
    .filter(Boolean)
    .join("; ");
  contractualCoverage[provider][region] = {
    byYear: [...shares, ...marketZero].sort((a, b) => a[0] - b[0]),
    basis: `GSF Cloud_Region_Metadata.csv: ${basis}`,
  };
}
// GCP: Google CFE is hourly grid CFE plus Google's contracts. With contracted share c served
// first and the grid's carbon-free share g on the rest, CFE = c + (1 - c) g, so
// c = (CFE - g) / (1 - g), per year with the zone's Electricity Maps carbon-free share.
for (const entry of regions.values()) {
  if (entry.provider !== "gcp" || entry.members !== null || entry.gridZone === null) continue;
  const grid = zoneCarbonFreeShare(entry.gridZone);
  const google: YearSeries = [];
  const used: YearSeries = [];
  const byYear: YearSeries = [];
  for (const [year, cfe] of entry.cfe) {
    const g = grid.find(([y]) => y === year)?.[1];
    if (g === undefined) continue;
    google.push([year, cfe]);
    used.push([year, g]);
    byYear.push([year, g >= 1 ? 0 : round(Math.min(1, Math.max(0, (cfe - g) / (1 - g))))]);
  }
  if (byYear.length === 0) continue;
  contractualCoverage.gcp[entry.region] = {
    byYear,
    basis: `derived: (Google CFE - grid CFE) / (1 - grid CFE); Google CFE from GoogleCloudPlatform/region-carbon-info, grid CFE = Electricity Maps carbonFreeEnergy of ${entry.gridZone}, same year (${yearsText(byYear)})`,
    derivation: { googleCfe: google, gridCfe: used },
  };
}

// Residual-mix areas (data/sources/residual-mix-areas.csv) and residual mixes (residual-mixes.csv)
const residualMixAreas: Record<Provider, Record<string, { scheme: string; area: string }>> = {
  aws: {},
  azure: {},
  gcp: {},
};
for (const row of csvSource("residual-mix-areas.csv")) {
  const provider = row.provider as Provider;
  if (!providers.includes(provider))
    throw new Error(`residual-mix-areas: provider ${row.provider}`);
  if (!regions.has(regionId(provider, row.region ?? "")))
    warn(`residual-mix-areas: ${provider} ${row.region} is not a pack region`);
  residualMixAreas[provider][row.region ?? ""] = { scheme: row.scheme ?? "", area: row.area ?? "" };
}
const residualMixes: Record<
  string,
  { byYear: YearSeries; boundary: Boundary; edition: string; sourceUrl: string }
> = {};
for (const row of csvSource("residual-mixes.csv")) {
  const key = `${row.scheme}:${row.area}`;
  const value = num(row.co2_g_per_kwh);
  const year = num(row.data_year);
  if (value === null || year === null) throw new Error(`residual-mixes: bad row for ${key}`);
  const entry = (residualMixes[key] ??= {
    byYear: [],
    boundary: (row.boundary ?? "unstated") as Boundary,
    edition: row.edition ?? "",
    sourceUrl: row.source_url ?? "",
  });
  entry.byYear.push([year, value]);
}

// Boundary of every grid factor: Electricity Maps yearly (canopy) and CCF's per-region factors
const ccfGridBoundary: Record<Provider, Record<string, { boundary: Boundary; source: string }>> = {
  aws: {},
  azure: {},
  gcp: {},
};
for (const row of csvRef("ccf/grid_emission_factors.csv")) {
  const provider = providers.find((p) => ccfProviderName[p] === row.provider);
  if (!provider || !(row.variant ?? "").startsWith("default")) continue;
  const region = row.region === "Unknown" ? "*" : normalizeRegionName(provider, row.region ?? "");
  if (ccfGridBoundary[provider][region]) continue;
  ccfGridBoundary[provider][region] =
    row.region === "Unknown"
      ? { boundary: "unstated", source: "CCF provider average (mixed sources)" }
      : row.us_nerc_region
        ? {
            boundary: "direct",
            source: `EPA eGRID2020 ${row.us_nerc_region} NERC-region factor (via CCF)`,
          }
        : provider === "gcp"
          ? {
              boundary: "unstated",
              source: "Google's published regional grid intensity (via CCF, year not stated)",
            }
          : { boundary: "unstated", source: "carbonfootprint.com / EEA country factor (via CCF)" };
}
const scope2 = {
  gridFactors: {
    canopy: {
      boundary: "lifecycle" as Boundary,
      source:
        "Electricity Maps yearly zone averages, free API defaults (consumption-based, lifecycle emission factors), via CO2.js",
    },
    ccf: ccfGridBoundary,
  },
  contractualCoverage,
  residualMixAreas,
  residualMixes,
};

// ---------------------------------------------------------------------------------------------
// Replication rules
// ---------------------------------------------------------------------------------------------

type RuleOut = {
  name: string;
  factor: number;
  anyOf?: string[];
  allOf?: string[][];
  regionIn?: string[];
  ccfKinds: string[];
  canopyKinds: string[];
};
const parseCondition = (
  condition: string,
): Pick<RuleOut, "anyOf" | "allOf" | "regionIn"> | null => {
  const c = condition.trim();
  if (c === "always" || c.startsWith("otherwise")) return {};
  const multi = /, and the row region is a (multi|dual)-region \(([^)]*)\)$/.exec(c);
  const base = multi ? c.slice(0, multi.index) : c;
  const regionIn = multi ? (multi[2] ?? "").split(",").map((s) => s.trim()) : undefined;
  const and = /^contains (\w+) and \((\w+) or (\w+)\)$/.exec(base);
  if (and) return { allOf: [[and[1] ?? ""], [and[2] ?? "", and[3] ?? ""]] };
  const anyOf = base.startsWith("contains any of:")
    ? base.slice("contains any of:".length).split(",")
    : base.startsWith("contains ")
      ? base.slice("contains ".length).split(/ or /)
      : null;
  if (!anyOf) return null;
  const cleaned = anyOf.map((s) => s.trim().replace(/^'(.*)'$/, "$1")).filter(Boolean);
  return regionIn ? { anyOf: cleaned, regionIn } : { anyOf: cleaned };
};
/** Rules whose second copy runs as an unbilled standby: Canopy replicates compute for these only. */
const canopyComputeReplication = new Set(["RDS_MULTI_AZ", "CLOUD_SQL_HIGH_AVAILABILITY"]);
const replication: Record<Provider, Record<string, RuleOut[]>> = { aws: {}, azure: {}, gcp: {} };
for (const row of csvRef("ccf/replication_factors.csv")) {
  const provider = providers.find((p) => ccfProviderName[p] === row.provider);
  const service = row.billing_service_name ?? "";
  if (!provider || service.startsWith("(any other")) continue;
  const condition = parseCondition(row.condition_on_usage_type ?? "");
  if (!condition)
    throw new Error(`cannot parse replication condition: ${row.condition_on_usage_type}`);
  const ccfKinds =
    (row.applies_to_estimates ?? "")
      .split("(")[0]
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const name = row.constant_name ?? "";
  const rule: RuleOut = {
    name,
    factor: num(row.replication_factor) ?? 1,
    ...condition,
    ccfKinds,
    canopyKinds: canopyComputeReplication.has(name)
      ? ["compute", "memory", "storage"]
      : ["storage"],
  };
  const key = service.toLowerCase();
  (replication[provider][key] ??= []).push(rule);
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const providerConstants = csvRef("ccf/provider_constants.csv");
const constant = (provider: string, name: string): number => {
  const row = providerConstants.find((r) => r.provider === provider && r.constant === name);
  const value = num(row?.value);
  if (value === null) throw new Error(`missing CCF constant ${provider} ${name}`);
  return value;
};
const constants = {
  ssdWhPerTbHour: constant("AWS", "SSD_COEFFICIENT"),
  hddWhPerTbHour: constant("AWS", "HDD_COEFFICIENT"),
  memoryKwhPerGbHour: constant("AWS", "MEMORY_COEFFICIENT"),
  networkKwhPerGb: constant("AWS", "NETWORKING_COEFFICIENT"),
  defaultCpuUtilization: constant("AWS", "AVG_CPU_UTILIZATION") / 100,
  defaultGpuUtilization: 0.5,
  ccfLifespanHours: constant("AWS", "SERVER_EXPECTED_LIFESPAN"),
  vcpusPerPhysicalChip: constant("ALL", "VCPUS_PER_PHYSICAL_CHIP_ASSUMED"),
  twoChipFamilies: ["m5zn", "z1d"],
  noExtraMemoryFamilies: ["t2", "t3", "t3a", "t4g"],
  defaultVcpusPerInstance: 2,
  embodiedModel,
  sources: {
    storage:
      "ccf/provider_constants.csv (SSD_COEFFICIENT, HDD_COEFFICIENT; 2016 US Data Center Energy Usage Report)",
    memory: "ccf/provider_constants.csv (MEMORY_COEFFICIENT; Crucial/Micron DDR4 0.392 W/GB)",
    network: "ccf/provider_constants.csv (NETWORKING_COEFFICIENT)",
    utilization: "ccf/provider_constants.csv (AVG_CPU_UTILIZATION)",
    lifespan: "ccf/provider_constants.csv (SERVER_EXPECTED_LIFESPAN)",
  },
};

// ---------------------------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------------------------

const instanceColumns = [
  "provider",
  "key",
  "name",
  "family",
  "vcpus",
  "memoryGb",
  "hostVcpus",
  "familyLargestVcpus",
  "familyLargestMemoryGb",
  "embodiedKgPerHost",
  "microarchitectures",
  "gpuCount",
  "gpuModel",
  "burstableBaseline",
  "source",
] as const;
const sourceList: string[] = [];
const sourceIndex = (source: string) => {
  let index = sourceList.indexOf(source);
  if (index < 0) {
    sourceList.push(source);
    index = sourceList.length - 1;
  }
  return index;
};
const instanceRows = [...instances.values()]
  .sort((a, b) => a.provider.localeCompare(b.provider) || a.key.localeCompare(b.key))
  .map((r) => [
    r.provider,
    r.key,
    r.name,
    r.family,
    r.vcpus,
    r.memoryGb,
    r.hostVcpus,
    r.familyLargestVcpus,
    r.familyLargestMemoryGb,
    r.embodiedKgPerHost,
    r.microarchitectures.join(";"),
    r.gpuCount,
    r.gpuModel,
    r.burstableBaseline,
    sourceIndex(r.source),
  ]);

const regionColumns = [
  "provider",
  "region",
  "location",
  "gridZone",
  "zoneSource",
  "pue",
  "wue",
  "cfe",
  "cfeBasis",
  "ccfGridGPerKwh",
  "ccfPue",
  "members",
  "notes",
] as const;
const regionRows = [...regions.values()]
  .sort((a, b) => a.provider.localeCompare(b.provider) || a.region.localeCompare(b.region))
  .map((r) => [
    r.provider,
    r.region,
    r.location,
    r.gridZone,
    r.zoneSource,
    r.pue,
    r.wue,
    r.cfe,
    r.cfeBasis,
    r.ccfGridGPerKwh,
    r.ccfPue,
    r.members,
    r.notes.filter(Boolean).join(" | "),
  ]);

const files: Record<string, unknown> = {
  "cpu-coefficients.json": {
    unit: "W per vCPU (minW at idle, maxW at 100 %); gbPerChip = GB of memory per physical chip in the SPECpower systems",
    sets: cpuSets,
    providerAverage: cpuProviderAverage,
  },
  "gpu-coefficients.json": {
    unit: "W per physical GPU (minW idle, maxW full load)",
    models: gpuModels,
    providers: gpuByProvider,
    embodiedKgPerGpu: embodiedModel.gpuKgPerGpu,
    idleShareOfMax: derivedIdleShare,
    idleRule:
      "models with only a data-sheet max: idle = max × idleShareOfMax, the median idle/max share of CCF's GPU rows (Teads figures)",
    accelerators,
    aliases: acceleratorAliases,
  },
  "instance-types.json": {
    columns: instanceColumns,
    units: {
      memoryGb: "GB",
      embodiedKgPerHost: "kgCO2e per host server",
      burstableBaseline: "fraction of each vCPU (0-1)",
    },
    sources: sourceList,
    rows: instanceRows,
    gcpSeries,
  },
  "regions.json": {
    columns: regionColumns,
    units: {
      pue: "ratio",
      wue: "L per kWh of IT energy",
      cfe: "fraction 0-1",
      ccfGridGPerKwh: "gCO2e/kWh (boundary and source per region: scope2.json gridFactors.ccf)",
    },
    rows: regionRows,
    aliases: regionAliases,
    providerAverages,
    crossProviderWue,
  },
  "grid-intensity.json": {
    unit: "gCO2e/kWh, annual average, consumption-based, lifecycle emission factors (Electricity Maps, via CO2.js)",
    boundary: "lifecycle",
    years: emYears,
    zones: gridZones,
  },
  "replication-rules.json": {
    matching:
      "case-sensitive substring match on usageType, first matching rule per service wins (CCF order)",
    rules: replication,
  },
  "constants.json": constants,
  "scope2.json": {
    units: {
      contractualCoverage:
        "fraction 0-1 of the region's electricity covered by the provider's contracts",
      residualMixes: "gCO2 per kWh (boundary per entry)",
    },
    ...scope2,
  },
};

const manifestFiles: Record<
  string,
  { sources: string[]; licence: string; years: string; retrieved: string }
> = {
  "cpu-coefficients.json": {
    sources: [
      "CCF application @ b7a049c7 (ccf/cpu_microarchitecture_coefficients.csv)",
      "cloud-carbon-footprint/ccf-coefficients @ b0032d92 (output/coefficients-*-use.csv)",
    ],
    licence: "Apache-2.0 (Cloud Carbon Footprint, (c) 2021 Thoughtworks, Inc.)",
    years: "SPECpower_ssj2008 results to 2026",
    retrieved: "2024-03-25 (CCF app commit), 2026-04-24 (ccf-coefficients commit)",
  },
  "gpu-coefficients.json": {
    sources: [
      "CCF application @ b7a049c7 (ccf/gpu_coefficients.csv)",
      "vendor data sheets and provider pages (URL per model, data/sources/accelerators.csv)",
    ],
    licence: "Apache-2.0 (Cloud Carbon Footprint); data-sheet figures cited per model",
    years: "2021-2026",
    retrieved: "2024-03-25 (CCF app commit), 2026-12 (data sheets)",
  },
  "instance-types.json": {
    sources: [
      "CCF application @ b7a049c7 (aws_instance_types.csv, azure_vm_types.csv, gcp_machine_types.csv, aws_service_node_types.csv)",
      "cloud-carbon-footprint/ccf-coefficients @ b0032d92 (data/*-instances.csv, output/coefficients-*-embodied*.csv)",
      "provider specification pages (URL per row, data/sources/instance-families-added.csv)",
      "accelerator counts and models per size (URL per family, data/sources/accelerator-instance-families.csv)",
    ],
    licence: "Apache-2.0 (Cloud Carbon Footprint); provider specifications cited per row",
    years: "instance catalogs 2021-2023 (CCF), 2023-2025 families from provider pages",
    retrieved: "2024-03-25 (CCF app), 2026-04-24 (ccf-coefficients), 2025 (provider pages)",
  },
  "regions.json": {
    sources: [
      "Green-Software-Foundation/real-time-cloud @ b2858aa2 (Cloud_Region_Metadata.csv, reported values only)",
      "GoogleCloudPlatform/region-carbon-info @ 49f3f26b (2019-2024 CFE)",
      "CCF application @ b7a049c7 (grid_emission_factors.csv, pue.csv, region_aliases.csv)",
      "data/sources/region-overrides.csv (provider region lists)",
    ],
    licence:
      "GSF materials: (c) Joint Development Foundation Projects, LLC, GSF Series - see NOTICE; Google region-carbon-info: Apache-2.0; CCF: Apache-2.0",
    years: "2019-2024 (reported)",
    retrieved: "2026-03-12 (GSF commit), 2025-12-03 (Google commit), 2024-03-25 (CCF)",
  },
  "grid-intensity.json": {
    sources: [
      "Electricity Maps yearly zone averages, as republished by thegreenwebfoundation/co2.js @ 27cbe832",
    ],
    licence: "ODbL 1.0 (Electricity Maps data); attribution required",
    years: `${emYears[0]}-${emYears[emYears.length - 1]}`,
    retrieved: "2026-02-04 (files generated upstream), 2026-06-29 (CO2.js commit)",
  },
  "replication-rules.json": {
    sources: ["CCF application @ b7a049c7 (ccf/replication_factors.csv)"],
    licence: "Apache-2.0 (Cloud Carbon Footprint)",
    years: "2024",
    retrieved: "2024-03-25 (CCF app commit)",
  },
  "constants.json": {
    sources: [
      "CCF application @ b7a049c7 (ccf/provider_constants.csv)",
      "CCF embodied method (ccf-coefficients)",
    ],
    licence: "Apache-2.0 (Cloud Carbon Footprint)",
    years: "2021-2024",
    retrieved: "2024-03-25 (CCF app commit)",
  },
  "scope2.json": {
    sources: [
      "Green-Software-Foundation/real-time-cloud @ b2858aa2 (provider-cfe-annual/-hourly, provider-carbon-intensity-market-annual)",
      "GoogleCloudPlatform/region-carbon-info @ 49f3f26b (Google CFE) with Electricity Maps carbonFreeEnergy via CO2.js @ 27cbe832",
      "CCF application @ b7a049c7 (grid_emission_factors.csv: us_nerc_region, for the ccf boundary)",
      "data/sources/residual-mix-areas.csv, data/sources/residual-mixes.csv (editions cited per row)",
    ],
    licence:
      "GSF materials: see NOTICE; Google region-carbon-info and CCF: Apache-2.0; Electricity Maps data: ODbL 1.0",
    years: "2021-2024 (contractual coverage)",
    retrieved: "2026-03-12 (GSF commit), 2025-12-03 (Google commit), 2026-06-29 (CO2.js commit)",
  },
};

mkdirSync(outDir, { recursive: true });
const checksums: Record<string, string> = {};
for (const [name, content] of Object.entries(files)) {
  const text = `${JSON.stringify(content)}\n`;
  writeFileSync(join(outDir, name), text);
  checksums[name] = createHash("sha256").update(text).digest("hex");
}
const packChecksum = createHash("sha256")
  .update(
    Object.keys(checksums)
      .sort()
      .map((name) => `${name}:${checksums[name]}\n`)
      .join(""),
  )
  .digest("hex");
const manifest = {
  name: packName,
  description:
    "Canopy methodology data pack: power coefficients, instance catalog, region PUE/WUE/CFE, grid intensity, replication",
  packChecksum,
  checksumMethod: "sha256 over the sorted lines '<file>:<sha256 of file>\\n'",
  referenceYear: emYears[emYears.length - 1],
  files: Object.fromEntries(
    Object.keys(checksums)
      .sort()
      .map((name) => [name, { ...manifestFiles[name], sha256: checksums[name] }]),
  ),
};
writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
// Attribution and the licence texts the upstream licences require next to the data
copyFileSync(join(sourcesDir, "NOTICE"), join(outDir, "NOTICE"));
copyFileSync(
  join(referenceRoot, "ccf/UPSTREAM-LICENSE.txt"),
  join(outDir, "LICENSE-Apache-2.0.txt"),
);
copyFileSync(
  join(referenceRoot, "region-metadata/UPSTREAM-LICENSE.md"),
  join(outDir, "LICENSE-GSF-real-time-cloud.md"),
);

console.log(
  `pack ${packName}: ${instances.size} instance types, ${regions.size} regions, ${usedZones.size} grid zones`,
);
console.log(`pack checksum ${packChecksum}`);
if (warnings.length > 0) {
  console.log(`${warnings.length} notes:`);
  for (const w of warnings) console.log(`  - ${w}`);
}
