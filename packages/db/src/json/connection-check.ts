import { z } from "zod";

/**
 * cloud_accounts.connection_checks: what the wizard shows after "Test connection". Written by the
 * validate-connection job (and, with no checks, by a failed sync or a test that could not be queued);
 * read by the web app. Never secrets.
 */

/** One provider permission probed (the connectors' PermissionCheck). */
export const permissionCheckSchema = z.object({
  /** The provider permission probed, e.g. `athena:StartQueryExecution`. */
  permission: z.string(),
  status: z.enum(["passed", "failed", "skipped"]),
  /** What happened, in words an admin understands. */
  message: z.string(),
  /** The exact change to make when failed, e.g. the IAM action to add to the role's policy. */
  fix: z.string().optional(),
  /** A failed optional check degrades the connection (e.g. no account discovery) but does not block it. */
  required: z.boolean(),
});

export const connectionCheckResultSchema = z.object({
  /** One sentence for the admin: connected, what failed, or why the test could not run. */
  message: z.string(),
  checks: z.array(permissionCheckSchema),
  /** Accounts / subscriptions / projects in scope; null when discovery was not possible. */
  discovered: z
    .array(z.object({ id: z.string(), name: z.string(), status: z.string() }))
    .nullable(),
  discoveryError: z.string().optional(),
  /** "daily" for AWS without a CUR 2.0 Athena table (Cost Explorer) and for Azure. */
  resolution: z.enum(["hourly", "daily"]).optional(),
  /** Set when the provider could not be reached at all (DNS, refused connection, proxy): not the credentials. */
  outcome: z.literal("unreachable").optional(),
});
export type ConnectionCheckResult = z.infer<typeof connectionCheckResultSchema>;
