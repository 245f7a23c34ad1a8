import type { PoolClient } from "pg";
import { copyRows } from "../bulk/copy";
import { gridSourcePrecedence, type GridBoundary } from "./grid-intensity";
import { withLocalSettings } from "./local-settings";
import { lockAccountMonths, type UsageRow } from "./usage";
import type { AccountWindow } from "./windows";

/** One emissions_hourly row; names carry units. */
export type EmissionRow = {
  cloudAccountId: string;
  hour: Date;
  dimsKey: string;
  provider: string;
  service: string;
  region: string;
  kind: string;
  instanceType: string;
  tags: Record<string, string>;
  pue: number;
  gridIntensityGPerKwh: number;
  defaultFactorsMask: number;
  kwhIt: number;
  kwhFacility: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  co2eEmbodiedKg: number;
  waterL: number;
  co2eOnDefaultsKg: number;
  co2eSpendBasedKg: number;
  /** Low and high of the row's total CO2e (location-based + embodied + spend-based). */
  co2eLowKg: number;
  co2eHighKg: number;
  /** kwhFacility when the hour's grid intensity was used, else 0. */
  kwhHourlyGrid: number;
  /** kwhFacility when the row is a share of usage billed for a longer period, else 0. */
  kwhDisaggregated: number;
  /** kwhFacility when the row's compute power used measured CPU utilization, else 0. */
  kwhMeasuredUtilization: number;
  costAmount: string | null;
  /** Parts of costAmount estimated from spend and out of scope (numeric strings, like costAmount). */
  costSpendBasedAmount: string;
  costOutOfScopeAmount: string;
  currency: string | null;
  methodologyVersion: string;
};

const columns = [
  "tenant_id",
  "cloud_account_id",
  "hour",
  "dims_key",
  "provider",
  "service",
  "region",
  "kind",
  "instance_type",
  "tags",
  "pue",
  "grid_intensity_g_per_kwh",
  "default_factors_mask",
  "kwh_it",
  "kwh_facility",
  "co2e_location_kg",
  "co2e_market_kg",
  "co2e_embodied_kg",
  "water_l",
  "co2e_on_defaults_kg",
  "co2e_spend_based_kg",
  "co2e_low_kg",
  "co2e_high_kg",
  "kwh_hourly_grid",
  "kwh_disaggregated",
  "cost_amount",
  "cost_spend_based_amount",
  "cost_out_of_scope_amount",
  "currency",
  "methodology_version",
  "kwh_measured_utilization",
] as const;

/**
 * Replaces the emissions of one account window with `rows` (COPY into a staging table, since COPY
 * into a table under RLS is refused; then delete + insert) in the
 * caller's tenant transaction. The window's monthly partitions must exist (ensureEmissionsPartitions),
 * created beforehand so this transaction takes no DDL lock.
 */
export async function replaceEmissionsWindow(
  client: PoolClient,
  tenantId: string,
  window: AccountWindow,
  rows: AsyncIterable<EmissionRow>,
): Promise<number> {
  await lockAccountMonths(client, window);
  await client.query("DROP TABLE IF EXISTS emissions_staging");
  await client.query(
    "CREATE TEMP TABLE emissions_staging (LIKE emissions_hourly INCLUDING DEFAULTS) ON COMMIT DROP",
  );
  await copyRows(client, "emissions_staging", columns, toCopyRows(tenantId, rows));
  await client.query(
    "DELETE FROM emissions_hourly WHERE cloud_account_id = $1 AND hour >= $2 AND hour < $3",
    [window.cloudAccountId, window.start, window.end],
  );
  const inserted = await client.query(
    "INSERT INTO emissions_hourly SELECT * FROM emissions_staging",
  );
  return inserted.rowCount ?? 0;
}

async function* toCopyRows(tenantId: string, rows: AsyncIterable<EmissionRow>) {
  for await (const r of rows) {
    yield [
      tenantId,
      r.cloudAccountId,
      r.hour,
      r.dimsKey,
      r.provider,
      r.service,
      r.region,
      r.kind,
      r.instanceType,
      r.tags,
      r.pue,
      r.gridIntensityGPerKwh,
      r.defaultFactorsMask,
      r.kwhIt,
      r.kwhFacility,
      r.co2eLocationKg,
      r.co2eMarketKg,
      r.co2eEmbodiedKg,
      r.waterL,
      r.co2eOnDefaultsKg,
      r.co2eSpendBasedKg,
      r.co2eLowKg,
      r.co2eHighKg,
      r.kwhHourlyGrid,
      r.kwhDisaggregated,
      r.costAmount,
      r.costSpendBasedAmount,
      r.costOutOfScopeAmount,
      r.currency,
      r.methodologyVersion,
      r.kwhMeasuredUtilization,
    ] as const;
  }
}

/** Everything an estimate depends on besides the quantity: one "shape" of usage. */
export type UsageShape = {
  shapeKey: string;
  /** Start of the shape's earliest row (its year selects the reference data). */
  firstHour: Date;
} & Pick<
  UsageRow,
  | "provider"
  | "region"
  | "periodHours"
  | "kind"
  | "unit"
  | "service"
  | "usageType"
  | "instanceType"
  | "vcpus"
  | "memoryGb"
  | "storageClass"
  | "replicationHint"
  | "gpuModel"
  | "gpuCount"
  | "cpuUtilization"
>;

/**
 * Per-unit-of-quantity emissions of one shape, plus its constant factors. Spend-based shapes also get
 * kgCO2e per unit of cost, applied to rows whose currency is `spendCurrency`.
 */
export type ShapeFactors = {
  shapeKey: string;
  kwhItPerUnit: number;
  kwhFacilityPerUnit: number;
  co2eLocationKgPerUnit: number;
  co2eMarketKgPerUnit: number;
  co2eEmbodiedKgPerUnit: number;
  waterLPerUnit: number;
  co2eOnDefaultsKgPerUnit: number;
  /** Low and high of (location-based + embodied) per unit of quantity. */
  co2eLowKgPerUnit: number;
  co2eHighKgPerUnit: number;
  coverage: "estimated" | "spend-based" | "out-of-scope";
  spendCurrency: string;
  spendKgCo2ePerCurrencyUnit: number;
  spendLowKgCo2ePerCurrencyUnit: number;
  spendHighKgCo2ePerCurrencyUnit: number;
  pue: number;
  gridIntensityGPerKwh: number;
  defaultFactorsMask: number;
  methodologyVersion: string;
  /** Whether the shape's compute power used measured CPU utilization (kwh_measured_utilization). */
  utilizationMeasured: boolean;
  /** The shape's billing period in hours (rows longer than an hour may be spread). */
  periodHours: number;
  /**
   * Grid zone whose hourly intensity applies to the shape, with the shape's figures as affine
   * functions of that intensity g (per unit: `…0 + g × …PerG`); null when no hourly factor can apply
   * (no zone, no energy, or a profile whose grid factors are not a direct or lifecycle series).
   */
  hourly: HourlyShapeFactors | null;
};

/** Per-unit figures of a shape when the hour's grid intensity g (gCO2e/kWh) is used. */
export type HourlyShapeFactors = {
  gridZone: string;
  co2eLocationKg0: number;
  co2eLocationKgPerG: number;
  co2eMarketKg0: number;
  co2eMarketKgPerG: number;
  co2eOnDefaultsKg0: number;
  co2eOnDefaultsKgPerG: number;
  co2eLowKg0: number;
  co2eLowKgPerG: number;
  co2eHighKg0: number;
  co2eHighKgPerG: number;
  defaultFactorsMask: number;
};

/**
 * Which usage rows are spread over their hours when estimated (docs/methodology.md section 4, hourly):
 * rows with energy billed for more than one hour, up to a day always, up to `maxSpreadHours` only when
 * the zone has hourly intensities in the window; each hour gets 1/n of the row (flat profile).
 */
export const spreadRule = { alwaysUpToHours: 24, maxSpreadHours: 744 } as const;

/** The distinct shapes of an account window's usage (typically thousands for millions of rows). */
export async function usageShapes(
  client: PoolClient,
  window: AccountWindow,
): Promise<UsageShape[]> {
  // Every column here is determined by shape_key, so grouping by all of them yields one row per shape;
  // hashing beats the sort the planner picks when it has no statistics on freshly written usage.
  const result = await withLocalSettings(client, { work_mem: "128MB", enable_sort: "off" }, () =>
    client.query<UsageShape>(
      `SELECT u.shape_key || ':' || extract(year FROM u.hour AT TIME ZONE 'UTC')::int AS "shapeKey",
            min(u.hour) AS "firstHour", u.provider::text AS provider, u.region, u.period_hours AS "periodHours",
            u.kind, u.unit, u.service, u.usage_type AS "usageType", u.instance_type AS "instanceType", u.vcpus,
            u.memory_gb AS "memoryGb", u.storage_class AS "storageClass", u.replication_hint AS "replicationHint",
            u.gpu_model AS "gpuModel", u.gpu_count AS "gpuCount", u.cpu_utilization AS "cpuUtilization"
     FROM usage_hourly u
     WHERE u.cloud_account_id = $1 AND u.hour >= $2 AND u.hour < $3
     GROUP BY u.shape_key, extract(year FROM u.hour AT TIME ZONE 'UTC'), u.provider, u.region, u.period_hours, u.kind,
       u.unit, u.service, u.usage_type, u.instance_type, u.vcpus, u.memory_gb, u.storage_class, u.replication_hint,
       u.gpu_model, u.gpu_count, u.cpu_utilization`,
      [window.cloudAccountId, window.start, window.end],
    ),
  );
  return result.rows;
}

const factorColumns = [
  "shape_key",
  "kwh_it",
  "kwh_facility",
  "co2e_location_kg",
  "co2e_market_kg",
  "co2e_embodied_kg",
  "water_l",
  "co2e_on_defaults_kg",
  "co2e_low_kg",
  "co2e_high_kg",
  "coverage",
  "spend_currency",
  "spend_kg",
  "spend_low_kg",
  "spend_high_kg",
  "pue",
  "grid_intensity_g_per_kwh",
  "default_factors_mask",
  "methodology_version",
  "grid_zone",
  "h_location_0",
  "h_location_g",
  "h_market_0",
  "h_market_g",
  "h_defaults_0",
  "h_defaults_g",
  "h_low_0",
  "h_low_g",
  "h_high_0",
  "h_high_g",
  "h_mask",
  "utilization_measured",
] as const;

/**
 * The counted hourly intensity of the factors' zones for the window's hours, one boundary, in a
 * temporary table: per zone-hour the value of the highest-precedence source (as
 * readHourlyIntensities). Shapes whose zone has a value in the window are marked `has_hourly`.
 */
async function stageHourlyGrid(
  client: PoolClient,
  window: AccountWindow,
  factors: readonly ShapeFactors[],
  boundary: GridBoundary | null,
): Promise<void> {
  await client.query("DROP TABLE IF EXISTS hourly_grid");
  await client.query(
    "CREATE TEMP TABLE hourly_grid (zone text, hour timestamptz, g float8, PRIMARY KEY (zone, hour)) ON COMMIT DROP",
  );
  const zones = [...new Set(factors.flatMap((f) => (f.hourly ? [f.hourly.gridZone] : [])))];
  if (boundary !== null && zones.length > 0) {
    await client.query(
      `INSERT INTO hourly_grid
       SELECT DISTINCT ON (zone, hour) zone, hour, g_co2e_per_kwh FROM grid_intensity_hourly
       WHERE zone = ANY($1) AND boundary = $2 AND hour >= $3 AND hour < $4
       ORDER BY zone, hour, coalesce(array_position($5::text[], source), 1000), source`,
      [zones, boundary, window.start, window.end, gridSourcePrecedence],
    );
  }
  await client.query("ANALYZE hourly_grid");
  await client.query(
    `UPDATE shape_factors f SET has_hourly = true
     WHERE f.grid_zone IN (SELECT DISTINCT zone FROM hourly_grid)`,
  );
}

// Per usage row u (shape f) and hour g (hourly_grid, null → annual factors): the emission columns for
// q units of usage; `cost` is the row's cost for that hour, `spread` whether it is a share of a longer period.
const emissionSelect = (q: string, cost: string, spread: boolean) => `
  f.pue, coalesce(g.g, f.grid_intensity_g_per_kwh), CASE WHEN g.g IS NULL THEN f.default_factors_mask ELSE f.h_mask END,
  ${q} * f.kwh_it, ${q} * f.kwh_facility,
  ${q} * CASE WHEN g.g IS NULL THEN f.co2e_location_kg ELSE f.h_location_0 + g.g * f.h_location_g END,
  ${q} * CASE WHEN g.g IS NULL THEN f.co2e_market_kg ELSE f.h_market_0 + g.g * f.h_market_g END,
  ${q} * f.co2e_embodied_kg, ${q} * f.water_l,
  ${q} * CASE WHEN g.g IS NULL THEN f.co2e_on_defaults_kg ELSE f.h_defaults_0 + g.g * f.h_defaults_g END,
  s.spend * f.spend_kg,
  least(${q} * r.low, ${q} * r.high) + least(s.spend * f.spend_low_kg, s.spend * f.spend_high_kg),
  greatest(${q} * r.low, ${q} * r.high) + greatest(s.spend * f.spend_low_kg, s.spend * f.spend_high_kg),
  CASE WHEN g.g IS NULL THEN 0 ELSE ${q} * f.kwh_facility END, ${spread ? `${q} * f.kwh_facility` : "0"},
  ${cost}, s.spend_amount,
  CASE WHEN f.coverage = 'out-of-scope' THEN coalesce(u.cost_amount, 0) ELSE 0 END,
  u.currency, f.methodology_version, CASE WHEN f.utilization_measured THEN ${q} * f.kwh_facility ELSE 0 END`;

const emissionLaterals = `
  CROSS JOIN LATERAL (
    SELECT CASE WHEN g.g IS NULL THEN f.co2e_low_kg ELSE f.h_low_0 + g.g * f.h_low_g END AS low,
           CASE WHEN g.g IS NULL THEN f.co2e_high_kg ELSE f.h_high_0 + g.g * f.h_high_g END AS high
  ) r
  CROSS JOIN LATERAL (
    SELECT x.spend_amount, x.spend_amount::float8 AS spend
    FROM (SELECT CASE WHEN f.coverage = 'spend-based' AND u.currency = f.spend_currency
                      THEN coalesce(u.cost_amount, 0) ELSE 0 END AS spend_amount) x
  ) s`;

const insertColumns = `tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
  instance_type, tags, pue, grid_intensity_g_per_kwh, default_factors_mask, kwh_it, kwh_facility, co2e_location_kg,
  co2e_market_kg, co2e_embodied_kg, water_l, co2e_on_defaults_kg, co2e_spend_based_kg, co2e_low_kg, co2e_high_kg,
  kwh_hourly_grid, kwh_disaggregated, cost_amount, cost_spend_based_amount, cost_out_of_scope_amount, currency,
  methodology_version, kwh_measured_utilization`;

const shapeJoin = `JOIN shape_factors f ON f.shape_key = u.shape_key || ':' || extract(year FROM u.hour AT TIME ZONE 'UTC')::int`;

/** SQL condition: the usage row u of shape f is spread over its hours (see spreadRule). */
const spreadCondition = `(f.kwh_facility <> 0 AND u.period_hours > 1 AND u.period_hours <= ${spreadRule.maxSpreadHours}
  AND (u.period_hours <= ${spreadRule.alwaysUpToHours} OR f.has_hourly))`;

/**
 * Replaces the emissions of one account window set-based: the per-unit factors of each shape go into a
 * staging table, and PostgreSQL multiplies every usage row's quantity by its shape's factors, using
 * the hour's grid intensity (`boundary`, hourly_grid) where the shape has a zone with a value for
 * that hour, else the annual factors. Rows billed for a longer period (spreadRule) become one row per
 * hour with 1/n of the quantity and of the cost (cumulative rounding, so the parts sum to the cost
 * exactly); their dims_key gets the period start, so spread rows never collide with each other.
 * Valid only when every shape's estimate is linear in quantity and affine in the grid intensity
 * (the caller checks). Runs in the caller's tenant transaction; the window's partitions must exist.
 */
export async function replaceEmissionsFromFactors(
  client: PoolClient,
  window: AccountWindow,
  factors: readonly ShapeFactors[],
  boundary: GridBoundary | null = null,
): Promise<number> {
  await lockAccountMonths(client, window);
  await client.query("DROP TABLE IF EXISTS shape_factors");
  await client.query(`CREATE TEMP TABLE shape_factors (
    shape_key text PRIMARY KEY, kwh_it float8, kwh_facility float8, co2e_location_kg float8, co2e_market_kg float8,
    co2e_embodied_kg float8, water_l float8, co2e_on_defaults_kg float8, co2e_low_kg float8, co2e_high_kg float8,
    coverage text, spend_currency text, spend_kg float8, spend_low_kg float8, spend_high_kg float8, pue real,
    grid_intensity_g_per_kwh real, default_factors_mask smallint, methodology_version text, grid_zone text,
    h_location_0 float8, h_location_g float8, h_market_0 float8, h_market_g float8, h_defaults_0 float8,
    h_defaults_g float8, h_low_0 float8, h_low_g float8, h_high_0 float8, h_high_g float8, h_mask smallint,
    utilization_measured boolean NOT NULL, has_hourly boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP`);
  await copyRows(
    client,
    "shape_factors",
    factorColumns,
    factors.map((f) => {
      const h = f.hourly;
      return [
        f.shapeKey,
        f.kwhItPerUnit,
        f.kwhFacilityPerUnit,
        f.co2eLocationKgPerUnit,
        f.co2eMarketKgPerUnit,
        f.co2eEmbodiedKgPerUnit,
        f.waterLPerUnit,
        f.co2eOnDefaultsKgPerUnit,
        f.co2eLowKgPerUnit,
        f.co2eHighKgPerUnit,
        f.coverage,
        f.spendCurrency,
        f.spendKgCo2ePerCurrencyUnit,
        f.spendLowKgCo2ePerCurrencyUnit,
        f.spendHighKgCo2ePerCurrencyUnit,
        f.pue,
        f.gridIntensityGPerKwh,
        f.defaultFactorsMask,
        f.methodologyVersion,
        h?.gridZone ?? null,
        h?.co2eLocationKg0 ?? null,
        h?.co2eLocationKgPerG ?? null,
        h?.co2eMarketKg0 ?? null,
        h?.co2eMarketKgPerG ?? null,
        h?.co2eOnDefaultsKg0 ?? null,
        h?.co2eOnDefaultsKgPerG ?? null,
        h?.co2eLowKg0 ?? null,
        h?.co2eLowKgPerG ?? null,
        h?.co2eHighKg0 ?? null,
        h?.co2eHighKgPerG ?? null,
        h?.defaultFactorsMask ?? null,
        f.utilizationMeasured,
      ];
    }),
  );
  await stageHourlyGrid(client, window, factors, boundary);
  await client.query(
    "DELETE FROM emissions_hourly WHERE cloud_account_id = $1 AND hour >= $2 AND hour < $3",
    [window.cloudAccountId, window.start, window.end],
  );
  // Rows of one hour (or billed for a period that is not spread): the hour's intensity applies only
  // to a row of at most one hour. A negative quantity or cost (a correction) swaps which bound is
  // low, hence least/greatest.
  const single = await client.query(
    `INSERT INTO emissions_hourly (${insertColumns})
     SELECT u.tenant_id, u.cloud_account_id, u.hour, u.dims_key, u.provider, u.service, u.region, u.kind,
       u.instance_type, u.tags, ${emissionSelect("u.quantity", "u.cost_amount", false)}
     FROM usage_hourly u
     ${shapeJoin}
     LEFT JOIN hourly_grid g ON u.period_hours <= 1 AND g.zone = f.grid_zone AND g.hour = u.hour
     ${emissionLaterals}
     WHERE u.cloud_account_id = $1 AND u.hour >= $2 AND u.hour < $3 AND NOT ${spreadCondition}`,
    [window.cloudAccountId, window.start, window.end],
  );
  // Rows spread over their hours, cut at the window's end (a row that runs past it is spread over
  // the hours inside, so its sums stay whole and no row lands in another window). Skipped when no
  // shape can spread (hourly billing only), which saves a second pass over the window's usage.
  if (!factors.some((f) => f.periodHours > 1 && f.kwhFacilityPerUnit !== 0))
    return single.rowCount ?? 0;
  const spread = await client.query(
    `INSERT INTO emissions_hourly (${insertColumns})
     SELECT u.tenant_id, u.cloud_account_id, u.hour + p.k * interval '1 hour',
       u.dims_key || '/' || extract(epoch FROM u.hour)::bigint, u.provider, u.service, u.region, u.kind,
       u.instance_type, u.tags, ${emissionSelect(
         "p.quantity",
         "round(u.cost_amount * (p.k + 1) / w.n, 8) - round(u.cost_amount * p.k / w.n, 8)",
         true,
       )}
     FROM usage_hourly u
     ${shapeJoin}
     CROSS JOIN LATERAL (
       SELECT least(ceil(u.period_hours)::int, ceil(extract(epoch FROM ($3::timestamptz - u.hour)) / 3600)::int) AS n
     ) w
     CROSS JOIN LATERAL (SELECT k, u.quantity / w.n AS quantity FROM generate_series(0, w.n - 1) AS k) p
     LEFT JOIN hourly_grid g ON g.zone = f.grid_zone AND g.hour = u.hour + p.k * interval '1 hour'
     ${emissionLaterals}
     WHERE u.cloud_account_id = $1 AND u.hour >= $2 AND u.hour < $3 AND ${spreadCondition}`,
    [window.cloudAccountId, window.start, window.end],
  );
  return (single.rowCount ?? 0) + (spread.rowCount ?? 0);
}
