export { createAzureConnector } from "./connector";
export { azureCredentialsSchema, type AzureCredentials, type AzureConnectorConfig } from "./config";
export { azureConnectorError, azureRetryAfterMs, costManagementRetryHeaders } from "./azure-errors";
