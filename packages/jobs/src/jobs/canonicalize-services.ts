import { z } from "zod";
import { renameStoredService, storedServiceNames, withTenantClient } from "@canopy/db";
import { canonicalService } from "@canopy/connectors";
import { defineJob } from "../contract";
import { queueMonthlyEstimates } from "../months";

/**
 * Puts stored usage under the canonical service names of the connectors' service table
 * (`canonicalService`): data imported before the table existed, or before a name was added to it,
 * becomes one service across formats ("Amazon Elastic Compute Cloud" → "AmazonEC2"). The renamed
 * months are re-estimated. Cross-tenant discovery reads the monthly rollups through the owner
 * connection; every change runs under the tenant. Runs at worker start and daily.
 */
export const canonicalizeServices = defineJob({
  name: "canonicalize-services",
  payload: z.object({}),
  options: { attempts: 3, backoffMs: 30_000, concurrency: 1 },
  async process(_payload, deps, context) {
    const stored = await storedServiceNames<"aws" | "azure" | "gcp">(deps.owner);
    let renamed = 0;
    for (const { tenantId, provider, service } of stored) {
      const canonical = canonicalService(provider, service);
      if (canonical === service) continue;
      const windows = await withTenantClient(deps.app, tenantId, (client) =>
        renameStoredService(client, provider, service, canonical),
      );
      await queueMonthlyEstimates(deps, tenantId, `services-${context.jobId}`, windows);
      deps.log(
        `canonicalize-services: ${provider} "${service}" → "${canonical}" (organization ${tenantId})`,
      );
      renamed++;
    }
    return { renamed };
  },
});
