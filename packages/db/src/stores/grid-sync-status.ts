import type pg from "pg";
import type { Connection } from "../client";
import type { GridIntensityLoadDetails } from "../json/grid-intensity-load";

/**
 * What the grid-intensity sync last did per source and zone, for people: a successful load is a
 * grid_intensity_loads row written by `writeGridIntensity`; a failed attempt (source down, key
 * refused) is a row with no values and `details.status = "failed"`, so the failure is visible next
 * to the loads and estimation keeps the annual factor for the hours the source did not deliver.
 */

export type GridSyncFailure = {
  source: string;
  zone: string;
  /** The window that was asked for, [from, to). */
  from: Date;
  to: Date;
  message: string;
  /** Whether trying later can help (outage, throttling) or not (authentication, refusal). */
  retryable: boolean;
};

/** Records a failed attempt (owner connection: the app role cannot write reference tables). */
export async function recordGridSyncFailure(
  owner: Connection,
  failure: GridSyncFailure,
): Promise<string> {
  const { rows } = await owner.pool.query<{ id: string }>(
    `INSERT INTO grid_intensity_loads (source, source_version, label, zones, first_hour, last_hour, details)
     VALUES ($1, 'unavailable', $2, $3, $4, $5, $6) RETURNING id`,
    [
      failure.source,
      `zone ${failure.zone} ${failure.from.toISOString()}..${failure.to.toISOString()} (failed)`,
      [failure.zone],
      failure.from,
      new Date(failure.to.getTime() - 3_600_000),
      {
        status: "failed",
        error: failure.message,
        retryable: failure.retryable,
      } satisfies GridIntensityLoadDetails,
    ],
  );
  return rows[0]!.id;
}

export type GridSyncStatus = {
  source: string;
  zone: string;
  /** The last successful load and the hours stored so far for this source and zone. */
  lastLoadedAt: Date | null;
  firstHour: Date | null;
  lastHour: Date | null;
  /** The last failed attempt, if it is more recent than the last load. */
  failing: { at: Date; message: string; retryable: boolean } | null;
};

/** Per source and zone: the last load, the stored range, and a failure newer than the last load. */
export async function gridSyncStatuses(
  client: pg.Pool | pg.PoolClient,
  zones: readonly string[],
): Promise<GridSyncStatus[]> {
  if (zones.length === 0) return [];
  const { rows } = await client.query<{
    source: string;
    zone: string;
    lastLoadedAt: Date | null;
    lastFailedAt: Date | null;
    lastError: string | null;
    lastRetryable: boolean | null;
  }>(
    `SELECT l.source, z AS zone,
            max(l.loaded_at) FILTER (WHERE l.details->>'status' IS DISTINCT FROM 'failed') AS "lastLoadedAt",
            max(l.loaded_at) FILTER (WHERE l.details->>'status' = 'failed') AS "lastFailedAt",
            (array_agg(l.details->>'error' ORDER BY l.loaded_at DESC)
               FILTER (WHERE l.details->>'status' = 'failed'))[1] AS "lastError",
            (array_agg((l.details->>'retryable')::boolean ORDER BY l.loaded_at DESC)
               FILTER (WHERE l.details->>'status' = 'failed'))[1] AS "lastRetryable"
     FROM grid_intensity_loads l CROSS JOIN LATERAL unnest(l.zones) AS z
     WHERE z = ANY($1)
     GROUP BY l.source, z
     ORDER BY z, l.source`,
    [zones],
  );
  const ranges = await client.query<{
    source: string;
    zone: string;
    firstHour: Date;
    lastHour: Date;
  }>(
    `SELECT source, zone, min(hour) AS "firstHour", max(hour) AS "lastHour"
     FROM grid_intensity_hourly WHERE zone = ANY($1) GROUP BY source, zone`,
    [zones],
  );
  const rangeOf = new Map(ranges.rows.map((r) => [`${r.source}|${r.zone}`, r]));
  return rows.map((row) => {
    const range = rangeOf.get(`${row.source}|${row.zone}`);
    const failing =
      row.lastFailedAt && (!row.lastLoadedAt || row.lastFailedAt > row.lastLoadedAt)
        ? {
            at: row.lastFailedAt,
            message: row.lastError ?? "",
            retryable: row.lastRetryable ?? true,
          }
        : null;
    return {
      source: row.source,
      zone: row.zone,
      lastLoadedAt: row.lastLoadedAt,
      firstHour: range?.firstHour ?? null,
      lastHour: range?.lastHour ?? null,
      failing,
    };
  });
}
