import { z } from "zod";

/**
 * What is sealed in cloud_accounts.credentials_ciphertext, per provider: written by the web wizard
 * (its form schemas in apps/web/lib/wizard/credentials.ts output exactly these types) and read by the
 * jobs that call the provider (packages/jobs/src/connector-for.ts). The wizard validates each field
 * with a friendly message; these schemas only state the shape a stored value must have.
 */

/**
 * AWS: the role to assume and the CUR 2.0 / FOCUS export, plus (optionally) the Athena location of the
 * CUR 2.0 table. Without an Athena database and table the account runs on the Cost Explorer quick
 * start (daily). `athenaCarbonTable` is the Athena table over the CARBON_EMISSIONS data export (same
 * database); AWS's figures also come from the Sustainability API, for every AWS account.
 */
export const sealedAwsCredentialsSchema = z.object({
  provider: z.literal("aws"),
  roleArn: z.string(),
  /**
   * Static access keys of the caller that assumes the role. The wizard never sets them (the worker's
   * own identity does): they are for local fake endpoints (tests, benchmarks).
   */
  accessKeyId: z.string().optional(),
  secretAccessKey: z.string().optional(),
  athenaRegion: z.string().optional(),
  athenaDatabase: z.string().optional(),
  athenaTable: z.string().optional(),
  athenaWorkGroup: z.string().optional(),
  athenaOutputLocation: z.string().optional(),
  /** The CUR 2.0 Data Exports destination: bucket, S3 prefix and export name (refresh detection). */
  exportBucket: z.string().optional(),
  exportPrefix: z.string().optional(),
  curExportName: z.string().optional(),
  athenaCarbonTable: z.string().optional(),
});
export type SealedAwsCredentials = z.infer<typeof sealedAwsCredentialsSchema>;

/**
 * Azure: a service principal with a client secret, and optionally a wider Cost Management scope
 * (billing account, billing profile, management group) and the usage source. Without a source the
 * connector picks by scope: the Cost Details API for billing/management-group scopes, else the Query API.
 */
export const sealedAzureCredentialsSchema = z.object({
  provider: z.literal("azure"),
  directoryTenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  usageScope: z.string().min(1).optional(),
  usageSource: z.enum(["query", "cost-details"]).optional(),
});
export type SealedAzureCredentials = z.infer<typeof sealedAzureCredentialsSchema>;

/**
 * GCP: a service-account key or a workload identity federation configuration (both sealed as
 * `serviceAccountKey`, JSON text the worker parses), the detailed billing export table and optionally
 * the Carbon Footprint export table. `location` (the BigQuery location of the export's dataset) is not
 * set by the wizard: without it the connector uses its default.
 */
export const sealedGcpCredentialsSchema = z.object({
  provider: z.literal("gcp"),
  serviceAccountKey: z.string(),
  billingExportTable: z.string(),
  location: z.string().optional(),
  carbonExportTable: z.string().optional(),
});
export type SealedGcpCredentials = z.infer<typeof sealedGcpCredentialsSchema>;

export const sealedCredentialsSchema = z.discriminatedUnion("provider", [
  sealedAwsCredentialsSchema,
  sealedAzureCredentialsSchema,
  sealedGcpCredentialsSchema,
]);
export type SealedCredentials = z.infer<typeof sealedCredentialsSchema>;
