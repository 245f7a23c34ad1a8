import {
  ccfEstimatedWindows,
  recordGridRestatement,
  updateGridRestatement,
  usageRegionMonths,
  windowEmissionTotals,
  type GridIntensityLoadResult,
  type GridRestatement,
  type WindowEmissionTotals,
} from "@canopy/db";
import type { JobDeps } from "./contract";
import { createZoneLookup } from "./hourly-grid";
import type { WindowPayload } from "./window-payload";

/**
 * Restatement after new or revised hourly grid data (docs/methodology.md section 4, hourly): every
 * tenant × account × month whose usage falls in the load's zones and hours is re-estimated from
 * stored usage by the ordinary estimate-window job. The load's `details.restatement` records the
 * totals of those windows before, and after once every window's rollup has run. Reports are not
 * touched: a locked version keeps its figures, the next draft of its series shows the diff.
 */

/** Totals of the restated windows (emissions_monthly sums). */
export type RestatementTotals = WindowEmissionTotals;

/** The record kept on the load (grid_intensity_loads.details.restatement, its schema in @canopy/db/json). */
export type { GridRestatement };

const zeroTotals = (): RestatementTotals => ({
  kwhFacility: 0,
  kwhHourlyGrid: 0,
  co2eLocationKg: 0,
  co2eMarketKg: 0,
});

const addTotals = (a: RestatementTotals, b: RestatementTotals): RestatementTotals => ({
  kwhFacility: a.kwhFacility + b.kwhFacility,
  kwhHourlyGrid: a.kwhHourlyGrid + b.kwhHourlyGrid,
  co2eLocationKg: a.co2eLocationKg + b.co2eLocationKg,
  co2eMarketKg: a.co2eMarketKg + b.co2eMarketKg,
});

/** Longest usage period spread over hourly factors: a row starting this long before the load can cover it. */
const maxPeriodHours = 744;
const hourMs = 3_600_000;

export type RestatementWindow = { tenantId: string; cloudAccountId: string; month: string };

/** Tenant × account × month (first day, YYYY-MM-DD) whose usage covers the load's zones and hours. */
export async function affectedWindows(
  deps: Pick<JobDeps, "owner">,
  load: GridIntensityLoadResult,
): Promise<RestatementWindow[]> {
  if (load.firstHour === null || load.lastHour === null || load.zones.length === 0) return [];
  const from = new Date(load.firstHour.getTime() - maxPeriodHours * hourMs);
  const to = new Date(load.lastHour.getTime() + hourMs);
  // Cross-tenant, so through the owner connection.
  const rows = await usageRegionMonths(deps.owner, { from, to, after: load.firstHour });
  const zones = new Set(load.zones);
  const zoneOf = createZoneLookup("canopy");
  const windows = new Map<string, RestatementWindow>();
  for (const row of rows) {
    const zone = zoneOf(row.provider, row.region, Number(row.month.slice(0, 4)));
    if (zone === null || !zones.has(zone)) continue;
    windows.set(`${row.cloudAccountId}/${row.month}`, {
      tenantId: row.tenantId,
      cloudAccountId: row.cloudAccountId,
      month: row.month,
    });
  }
  // Windows estimated with the ccf profile keep CCF's annual factors (hourly-grid.ts): nothing to restate.
  for (const key of await ccfEstimatedWindows(deps.owner, [...windows.values()]))
    windows.delete(key);
  return [...windows.values()].sort((a, b) =>
    `${a.tenantId}/${a.cloudAccountId}/${a.month}`.localeCompare(
      `${b.tenantId}/${b.cloudAccountId}/${b.month}`,
    ),
  );
}

const monthEnd = (month: string): string => {
  const start = new Date(`${month}T00:00:00Z`);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString();
};

/**
 * Queues estimate-window for every window the load affects (job id per load, account and month, so
 * calling it twice queues nothing new while the first is waiting) and records the before totals in
 * grid_intensity_loads.details.restatement. A load that changed no stored value restates nothing.
 */
export async function queueGridRestatement(
  deps: Pick<JobDeps, "owner" | "enqueue">,
  load: GridIntensityLoadResult,
): Promise<GridRestatement> {
  const windows = load.rowsWritten > 0 ? await affectedWindows(deps, load) : [];
  const before = await windowEmissionTotals(deps.owner, windows);
  const restatement: GridRestatement = {
    status: windows.length > 0 ? "queued" : "nothing to restate",
    queuedAt: new Date().toISOString(),
    windows: windows.length,
    pending: {},
    before: zeroTotals(),
    after: null,
    tenants: {},
  };
  for (const window of windows) {
    const key = `${window.cloudAccountId}/${window.month}`;
    const totals = before.get(key) ?? zeroTotals();
    restatement.pending[key] = window.tenantId;
    restatement.before = addTotals(restatement.before, totals);
    const tenant = (restatement.tenants[window.tenantId] ??= {
      windows: 0,
      before: zeroTotals(),
      after: zeroTotals(),
    });
    tenant.windows++;
    tenant.before = addTotals(tenant.before, totals);
  }
  if (windows.length === 0) restatement.completedAt = restatement.queuedAt;
  // Recorded before anything is queued, so every window's rollup finds its pending entry.
  await recordGridRestatement(deps.owner, load.loadId, restatement);
  for (const window of windows) {
    const payload: WindowPayload = {
      tenantId: window.tenantId,
      cloudAccountId: window.cloudAccountId,
      windowStart: new Date(`${window.month}T00:00:00Z`).toISOString(),
      windowEnd: monthEnd(window.month),
      gridLoadId: load.loadId,
    };
    await deps.enqueue("estimate-window", payload, {
      jobId: `grid:${load.loadId}:${window.cloudAccountId}:${window.month}`,
    });
  }
  return restatement;
}

/**
 * Called by rollup-days for a window queued by a restatement: adds the window's new totals to the
 * load's record and clears its pending entry (once, however often the rollup runs); the last window
 * marks the restatement done.
 */
export async function recordRestatedWindow(
  deps: Pick<JobDeps, "owner">,
  gridLoadId: string,
  cloudAccountId: string,
  windowStart: Date,
): Promise<void> {
  const month = windowStart.toISOString().slice(0, 10);
  const key = `${cloudAccountId}/${month}`;
  const after =
    (await windowEmissionTotals(deps.owner, [{ cloudAccountId, month }])).get(key) ?? zeroTotals();
  await updateGridRestatement(deps.owner, gridLoadId, (restatement) => {
    const tenantId = restatement?.pending[key];
    if (!restatement || tenantId === undefined) return undefined;
    delete restatement.pending[key];
    restatement.after = addTotals(restatement.after ?? zeroTotals(), after);
    const tenant = restatement.tenants[tenantId];
    if (tenant) tenant.after = addTotals(tenant.after, after);
    if (Object.keys(restatement.pending).length === 0) {
      restatement.status = "done";
      restatement.completedAt = new Date().toISOString();
    }
    return restatement;
  });
}
