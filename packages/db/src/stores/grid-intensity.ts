import type pg from "pg";
import type { Connection } from "../client";

/**
 * Hourly grid intensity store (grid_intensity_hourly): reference data shared by every tenant.
 * Written through the owner connection by the worker (source syncs) and by dataset uploads; read
 * by estimation through any connection (the app role has SELECT only).
 */

export const gridBoundaries = ["direct", "lifecycle"] as const;
export type GridBoundary = (typeof gridBoundaries)[number];

/** One zone-hour value as a source reports it. */
export type GridIntensityPoint = {
  /** Electricity Maps zone key (the data pack's `gridZone` of a region), e.g. "DE", "US-MIDA-PJM". */
  zone: string;
  /** Start of the UTC hour. */
  hour: Date;
  boundary: GridBoundary;
  gCo2ePerKwh: number;
  /** The source marks the value as estimated rather than measured. */
  estimated: boolean;
};

/** A batch of points from one source and version, stored all or nothing. */
export type GridIntensityBatch = {
  source: string;
  sourceVersion: string;
  /** What was loaded, for people: a file name or "zone DE 2025-01-01..2025-02-01". */
  label: string;
  points: readonly GridIntensityPoint[];
};

export type GridIntensityLoadResult = {
  loadId: string;
  rowsWritten: number;
  /** Rows whose stored value changed; the previous values are kept in grid_intensity_superseded. */
  rowsRevised: number;
  zones: string[];
  firstHour: Date | null;
  lastHour: Date | null;
};

/** A batch that cannot be stored; `index` is the point's position in the batch. */
export class GridIntensityError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = "GridIntensityError";
  }
}

const hourMs = 3_600_000;
export const maxGridIntensityGPerKwh = 2000;

/** Checks every point (whole UTC hour, 0–2,000 g/kWh, known boundary, no duplicates). */
export function validateGridIntensityPoints(points: readonly GridIntensityPoint[]): void {
  const seen = new Set<string>();
  points.forEach((point, index) => {
    const at = `point ${index + 1} (zone ${point.zone}, ${describeHour(point.hour)})`;
    if (!/^[A-Z]{2}(?:-[A-Z0-9]+)*$/i.test(point.zone))
      throw new GridIntensityError(`${at}: "${point.zone}" is not a grid zone key`, index);
    const ms = point.hour.getTime();
    if (!Number.isFinite(ms) || ms % hourMs !== 0)
      throw new GridIntensityError(`${at}: the hour must be the start of a UTC hour`, index);
    if (!gridBoundaries.includes(point.boundary))
      throw new GridIntensityError(`${at}: boundary must be direct or lifecycle`, index);
    const g = point.gCo2ePerKwh;
    if (!Number.isFinite(g) || g < 0 || g > maxGridIntensityGPerKwh)
      throw new GridIntensityError(
        `${at}: intensity ${g} gCO2e/kWh is outside 0–${maxGridIntensityGPerKwh}`,
        index,
      );
    const key = `${point.zone}|${point.boundary}|${ms}`;
    if (seen.has(key))
      throw new GridIntensityError(`${at}: the same zone, hour and boundary appears twice`, index);
    seen.add(key);
  });
}

function describeHour(hour: Date): string {
  return Number.isFinite(hour.getTime()) ? hour.toISOString() : "invalid time";
}

const batchSize = 10_000;

/**
 * Stores a batch in one transaction: validates it first (nothing partial is stored), records the
 * load, moves revised values to grid_intensity_superseded and upserts the rest. Identical values
 * are left as they are and not counted as revised.
 */
export async function writeGridIntensity(
  owner: Connection,
  batch: GridIntensityBatch,
): Promise<GridIntensityLoadResult> {
  validateGridIntensityPoints(batch.points);
  const zones = [...new Set(batch.points.map((point) => point.zone))].sort();
  let first: number | null = null;
  let last: number | null = null;
  for (const point of batch.points) {
    const ms = point.hour.getTime();
    if (first === null || ms < first) first = ms;
    if (last === null || ms > last) last = ms;
  }
  const firstHour = first === null ? null : new Date(first);
  const lastHour = last === null ? null : new Date(last);
  const client = await owner.pool.connect();
  try {
    await client.query("BEGIN");
    const load = await client.query<{ id: string }>(
      `INSERT INTO grid_intensity_loads (source, source_version, label, zones, first_hour, last_hour)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [batch.source, batch.sourceVersion, batch.label, zones, firstHour, lastHour],
    );
    const loadId = load.rows[0]!.id;
    let rowsWritten = 0;
    let rowsRevised = 0;
    for (let start = 0; start < batch.points.length; start += batchSize) {
      const counts = await upsertChunk(
        client,
        batch,
        loadId,
        batch.points.slice(start, start + batchSize),
      );
      rowsWritten += counts.written;
      rowsRevised += counts.revised;
    }
    await client.query(
      "UPDATE grid_intensity_loads SET rows_written = $2, rows_revised = $3 WHERE id = $1",
      [loadId, rowsWritten, rowsRevised],
    );
    await client.query("COMMIT");
    return { loadId, rowsWritten, rowsRevised, zones, firstHour, lastHour };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function upsertChunk(
  client: pg.PoolClient,
  batch: GridIntensityBatch,
  loadId: string,
  points: readonly GridIntensityPoint[],
): Promise<{ written: number; revised: number }> {
  const params = [
    points.map((point) => point.zone),
    points.map((point) => point.hour.toISOString()),
    points.map((point) => point.boundary),
    points.map((point) => point.gCo2ePerKwh),
    points.map((point) => point.estimated),
    batch.source,
    batch.sourceVersion,
    loadId,
  ];
  const incoming = `SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::float8[], $5::boolean[])
                      AS p(zone, hour, boundary, g, estimated)`;
  const revised = await client.query(
    `WITH p AS (${incoming}),
     changed AS (
       SELECT h.* FROM grid_intensity_hourly h
       JOIN p ON p.zone = h.zone AND p.hour = h.hour AND p.boundary = h.boundary
       WHERE h.source = $6 AND (h.g_co2e_per_kwh <> p.g OR h.estimated <> p.estimated OR h.source_version <> $7)
     )
     INSERT INTO grid_intensity_superseded
       (zone, hour, boundary, source, source_version, g_co2e_per_kwh, estimated, load_id, superseded_by_load_id)
     SELECT zone, hour, boundary, source, source_version, g_co2e_per_kwh, estimated, load_id, $8 FROM changed`,
    params,
  );
  const written = await client.query(
    `WITH p AS (${incoming})
     INSERT INTO grid_intensity_hourly (zone, hour, boundary, source, source_version, g_co2e_per_kwh, estimated, load_id)
     SELECT zone, hour, boundary, $6, $7, g, estimated, $8 FROM p
     ON CONFLICT (zone, boundary, source, hour) DO UPDATE
       SET source_version = EXCLUDED.source_version, g_co2e_per_kwh = EXCLUDED.g_co2e_per_kwh,
           estimated = EXCLUDED.estimated, load_id = EXCLUDED.load_id
       WHERE grid_intensity_hourly.g_co2e_per_kwh <> EXCLUDED.g_co2e_per_kwh
          OR grid_intensity_hourly.estimated <> EXCLUDED.estimated
          OR grid_intensity_hourly.source_version <> EXCLUDED.source_version`,
    params,
  );
  return { written: written.rowCount ?? 0, revised: revised.rowCount ?? 0 };
}

/**
 * Which source counts when several have a value for the same zone, hour and boundary: Electricity
 * Maps (flow-traced, consumption-based) before Canopy's own computation from a primary source's
 * generation mix. Sources not listed rank last, in name order.
 */
export const gridSourcePrecedence: readonly string[] = [
  "electricitymaps-api",
  "electricitymaps-dataset",
  "neso-carbon-intensity",
  "entsoe-generation",
  "eia-930",
];

/** zone → hour start (ms) → gCO2e/kWh, for the zones and [from, to) asked, one boundary. */
export type HourlyIntensities = Map<string, Map<number, number>>;

/**
 * The counted hourly intensity of each zone and hour in [from, to): per zone-hour the value of the
 * highest-precedence source. Works on any connection (owner, app, or a tenant transaction).
 */
export async function readHourlyIntensities(
  client: pg.Pool | pg.PoolClient,
  zones: readonly string[],
  from: Date,
  to: Date,
  boundary: GridBoundary,
): Promise<HourlyIntensities> {
  const result: HourlyIntensities = new Map();
  if (zones.length === 0) return result;
  const { rows } = await client.query<{ zone: string; hourMs: number; g: number }>(
    `SELECT DISTINCT ON (zone, hour) zone, (extract(epoch FROM hour) * 1000)::float8 AS "hourMs",
            g_co2e_per_kwh AS g
     FROM grid_intensity_hourly
     WHERE zone = ANY($1) AND boundary = $4 AND hour >= $2 AND hour < $3
     ORDER BY zone, hour, coalesce(array_position($5::text[], source), 1000), source`,
    [zones, from, to, boundary, gridSourcePrecedence],
  );
  for (const row of rows) {
    let byHour = result.get(row.zone);
    if (byHour === undefined) {
      byHour = new Map();
      result.set(row.zone, byHour);
    }
    byHour.set(row.hourMs, row.g);
  }
  return result;
}

/** The last stored hour of the zone per boundary (direct, lifecycle). */
export async function gridZoneRanges(
  client: pg.PoolClient,
  zone: string,
): Promise<{ boundary: "direct" | "lifecycle"; last: Date }[]> {
  const { rows } = await client.query<{ boundary: "direct" | "lifecycle"; last: Date }>(
    `SELECT boundary, max(hour) AS last FROM grid_intensity_hourly WHERE zone = $1 GROUP BY boundary`,
    [zone],
  );
  return rows;
}

/** The first and last hour one source has stored for the zone (both null when none). */
export async function storedGridRange(
  owner: Connection,
  source: string,
  zone: string,
): Promise<{ first: Date | null; last: Date | null } | undefined> {
  const { rows } = await owner.pool.query<{ first: Date | null; last: Date | null }>(
    `SELECT min(hour) AS first, max(hour) AS last FROM grid_intensity_hourly
     WHERE source = $1 AND zone = $2`,
    [source, zone],
  );
  return rows[0];
}

/** One cell of a zone's profile: the mean intensity at one UTC hour of day in one month. */
export type GridProfileCell = {
  /** YYYY-MM */
  month: string;
  /** 0–23, UTC. */
  hourOfDay: number;
  meanGPerKwh: number;
  /** Hours of data behind the mean. */
  hours: number;
};

/**
 * The zone's counted hourly values in [from, to) (per hour the source first in gridSourcePrecedence):
 * the hour-of-day × month means, and the hours each source supplied (most first).
 */
export async function gridZoneProfile(
  client: pg.PoolClient,
  zone: string,
  boundary: "direct" | "lifecycle",
  from: Date,
  to: Date,
): Promise<{ cells: GridProfileCell[]; sources: { source: string; hours: number }[] }> {
  // The counted value per hour: the highest-precedence source (as estimation reads it).
  const counted = `SELECT DISTINCT ON (hour) hour, g_co2e_per_kwh AS g, source
                   FROM grid_intensity_hourly
                   WHERE zone = $1 AND boundary = $2 AND hour >= $3 AND hour < $4
                   ORDER BY hour, coalesce(array_position($5::text[], source), 1000), source`;
  const params = [zone, boundary, from, to, gridSourcePrecedence];
  const { rows: cells } = await client.query<GridProfileCell>(
    `WITH counted AS (${counted})
     SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
            extract(hour FROM hour AT TIME ZONE 'UTC')::int AS "hourOfDay",
            avg(g)::float8 AS "meanGPerKwh", count(*)::int AS hours
     FROM counted GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  const { rows: sources } = await client.query<{ source: string; hours: number }>(
    `WITH counted AS (${counted})
     SELECT source, count(*)::int AS hours FROM counted GROUP BY source ORDER BY count(*) DESC`,
    params,
  );
  return { cells, sources };
}

/** A load of the shared grid-intensity store, as the datasets page lists it. */
export type GridLoadRow = {
  id: string;
  source: string;
  sourceVersion: string;
  label: string;
  zones: string[];
  firstHour: Date | null;
  lastHour: Date | null;
  rowsWritten: number;
  rowsRevised: number;
  loadedAt: Date;
  /** A sync attempt that failed (source down, key refused) is a load with no values and its error. */
  failure: string | null;
};

/** The latest loads (reference data: the app role may read it without a tenant). */
export async function latestGridLoads(app: Connection, limit: number): Promise<GridLoadRow[]> {
  const { rows } = await app.pool.query<GridLoadRow>(
    `SELECT id, source, source_version AS "sourceVersion", label, zones,
            first_hour AS "firstHour", last_hour AS "lastHour",
            rows_written AS "rowsWritten", rows_revised AS "rowsRevised", loaded_at AS "loadedAt",
            CASE WHEN details->>'status' = 'failed' THEN coalesce(details->>'error', 'failed') END AS failure
     FROM grid_intensity_loads ORDER BY loaded_at DESC, id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}
