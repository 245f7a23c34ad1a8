import "server-only";
import {
  gridSyncStatuses,
  gridZoneProfile,
  gridZoneRanges,
  marginalProfile,
  regionHasEmissions,
  regionsWithEmissions,
  type PoolClient,
} from "@canopy/db";
import { gridSourceNotices, wattTimeRegionOf, wattTimeSignal } from "@canopy/jobs";
import { regionFactors, type Provider } from "@canopy/methodology";
import { bestWindow, hourlyMeans, type BestWindow, type ProfileCell } from "@/lib/regions/profile";

/** A region the organization has emissions in, with its grid zone and annual factor. */
export type UsedRegion = {
  provider: Provider;
  region: string;
  gridZone: string | null;
  annualGCo2ePerKwh: number;
  annualBoundary: string;
  firstMonth: string;
  lastMonth: string;
  kwhFacility: number;
};

/** The organization's regions (emissions_monthly under its row-level security), most energy first. */
export async function listUsedRegions(client: PoolClient): Promise<UsedRegion[]> {
  const rows = await regionsWithEmissions<Provider>(client);
  return rows.map((row) => {
    const factors = regionFactors(row.provider, row.region);
    return {
      ...row,
      gridZone: factors.gridZone,
      annualGCo2ePerKwh: factors.gridIntensityGPerKwh,
      annualBoundary: factors.gridBoundary,
    };
  });
}

export type SourceUse = {
  source: string;
  hours: number;
  licence: string | null;
  attribution: string | null;
  url: string | null;
};

export type IntensityProfile = {
  provider: Provider;
  region: string;
  gridZone: string | null;
  /** The boundary of the hourly values shown (lifecycle where stored, else direct). */
  boundary: "direct" | "lifecycle" | null;
  /** First month shown and the last, YYYY-MM (null without hourly data). */
  from: string | null;
  to: string | null;
  cells: ProfileCell[];
  windowHours: number;
  bestWindows: BestWindow[];
  /** The sources the counted values come from, with their licence and attribution. */
  sources: SourceUse[];
  /** What estimation uses for hours without an hourly value. */
  annual: { gCo2ePerKwh: number; boundary: string; source: string };
  /** Sources whose last attempt for the zone failed (the annual factor stays in place). */
  failingSources: { source: string; at: string; message: string; retryable: boolean }[];
  /**
   * Best windows by the marginal rate (WattTime co2_moer, gCO2/kWh, CO2 only) where it is stored:
   * advice on when one more kWh emits least; never used for the inventory.
   */
  marginal: MarginalWindows | null;
};

export type MarginalWindows = {
  /** The source's region id (WattTime "CAISO_NORTH"). */
  region: string;
  source: string;
  modelVersion: string;
  licence: string | null;
  attribution: string | null;
  url: string | null;
  bestWindows: BestWindow[];
};

const monthsShown = 12;

/**
 * The zone's hour-of-day × month profile over the last 12 months with hourly data, and the best
 * N-hour window per month. Null when the organization has no emissions in the region (other
 * organizations' regions are not disclosed).
 */
export async function loadIntensityProfile(
  client: PoolClient,
  provider: Provider,
  region: string,
  windowHours: number,
): Promise<IntensityProfile | null> {
  if (!(await regionHasEmissions(client, provider, region))) return null;
  const factors = regionFactors(provider, region);
  const zone = factors.gridZone;
  const annual = {
    gCo2ePerKwh: factors.gridIntensityGPerKwh,
    boundary: factors.gridBoundary,
    source: factors.gridSource,
  };
  const empty: IntensityProfile = {
    provider,
    region,
    gridZone: zone,
    boundary: null,
    from: null,
    to: null,
    cells: [],
    windowHours,
    bestWindows: [],
    sources: [],
    annual,
    failingSources: [],
    marginal: await loadMarginalWindows(client, provider, region, windowHours),
  };
  if (!zone) return empty;
  const failingSources = (await gridSyncStatuses(client, [zone]))
    .filter((s) => s.failing)
    .map((s) => ({
      source: s.source,
      at: s.failing!.at.toISOString(),
      message: s.failing!.message,
      retryable: s.failing!.retryable,
    }));
  const ranges = await gridZoneRanges(client, zone);
  const range = ranges.find((r) => r.boundary === "lifecycle") ?? ranges[0];
  if (!range) return { ...empty, failingSources };
  const to = new Date(Date.UTC(range.last.getUTCFullYear(), range.last.getUTCMonth() + 1, 1));
  const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - monthsShown, 1));
  const { cells, sources: used_sources } = await gridZoneProfile(
    client,
    zone,
    range.boundary,
    from,
    to,
  );
  const months = [...new Set(cells.map((c) => c.month))];
  return {
    ...empty,
    boundary: range.boundary,
    from: months[0] ?? null,
    to: months.at(-1) ?? null,
    cells,
    bestWindows: months
      .map((month) => bestWindow(month, hourlyMeans(cells, month), windowHours))
      .filter((w): w is BestWindow => w !== null),
    sources: used_sources.map((s) => {
      const notice = gridSourceNotices[s.source];
      return {
        ...s,
        licence: notice?.licence ?? null,
        attribution: notice?.attribution ?? null,
        url: notice?.url ?? null,
      };
    }),
    failingSources,
  };
}

/** The marginal-rate best windows of the region's WattTime region, or null when none is stored. */
async function loadMarginalWindows(
  client: PoolClient,
  provider: Provider,
  region: string,
  windowHours: number,
): Promise<MarginalWindows | null> {
  const wtRegion = wattTimeRegionOf(provider, region);
  if (!wtRegion) return null;
  const profile = await marginalProfile(client, wtRegion, wattTimeSignal, monthsShown);
  if (!profile.source) return null;
  const months = [...new Set(profile.cells.map((c) => c.month))];
  const notice = gridSourceNotices[profile.source];
  return {
    region: wtRegion,
    source: profile.source,
    modelVersion: profile.modelVersion ?? "unknown",
    licence: notice?.licence ?? null,
    attribution: notice?.attribution ?? null,
    url: notice?.url ?? null,
    bestWindows: months
      .map((month) => bestWindow(month, hourlyMeans(profile.cells, month), windowHours))
      .filter((w): w is BestWindow => w !== null),
  };
}
