export { createGcpConnector, gcpUsageQuery } from "./connector";
export {
  gcpServiceAccountKeySchema,
  type GcpServiceAccountKey,
  type GcpConnectorConfig,
} from "./config";
export { gcpConnectorError, deniedGcpPermissionOf } from "./gcp-errors";
