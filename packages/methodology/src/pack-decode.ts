import type {
  CpuCoefficient,
  CpuCoefficientSet,
  DataPack,
  GpuCoefficient,
  InstanceTypeRow,
  PackConstants,
  ProviderAverages,
  RegionRow,
  ReplicationRule,
  Scope2Tables,
  YearSeries,
} from "./pack-types";
import { packProviders as providers, type PackProvider as Provider } from "./providers";
import { buildAcceleratorFamilies, decodeAcceleratorTable } from "./accelerators";

/**
 * Turns the JSON files of a pack (as written by scripts/build-pack.ts) into lookup structures.
 * Runs once per pack at module load; validates every value it keeps so a malformed pack fails
 * loudly instead of producing NaN estimates.
 */

/** The raw JSON files of one pack. */
export type PackFiles = {
  manifest: unknown;
  cpuCoefficients: unknown;
  gpuCoefficients: unknown;
  instanceTypes: unknown;
  regions: unknown;
  gridIntensity: unknown;
  replicationRules: unknown;
  constants: unknown;
  /** Absent in packs built before 2026.1. */
  scope2?: unknown;
};

class PackFormatError extends Error {
  constructor(path: string, expected: string) {
    super(`data pack: ${path} must be ${expected}`);
    this.name = "PackFormatError";
  }
}

type Json = unknown;
const isRecord = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const record = (value: Json, path: string): Record<string, Json> => {
  if (!isRecord(value)) throw new PackFormatError(path, "an object");
  return value;
};
const array = (value: Json, path: string): Json[] => {
  if (!Array.isArray(value)) throw new PackFormatError(path, "an array");
  return value;
};
const finite = (value: Json, path: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new PackFormatError(path, "a finite non-negative number");
  }
  return value;
};
const finiteOrNull = (value: Json, path: string): number | null =>
  value === null ? null : finite(value, path);
const text = (value: Json, path: string): string => {
  if (typeof value !== "string") throw new PackFormatError(path, "a string");
  return value;
};
const textOrNull = (value: Json, path: string): string | null =>
  value === null ? null : text(value, path);

const yearSeries = (value: Json, path: string): YearSeries => {
  const series = array(value, path).map((pair, i) => {
    const [year, v] = array(pair, `${path}[${i}]`);
    return [finite(year, `${path}[${i}][0]`), finite(v, `${path}[${i}][1]`)] as const;
  });
  return Object.freeze(series.sort((a, b) => a[0] - b[0]));
};

const perProvider = <T>(make: (provider: Provider) => T): Record<Provider, T> =>
  Object.fromEntries(providers.map((p) => [p, make(p)])) as Record<Provider, T>;

const cpuCoefficient = (value: Json, path: string): CpuCoefficient => {
  const r = record(value, path);
  const minWattsPerVcpu = finite(r.minW, `${path}.minW`);
  const maxWattsPerVcpu = finite(r.maxW, `${path}.maxW`);
  if (maxWattsPerVcpu < minWattsPerVcpu) throw new PackFormatError(path, "maxW >= minW");
  const note = r.note === undefined ? undefined : text(r.note, `${path}.note`);
  return Object.freeze({
    minWattsPerVcpu,
    maxWattsPerVcpu,
    memoryGbPerChip: finiteOrNull(r.gbPerChip, `${path}.gbPerChip`),
    source: text(r.source, `${path}.source`),
    ...(note === undefined ? {} : { note }),
  });
};

const cpuSet = (value: Json, path: string): CpuCoefficientSet =>
  perProvider((provider) => {
    const table = record(record(value, path)[provider], `${path}.${provider}`);
    return new Map(
      Object.entries(table).map(([arch, v]) => [
        arch,
        cpuCoefficient(v, `${path}.${provider}.${arch}`),
      ]),
    );
  });

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function decodePack(files: PackFiles): DataPack {
  const manifest = record(files.manifest, "manifest");

  // CPU ------------------------------------------------------------------------------------
  const cpuJson = record(files.cpuCoefficients, "cpu-coefficients");
  const sets = record(cpuJson.sets, "cpu-coefficients.sets");
  const averages = record(cpuJson.providerAverage, "cpu-coefficients.providerAverage");
  const cpu = {
    canopy: cpuSet(sets.canopy, "sets.canopy"),
    ccf: cpuSet(sets.ccf, "sets.ccf"),
    providerAverage: {
      canopy: perProvider((p) =>
        cpuCoefficient(
          record(averages.canopy, "providerAverage.canopy")[p],
          `providerAverage.canopy.${p}`,
        ),
      ),
      ccf: perProvider((p) =>
        cpuCoefficient(record(averages.ccf, "providerAverage.ccf")[p], `providerAverage.ccf.${p}`),
      ),
    },
  };

  // GPU ------------------------------------------------------------------------------------
  const gpuJson = record(files.gpuCoefficients, "gpu-coefficients");
  const models = new Map<string, GpuCoefficient>();
  for (const [key, v] of Object.entries(record(gpuJson.models, "gpu.models"))) {
    const r = record(v, `gpu.models.${key}`);
    models.set(key, {
      name: text(r.name, `gpu.models.${key}.name`),
      minWatts: finite(r.minW, `gpu.models.${key}.minW`),
      maxWatts: finite(r.maxW, `gpu.models.${key}.maxW`),
    });
  }
  const gpuProviders = record(gpuJson.providers, "gpu.providers");
  const gpuAverage = perProvider((provider): GpuCoefficient => {
    const keys = array(gpuProviders[provider], `gpu.providers.${provider}`).map((k) =>
      text(k, "gpu key"),
    );
    const listed = keys
      .map((k) => models.get(k))
      .filter((m): m is GpuCoefficient => m !== undefined);
    const n = Math.max(1, listed.length);
    return {
      name: `${provider} average of ${listed.length} GPU models`,
      minWatts: listed.reduce((s, m) => s + m.minWatts, 0) / n,
      maxWatts: listed.reduce((s, m) => s + m.maxWatts, 0) / n,
    };
  });

  // Instances ------------------------------------------------------------------------------
  const instJson = record(files.instanceTypes, "instance-types");
  const columns = array(instJson.columns, "instance-types.columns").map((c) => text(c, "column"));
  const col = (name: string): number => {
    const index = columns.indexOf(name);
    if (index < 0) throw new PackFormatError(`instance-types.columns`, `to contain ${name}`);
    return index;
  };
  const c = {
    provider: col("provider"),
    key: col("key"),
    name: col("name"),
    family: col("family"),
    vcpus: col("vcpus"),
    memoryGb: col("memoryGb"),
    hostVcpus: col("hostVcpus"),
    familyLargestVcpus: col("familyLargestVcpus"),
    familyLargestMemoryGb: col("familyLargestMemoryGb"),
    embodiedKgPerHost: col("embodiedKgPerHost"),
    microarchitectures: col("microarchitectures"),
    gpuCount: col("gpuCount"),
    gpuModel: col("gpuModel"),
    burstableBaseline: col("burstableBaseline"),
    source: col("source"),
  };
  const instSources = array(instJson.sources, "instance-types.sources").map((s) =>
    text(s, "source"),
  );
  const instances = perProvider(() => new Map<string, InstanceTypeRow>());
  const positive = (v: number | null): number | null => (v !== null && v > 0 ? v : null);
  array(instJson.rows, "instance-types.rows").forEach((rowJson, i) => {
    const row = array(rowJson, `instance-types.rows[${i}]`);
    const path = `instance-types.rows[${i}]`;
    const provider = text(row[c.provider], `${path}.provider`) as Provider;
    if (!providers.includes(provider)) throw new PackFormatError(`${path}.provider`, "a provider");
    const archs = text(row[c.microarchitectures], `${path}.microarchitectures`);
    const baseline = finiteOrNull(row[c.burstableBaseline], `${path}.burstableBaseline`);
    const entry: InstanceTypeRow = Object.freeze({
      provider,
      key: text(row[c.key], `${path}.key`),
      name: text(row[c.name], `${path}.name`),
      family: text(row[c.family], `${path}.family`),
      vcpus: positive(finiteOrNull(row[c.vcpus], `${path}.vcpus`)),
      memoryGb: finiteOrNull(row[c.memoryGb], `${path}.memoryGb`),
      hostVcpus: positive(finiteOrNull(row[c.hostVcpus], `${path}.hostVcpus`)),
      familyLargestVcpus: positive(
        finiteOrNull(row[c.familyLargestVcpus], `${path}.familyLargestVcpus`),
      ),
      familyLargestMemoryGb: positive(
        finiteOrNull(row[c.familyLargestMemoryGb], `${path}.familyLargestMemoryGb`),
      ),
      embodiedKgPerHost: finiteOrNull(row[c.embodiedKgPerHost], `${path}.embodiedKgPerHost`),
      microarchitectures: Object.freeze(archs === "" ? [] : archs.split(";")),
      gpuCount: finite(row[c.gpuCount], `${path}.gpuCount`),
      gpuModel: text(row[c.gpuModel], `${path}.gpuModel`),
      burstableBaseline: baseline === null ? null : Math.min(1, baseline),
      source: instSources[finite(row[c.source], `${path}.source`)] ?? "",
    });
    instances[provider].set(entry.key, entry);
  });
  const gcpSeries = new Map<string, readonly string[]>();
  for (const [series, v] of Object.entries(
    record(instJson.gcpSeries, "instance-types.gcpSeries"),
  )) {
    const r = record(v, `gcpSeries.${series}`);
    gcpSeries.set(
      series,
      Object.freeze(
        array(r.microarchitectures, `gcpSeries.${series}.microarchitectures`).map((a) =>
          text(a, "arch"),
        ),
      ),
    );
  }
  const medianEmbodiedKgPerHostVcpu = perProvider((provider) =>
    median(
      [...instances[provider].values()]
        .filter((r) => r.embodiedKgPerHost !== null && r.hostVcpus !== null)
        .map((r) => (r.embodiedKgPerHost as number) / (r.hostVcpus as number)),
    ),
  );

  // Regions --------------------------------------------------------------------------------
  const regionJson = record(files.regions, "regions");
  const rcols = array(regionJson.columns, "regions.columns").map((x) => text(x, "column"));
  const rc = (name: string): number => {
    const index = rcols.indexOf(name);
    if (index < 0) throw new PackFormatError("regions.columns", `to contain ${name}`);
    return index;
  };
  const regions = perProvider(() => new Map<string, RegionRow>());
  array(regionJson.rows, "regions.rows").forEach((rowJson, i) => {
    const row = array(rowJson, `regions.rows[${i}]`);
    const path = `regions.rows[${i}]`;
    const provider = text(row[rc("provider")], `${path}.provider`) as Provider;
    if (!providers.includes(provider)) throw new PackFormatError(`${path}.provider`, "a provider");
    const membersJson = row[rc("members")];
    const pue = yearSeries(row[rc("pue")], `${path}.pue`);
    if (pue.some(([, v]) => v < 1)) throw new PackFormatError(`${path}.pue`, ">= 1");
    const cfe = yearSeries(row[rc("cfe")], `${path}.cfe`);
    if (cfe.some(([, v]) => v > 1)) throw new PackFormatError(`${path}.cfe`, "<= 1");
    const entry: RegionRow = Object.freeze({
      provider,
      region: text(row[rc("region")], `${path}.region`),
      location: text(row[rc("location")], `${path}.location`),
      gridZone: textOrNull(row[rc("gridZone")], `${path}.gridZone`),
      zoneSource: text(row[rc("zoneSource")], `${path}.zoneSource`),
      pueByYear: pue,
      wueLitresPerKwhByYear: yearSeries(row[rc("wue")], `${path}.wue`),
      cfeShareByYear: cfe,
      cfeBasis: text(row[rc("cfeBasis")], `${path}.cfeBasis`),
      ccfGridGPerKwh: finiteOrNull(row[rc("ccfGridGPerKwh")], `${path}.ccfGridGPerKwh`),
      ccfPue: finiteOrNull(row[rc("ccfPue")], `${path}.ccfPue`),
      members:
        membersJson === null
          ? null
          : Object.freeze(array(membersJson, `${path}.members`).map((m) => text(m, "member"))),
      notes: text(row[rc("notes")], `${path}.notes`),
    });
    regions[provider].set(entry.region, entry);
  });
  const aliasJson = record(regionJson.aliases, "regions.aliases");
  const regionAliases = perProvider(
    (provider) =>
      new Map(
        Object.entries(record(aliasJson[provider], `regions.aliases.${provider}`)).map(
          ([alias, canonical]) => [alias, text(canonical, `alias ${alias}`)],
        ),
      ),
  );
  const avgJson = record(regionJson.providerAverages, "regions.providerAverages");
  const providerAverages = perProvider((provider): ProviderAverages => {
    const r = record(avgJson[provider], `providerAverages.${provider}`);
    return Object.freeze({
      pueByYear: yearSeries(r.pue, `providerAverages.${provider}.pue`),
      wueLitresPerKwhByYear: yearSeries(r.wue, `providerAverages.${provider}.wue`),
      gridGPerKwhByYear: yearSeries(r.grid, `providerAverages.${provider}.grid`),
      ccfPue: finite(r.ccfPue, `providerAverages.${provider}.ccfPue`),
      ccfGridGPerKwh: finite(r.ccfGridGPerKwh, `providerAverages.${provider}.ccfGridGPerKwh`),
    });
  });

  // Grid -----------------------------------------------------------------------------------
  const gridJson = record(files.gridIntensity, "grid-intensity");
  const gridZones = new Map<string, YearSeries>();
  for (const [zone, series] of Object.entries(record(gridJson.zones, "grid-intensity.zones"))) {
    gridZones.set(zone, yearSeries(series, `grid-intensity.zones.${zone}`));
  }

  // Replication ----------------------------------------------------------------------------
  const replJson = record(
    record(files.replicationRules, "replication-rules").rules,
    "replication-rules.rules",
  );
  const strings = (value: Json, path: string): readonly string[] =>
    Object.freeze(array(value, path).map((s) => text(s, path)));
  const replication = perProvider((provider) => {
    const services = record(replJson[provider], `replication.${provider}`);
    return new Map(
      Object.entries(services).map(([service, rules]) => [
        service,
        Object.freeze(
          array(rules, `replication.${provider}.${service}`).map((ruleJson, i): ReplicationRule => {
            const path = `replication.${provider}.${service}[${i}]`;
            const r = record(ruleJson, path);
            return Object.freeze({
              name: text(r.name, `${path}.name`),
              factor: finite(r.factor, `${path}.factor`),
              ...(r.anyOf === undefined ? {} : { anyOf: strings(r.anyOf, `${path}.anyOf`) }),
              ...(r.allOf === undefined
                ? {}
                : {
                    allOf: Object.freeze(
                      array(r.allOf, `${path}.allOf`).map((g, j) =>
                        strings(g, `${path}.allOf[${j}]`),
                      ),
                    ),
                  }),
              ...(r.regionIn === undefined
                ? {}
                : { regionIn: strings(r.regionIn, `${path}.regionIn`) }),
              ccfKinds: strings(r.ccfKinds, `${path}.ccfKinds`),
              canopyKinds: strings(r.canopyKinds, `${path}.canopyKinds`),
            });
          }),
        ),
      ]),
    );
  });

  // Constants ------------------------------------------------------------------------------
  const k = record(files.constants, "constants");
  const embodiedModel = record(k.embodiedModel, "constants.embodiedModel");
  const constants: PackConstants = Object.freeze({
    ssdWhPerTbHour: finite(k.ssdWhPerTbHour, "constants.ssdWhPerTbHour"),
    hddWhPerTbHour: finite(k.hddWhPerTbHour, "constants.hddWhPerTbHour"),
    memoryKwhPerGbHour: finite(k.memoryKwhPerGbHour, "constants.memoryKwhPerGbHour"),
    networkKwhPerGb: finite(k.networkKwhPerGb, "constants.networkKwhPerGb"),
    defaultCpuUtilization: finite(k.defaultCpuUtilization, "constants.defaultCpuUtilization"),
    defaultGpuUtilization: finite(k.defaultGpuUtilization, "constants.defaultGpuUtilization"),
    ccfLifespanHours: finite(k.ccfLifespanHours, "constants.ccfLifespanHours"),
    vcpusPerPhysicalChip: finite(k.vcpusPerPhysicalChip, "constants.vcpusPerPhysicalChip"),
    twoChipFamilies: strings(k.twoChipFamilies, "constants.twoChipFamilies"),
    noExtraMemoryFamilies: strings(k.noExtraMemoryFamilies, "constants.noExtraMemoryFamilies"),
    defaultVcpusPerInstance: finite(k.defaultVcpusPerInstance, "constants.defaultVcpusPerInstance"),
    embodiedKgPerGpu: finite(embodiedModel.gpuKgPerGpu, "constants.embodiedModel.gpuKgPerGpu"),
  });

  return Object.freeze({
    scope2: files.scope2 === undefined ? null : decodeScope2(files.scope2),
    name: text(manifest.name, "manifest.name"),
    checksum: text(manifest.packChecksum, "manifest.packChecksum"),
    referenceYear: finite(manifest.referenceYear, "manifest.referenceYear"),
    cpu,
    gpu: {
      models,
      modelKeys: new Set(models.keys()),
      providerAverage: gpuAverage,
      ...decodeAcceleratorTable(gpuJson, models),
    },
    acceleratorFamilies: perProvider((p) => buildAcceleratorFamilies(instances[p], p)),
    instances,
    gcpSeries,
    medianEmbodiedKgPerHostVcpu,
    regions,
    regionAliases,
    providerAverages,
    crossProviderWueByYear: yearSeries(regionJson.crossProviderWue, "regions.crossProviderWue"),
    gridZones,
    replication,
    constants,
  });
}

const gridBoundaries = new Set(["direct", "lifecycle", "unstated"]);
const gridFactorSource = (value: Json, path: string) => {
  const r = record(value, path);
  const boundary = text(r.boundary, `${path}.boundary`);
  if (!gridBoundaries.has(boundary)) throw new PackFormatError(`${path}.boundary`, "a boundary");
  return Object.freeze({
    boundary: boundary as "direct" | "lifecycle" | "unstated",
    source: text(r.source, `${path}.source`),
  });
};
const shareSeries = (value: Json, path: string) => {
  const series = yearSeries(value, path);
  if (series.some(([, v]) => v > 1)) throw new PackFormatError(path, "shares <= 1");
  return series;
};

function decodeScope2(value: Json): Scope2Tables {
  const s = record(value, "scope2");
  const grid = record(s.gridFactors, "scope2.gridFactors");
  const ccfGrid = record(grid.ccf, "scope2.gridFactors.ccf");
  const coverage = record(s.contractualCoverage, "scope2.contractualCoverage");
  const areas = record(s.residualMixAreas, "scope2.residualMixAreas");
  const mixes = record(s.residualMixes, "scope2.residualMixes");
  return Object.freeze({
    canopyGrid: gridFactorSource(grid.canopy, "scope2.gridFactors.canopy"),
    ccfGrid: perProvider((p) => {
      const rows = record(ccfGrid[p], `scope2.gridFactors.ccf.${p}`);
      return new Map(
        Object.entries(rows).map(([region, v]) => [
          region,
          gridFactorSource(v, `scope2.gridFactors.ccf.${p}.${region}`),
        ]),
      );
    }),
    contractualCoverage: perProvider((p) => {
      const rows = record(coverage[p], `scope2.contractualCoverage.${p}`);
      return new Map(
        Object.entries(rows).map(([region, v]) => {
          const path = `scope2.contractualCoverage.${p}.${region}`;
          const r = record(v, path);
          const d =
            r.derivation === undefined ? undefined : record(r.derivation, `${path}.derivation`);
          return [
            region,
            Object.freeze({
              byYear: shareSeries(r.byYear, `${path}.byYear`),
              basis: text(r.basis, `${path}.basis`),
              ...(d === undefined
                ? {}
                : {
                    derivation: Object.freeze({
                      googleCfe: shareSeries(d.googleCfe, `${path}.derivation.googleCfe`),
                      gridCfe: shareSeries(d.gridCfe, `${path}.derivation.gridCfe`),
                    }),
                  }),
            }),
          ];
        }),
      );
    }),
    residualMixAreas: perProvider((p) => {
      const rows = record(areas[p], `scope2.residualMixAreas.${p}`);
      return new Map(
        Object.entries(rows).map(([region, v]) => {
          const r = record(v, `scope2.residualMixAreas.${p}.${region}`);
          return [region, `${text(r.scheme, "scheme")}:${text(r.area, "area")}`];
        }),
      );
    }),
    residualMixes: new Map(
      Object.entries(mixes).map(([key, v]) => {
        const path = `scope2.residualMixes.${key}`;
        const r = record(v, path);
        const boundary = gridFactorSource({ boundary: r.boundary, source: "" }, path).boundary;
        return [
          key,
          Object.freeze({
            byYear: yearSeries(r.byYear, `${path}.byYear`),
            boundary,
            edition: text(r.edition, `${path}.edition`),
            sourceUrl: text(r.sourceUrl, `${path}.sourceUrl`),
          }),
        ];
      }),
    ),
  });
}
