import type { PoolClient } from "pg";
import { copyRows } from "../bulk/copy";
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
  costAmount: string | null;
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
  "cost_amount",
  "currency",
  "methodology_version",
] as const;

/**
 * Replaces the emissions of one account window with `rows` (staging table + delete + insert) in the
 * caller's tenant transaction. The window's monthly partitions must exist (ensureEmissionsPartitions),
 * created beforehand so this transaction takes no DDL lock.
 */
export async function replaceEmissionsWindow(
  client: PoolClient,
  tenantId: string,
  window: AccountWindow,
  rows: AsyncIterable<EmissionRow>,
): Promise<number> {
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
      r.costAmount,
      r.currency,
      r.methodologyVersion,
    ] as const;
  }
}
