export { createAwsConnector, type AwsConnector } from "./connector";
export {
  awsCredentialsSchema,
  awsScopeSchema,
  type AwsCredentials,
  type AwsScope,
  type AwsConnectorConfig,
  type AwsIdentity,
} from "./config";
export { curUsageQuery, billingPeriodsOf } from "./athena";
export { awsConnectorError, deniedActionOf } from "./aws-errors";
export { cur2Columns, cur2ColumnsCanopyReads, cur2PartitionColumn } from "./cur2-columns";
export { COST_EXPLORER_USD_PER_REQUEST, clearCostExplorerCache } from "./cost-explorer";
