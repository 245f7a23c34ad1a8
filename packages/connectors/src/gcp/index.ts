export {
  createGcpConnector,
  gcpUsageQuery,
  gcpPartitionRange,
  exportTableInfoOf,
  exportTableInfoFromName,
  type ExportTableInfo,
} from "./connector";
export {
  gcpServiceAccountKeySchema,
  type GcpServiceAccountKey,
  type GcpConnectorConfig,
  BIGQUERY_SCOPE,
} from "./config";
export { gcpConnectorError, deniedGcpPermissionOf } from "./gcp-errors";
