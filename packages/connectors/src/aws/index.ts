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
