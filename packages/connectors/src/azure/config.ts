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
  /** Overrides for tests: the Entra ID authority host and the ARM endpoint. */
  endpoints?: { authorityHost?: string; arm?: string };
  /** Transport override (tests trust the fake's self-signed certificate through it). */
  httpClient?: HttpClient;
  backoff?: BackoffOptions;
};

export const ARM_ENDPOINT = "https://management.azure.com";
export const ARM_SCOPE = "https://management.azure.com/.default";
export const COST_MANAGEMENT_QUERY_ACTION = "Microsoft.CostManagement/query/action";
