import { z } from "zod";
import {
  recordGridSyncFailure,
  storedGridRange,
  usageRegions,
  usageRegionsFirstHour,
  writeGridIntensity,
  writeGridMarginal,
  type GridIntensityLoadResult,
} from "@canopy/db";
import {
  GridSourceError,
  configuredGridSources,
  configuredMarginalSource,
  wattTimePacing,
  wattTimeRegionOf,
  wattTimeSignal,
  type ConfiguredGridSource,
  type GridSourcesConfig,
  type WattTimeMarginalSource,
} from "@canopy/connectors";
import { regionFactors } from "@canopy/methodology";
import { defineJob, type GridSources, type JobDeps, type QueueDriver } from "../contract";
import { queueGridRestatement } from "../grid-restatement";

/**
 * Hourly grid intensity from the configured sources (Electricity Maps API, NESO, ENTSO-E, EIA-930)
 * for the grid zones the organizations' regions use. `backfill` loads each zone from its earliest
 * usage hour up to what is stored; `refresh` reloads the recent `refreshHours` (sources revise
 * recent hours: estimated values become measured ones) and catches up after downtime.
 *
 * A source that is down or refuses the key never blocks anything: the failure is recorded
 * (grid_intensity_loads, details.status = "failed"), estimation keeps the annual factor for the
 * hours without a value, and the next run tries again.
 */

const hourMs = 3_600_000;
export const defaultRefreshHours = 48;

export type GridSyncMode = "backfill" | "refresh";

/** Time, injectable so pacing is tested without waiting. */
export type SyncClock = { now(): number; sleep(ms: number): Promise<void> };
const realClock: SyncClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The sources the admin's keys configure (createJobHost's `gridSourceKeys`). */
export function gridSourcesFrom(config: GridSourcesConfig): GridSources {
  return { sources: configuredGridSources(config), marginal: configuredMarginalSource(config) };
}

/** The sources' names, for the worker's start-up log line. */
export function gridSourceNames(gridSources: GridSources | undefined): string[] {
  if (!gridSources) return [];
  const { sources, marginal } = gridSources;
  return [
    ...sources.map(({ source }) => source.name),
    ...(marginal ? [`${marginal.name} (marginal, advice only)`] : []),
  ];
}

/**
 * Re-estimates every tenant's windows the load touches (queueGridRestatement). The values are stored
 * either way: a restatement that cannot be queued is logged, and the daily stale-estimate refresh
 * remains.
 */
async function restate(deps: JobDeps, load: GridIntensityLoadResult) {
  try {
    const restatement = await queueGridRestatement(deps, load);
    if (restatement.windows > 0)
      deps.log(
        `sync-grid-intensity: load ${load.loadId} restates ${restatement.windows} account-month(s)`,
      );
  } catch (error) {
    deps.log(
      `sync-grid-intensity: restatement of load ${load.loadId} not queued: ${(error as Error).message}`,
    );
  }
}

/** Earliest usage hour per grid zone, over every organization (owner connection). */
export async function zonesInUse(deps: Pick<JobDeps, "owner">): Promise<Map<string, Date>> {
  const zones = new Map<string, Date>();
  for (const row of await usageRegionsFirstHour(deps.owner)) {
    const zone = regionFactors(row.provider, row.region).gridZone;
    if (!zone) continue;
    const known = zones.get(zone);
    if (!known || row.firstHour < known) zones.set(zone, row.firstHour);
  }
  return zones;
}

async function storedRange(
  deps: Pick<JobDeps, "owner">,
  source: string,
  zone: string,
): Promise<{ first: number; last: number } | null> {
  const row = await storedGridRange(deps.owner, source, zone);
  return row?.first && row.last ? { first: row.first.getTime(), last: row.last.getTime() } : null;
}

/** The hours [from, to) a run should load for one source and zone. */
export function windowToLoad(
  mode: GridSyncMode,
  earliestUsageMs: number,
  stored: { first: number; last: number } | null,
  nowHourMs: number,
  refreshHours: number,
): { from: number; to: number } | null {
  const earliest = Math.floor(earliestUsageMs / hourMs) * hourMs;
  const recent = Math.max(earliest, nowHourMs - refreshHours * hourMs);
  const window =
    mode === "backfill"
      ? { from: earliest, to: stored ? stored.first : recent }
      : {
          from: stored ? Math.max(earliest, Math.min(stored.last + hourMs, recent)) : recent,
          to: nowHourMs,
        };
  return window.from < window.to ? window : null;
}

/** Splits [from, to) into windows of at most `hours`, oldest first. */
export function splitWindow(from: number, to: number, hours: number) {
  const windows: { from: number; to: number }[] = [];
  for (let start = from; start < to; start += hours * hourMs)
    windows.push({ from: start, to: Math.min(to, start + hours * hourMs) });
  return windows;
}

/** At least `minIntervalMs` between the starts of two calls. */
export function createPacer(minIntervalMs: number, clock: SyncClock) {
  let last: number | undefined;
  return async () => {
    if (last !== undefined) {
      const wait = last + minIntervalMs - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
    last = clock.now();
  };
}

export type SourceSyncResult = {
  source: string;
  /** ok: every window loaded; unavailable: down (retried next run); refused: auth or a refusal. */
  status: "ok" | "unavailable" | "refused" | "failed";
  zones: string[];
  loads: number;
  rowsWritten: number;
  rowsRevised: number;
  error?: string;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** Days of marginal rates each daily run reloads (the best-window advice needs recent months only). */
export const marginalRefreshDays = 30;

/**
 * Marginal rates (WattTime co2_moer) for the WattTime regions of every region in use, the last
 * `marginalRefreshDays` days, one paced request per region; stored in grid_marginal_hourly for
 * time-shifting advice only. A failure is logged and reported, never thrown: nothing depends on it.
 */
export async function syncGridMarginal(
  deps: JobDeps,
  source: WattTimeMarginalSource,
  clock: SyncClock = realClock,
): Promise<SourceSyncResult> {
  const rows = await usageRegions(deps.owner);
  const regions = [
    ...new Set(rows.flatMap((r) => wattTimeRegionOf(r.provider, r.region) ?? [])),
  ].sort();
  const result: SourceSyncResult = {
    source: source.name,
    status: "ok",
    zones: regions,
    loads: 0,
    rowsWritten: 0,
    rowsRevised: 0,
  };
  const pace = createPacer(wattTimePacing.minIntervalMs, clock);
  const to = Math.floor(clock.now() / hourMs) * hourMs;
  const from = to - marginalRefreshDays * 24 * hourMs;
  for (const region of regions) {
    try {
      await pace();
      const fetched = await source.fetchHours(region, new Date(from), new Date(to));
      result.rowsWritten += await writeGridMarginal(deps.owner, {
        source: source.name,
        signal: wattTimeSignal,
        modelVersion: fetched.modelVersion,
        points: fetched.points,
      });
      result.loads += 1;
    } catch (error) {
      const message = (error as Error).message;
      result.error = message;
      // A region outside the plan (403) is that region's problem; an outage or a refused login ends the run.
      const regionRefused = error instanceof GridSourceError && error.status === 403;
      result.status =
        error instanceof GridSourceError ? (error.retryable ? "unavailable" : "refused") : "failed";
      deps.log(`sync-grid-intensity: ${source.name} ${region}: ${message}`);
      if (!regionRefused) break;
    }
  }
  deps.log(
    `sync-grid-intensity: ${source.name} (marginal, advice only) ${result.status}, ${result.rowsWritten} hour(s) for ${regions.join(", ") || "no region"}`,
  );
  return result;
}

/** One run over every configured source. Never throws for a source's failure. */
export async function syncGridIntensity(
  deps: JobDeps,
  options: {
    mode: GridSyncMode;
    sources?: ConfiguredGridSource[];
    /** The marginal-rate source; null for none (default: the configured one). */
    marginal?: WattTimeMarginalSource | null;
    refreshHours?: number;
    clock?: SyncClock;
  },
): Promise<SourceSyncResult[]> {
  const sources = options.sources ?? deps.gridSources?.sources ?? [];
  const marginal =
    options.marginal === undefined ? (deps.gridSources?.marginal ?? null) : options.marginal;
  const clock = options.clock ?? realClock;
  const refreshHours = options.refreshHours ?? defaultRefreshHours;
  // Marginal rates are reloaded once a day, with the backfill.
  const marginalResults =
    marginal && options.mode === "backfill" ? [await syncGridMarginal(deps, marginal, clock)] : [];
  if (sources.length === 0) return marginalResults;
  const zones = await zonesInUse(deps);
  const nowHour = Math.floor(clock.now() / hourMs) * hourMs;
  const results: SourceSyncResult[] = [...marginalResults];
  for (const { source, pacing } of sources) {
    const pace = createPacer(pacing.minIntervalMs, clock);
    const served = [...zones.keys()].filter((zone) => source.servesZone(zone)).sort();
    const result: SourceSyncResult = {
      source: source.name,
      status: "ok",
      zones: served,
      loads: 0,
      rowsWritten: 0,
      rowsRevised: 0,
    };
    results.push(result);
    zones: for (const zone of served) {
      const stored = await storedRange(deps, source.name, zone);
      const window = windowToLoad(
        options.mode,
        zones.get(zone)!.getTime(),
        stored,
        nowHour,
        refreshHours,
      );
      if (!window) continue;
      for (const part of splitWindow(window.from, window.to, pacing.windowHours)) {
        const label = `zone ${zone} ${iso(part.from)}..${iso(part.to)} (${options.mode})`;
        try {
          await pace();
          const fetched = await source.fetchHours(zone, new Date(part.from), new Date(part.to));
          if (fetched.points.length === 0) continue;
          const load = await writeGridIntensity(deps.owner, {
            source: source.name,
            sourceVersion: fetched.sourceVersion,
            label,
            points: fetched.points,
          });
          result.loads += 1;
          result.rowsWritten += load.rowsWritten;
          result.rowsRevised += load.rowsRevised;
          if (load.rowsWritten > 0) await restate(deps, load);
        } catch (error) {
          const message = (error as Error).message;
          const retryable = error instanceof GridSourceError ? error.retryable : false;
          await recordGridSyncFailure(deps.owner, {
            source: source.name,
            zone,
            from: new Date(part.from),
            to: new Date(part.to),
            message,
            retryable,
          });
          result.error = message;
          if (error instanceof GridSourceError) {
            result.status = retryable ? "unavailable" : "refused";
            deps.log(
              retryable
                ? `sync-grid-intensity: ${source.name} is unavailable (${message}); the annual factor stays in place for zone ${zone} from ${iso(part.from)}, retried next run`
                : `sync-grid-intensity: ${source.name} refused the request (${message}); check its key or access. The annual factor stays in place.`,
            );
            // A source that is down or refuses the key is not asked again in this run.
            break zones;
          }
          // Anything else (values the store refuses) is this zone's problem: go on with the next.
          result.status = "failed";
          deps.log(`sync-grid-intensity: ${source.name} ${label}: ${message}`);
          continue zones;
        }
      }
    }
    deps.log(
      `sync-grid-intensity ${options.mode}: ${source.name} ${result.status}, ${result.loads} load(s), ${result.rowsWritten} row(s) written, ${result.rowsRevised} revised, zones ${served.join(", ") || "none"}`,
    );
  }
  return results;
}

export const syncGridIntensityJob = defineJob({
  name: "sync-grid-intensity",
  payload: z.object({
    mode: z.enum(["backfill", "refresh"]),
    refreshHours: z
      .number()
      .int()
      .positive()
      .max(24 * 31)
      .optional(),
  }),
  options: { attempts: 1, backoffMs: 60_000, concurrency: 1 },
  async process(payload, deps) {
    const results = await syncGridIntensity(deps, {
      mode: payload.mode,
      ...(payload.refreshHours ? { refreshHours: payload.refreshHours } : {}),
    });
    return { sources: results };
  },
});

/** Registers the recurring syncs: refresh every hour, backfill every day (both also run at start). */
export async function registerGridIntensitySchedule(driver: QueueDriver) {
  await driver.schedule(
    "grid-intensity-refresh",
    "sync-grid-intensity",
    { mode: "refresh" },
    { everyMs: hourMs },
  );
  await driver.schedule(
    "grid-intensity-backfill",
    "sync-grid-intensity",
    { mode: "backfill" },
    { everyMs: 24 * hourMs },
  );
}
