import { cloudAccountIdentity, withTenantClient, type Connection } from "@canopy/db";
import { PermanentJobError } from "./errors";

/**
 * Re-reads the cloud account under the payload's tenant. Row-level security hides other tenants'
 * accounts, so a payload naming tenant A's account while claiming tenant B fails here.
 */
export async function loadTenantAccount(app: Connection, tenantId: string, cloudAccountId: string) {
  const account = await withTenantClient(app, tenantId, (client) =>
    cloudAccountIdentity(client, cloudAccountId),
  );
  if (!account) {
    throw new PermanentJobError(
      `Cloud account ${cloudAccountId} does not exist in organization ${tenantId}`,
    );
  }
  return account;
}
