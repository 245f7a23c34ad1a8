export { createAzureConnector } from "./connector";
export {
  azureCredentialsSchema,
  defaultAzureUsageSource,
  type AzureCredentials,
  type AzureConnectorConfig,
} from "./config";
export { azureConnectorError, azureRetryAfterMs, costManagementRetryHeaders } from "./azure-errors";
