import "server-only";
import {
  calibratedSeries,
  latestMonthWithFigures,
  type CalibratedPoint,
  type CalibrationPoint,
  type PoolClient,
} from "@canopy/db";
import { reconciliationRows, type ReconciliationRow } from "@canopy/jobs";

export type ReconciliationView = {
  /** First month shown and the month after the last, YYYY-MM-01. */
  from: string;
  to: string;
  /** Newest month first, then provider. */
  rows: ReconciliationRow[];
  /** Whether any provider figure is stored in the range (otherwise the page explains the lag). */
  hasProviderFigures: boolean;
  /** The calibration factor per provider, basis and month, oldest month first (uncalibrated months included). */
  history: CalibrationPoint[];
};

const monthStart = (year: number, month: number) =>
  new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);

/** The latest month with an estimate or a provider figure, not after `now`'s month (null: none). */
async function latestMonth(client: PoolClient, now: Date): Promise<Date | null> {
  const month = await latestMonthWithFigures(client, now.toISOString().slice(0, 10));
  return month ? new Date(`${month}T00:00:00Z`) : null;
}

/**
 * Canopy's monthly estimate beside each provider's own figure, for the organization the client is
 * scoped to: the `months` months up to the latest month with data (imports of old billing files
 * included), or up to the current month.
 */
export async function loadReconciliation(
  client: PoolClient,
  options: { months?: number; now?: Date } = {},
): Promise<ReconciliationView> {
  const now = options.now ?? new Date();
  const months = options.months ?? 13;
  const end = (await latestMonth(client, now)) ?? now;
  const from = monthStart(end.getUTCFullYear(), end.getUTCMonth() - (months - 1));
  const to = monthStart(end.getUTCFullYear(), end.getUTCMonth() + 1);
  const rows = (await reconciliationRows(client, { from, to })).sort(
    (a, b) => b.month.localeCompare(a.month) || a.provider.localeCompare(b.provider),
  );
  const history = rows
    .flatMap((r) => r.calibration)
    .sort(
      (a, b) =>
        a.provider.localeCompare(b.provider) ||
        a.basis.localeCompare(b.basis) ||
        a.month.localeCompare(b.month),
    );
  return { from, to, rows, hasProviderFigures: rows.some((r) => r.reported !== null), history };
}

/**
 * The calibrated view of one month (YYYY-MM-01): Canopy's hours or days per provider and basis,
 * scaled to the provider's level where the provider has a figure, marked uncalibrated elsewhere.
 */
export async function loadCalibratedMonth(
  client: PoolClient,
  month: string,
  granularity: "hour" | "day",
): Promise<{ month: string; granularity: "hour" | "day"; points: CalibratedPoint[] }> {
  const start = new Date(`${month}T00:00:00Z`);
  const to = monthStart(start.getUTCFullYear(), start.getUTCMonth() + 1);
  return {
    month,
    granularity,
    points: await calibratedSeries(client, { from: month, to }, granularity),
  };
}
