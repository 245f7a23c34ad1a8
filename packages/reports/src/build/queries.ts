import { loadCountedFigures, type CountedFigure, type PoolClient } from "@canopy/db";

/**
 * The reads a report needs. Their SQL lives in @canopy/db with the tables it reads (emission-reads,
 * accounts, tenants, sync-runs, usage); every function runs on a client inside `withTenantClient`, so
 * row-level security limits it to one organization and the account filter narrows it to the boundary.
 */
export {
  loadBoundaryAccounts as loadAccounts,
  loadDataDays,
  loadDataSpan,
  loadImportRuns,
  loadMonthlyRows,
  loadOrganization,
  loadOtherKindCost,
  loadTagKeys,
  scanHourly,
  type HourlyGroup,
  type ImportRun,
  type MonthlyRow,
  type Organization,
  type OtherKindCostLine,
} from "@canopy/db";

/** A provider's own figure: @canopy/db's counted figures, the same the reconciliation page reads. */
export type ProviderFigure = CountedFigure;

/**
 * Providers' own figures for the period's months: per provider account and month the newest model
 * version only (@canopy/db loadCountedFigures), so a revised figure replaces, not adds to, the earlier one.
 */
export async function loadProviderFigures(
  client: PoolClient,
  start: string,
  end: string,
): Promise<ProviderFigure[]> {
  return loadCountedFigures(client, { from: start, to: end });
}
