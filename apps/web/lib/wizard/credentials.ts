import { z } from "zod";
import type {
  SealedAwsCredentials,
  SealedAzureCredentials,
  SealedCredentials,
  SealedGcpCredentials,
} from "@canopy/db/json";

/** An optional text field: an empty input means "not set". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    schema.optional(),
  );
const athenaName = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_]{1,255}$/, `The Athena ${what}: letters, digits and underscores.`);

/**
 * What each provider's credentials form accepts. Everything submitted is sealed; nothing is shown
 * again. Each form's output is the stored shape (`Sealed*Credentials`, @canopy/db/json) that the
 * worker reads back: the `satisfies` clauses refuse a field of the wrong type or a missing one, and
 * credentials.test.ts a field the stored schema does not declare.
 */
export const awsCredentialsSchema = z
  .object({
    provider: z.literal("aws"),
    roleArn: z
      .string()
      .trim()
      .regex(
        /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
        "An IAM role ARN, e.g. arn:aws:iam::123456789012:role/CanopyReadOnly.",
      ),
    exportBucket: z
      .string()
      .trim()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "The S3 bucket of the CUR 2.0 / FOCUS export (3–63 lower-case letters, digits, dots, hyphens).",
      ),
    exportPrefix: z.string().trim().max(512, "At most 512 characters.").default(""),
    // CUR 2.0 through Athena (hourly). Without a database and table the account reads Cost Explorer (daily).
    athenaRegion: optional(
      z
        .string()
        .trim()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "An AWS region, e.g. us-east-1."),
    ),
    athenaDatabase: optional(athenaName("database (Glue Data Catalog)")),
    athenaTable: optional(athenaName("table over the CUR 2.0 export")),
    athenaWorkGroup: optional(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9._-]{1,128}$/, "A workgroup name, e.g. primary."),
    ),
    athenaOutputLocation: optional(
      z
        .string()
        .trim()
        .regex(
          /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/,
          "An S3 location for query results, e.g. s3://acme-cur-exports/athena-results/.",
        ),
    ),
    athenaCarbonTable: optional(athenaName("table over the CARBON_EMISSIONS export")),
    curExportName: optional(
      z
        .string()
        .trim()
        .regex(/^[\w-]{1,128}$/, "The export's name in Data Exports, e.g. canopy-cur2."),
    ),
  })
  .superRefine((value, ctx) => {
    const need = (field: "athenaDatabase" | "athenaTable", because: string) => {
      if (!value[field]) ctx.addIssue({ code: "custom", path: [field], message: because });
    };
    if (value.athenaTable) need("athenaDatabase", "Name the database that holds the CUR table.");
    if (value.athenaDatabase)
      need("athenaTable", "Name the CUR 2.0 table, or leave the database empty too.");
    if (value.athenaCarbonTable)
      need("athenaDatabase", "The carbon table is read from the same Athena database.");
  }) satisfies z.ZodType<SealedAwsCredentials>;

const uuid = (what: string) =>
  z
    .string()
    .trim()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      `${what} is a GUID, e.g. 00000000-0000-0000-0000-000000000000.`,
    );

export const azureCredentialsSchema = z.object({
  provider: z.literal("azure"),
  directoryTenantId: uuid("The directory (tenant) ID"),
  clientId: uuid("The application (client) ID"),
  clientSecret: z
    .string()
    .min(8, "The client secret printed by `az ad sp create-for-rbac` (the `password` field)."),
  // A wider Cost Management scope read instead of the subscription (large estates: the Cost Details API).
  usageScope: optional(
    z
      .string()
      .trim()
      .transform((scope) => scope.replace(/^\/+/, ""))
      .pipe(
        z
          .string()
          .regex(
            /^(subscriptions\/[0-9a-f-]{36}|providers\/Microsoft\.Billing\/billingAccounts\/[^/\s]+(\/billingProfiles\/[^/\s]+)?|providers\/Microsoft\.Management\/managementGroups\/[^/\s]+)$/i,
            "A Cost Management scope: providers/Microsoft.Billing/billingAccounts/<id>[/billingProfiles/<id>], providers/Microsoft.Management/managementGroups/<id> or subscriptions/<id>.",
          ),
      ),
  ),
  usageSource: optional(
    z.enum(["query", "cost-details"], {
      message:
        "query or cost-details (leave empty: cost-details for billing and management-group scopes, query for subscriptions).",
    }),
  ),
}) satisfies z.ZodType<SealedAzureCredentials>;

const bigQueryTable = (message: string) =>
  z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_$-]{1,1024}$/, message);

/** Google's STS and IAM Credentials: the only endpoints a pasted federation configuration may name. */
const stsTokenUrl = "https://sts.googleapis.com/v1/token";
const impersonationUrlPattern =
  /^https:\/\/iamcredentials\.googleapis\.com\/v1\/projects\/-\/serviceAccounts\/[^/:\s]+@[^/:\s]+:generateAccessToken$/;
const workloadPoolProviderPattern =
  /^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/;

/**
 * Why a pasted GCP credential is refused, or undefined if it is a service-account key or a workload
 * identity federation configuration Canopy can use. A configuration is untrusted input: its token_url
 * and impersonation URL must be Google's (the worker checks again, `gcpExternalAccountSchema`).
 */
export function gcpCredentialProblem(text: string): string | undefined {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return "Paste the whole JSON file: a service account key, or the credential configuration of workload identity federation.";
  }
  if (json.type === "service_account")
    return typeof json.client_email === "string" && typeof json.private_key === "string"
      ? undefined
      : "Paste the whole JSON key file of a service account (it has type, client_email and private_key).";
  if (json.type !== "external_account")
    return 'The JSON is neither a service account key (type "service_account") nor a workload identity federation configuration (type "external_account").';
  if (typeof json.audience !== "string" || !workloadPoolProviderPattern.test(json.audience))
    return "The configuration's audience must be a workload identity pool provider: //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>.";
  if (
    json.subject_token_type !== "urn:ietf:params:oauth:token-type:jwt" &&
    json.subject_token_type !== "urn:ietf:params:oauth:token-type:id_token"
  )
    return "Canopy signs in with an OIDC token: create the pool provider as OIDC (subject_token_type jwt or id_token).";
  if (json.token_url !== undefined && json.token_url !== stsTokenUrl)
    return `The configuration's token_url must be ${stsTokenUrl}.`;
  const impersonation = json.service_account_impersonation_url;
  if (
    impersonation !== undefined &&
    (typeof impersonation !== "string" || !impersonationUrlPattern.test(impersonation))
  )
    return "The configuration's service_account_impersonation_url must be https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/<email>:generateAccessToken (create it with --service-account).";
  return undefined;
}

export const gcpCredentialsSchema = z.object({
  provider: z.literal("gcp"),
  // A service-account key, or a workload identity federation configuration (no secret in it: the
  // worker exchanges Canopy's own OIDC token). Sealed either way under this name.
  serviceAccountKey: z
    .string()
    .min(2, "Paste the service account's JSON key or the workload identity configuration.")
    .superRefine((text, ctx) => {
      const problem = gcpCredentialProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  billingExportTable: bigQueryTable(
    "project.dataset.table of the detailed billing export, e.g. my-billing.billing_export.gcp_billing_export_resource_v1_0123AB_456789_CDEF01.",
  ),
  /** The Carbon Footprint export, for the reconciliation with Google's own figures. */
  carbonExportTable: optional(
    bigQueryTable(
      "project.dataset.table of the Carbon Footprint export, e.g. my-billing.carbon.carbon_footprint.",
    ),
  ),
}) satisfies z.ZodType<SealedGcpCredentials>;

export const credentialsSchema = z.discriminatedUnion("provider", [
  awsCredentialsSchema,
  azureCredentialsSchema,
  gcpCredentialsSchema,
]) satisfies z.ZodType<SealedCredentials>;

export const providerAccountIdSchema = {
  aws: z
    .string()
    .trim()
    .regex(/^\d{12}$/, "A 12-digit AWS account id (the payer or usage account)."),
  azure: uuid("The subscription ID"),
  gcp: z
    .string()
    .trim()
    .regex(
      /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/i,
      "A billing account id, e.g. 0123AB-456789-CDEF01.",
    ),
} as const;

/** Scope lines: one account id / subscription id / project id per line (or comma-separated). */
export const scopeListSchema = z
  .string()
  .max(20_000)
  .transform((text) => [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z
      .array(
        z.string().regex(/^[\w.:/-]{1,200}$/, "Ids contain letters, digits and . _ - : / only."),
      )
      .max(1000, "At most 1000 entries."),
  );
