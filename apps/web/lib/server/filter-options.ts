import "server-only";
import type { PoolClient } from "@canopy/db";

export type FilterOptions = {
  providers: string[];
  accounts: { id: string; name: string; provider: string }[];
  services: string[];
  regions: string[];
  currency: string | null;
};

/** The values the dashboard's filters offer: what the organization's rollups contain. */
export async function filterOptions(client: PoolClient): Promise<FilterOptions> {
  const dims = await client.query<{
    provider: string;
    service: string;
    region: string;
    currency: string | null;
  }>(
    "SELECT provider::text, service, region, max(currency) AS currency FROM emissions_monthly GROUP BY 1, 2, 3",
  );
  const accounts = await client.query<{ id: string; name: string; provider: string }>(
    "SELECT id::text, display_name AS name, provider::text FROM cloud_accounts ORDER BY display_name",
  );
  const sorted = (values: string[]) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
  return {
    providers: sorted(dims.rows.map((r) => r.provider)),
    services: sorted(dims.rows.map((r) => r.service)),
    regions: sorted(dims.rows.map((r) => r.region)),
    accounts: accounts.rows,
    currency: dims.rows.find((r) => r.currency)?.currency ?? null,
  };
}
