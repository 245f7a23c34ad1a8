import { withTenantClient, type Connection } from "@canopy/db";
import { PermanentJobError } from "./errors";

/**
 * Re-reads the cloud account under the payload's tenant. Row-level security hides other tenants'
 * accounts, so a payload naming tenant A's account while claiming tenant B fails here.
 */
export async function loadTenantAccount(app: Connection, tenantId: string, cloudAccountId: string) {
  const account = await withTenantClient(app, tenantId, async (client) => {
    const result = await client.query<{
      id: string;
      provider: "aws" | "azure" | "gcp";
      providerAccountId: string;
    }>(
      `SELECT id, provider, provider_account_id AS "providerAccountId" FROM cloud_accounts WHERE id = $1`,
      [cloudAccountId],
    );
    return result.rows[0];
  });
  if (!account) {
    throw new PermanentJobError(
      `Cloud account ${cloudAccountId} does not exist in organization ${tenantId}`,
    );
  }
  return account;
}
