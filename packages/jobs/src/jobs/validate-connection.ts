import { z } from "zod";
import {
  storeConnectionCheck,
  withTenantClient,
  type Connection,
  type ConnectionCheckResult,
} from "@canopy/db";
import type { PermissionCheck } from "@canopy/connectors/live";
import { defineJob, type JobContext, type JobDeps } from "../contract";
import {
  openConnector,
  openUtilizationReader,
  asJobError,
  isPermanentFailure,
  loadConnectableAccount,
  type ConnectableAccount,
} from "../connector-for";
import { PermanentJobError } from "../errors";

/** What the wizard shows after "Test connection": connectionCheckResultSchema of @canopy/db. */
export type { ConnectionCheckResult };

/** The first probe of each provider: whether the credentials (or the role trust) work at all. */
const SIGN_IN_CHECKS = new Set([
  "sts:AssumeRole",
  "Microsoft Entra ID sign-in",
  "service account key",
  "workload identity federation",
]);

/** The measured-utilization permission (CloudWatch, Azure Monitor, Cloud Monitoring): optional. */
const UTILIZATION_PERMISSION = {
  aws: "cloudwatch:GetMetricData",
  azure: "Microsoft.Compute/virtualMachines/read",
  gcp: "monitoring.timeSeries.list",
} as const;

/**
 * One request to the provider's monitoring API with the same credentials: passed, failed with the
 * fix (optional: without it estimates keep the default utilization), or skipped when the connection
 * cannot name its VMs (AWS without the CUR in Athena).
 */
async function utilizationCheck(
  deps: JobDeps,
  tenantId: string,
  cloudAccountId: string,
  account: ConnectableAccount,
): Promise<PermissionCheck> {
  const permission = UTILIZATION_PERMISSION[account.provider];
  try {
    const reader = await openUtilizationReader(deps, tenantId, cloudAccountId, account);
    try {
      const ids =
        account.provider === "gcp" ? [] : [account.providerAccountId, ...(account.scope ?? [])];
      return await reader.checkAccess(ids);
    } finally {
      await reader.close();
    }
  } catch (error) {
    return {
      permission,
      status: "skipped",
      message: `Measured utilization is not available: ${(error as Error).message}`,
      required: false,
    };
  }
}

const payload = z.object({ tenantId: z.uuid(), cloudAccountId: z.uuid() });

/**
 * The wizard's "Test connection": decrypts the account's credentials (here, never in the web process),
 * runs the connector's permission probes and, when they pass, lists the accounts in scope; the outcome
 * goes on the account row for the wizard to poll. Wrong or expired credentials are a permanent failure
 * (no retries: the admin has to fix them); a provider outage is retried once, then reported.
 */
export const validateConnection = defineJob({
  name: "validate-connection",
  payload,
  // Someone is waiting in the wizard: one quick retry for a transient error, no more.
  options: { attempts: 2, backoffMs: 3_000, concurrency: 4 },
  async process({ tenantId, cloudAccountId }, deps, context) {
    const account = await loadConnectableAccount(deps.app, tenantId, cloudAccountId);
    let recorded = false;
    try {
      const connector = await openConnector(deps, tenantId, cloudAccountId, account);
      const checks = await connector.validate();
      if (checks.every((c) => !SIGN_IN_CHECKS.has(c.permission) || c.status === "passed"))
        checks.push(await utilizationCheck(deps, tenantId, cloudAccountId, account));
      const failed = checks.filter((c) => c.status === "failed" && c.required);
      const signIn = checks.find((c) => SIGN_IN_CHECKS.has(c.permission));
      const result: ConnectionCheckResult = {
        message: "",
        checks,
        discovered: null,
        resolution: connector.resolution,
      };
      if (signIn?.status === "failed") {
        result.message = `Canopy could not sign in with these credentials: ${signIn.message}`;
        await store(deps.app, tenantId, cloudAccountId, "failed", result);
        recorded = true;
        deps.log(`validate-connection ${cloudAccountId}: sign-in failed`);
        throw new PermanentJobError(result.message);
      }
      if (failed.length === 0) {
        const discoveryBlocked = checks.find(
          (c) => c.status === "failed" && /ListAccounts|subscriptions\/read/.test(c.permission),
        );
        if (discoveryBlocked) {
          result.discoveryError = discoveryBlocked.message;
        } else {
          try {
            result.discovered = await connector.discover();
          } catch (error) {
            result.discoveryError = (error as Error).message;
          }
        }
        result.message =
          connector.resolution === "daily" && account.provider === "aws"
            ? "Connected. Usage will be read daily from Cost Explorer; add the CUR 2.0 Athena table for hourly data."
            : "Connected: every required permission works.";
      } else {
        result.message = `${failed.length} required permission${failed.length === 1 ? "" : "s"} failed: ${failed.map((c) => c.permission).join(", ")}. Apply the fixes below, then test again.`;
      }
      await store(
        deps.app,
        tenantId,
        cloudAccountId,
        failed.length === 0 ? "passed" : "failed",
        result,
      );
      deps.log(
        `validate-connection ${cloudAccountId}: ${checks.filter((c) => c.status === "passed").length} passed, ${failed.length} required failed`,
      );
      return { status: failed.length === 0 ? "passed" : "failed", checks: checks.length };
    } catch (error) {
      if (!recorded) await storeFailure(deps, context, tenantId, cloudAccountId, error);
      throw asJobError(error);
    }
  },
});

/** A test that could not run: recorded at once when permanent, else on the last attempt. */
async function storeFailure(
  deps: JobDeps,
  context: JobContext,
  tenantId: string,
  cloudAccountId: string,
  error: unknown,
) {
  const permanent = isPermanentFailure(error);
  const message = (error as Error).message;
  deps.log(`validate-connection ${cloudAccountId}: attempt ${context.attempt}: ${message}`);
  if (!permanent && !context.isLastAttempt) return;
  if ((error as { kind?: string }).kind === "network") {
    // The connector names the host and the likely cause (proxy, firewall, DNS); the credentials are untested.
    await store(deps.app, tenantId, cloudAccountId, "failed", {
      message: `${message} The credentials were not tested.`,
      checks: [],
      discovered: null,
      outcome: "unreachable",
    });
    return;
  }
  await store(deps.app, tenantId, cloudAccountId, "failed", {
    message: permanent
      ? message
      : `The test could not reach the provider (${message}). Try again in a few minutes.`,
    checks: [],
    discovered: null,
  });
}

/**
 * Stores the outcome on the account. A passing test is also how an account in needs_attention (a sync
 * failed permanently) comes back: it becomes active, its error is cleared, and the sync schedule picks
 * it up again on its next tick. A pending account stays pending: the wizard's Finish activates it.
 */
async function store(
  app: Connection,
  tenantId: string,
  cloudAccountId: string,
  status: "passed" | "failed",
  result: ConnectionCheckResult,
) {
  await withTenantClient(app, tenantId, (client) =>
    storeConnectionCheck(client, cloudAccountId, status, result),
  );
}
