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
  gcpExternalAccountSchema,
  impersonatedServiceAccountOf,
  GOOGLE_STS_TOKEN_URL,
  type GcpServiceAccountKey,
  type GcpExternalAccount,
  type GcpSubjectTokenSource,
  type GcpConnectorConfig,
  BIGQUERY_SCOPE,
} from "./config";
export { gcpConnectorError, deniedGcpPermissionOf } from "./gcp-errors";
export {
  createGcpCatalogReader,
  componentOfSku,
  pricesOfSku,
  moneyOf,
  COMPUTE_ENGINE_SERVICE_ID,
  CATALOG_PAGE_SIZE,
  type GcpCatalogConfig,
  type GcpCatalogPrice,
  type GcpCatalogReader,
  type GcpPriceComponent,
} from "./catalog";
