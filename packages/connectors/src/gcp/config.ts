import { z } from "zod";
import type { BackoffOptions } from "../live/errors";

/** The fields of a service-account JSON key that the connector uses. */
export const gcpServiceAccountKeySchema = z.object({
  type: z.literal("service_account"),
  project_id: z.string().min(1).optional(),
  private_key_id: z.string().optional(),
  private_key: z.string().min(1),
  client_email: z.string().min(1),
  token_uri: z.string().url().default("https://oauth2.googleapis.com/token"),
});
export type GcpServiceAccountKey = z.infer<typeof gcpServiceAccountKeySchema>;

/** Google's STS endpoint: the only `token_url` Canopy accepts in a credential configuration. */
export const GOOGLE_STS_TOKEN_URL = "https://sts.googleapis.com/v1/token";

/**
 * An external-account credential configuration (workload identity federation), as
 * `gcloud iam workload-identity-pools create-cred-config` writes it
 * (https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers#create-cred-config).
 * Only an OIDC pool provider (subject token type jwt or id_token): the subject token is Canopy's own
 * identity (e.g. a projected service-account token), read from the file the operator configured, never
 * from a path, URL or program the customer's configuration names (`credential_source` is ignored). A configuration is
 * untrusted input (Google: "validate credential configurations from external sources"): `token_url`
 * must be Google's STS and the impersonation URL Google's IAM Credentials API, or a tenant could make
 * Canopy send its token to any server.
 */
export const gcpExternalAccountSchema = z.object({
  type: z.literal("external_account"),
  audience: z
    .string()
    .regex(
      /^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/,
      "audience is the pool provider's resource name: //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>",
    ),
  subject_token_type: z.enum(
    ["urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"],
    { message: "subject_token_type must be an OIDC token type (jwt or id_token)" },
  ),
  token_url: z
    .literal(GOOGLE_STS_TOKEN_URL, { message: `token_url must be ${GOOGLE_STS_TOKEN_URL}` })
    .default(GOOGLE_STS_TOKEN_URL),
  service_account_impersonation_url: z
    .string()
    .regex(
      /^https:\/\/iamcredentials\.googleapis\.com\/v1\/projects\/-\/serviceAccounts\/[^/:\s]+@[^/:\s]+:generateAccessToken$/,
      "service_account_impersonation_url must be https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/<email>:generateAccessToken",
    )
    .optional(),
  service_account_impersonation: z
    .object({ token_lifetime_seconds: z.number().int().min(600).max(43_200).optional() })
    .optional(),
  // Not read: Canopy's subject token is its own identity (`GcpSubjectTokenSource`), whatever file, URL
  // or executable the configuration names. Kept so a pasted configuration parses as gcloud wrote it.
  credential_source: z.unknown().optional(),
});
export type GcpExternalAccount = z.infer<typeof gcpExternalAccountSchema>;

/** The service account an impersonation URL names. */
export function impersonatedServiceAccountOf(config: GcpExternalAccount): string | undefined {
  return /serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
    config.service_account_impersonation_url ?? "",
  )?.[1];
}

/**
 * Canopy's own subject token for workload identity federation: the operator's file (environment
 * CANOPY_GCP_SUBJECT_TOKEN_FILE), which the platform keeps fresh (a Kubernetes projected
 * service-account token, a CI OIDC token…). Read again for every exchange.
 */
export type GcpSubjectTokenSource = {
  file: string;
  format?: { type: "text" | "json"; subject_token_field_name?: string };
};

export type GcpConnectorConfig = {
  /** A service-account JSON key; or `externalAccount` (workload identity federation). */
  key?: GcpServiceAccountKey;
  externalAccount?: GcpExternalAccount;
  /** Where Canopy's own subject token is (operator setting), for `externalAccount`. */
  subjectTokenSource?: GcpSubjectTokenSource;
  /** Test overrides of https://sts.googleapis.com and https://iamcredentials.googleapis.com. */
  stsEndpoint?: string;
  iamCredentialsEndpoint?: string;
  /**
   * The Cloud Billing account (`0123AB-456789-CDEF01`, the account's id in Canopy): discovery lists its
   * projects and validate tests the service account's permissions on it, through @google-cloud/billing.
   */
  billingAccountId?: string;
  /** Test override of https://cloudbilling.googleapis.com (scheme, host and port). */
  cloudBillingEndpoint?: string;
  /** How long before its expiry the access token is renewed; default 5 minutes. */
  tokenRefreshMarginMs?: number;
  /** `project.dataset.table` of the detailed (or standard) billing export. */
  billingExportTable: string;
  /** Project that runs (and pays for) the query jobs; defaults to the export table's project. */
  jobProjectId?: string;
  /** BigQuery location of the export dataset, e.g. "US" or "EU". */
  location?: string;
  /** Test override of the BigQuery REST root (the SDK appends /bigquery/v2). */
  bigQueryEndpoint?: string;
  pageSize?: number;
  backoff?: BackoffOptions;
  /** `project.dataset.table` of the Carbon Footprint export, for fetchReportedCarbon. */
  carbonExportTable?: string;
  /** OAuth scopes for the token (space-separated); tests only. Default BIGQUERY_SCOPE. */
  scope?: string;
  /**
   * Days after the window's end still read from the export's partitions (rows arrive late: the
   * export runs several times a day and catches up for days). Default 5; the window's start reads
   * one day earlier.
   */
  partitionLagDays?: number;
};

/**
 * The OAuth scope the connector's token asks for. A query job is `jobs.insert`, whose documented
 * authorization scopes are `bigquery` or `cloud-platform` only — a `bigquery.readonly` /
 * `cloud-platform.read-only` token gets 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT
 * (https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/insert#authorization-scopes).
 * `bigquery` is the narrowest scope that works (it also covers jobs.getQueryResults and tables.get).
 * A scope only caps what the token may do: the service account's IAM roles (BigQuery Job User on the
 * job project, BigQuery Data Viewer on the export dataset) are what limit Canopy to reading.
 */
export const BIGQUERY_SCOPE = "https://www.googleapis.com/auth/bigquery";

/**
 * Cloud Billing's read-only scope, asked for beside `bigquery` when a billing account is set:
 * `listProjectBillingInfo` and `testIamPermissions` accept `cloud-billing`, `cloud-billing.readonly`
 * or `cloud-platform` (https://cloud.google.com/billing/docs/reference/rest/v1/billingAccounts.projects/list#authorization-scopes).
 */
export const CLOUD_BILLING_READONLY_SCOPE =
  "https://www.googleapis.com/auth/cloud-billing.readonly";

/** What roles/billing.viewer grants that Canopy uses: see the account, list its projects. */
export const BILLING_VIEWER_PERMISSIONS = [
  "billing.accounts.get",
  "billing.resourceAssociations.list",
] as const;
