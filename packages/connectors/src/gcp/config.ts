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
};

export const BIGQUERY_SCOPE =
  "https://www.googleapis.com/auth/bigquery.readonly https://www.googleapis.com/auth/cloud-platform.read-only";
