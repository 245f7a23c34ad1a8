/**
 * Canonical service names, one table for every format. A service is named the same whether it was
 * read from a native export, a FOCUS file or a live API:
 * - AWS: the CUR product code (`lineItem/ProductCode`, e.g. `AmazonEC2`), since CUR and Athena carry
 *   codes; FOCUS `ServiceName`, the CUR `product/ProductName` and Cost Explorer `SERVICE` names map
 *   onto it.
 * - Azure: the cost details `MeterCategory` (also what the Query API groups by); FOCUS `ServiceName`
 *   (Microsoft derives it from the resource type, e.g. `Storage Accounts`) maps onto it where the two
 *   name the same thing.
 * - GCP: `service.description` as the export writes it today; FOCUS `ServiceName`, the `service.id`
 *   and former names (`Stackdriver Logging`) map onto it.
 * Lookup is case-insensitive and ignores surrounding spaces; a name the table does not list passes
 * through unchanged (trimmed).
 */
import { providers, type UsageRecord } from "@canopy/methodology";

export type ServiceEntry = {
  provider: UsageRecord["provider"];
  /** The canonical name records carry. */
  name: string;
  /** Other spellings seen across formats: product names, FOCUS ServiceName, Cost Explorer names, ids. */
  aliases: readonly string[];
};

export const serviceTable: readonly ServiceEntry[] = [
  // AWS: product code ← product name (CUR product/ProductName, FOCUS ServiceName) and Cost Explorer SERVICE.
  { provider: "aws", name: "AmazonEC2", aliases: ["Amazon Elastic Compute Cloud", "Amazon Elastic Compute Cloud - Compute", "EC2 - Other"] },
  { provider: "aws", name: "AmazonS3", aliases: ["Amazon Simple Storage Service"] },
  { provider: "aws", name: "awskms", aliases: ["AWS Key Management Service"] },
  { provider: "aws", name: "AmazonRDS", aliases: ["Amazon Relational Database Service"] },
  { provider: "aws", name: "AWSLambda", aliases: ["AWS Lambda"] },
  { provider: "aws", name: "AmazonCloudWatch", aliases: [] },
  { provider: "aws", name: "AWSEvents", aliases: ["CloudWatch Events", "Amazon EventBridge"] },
  { provider: "aws", name: "AmazonECS", aliases: ["Amazon Elastic Container Service"] },
  { provider: "aws", name: "AmazonEKS", aliases: ["Amazon Elastic Container Service for Kubernetes", "Amazon Elastic Kubernetes Service"] },
  { provider: "aws", name: "AmazonECR", aliases: ["Amazon EC2 Container Registry (ECR)", "Amazon Elastic Container Registry"] },
  { provider: "aws", name: "AmazonEFS", aliases: ["Amazon Elastic File System"] },
  { provider: "aws", name: "AmazonElastiCache", aliases: ["Amazon ElastiCache"] },
  { provider: "aws", name: "AmazonDynamoDB", aliases: ["Amazon DynamoDB"] },
  { provider: "aws", name: "AmazonRedshift", aliases: ["Amazon Redshift"] },
  { provider: "aws", name: "AmazonES", aliases: ["Amazon OpenSearch Service", "Amazon Elasticsearch Service"] },
  { provider: "aws", name: "AWSELB", aliases: ["Elastic Load Balancing", "Amazon Elastic Load Balancing"] },
  { provider: "aws", name: "AmazonCloudFront", aliases: ["Amazon CloudFront"] },
  { provider: "aws", name: "AmazonVPC", aliases: ["Amazon Virtual Private Cloud"] },
  { provider: "aws", name: "AmazonSageMaker", aliases: ["Amazon SageMaker"] },
  { provider: "aws", name: "ElasticMapReduce", aliases: ["Amazon Elastic MapReduce", "Amazon EMR"] },
  { provider: "aws", name: "AmazonKinesis", aliases: ["Amazon Kinesis"] },
  { provider: "aws", name: "AWSQueueService", aliases: ["Amazon Simple Queue Service"] },
  { provider: "aws", name: "AmazonSNS", aliases: ["Amazon Simple Notification Service"] },
  { provider: "aws", name: "AWSGlue", aliases: ["AWS Glue"] },
  { provider: "aws", name: "AmazonAthena", aliases: ["Amazon Athena"] },
  { provider: "aws", name: "AWSCloudTrail", aliases: ["AWS CloudTrail"] },
  { provider: "aws", name: "AmazonStates", aliases: ["AWS Step Functions"] },
  { provider: "aws", name: "AWSSecretsManager", aliases: ["AWS Secrets Manager"] },
  { provider: "aws", name: "AWSCloudShell", aliases: ["AWS CloudShell"] },
  { provider: "aws", name: "AWSIoT", aliases: ["AWS IoT"] },
  { provider: "aws", name: "AWSDataTransfer", aliases: ["AWS Data Transfer"] },
  { provider: "aws", name: "AWSMigrationHubRefactorSpaces", aliases: ["AWS Migration Hub Refactor Spaces"] },
  { provider: "aws", name: "AmazonGuardDuty", aliases: ["Amazon GuardDuty"] },
  { provider: "aws", name: "AmazonQuickSight", aliases: ["Amazon QuickSight"] },
  { provider: "aws", name: "AmazonGlacier", aliases: ["Amazon Glacier", "Amazon S3 Glacier"] },
  { provider: "aws", name: "AWSBudgets", aliases: ["AWS Budgets"] },
  { provider: "aws", name: "AWSConfig", aliases: ["AWS Config"] },
  { provider: "aws", name: "AWSSecurityHub", aliases: ["AWS Security Hub"] },
  { provider: "aws", name: "AWSSystemsManager", aliases: ["AWS Systems Manager"] },
  { provider: "aws", name: "awswaf", aliases: ["AWS WAF"] },
  { provider: "aws", name: "AmazonApiGateway", aliases: ["Amazon API Gateway"] },
  { provider: "aws", name: "AmazonRoute53", aliases: ["Amazon Route 53"] },
  // Azure: MeterCategory ← FOCUS ServiceName (resource-type names).
  { provider: "azure", name: "Virtual Machines", aliases: ["Virtual Machine Scale Sets"] },
  { provider: "azure", name: "Storage", aliases: ["Storage Accounts", "Managed Disks"] },
  { provider: "azure", name: "Azure Database for MySQL", aliases: ["Azure DB for MySQL"] },
  { provider: "azure", name: "Azure Database for PostgreSQL", aliases: ["Azure DB for PostgreSQL"] },
  { provider: "azure", name: "SQL Managed Instance", aliases: ["SQL Managed Instances"] },
  { provider: "azure", name: "SQL Database", aliases: ["SQL Databases"] },
  { provider: "azure", name: "Virtual Network", aliases: ["Virtual Networks"] },
  { provider: "azure", name: "Load Balancer", aliases: ["Load Balancers"] },
  { provider: "azure", name: "Bandwidth", aliases: [] },
  { provider: "azure", name: "Log Analytics", aliases: ["Log Analytics Workspaces"] },
  { provider: "azure", name: "Event Hubs", aliases: ["Event Hubs Namespaces"] },
  { provider: "azure", name: "Azure Data Factory v2", aliases: ["Azure Data Factory", "Data Factory", "Data Factories"] },
  { provider: "azure", name: "Advanced Threat Protection", aliases: [] },
  { provider: "azure", name: "Advanced Data Security", aliases: [] },
  { provider: "azure", name: "Azure Kubernetes Service", aliases: ["Kubernetes Services"] },
  { provider: "azure", name: "Azure Machine Learning", aliases: ["Machine Learning"] },
  // GCP: service.description ← FOCUS ServiceName, service.id, former names.
  { provider: "gcp", name: "Compute Engine", aliases: ["6F81-5844-456A"] },
  { provider: "gcp", name: "Cloud Storage", aliases: ["95FF-2EF5-5EA1"] },
  { provider: "gcp", name: "BigQuery", aliases: ["24E6-581D-38E5"] },
  { provider: "gcp", name: "Cloud Logging", aliases: ["Stackdriver Logging", "Logging", "5490-F7B7-8DF6"] },
  { provider: "gcp", name: "Cloud Monitoring", aliases: ["Stackdriver Monitoring"] },
  { provider: "gcp", name: "Security Command Center", aliases: ["FBF2-FC68-171A"] },
];

const keyOf = (provider: string, name: string) => `${provider}\u0000${name.trim().toLowerCase()}`;

const canonicalByKey: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const entry of serviceTable) {
    for (const spelling of [entry.name, ...entry.aliases]) {
      const key = keyOf(entry.provider, spelling);
      const existing = map.get(key);
      if (existing !== undefined && existing !== entry.name) {
        throw new Error(`service table: "${spelling}" (${entry.provider}) maps to both ${existing} and ${entry.name}`);
      }
      map.set(key, entry.name);
    }
  }
  return map;
})();

/** Names seen, per provider: a billing file repeats a few dozen names millions of times. */
const seen = Object.fromEntries(providers.map((p) => [p, new Map<string, string>()])) as Record<UsageRecord["provider"], Map<string, string>>;

/** The canonical name of a provider's service; names the table does not list pass through (trimmed). */
export function canonicalService(provider: UsageRecord["provider"], providerName: string): string {
  const cache = seen[provider];
  let name = cache.get(providerName);
  if (name === undefined) {
    name = canonicalByKey.get(keyOf(provider, providerName)) ?? providerName.trim();
    if (cache.size >= 10_000) cache.clear();
    cache.set(providerName, name);
  }
  return name;
}
