import { withTenantClient, type Connection } from "@canopy/db";
import type { ImportSummary } from "./summary";

export type ImportTotals = {
  kwhFacility: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  co2eEmbodiedKg: number;
  waterL: number;
};

/**
 * Emissions now stored for the accounts and time span an import covered (what it added, once its
 * estimate jobs have run). Reads the daily rollups, which the estimate jobs refresh last.
 */
export async function importTotals(
  app: Connection,
  tenantId: string,
  summary: ImportSummary,
): Promise<ImportTotals> {
  if (!summary.span || !summary.cloudAccountIds?.length) {
    return { kwhFacility: 0, co2eLocationKg: 0, co2eMarketKg: 0, co2eEmbodiedKg: 0, waterL: 0 };
  }
  return withTenantClient(app, tenantId, async (client) => {
    const result = await client.query<ImportTotals>(
      `SELECT coalesce(sum(kwh_facility), 0) AS "kwhFacility", coalesce(sum(co2e_location_kg), 0) AS "co2eLocationKg",
              coalesce(sum(co2e_market_kg), 0) AS "co2eMarketKg", coalesce(sum(co2e_embodied_kg), 0) AS "co2eEmbodiedKg",
              coalesce(sum(water_l), 0) AS "waterL"
       FROM emissions_daily
       WHERE cloud_account_id = ANY($1::uuid[]) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
         AND day < (($3::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1`,
      [summary.cloudAccountIds, summary.span!.start, summary.span!.end],
    );
    return result.rows[0]!;
  });
}
