import {
  spanEmissionTotals,
  withTenantClient,
  type Connection,
  type SpanEmissionTotals,
} from "@canopy/db";
import type { ImportSummary } from "./summary";

export type ImportTotals = SpanEmissionTotals;

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
  const { cloudAccountIds, span } = summary;
  return withTenantClient(app, tenantId, (client) =>
    spanEmissionTotals(client, cloudAccountIds, span),
  );
}
