import { Eia930Source, eia930SourceName, eiaNotice } from "./eia-930";
import {
  ElectricityMapsApiSource,
  electricityMapsApiSourceName,
  electricityMapsMaxRangeHours,
  electricityMapsNotice,
} from "./electricitymaps-api";
import {
  electricityMapsDatasetNotice,
  electricityMapsDatasetSourceName,
} from "./electricitymaps-dataset";
import {
  EntsoeGenerationSource,
  entsoeMinRequestIntervalMs,
  entsoeNotice,
  entsoeSourceName,
} from "./entsoe";
import { NesoCarbonIntensitySource, nesoMaxRangeDays, nesoNotice, nesoSourceName } from "./neso";
import type { BackoffOptions } from "../live/errors";
import type { GridIntensitySource, GridSourceNotice } from "./source";
import { WattTimeMarginalSource, wattTimeNotice, wattTimeSourceName } from "./watttime";

/** Keys the instance admin sets; a source without its key is not configured. */
export type GridSourcesConfig = {
  electricityMapsApiKey?: string | undefined;
  eiaApiKey?: string | undefined;
  entsoeSecurityToken?: string | undefined;
  /** The GB NESO Carbon Intensity API needs no key: on unless set to false. */
  neso?: boolean;
  /** WattTime API login: marginal rates, stored apart and used only for time-shifting advice. */
  wattTime?: { username: string; password: string } | undefined;
  /** Base URLs instead of the providers' own (tests point them at the local fakes). */
  endpoints?: {
    electricityMaps?: string;
    entsoe?: string;
    eia?: string;
    neso?: string;
    wattTime?: string;
  };
  backoff?: BackoffOptions;
};

/**
 * How the sync job spaces its calls to one source: at least `minIntervalMs` between the starts of
 * two `fetchHours` calls, each over at most `windowHours`. `basis` says which documented limit
 * the numbers follow (the sources also retry throttled answers with backoff on their own).
 */
export type GridSourcePacing = { minIntervalMs: number; windowHours: number; basis: string };

export type ConfiguredGridSource = { source: GridIntensitySource; pacing: GridSourcePacing };

/**
 * Stored progress: a backfill is written one window at a time, so an outage half-way keeps what was
 * loaded. A Canopy choice, not a provider limit; sources with a smaller documented range use theirs.
 */
const storeWindowHours = 30 * 24;

/** Pacing per source name (docs/methodology.md §18 cites each provider's page). */
export const gridSourcePacing: Readonly<Record<string, GridSourcePacing>> = {
  "electricitymaps-api": {
    minIntervalMs: 0,
    windowHours: electricityMapsMaxRangeHours,
    basis:
      "Electricity Maps publishes no fixed request rate (it depends on the plan): one request at a time, 429 answers retried with backoff; past-range is limited to 240 hours per request",
  },
  "neso-carbon-intensity": {
    minIntervalMs: 1_000,
    windowHours: nesoMaxRangeDays * 24,
    basis:
      "NESO publishes no request rate for the Carbon Intensity API: 1 request per second, as NESO asks of its Data Portal API; /intensity/{from}/{to} answers at most 14 days",
  },
  "entsoe-generation": {
    minIntervalMs: entsoeMinRequestIntervalMs,
    windowHours: storeWindowHours,
    basis: "ENTSO-E Transparency Platform: at most 400 requests per minute per security token",
  },
  "eia-930": {
    minIntervalMs: 400,
    windowHours: storeWindowHours,
    basis:
      "EIA Open Data: keep the sustained rate under about 9,000 requests per hour and bursts under 5 per second",
  },
};

/** Pacing for a source not in the table: one call at a time, a second apart. */
export const defaultGridSourcePacing: GridSourcePacing = {
  minIntervalMs: 1_000,
  windowHours: storeWindowHours,
  basis: "no documented limit known to Canopy: 1 request per second",
};

export const pacingOf = (source: GridIntensitySource): GridSourcePacing =>
  gridSourcePacing[source.name] ?? defaultGridSourcePacing;

/**
 * The sources the worker syncs on a schedule, from the admin's keys: a keyed source only when its
 * key is set; NESO (no key) unless turned off. Dataset files (Electricity Maps yearly CSVs) are uploaded,
 * not synced.
 */
export function configuredGridSources(config: GridSourcesConfig): ConfiguredGridSource[] {
  const sources: GridIntensitySource[] = [];
  const { endpoints = {} } = config;
  const common = (baseUrl: string | undefined) => ({
    ...(baseUrl ? { baseUrl } : {}),
    ...(config.backoff ? { backoff: config.backoff } : {}),
  });
  if (config.electricityMapsApiKey)
    sources.push(
      new ElectricityMapsApiSource({
        apiKey: config.electricityMapsApiKey,
        ...common(endpoints.electricityMaps),
      }),
    );
  if (config.entsoeSecurityToken)
    sources.push(
      new EntsoeGenerationSource({
        securityToken: config.entsoeSecurityToken,
        ...common(endpoints.entsoe),
      }),
    );
  if (config.eiaApiKey)
    sources.push(new Eia930Source({ apiKey: config.eiaApiKey, ...common(endpoints.eia) }));
  if (config.neso !== false) sources.push(new NesoCarbonIntensitySource(common(endpoints.neso)));
  return sources.map((source) => ({ source, pacing: pacingOf(source) }));
}

/** The marginal-rate source (WattTime) when its login is set, else null. */
export function configuredMarginalSource(config: GridSourcesConfig): WattTimeMarginalSource | null {
  if (!config.wattTime) return null;
  return new WattTimeMarginalSource({
    ...config.wattTime,
    ...(config.endpoints?.wattTime ? { baseUrl: config.endpoints.wattTime } : {}),
    ...(config.backoff ? { backoff: config.backoff } : {}),
  });
}

/**
 * WattTime pacing: its limit is 3,000 requests per 5 minutes per user (docs.watttime.org), 10 per
 * second; 200 ms between calls keeps one instance at half of it. 32 days is its longest request.
 */
export const wattTimePacing: GridSourcePacing = {
  minIntervalMs: 200,
  windowHours: 32 * 24,
  basis: "WattTime: at most 3,000 requests per 5 minutes per user; 32 days per request",
};

/** Licence and attribution per stored source name, shown wherever its numbers appear. */
export const gridSourceNotices: Readonly<Record<string, GridSourceNotice>> = {
  [electricityMapsApiSourceName]: electricityMapsNotice,
  [electricityMapsDatasetSourceName]: electricityMapsDatasetNotice,
  [nesoSourceName]: nesoNotice,
  [entsoeSourceName]: entsoeNotice,
  [eia930SourceName]: eiaNotice,
  [wattTimeSourceName]: wattTimeNotice,
};
