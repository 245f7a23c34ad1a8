import { z } from "zod";
import type { BackoffOptions } from "../live/errors";

/**
 * What the wizard stores (encrypted) for an AWS account: the role Canopy assumes and the external id
 * it generated. Long-lived keys are only there when the admin chose them instead of Canopy's own
 * identity; they are then the identity that calls sts:AssumeRole.
 */
export const awsCredentialsSchema = z.object({
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/, "expected an IAM role ARN"),
  externalId: z.string().min(1),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
});
export type AwsCredentials = z.infer<typeof awsCredentialsSchema>;

/** Where the usage comes from: a CUR 2.0 table in Athena (hourly), or the Cost Explorer quick start (daily). */
export const awsScopeSchema = z.discriminatedUnion("source", [
  z.object({
    source: z.literal("athena"),
    region: z.string().min(1),
    database: z.string().regex(/^[A-Za-z0-9_]+$/),
    table: z.string().regex(/^[A-Za-z0-9_]+$/),
    workGroup: z.string().optional(),
    /** s3://bucket/prefix/ for query results, unless the workgroup sets one. */
    outputLocation: z.string().optional(),
    /**
     * The Data Exports destination, s3://bucket/prefix/export-name: its per-period Manifest.json
     * tells a refresh in progress (see cur-refresh.ts). Without it that check is skipped.
     */
    exportLocation: z
      .string()
      .regex(/^s3:\/\/[^/]+\/.+/)
      .optional(),
  }),
  z.object({ source: z.literal("cost-explorer") }),
]);
export type AwsScope = z.infer<typeof awsScopeSchema>;

export type AwsIdentity = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export type AwsConnectorConfig = {
  credentials: AwsCredentials;
  scope: AwsScope;
  /** Canopy's own identity that assumes the role; defaults to the SDK's credential chain (or the stored keys). */
  sourceIdentity?: AwsIdentity;
  /** Endpoint overrides (tests point these at the local fake). */
  endpoints?: {
    sts?: string;
    athena?: string;
    costExplorer?: string;
    organizations?: string;
    s3?: string;
    sustainability?: string;
    /** CloudWatch (GetMetricData), every region. */
    cloudwatch?: string;
  };
  /** Read AWS's own figures from the Sustainability API (GetEstimatedCarbonEmissions). Default true. */
  sustainabilityCarbon?: boolean;
  /** The Sustainability API's region. Default us-east-1. */
  sustainabilityRegion?: string;
  backoff?: BackoffOptions;
  /** First delay between GetQueryExecution polls; grows to 2 s. Default 300 ms. */
  pollIntervalMs?: number;
  /** Gives up on an Athena query after this long. Default 15 min. */
  queryTimeoutMs?: number;
  /** Assume the role again this long before the session expires. Default 5 min. */
  sessionRefreshMarginMs?: number;
  /**
   * Cost Explorer answers are kept this long (per role and request) and reused: each request costs
   * USD 0.01 and the data is refreshed at most a few times a day. Default 6 h; 0 turns it off.
   */
  costExplorerCacheMs?: number;
  roleSessionName?: string;
  /**
   * Measured utilization (metrics/aws-cloudwatch.ts): the least time between two GetMetricData calls
   * (default 100 ms, 10 calls/s: a fifth of the default 50 TPS quota, which the account's other tools
   * share) and the MetricDataQueries per call (default and maximum 500).
   */
  metrics?: { minCallIntervalMs?: number; queriesPerCall?: number };
  /** The Athena table over the Data Exports `CARBON_EMISSIONS` export, for fetchReportedCarbon. */
  carbonExport?: { database: string; table: string; region?: string };
};
