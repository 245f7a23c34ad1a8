import type { HttpClient } from "@azure/core-rest-pipeline";
import { z } from "zod";
import type { BackoffOptions } from "../live/errors";

/** A service principal with a client secret (what the wizard seals for Azure). */
export const azureCredentialsSchema = z.object({
  directoryTenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export type AzureCredentials = z.infer<typeof azureCredentialsSchema>;

export type AzureConnectorConfig = {
  credentials: AzureCredentials;
  /** Subscriptions whose usage is read (scope `subscriptions/{id}`). */
  subscriptionIds: string[];
  /**
   * A wider Cost Management scope to read usage from instead of the subscriptions, as an ARM path:
   * `providers/Microsoft.Billing/billingAccounts/{id}[/billingProfiles/{id}]` or
   * `providers/Microsoft.Management/managementGroups/{id}` (a `subscriptions/{id}` path is also accepted).
   */
  usageScope?: string;
  /**
   * Where usage comes from: the Query API (two-pass grouped daily query per subscription; fine for
   * small scopes) or the Cost Details API (asynchronous CSV report per month, read through the same
   * classifier as imported cost exports; for large scopes). Default: `cost-details` when `usageScope`
   * is a billing account, billing profile or management group, or when more than
   * `QUERY_SOURCE_MAX_SUBSCRIPTIONS` subscriptions are read; else `query`.
   */
  usageSource?: AzureUsageSource;
  /** Cost Details API timing: poll interval without Retry-After, longest wait for a report, and how long a blob download may go without a byte before it counts as failed. */
  costDetails?: { defaultPollMs?: number; maxWaitMs?: number; stallMs?: number };
  /**
   * Query API pacing on the `x-ms-ratelimit-microsoft.costmanagement-qpu-remaining` header: when a
   * window has fewer than `reserveQpu` QPU left (default 2), wait that window out before the next call
   * (`defaultPauseMs`, default 10 s, when the header names no window).
   */
  qpu?: { reserveQpu?: number; defaultPauseMs?: number };
  /** Overrides for tests: the Entra ID authority host and the ARM endpoint. */
  endpoints?: { authorityHost?: string; arm?: string };
  /** Transport override (tests trust the fake's self-signed certificate through it). */
  httpClient?: HttpClient;
  backoff?: BackoffOptions;
};

export const azureUsageSources = ["query", "cost-details"] as const;
export type AzureUsageSource = (typeof azureUsageSources)[number];

/** `subscription` for `subscriptions/{id}` (and resource groups in it), else a large scope (billing account, billing profile, management group…). */
export function azureScopeKind(scope: string): "subscription" | "billing" | "management-group" {
  const path = scope.replace(/^\/+/, "").toLowerCase();
  if (path.startsWith("subscriptions/")) return "subscription";
  if (path.startsWith("providers/microsoft.management/managementgroups/"))
    return "management-group";
  return "billing";
}

/**
 * Beyond this many subscriptions the Query API's per-subscription × per-(meter category, location)
 * calls eat the tenant-wide QPU budget (12 QPU per 10 s, 60 per minute, 600 per hour), so the Cost
 * Details API (one report per subscription and month) is the default.
 */
export const QUERY_SOURCE_MAX_SUBSCRIPTIONS = 5;

/**
 * The default usage source: the Cost Details API for scopes wider than a subscription and for more
 * than `QUERY_SOURCE_MAX_SUBSCRIPTIONS` subscriptions, else the Query API.
 */
export function defaultAzureUsageSource(
  usageScope: string | undefined,
  subscriptionCount = 1,
): AzureUsageSource {
  if (usageScope) return azureScopeKind(usageScope) !== "subscription" ? "cost-details" : "query";
  return subscriptionCount > QUERY_SOURCE_MAX_SUBSCRIPTIONS ? "cost-details" : "query";
}

export const ARM_ENDPOINT = "https://management.azure.com";
export const ARM_SCOPE = "https://management.azure.com/.default";
export const COST_MANAGEMENT_QUERY_ACTION = "Microsoft.CostManagement/query/action";
/** The action behind `generateCostDetailsReport` (granted by "Cost Management Reader", or "Billing account reader" on billing scopes). */
export const COST_DETAILS_REPORT_ACTION =
  "Microsoft.CostManagement/generateCostDetailsReport/action";
/** api-version of the Cost Details API calls (the SDK's default for this operation). */
export const COST_DETAILS_API_VERSION = "2022-10-01";
/** api-version of the Management Groups descendants call. */
export const MANAGEMENT_GROUPS_API_VERSION = "2020-05-01";
export const MANAGEMENT_GROUP_DESCENDANTS_ACTION =
  "Microsoft.Management/managementGroups/descendants/read";
/** The Carbon Optimization API's documented maximum of `subscriptionList` entries per request. */
export const CARBON_SUBSCRIPTIONS_PER_REQUEST = 100;
/** Carbon Service REST API version (query-carbon-emission-reports, …-data-available-date-range). */
export const CARBON_API_VERSION = "2025-04-01";
/**
 * Each `EmissionScopeEnum` value Canopy asks for on its own, and what it is stored as. Microsoft's
 * cloud emissions method counts Scope 2 market-based (renewable purchases included), as the
 * reconciliation already assumed for Azure's sum (docs/methodology.md §13).
 */
export const CARBON_SCOPES = [
  ["Scope1", "scope1"],
  ["Scope2", "scope2-market"],
  ["Scope3", "scope3"],
] as const;
/** The Entra ID authority Canopy signs in at (named in "could not reach" messages). */
export const ENTRA_AUTHORITY_HOST = "login.microsoftonline.com";
