import type { PoolClient } from "pg";
import { copyRows } from "../bulk/copy";
import { withLocalSettings } from "./local-settings";
import { lockAccounts } from "./usage";
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
  "cost_amount",
  "cost_spend_based_amount",
  "cost_out_of_scope_amount",
  "currency",
  "methodology_version",
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
  await lockAccounts(client, [window]);
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
      r.costAmount,
      r.costSpendBasedAmount,
      r.costOutOfScopeAmount,
      r.currency,
      r.methodologyVersion,
    ] as const;
  }
}

/** Everything an estimate depends on besides the quantity: one "shape" of usage. */
export type UsageShape = {
  shapeKey: string;
  /** Start of the shape's earliest row (its year selects the reference data). */
  firstHour: Date;
  provider: "aws" | "azure" | "gcp";
  region: string;
  periodHours: number;
  kind: string;
  unit: string;
  service: string;
  usageType: string;
  instanceType: string;
  vcpus: number | null;
  memoryGb: number | null;
  storageClass: string | null;
  replicationHint: number | null;
  gpuModel: string | null;
  gpuCount: number | null;
  cpuUtilization: number | null;
};

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
};

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
] as const;

/**
 * Replaces the emissions of one account window set-based: the per-unit factors of each shape go into a
 * staging table, and one INSERT … SELECT multiplies every usage row's quantity by its shape's factors.
 * Valid only when every shape's estimate is linear in quantity (the caller checks). Runs in the
 * caller's tenant transaction; the window's partitions must exist.
 */
export async function replaceEmissionsFromFactors(
  client: PoolClient,
  window: AccountWindow,
  factors: readonly ShapeFactors[],
): Promise<number> {
  await lockAccounts(client, [window]);
  await client.query("DROP TABLE IF EXISTS shape_factors");
  await client.query(`CREATE TEMP TABLE shape_factors (
    shape_key text PRIMARY KEY, kwh_it float8, kwh_facility float8, co2e_location_kg float8, co2e_market_kg float8,
    co2e_embodied_kg float8, water_l float8, co2e_on_defaults_kg float8, co2e_low_kg float8, co2e_high_kg float8,
    coverage text, spend_currency text, spend_kg float8, spend_low_kg float8, spend_high_kg float8, pue real,
    grid_intensity_g_per_kwh real, default_factors_mask smallint, methodology_version text
  ) ON COMMIT DROP`);
  await copyRows(
    client,
    "shape_factors",
    factorColumns,
    factors.map((f) => [
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
    ]),
  );
  await client.query(
    "DELETE FROM emissions_hourly WHERE cloud_account_id = $1 AND hour >= $2 AND hour < $3",
    [window.cloudAccountId, window.start, window.end],
  );
  // A negative quantity or cost (a correction) swaps which bound is low, hence least/greatest.
  const inserted = await client.query(
    `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
       instance_type, tags, pue, grid_intensity_g_per_kwh, default_factors_mask, kwh_it, kwh_facility, co2e_location_kg,
       co2e_market_kg, co2e_embodied_kg, water_l, co2e_on_defaults_kg, co2e_spend_based_kg, co2e_low_kg, co2e_high_kg,
       cost_amount, cost_spend_based_amount, cost_out_of_scope_amount, currency, methodology_version)
     SELECT u.tenant_id, u.cloud_account_id, u.hour, u.dims_key, u.provider, u.service, u.region, u.kind,
       u.instance_type, u.tags, f.pue, f.grid_intensity_g_per_kwh, f.default_factors_mask, u.quantity * f.kwh_it,
       u.quantity * f.kwh_facility, u.quantity * f.co2e_location_kg, u.quantity * f.co2e_market_kg,
       u.quantity * f.co2e_embodied_kg, u.quantity * f.water_l, u.quantity * f.co2e_on_defaults_kg,
       s.spend * f.spend_kg,
       least(u.quantity * f.co2e_low_kg, u.quantity * f.co2e_high_kg) + least(s.spend * f.spend_low_kg, s.spend * f.spend_high_kg),
       greatest(u.quantity * f.co2e_low_kg, u.quantity * f.co2e_high_kg) + greatest(s.spend * f.spend_low_kg, s.spend * f.spend_high_kg),
       u.cost_amount, s.spend_amount,
       CASE WHEN f.coverage = 'out-of-scope' THEN coalesce(u.cost_amount, 0) ELSE 0 END,
       u.currency, f.methodology_version
     FROM usage_hourly u
     JOIN shape_factors f ON f.shape_key = u.shape_key || ':' || extract(year FROM u.hour AT TIME ZONE 'UTC')::int
     CROSS JOIN LATERAL (
       SELECT x.spend_amount, x.spend_amount::float8 AS spend
       FROM (SELECT CASE WHEN f.coverage = 'spend-based' AND u.currency = f.spend_currency
                         THEN coalesce(u.cost_amount, 0) ELSE 0 END AS spend_amount) x
     ) s
     WHERE u.cloud_account_id = $1 AND u.hour >= $2 AND u.hour < $3`,
    [window.cloudAccountId, window.start, window.end],
  );
  return inserted.rowCount ?? 0;
}
