import type { Connection } from "../client";
import {
  gridRestatementSchema,
  type GridRestatement,
  type WindowEmissionTotals,
} from "../json/grid-intensity-load";
import { parseStoredJson } from "../json/parse";

/**
 * What a grid restatement reads and records (owner connection: a load's windows span organizations):
 * the emissions_monthly totals of account × month windows, and the record kept on the load
 * (grid_intensity_loads.details.restatement, `gridRestatementSchema`).
 */

/** An account × month, the month as its first day (YYYY-MM-DD). */
export type AccountMonth = { cloudAccountId: string; month: string };

const totalsSql = `coalesce(sum(kwh_facility), 0)::float8 AS "kwhFacility",
  coalesce(sum(kwh_hourly_grid), 0)::float8 AS "kwhHourlyGrid",
  coalesce(sum(co2e_location_kg), 0)::float8 AS "co2eLocationKg",
  coalesce(sum(co2e_market_kg), 0)::float8 AS "co2eMarketKg"`;

/** The totals of each window, by "account/month" (zeros for a window with no emissions). */
export async function windowEmissionTotals(
  owner: Connection,
  windows: readonly AccountMonth[],
): Promise<Map<string, WindowEmissionTotals>> {
  const { rows } = await owner.pool.query<WindowEmissionTotals & { key: string }>(
    `SELECT w.account || '/' || w.month AS key, ${totalsSql}
     FROM unnest($1::uuid[], $2::text[]) AS w(account, month)
     LEFT JOIN emissions_monthly m ON m.cloud_account_id = w.account AND m.month = w.month::date
     GROUP BY w.account, w.month`,
    [windows.map((w) => w.cloudAccountId), windows.map((w) => w.month)],
  );
  return new Map(rows.map(({ key, ...totals }) => [key, totals]));
}

/** The windows, as "account/month", whose emissions were estimated with the ccf profile. */
export async function ccfEstimatedWindows(
  owner: Connection,
  windows: readonly AccountMonth[],
): Promise<string[]> {
  const ccf = await owner.pool.query<{ key: string }>(
    `SELECT DISTINCT w.account || '/' || w.month AS key
     FROM unnest($1::uuid[], $2::text[]) AS w(account, month)
     JOIN emissions_monthly m ON m.cloud_account_id = w.account AND m.month = w.month::date
     WHERE m.methodology_version LIKE 'ccf-%'`,
    [windows.map((w) => w.cloudAccountId), windows.map((w) => w.month)],
  );
  return ccf.rows.map((row) => row.key);
}

const writeRestatementSql =
  "UPDATE grid_intensity_loads SET details = details || jsonb_build_object('restatement', $2::jsonb) WHERE id = $1";

/** Records the load's restatement (replacing an earlier record). */
export async function recordGridRestatement(
  owner: Connection,
  loadId: string,
  restatement: GridRestatement,
): Promise<void> {
  await owner.pool.query(writeRestatementSql, [loadId, JSON.stringify(restatement)]);
}

/**
 * Changes the load's restatement record in one transaction, its row locked: `change` gets the record
 * (null when there is none) and returns the new one, or undefined to leave it as it is.
 */
export async function updateGridRestatement(
  owner: Connection,
  loadId: string,
  change: (restatement: GridRestatement | null | undefined) => GridRestatement | undefined,
): Promise<void> {
  const client = await owner.pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ restatement: unknown }>(
      "SELECT details -> 'restatement' AS restatement FROM grid_intensity_loads WHERE id = $1 FOR UPDATE",
      [loadId],
    );
    const stored = rows[0]?.restatement;
    const changed = change(
      stored === null || stored === undefined
        ? stored
        : parseStoredJson(
            gridRestatementSchema,
            stored,
            `grid_intensity_loads.details.restatement of load ${loadId}`,
          ),
    );
    if (changed !== undefined)
      await client.query(writeRestatementSql, [loadId, JSON.stringify(changed)]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
