import type { PackProvider as Provider } from "./providers";

/** `[year, value]` pairs sorted by year; a value is looked up for the nearest year available. */
export type YearSeries = readonly (readonly [number, number])[];

/** Power curve of one CPU microarchitecture, per vCPU (SPECpower-derived, CCF method). */
export type CpuCoefficient = {
  readonly minWattsPerVcpu: number;
  readonly maxWattsPerVcpu: number;
  /** GB of memory per physical chip in the SPECpower systems (already inside the watts). */
  readonly memoryGbPerChip: number | null;
  readonly source: string;
  /** Present when the value is a proxy or fills a gap in the profile's primary table. */
  readonly note?: string;
};

export type CpuCoefficientSet = Readonly<Record<Provider, ReadonlyMap<string, CpuCoefficient>>>;

export type GpuCoefficient = {
  readonly name: string;
  readonly minWatts: number;
  readonly maxWatts: number;
};

export type InstanceTypeRow = {
  readonly provider: Provider;
  /** Normalized lookup key (see `normalizeInstanceType`). */
  readonly key: string;
  /** The provider's own spelling. */
  readonly name: string;
  readonly family: string;
  readonly vcpus: number | null;
  readonly memoryGb: number | null;
  /** vCPUs of the physical host (platform) the instance runs on. */
  readonly hostVcpus: number | null;
  /** vCPUs and memory of the largest size in the family (CCF's "whole server"). */
  readonly familyLargestVcpus: number | null;
  readonly familyLargestMemoryGb: number | null;
  /** Manufacturing emissions of the whole host server, kgCO2e. */
  readonly embodiedKgPerHost: number | null;
  readonly microarchitectures: readonly string[];
  readonly gpuCount: number;
  /** GPU model key (see `gpuModelKeyOfName`), "" when none. */
  readonly gpuModel: string;
  /** Documented baseline utilization of a burstable type, fraction of each vCPU. */
  readonly burstableBaseline: number | null;
  readonly source: string;
  /** Set on rows synthesized for a type missing from the catalog, from its accelerator family. */
  readonly familyEstimate?: {
    readonly quality: "provider-average" | "default";
    readonly reason: string;
  };
};

/** A model of the pack's accelerator table (GPU, TPU, AI ASIC, FPGA). */
export type AcceleratorInfo = {
  readonly key: string;
  readonly name: string;
  /** "gpu" | "tpu" | "asic" | "fpga" */
  readonly kind: string;
  /** Model whose power figures stand in for this one (no data sheet found for it). */
  readonly proxyOf?: string;
};

/** Free-text phrase (lower-case tokens) that names an accelerator. */
export type AcceleratorAlias = { readonly tokens: readonly string[]; readonly key: string };

/** An instance family with accelerators: its largest catalog size and per-vCPU figures. */
export type AcceleratorFamily = {
  readonly family: string;
  readonly template: InstanceTypeRow;
  readonly acceleratorsPerVcpu: number;
  readonly memoryGbPerVcpu: number | null;
};

export type RegionRow = {
  readonly provider: Provider;
  readonly region: string;
  readonly location: string;
  /** Electricity Maps zone id, null when unknown. */
  readonly gridZone: string | null;
  readonly zoneSource: string;
  readonly pueByYear: YearSeries;
  /** Litres of site water per kWh of IT energy. */
  readonly wueLitresPerKwhByYear: YearSeries;
  /** Carbon-free-energy share, 0–1. */
  readonly cfeShareByYear: YearSeries;
  readonly cfeBasis: string;
  readonly ccfGridGPerKwh: number | null;
  readonly ccfPue: number | null;
  /** Member regions of a GCP dual- or multi-region; null for single regions. */
  readonly members: readonly string[] | null;
  readonly notes: string;
};

export type ProviderAverages = {
  readonly pueByYear: YearSeries;
  readonly wueLitresPerKwhByYear: YearSeries;
  readonly gridGPerKwhByYear: YearSeries;
  readonly ccfPue: number;
  readonly ccfGridGPerKwh: number;
};

export type ReplicationRule = {
  readonly name: string;
  readonly factor: number;
  readonly anyOf?: readonly string[];
  readonly allOf?: readonly (readonly string[])[];
  readonly regionIn?: readonly string[];
  readonly ccfKinds: readonly string[];
  readonly canopyKinds: readonly string[];
};

export type PackConstants = {
  readonly ssdWhPerTbHour: number;
  readonly hddWhPerTbHour: number;
  readonly memoryKwhPerGbHour: number;
  readonly networkKwhPerGb: number;
  readonly defaultCpuUtilization: number;
  readonly defaultGpuUtilization: number;
  readonly ccfLifespanHours: number;
  readonly vcpusPerPhysicalChip: number;
  readonly twoChipFamilies: readonly string[];
  readonly noExtraMemoryFamilies: readonly string[];
  readonly defaultVcpusPerInstance: number;
  readonly embodiedKgPerGpu: number;
};

/**
 * What a grid factor includes: `direct` = combustion at the plant only (GHG Protocol Scope 2),
 * `lifecycle` = also upstream fuel supply and plant construction (Scope 3 Cat. 3 share inside),
 * `unstated` = the source does not say.
 */
export type GridBoundary = "direct" | "lifecycle" | "unstated";

export type GridFactorSource = { readonly boundary: GridBoundary; readonly source: string };

/** The provider's published contractual (not grid) carbon-free share of a region, by year. */
export type ContractualCoverage = {
  readonly byYear: YearSeries;
  readonly basis: string;
  /** GCP: the inputs of the derivation from Google CFE, by year. */
  readonly derivation?: { readonly googleCfe: YearSeries; readonly gridCfe: YearSeries };
};

/** Emission factor of the untracked electricity of an area (AIB country, Green-e eGRID subregion). */
export type ResidualMix = {
  readonly byYear: YearSeries;
  readonly boundary: GridBoundary;
  readonly edition: string;
  readonly sourceUrl: string;
};

/** Market-based inputs and factor boundaries (scope2.json); null for packs built before 2026.1. */
export type Scope2Tables = {
  readonly canopyGrid: GridFactorSource;
  /** By canonical region, "*" = CCF's provider average. */
  readonly ccfGrid: Readonly<Record<Provider, ReadonlyMap<string, GridFactorSource>>>;
  readonly contractualCoverage: Readonly<
    Record<Provider, ReadonlyMap<string, ContractualCoverage>>
  >;
  /** Region → residual-mix area key `<scheme>:<area>`, e.g. "aib:DE", "green-e:SRVC". */
  readonly residualMixAreas: Readonly<Record<Provider, ReadonlyMap<string, string>>>;
  readonly residualMixes: ReadonlyMap<string, ResidualMix>;
};

/** A decoded data pack: every table the estimator reads, as lookup structures. */
export type DataPack = {
  readonly name: string;
  /** sha256 over the pack's file checksums (see manifest.json). */
  readonly checksum: string;
  /** Latest year of grid data; the default year for `regionFactors`. */
  readonly referenceYear: number;
  readonly cpu: {
    readonly canopy: CpuCoefficientSet;
    readonly ccf: CpuCoefficientSet;
    readonly providerAverage: Readonly<
      Record<"canopy" | "ccf", Readonly<Record<Provider, CpuCoefficient>>>
    >;
  };
  readonly gpu: {
    readonly models: ReadonlyMap<string, GpuCoefficient>;
    readonly modelKeys: ReadonlySet<string>;
    /** Every accelerator model the pack knows, with or without power figures in `models`. */
    readonly accelerators: ReadonlyMap<string, AcceleratorInfo>;
    /** Match phrases, longest first (see `findAcceleratorKey`). */
    readonly aliases: readonly AcceleratorAlias[];
    readonly providerAverage: Readonly<Record<Provider, GpuCoefficient>>;
  };
  readonly instances: Readonly<Record<Provider, ReadonlyMap<string, InstanceTypeRow>>>;
  /** Accelerator families by provider and family key (see `acceleratorFamilyKey`). */
  readonly acceleratorFamilies: Readonly<Record<Provider, ReadonlyMap<string, AcceleratorFamily>>>;
  /** GCP machine series (prefix before the first "-") → microarchitectures, for custom types. */
  readonly gcpSeries: ReadonlyMap<string, readonly string[]>;
  /** Provider-average embodied kgCO2e per vCPU-hour numerator: median host kg per host vCPU. */
  readonly medianEmbodiedKgPerHostVcpu: Readonly<Record<Provider, number>>;
  readonly regions: Readonly<Record<Provider, ReadonlyMap<string, RegionRow>>>;
  readonly regionAliases: Readonly<Record<Provider, ReadonlyMap<string, string>>>;
  readonly providerAverages: Readonly<Record<Provider, ProviderAverages>>;
  readonly crossProviderWueByYear: YearSeries;
  readonly gridZones: ReadonlyMap<string, YearSeries>;
  readonly replication: Readonly<Record<Provider, ReadonlyMap<string, readonly ReplicationRule[]>>>;
  readonly constants: PackConstants;
  readonly scope2: Scope2Tables | null;
};
