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

export type GcpConnectorConfig = {
  key: GcpServiceAccountKey;
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
