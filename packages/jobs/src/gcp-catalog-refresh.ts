import {
  gcpCatalogPricesFetchedAt,
  usageCurrencies,
  withTenantClient,
  writeGcpCatalogPrices,
} from "@canopy/db";
import type { GcpCatalogReader } from "@canopy/connectors/live";
import { openGcpCatalogReader, type ConnectableAccount } from "./connector-for";
import type { JobDeps } from "./contract";

/** The Cloud Catalog is read at most once a day per currency, whichever GCP account syncs first. */
export const gcpCatalogRefreshMs = 24 * 3_600_000;

export type GcpCatalogRefresh = {
  status: "fresh" | "refreshed" | "failed";
  currencies: string[];
  rowsWritten: number;
  error?: string;
};

/**
 * After a GCP account's sync: Compute Engine's list prices from the Cloud Catalog, in the
 * currencies of the account's bill (USD when it has none yet), into gcp_catalog_prices (shared
 * reference data) unless read in the last `gcpCatalogRefreshMs`. A failure is logged and returned,
 * never thrown: recommendations then keep the prices already stored, and the sync stands.
 */
export async function refreshGcpCatalogPrices(
  deps: JobDeps,
  tenantId: string,
  cloudAccountId: string,
  account: ConnectableAccount,
  now: Date = new Date(),
): Promise<GcpCatalogRefresh> {
  const result: GcpCatalogRefresh = { status: "fresh", currencies: [], rowsWritten: 0 };
  try {
    const billed = await withTenantClient(deps.app, tenantId, (client) =>
      usageCurrencies(client, cloudAccountId),
    );
    const currencies = billed.length > 0 ? billed.sort() : ["USD"];
    let reader: GcpCatalogReader | undefined;
    for (const currencyCode of currencies) {
      const fetchedAt = await gcpCatalogPricesFetchedAt(deps.owner, currencyCode);
      if (fetchedAt && now.getTime() - fetchedAt.getTime() < gcpCatalogRefreshMs) continue;
      reader ??= await openGcpCatalogReader(deps, tenantId, cloudAccountId, account);
      const prices = await reader.readComputePrices({ currencyCode });
      result.rowsWritten += await writeGcpCatalogPrices(deps.owner, prices);
      result.currencies.push(currencyCode);
      result.status = "refreshed";
    }
  } catch (error) {
    result.status = "failed";
    result.error = (error as Error).message;
  }
  deps.log(
    `gcp-catalog-prices ${cloudAccountId}: ${result.status}${result.currencies.length > 0 ? ` (${result.currencies.join(", ")}, ${result.rowsWritten} price(s))` : ""}${result.error ? `: ${result.error}` : ""}`,
  );
  return result;
}
