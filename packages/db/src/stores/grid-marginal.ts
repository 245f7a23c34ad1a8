import type { PoolClient } from "pg";
import type { Connection } from "../client";
import { maxGridIntensityGPerKwh } from "./grid-intensity";

/** One hour of a marginal emission rate (gCO2/kWh, CO2 only) for a source's grid region. */
export type GridMarginalPoint = {
  region: string;
  hour: Date;
  gCo2PerKwh: number;
  /** How many source points the hour's mean is over. */
  samples: number;
};

export type GridMarginalBatch = {
  source: string;
  signal: string;
  modelVersion: string;
  points: readonly GridMarginalPoint[];
};

const hourMs = 3_600_000;

/**
 * Stores marginal rates (grid_marginal_hourly), all or nothing, after checking every point (start of
 * a UTC hour, 0–2,000 g/kWh, at least one sample, no duplicate region and hour). An hour already
 * stored is overwritten: these values only rank hours for time-shifting advice and never enter an
 * estimate, so a refresh may revise them (docs/methodology.md §18.1). Returns the rows written.
 */
export async function writeGridMarginal(
  owner: Connection,
  batch: GridMarginalBatch,
): Promise<number> {
  const seen = new Set<string>();
  batch.points.forEach((point, index) => {
    const at = `marginal point ${index + 1} (region ${point.region})`;
    if (!Number.isFinite(point.hour.getTime()) || point.hour.getTime() % hourMs !== 0)
      throw new Error(`${at}: the hour must be the start of a UTC hour`);
    if (!(point.gCo2PerKwh >= 0 && point.gCo2PerKwh <= maxGridIntensityGPerKwh))
      throw new Error(
        `${at}: ${point.gCo2PerKwh} gCO2/kWh is outside 0–${maxGridIntensityGPerKwh}`,
      );
    if (!(point.samples >= 1)) throw new Error(`${at}: an hour needs at least one sample`);
    const key = `${point.region}|${point.hour.getTime()}`;
    if (seen.has(key)) throw new Error(`${at}: the same region and hour appears twice`);
    seen.add(key);
  });
  if (batch.points.length === 0) return 0;
  const result = await owner.pool.query(
    `INSERT INTO grid_marginal_hourly (region, hour, signal, source, model_version, g_co2_per_kwh, samples)
     SELECT p.region, p.hour, $1, $2, $3, p.g, p.samples
     FROM unnest($4::text[], $5::timestamptz[], $6::float8[], $7::int[]) AS p(region, hour, g, samples)
     ON CONFLICT (region, signal, hour) DO UPDATE
       SET source = excluded.source, model_version = excluded.model_version,
           g_co2_per_kwh = excluded.g_co2_per_kwh, samples = excluded.samples, loaded_at = now()`,
    [
      batch.signal,
      batch.source,
      batch.modelVersion,
      batch.points.map((p) => p.region),
      batch.points.map((p) => p.hour),
      batch.points.map((p) => p.gCo2PerKwh),
      batch.points.map((p) => p.samples),
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Mean marginal rate per month and UTC hour of day for one region, over the `months` calendar months
 * up to its last stored hour, with the source and model of that hour. No cells when nothing is stored.
 */
export async function marginalProfile(
  client: PoolClient,
  region: string,
  signal: string,
  months: number,
): Promise<{
  cells: { month: string; hourOfDay: number; meanGPerKwh: number; hours: number }[];
  source: string | null;
  modelVersion: string | null;
}> {
  const { rows: latest } = await client.query<{
    hour: Date;
    source: string;
    modelVersion: string;
  }>(
    `SELECT hour, source, model_version AS "modelVersion" FROM grid_marginal_hourly
     WHERE region = $1 AND signal = $2 ORDER BY hour DESC LIMIT 1`,
    [region, signal],
  );
  const last = latest[0];
  if (!last) return { cells: [], source: null, modelVersion: null };
  const to = new Date(Date.UTC(last.hour.getUTCFullYear(), last.hour.getUTCMonth() + 1, 1));
  const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - months, 1));
  const { rows: cells } = await client.query<{
    month: string;
    hourOfDay: number;
    meanGPerKwh: number;
    hours: number;
  }>(
    `SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
            extract(hour FROM hour AT TIME ZONE 'UTC')::int AS "hourOfDay",
            avg(g_co2_per_kwh)::float8 AS "meanGPerKwh", count(*)::int AS hours
     FROM grid_marginal_hourly WHERE region = $1 AND signal = $2 AND hour >= $3 AND hour < $4
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [region, signal, from, to],
  );
  return { cells, source: last.source, modelVersion: last.modelVersion };
}
