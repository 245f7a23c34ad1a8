/** Static wizard content per provider: what Canopy reads, why, and the exact setup commands. */
export type ProviderKey = "aws" | "azure" | "gcp";

export type Permission = { name: string; on: string; why: string };

export const providerNames: Record<ProviderKey, string> = {
  aws: "Amazon Web Services",
  azure: "Microsoft Azure",
  gcp: "Google Cloud",
};

export const accountIdLabel: Record<ProviderKey, { label: string; hint: string }> = {
  aws: {
    label: "AWS account id",
    hint: "12 digits: the payer (management) account whose billing export Canopy reads.",
  },
  azure: { label: "Subscription ID", hint: "The subscription (GUID) whose costs Canopy reads." },
  gcp: {
    label: "Billing account id",
    hint: "Like 0123AB-456789-CDEF01 (Billing → Account management).",
  },
};

export const permissions: Record<ProviderKey, Permission[]> = {
  aws: [
    {
      name: "sts:AssumeRole",
      on: "the CanopyReadOnly role (trust policy, with your external ID)",
      why: "Canopy's AWS account signs in to the role; nothing else can",
    },
    {
      name: "athena:StartQueryExecution, athena:GetQueryExecution",
      on: "the Athena workgroup",
      why: "aggregate the CUR 2.0 export by hour where it lives (hourly data)",
    },
    {
      name: "glue:GetDatabase, glue:GetTable, glue:GetPartitions",
      on: "the Glue database of the export",
      why: "let Athena read the CUR 2.0 table's definition",
    },
    {
      name: "s3:ListBucket",
      on: "the Data Exports bucket",
      why: "find the export's files (CUR 2.0 / FOCUS)",
    },
    {
      name: "s3:GetObject",
      on: "the export prefix and the athena-results/ prefix in that bucket",
      why: "Athena reads the hourly billing lines; Canopy reads each query's result file (one download instead of ~500 result pages)",
    },
    {
      name: "s3:PutObject, s3:GetBucketLocation",
      on: "the athena-results/ prefix of that bucket",
      why: "Athena writes query results there",
    },
    {
      name: "ce:GetCostAndUsage",
      on: "*",
      why: "the quick start without Athena (daily usage from Cost Explorer; AWS bills USD 0.01 per request, Canopy caches answers and shows the count and cost on each sync)",
    },
    {
      name: "organizations:ListAccounts",
      on: "* (payer account only; optional)",
      why: "list the linked accounts in scope",
    },
    {
      name: "sustainability:GetEstimatedCarbonEmissions",
      on: "* (optional)",
      why: "AWS's own monthly carbon figures (Scope 1, 2, 3; location- and market-based) per account, region and service, shown beside Canopy's on Reconciliation",
    },
    {
      name: "cloudwatch:GetMetricData",
      on: "* (optional; needs the CUR in Athena, which lists the instance ids)",
      why: "measured utilization: the hourly average CPUUtilization of each EC2 instance in the bill (AWS/EC2, basic monitoring, no agent), used instead of the 50 % default in the compute energy estimate and by the idle and rightsizing recommendations",
    },
  ],
  azure: [
    {
      name: "Cost Management Reader (role)",
      on: "/subscriptions/<subscription-id>",
      why: "read cost and usage details and exports",
    },
    {
      name: "Microsoft.CostManagement/*/read",
      on: "the subscription (part of the role)",
      why: "query usage by meter, hour and region",
    },
    {
      name: "Microsoft.Consumption/*/read",
      on: "the subscription (part of the role)",
      why: "read usage details of EA and MCA billing",
    },
    {
      name: "Microsoft.Resources/subscriptions/read",
      on: "the subscription (part of the role)",
      why: "list resource groups and regions",
    },
    {
      name: "Billing account reader (role; EA: enterprise administrator read-only)",
      on: "the billing account or profile, only if you give Canopy a billing scope",
      why: "generate cost details reports for every subscription in it (Microsoft.CostManagement/generateCostDetailsReport/action)",
    },
    {
      name: "Management Group Reader (role)",
      on: "the management group, only if you give Canopy a management-group scope",
      why: "list the subscriptions under it (Microsoft.Management/managementGroups/descendants/read); each is then read on its own, because cost details reports do not accept management groups",
    },
    {
      name: "Carbon Optimization Reader (role)",
      on: "/subscriptions/<subscription-id> (each subscription in scope)",
      why: "read Microsoft's own monthly emissions (Carbon Optimization) for Reconciliation",
    },
    {
      name: "Monitoring Reader (role; optional)",
      on: "/subscriptions/<subscription-id> (each subscription in scope)",
      why: "measured utilization: list the subscription's VMs (Microsoft.Compute/virtualMachines/read) and read each VM's hourly \"Percentage CPU\" (Microsoft.Insights/metrics/read), used instead of the 50 % default in the compute energy estimate and by the idle and rightsizing recommendations",
    },
  ],
  gcp: [
    {
      name: "roles/billing.viewer",
      on: "the billing account",
      why: "see the billing account and its projects",
    },
    {
      name: "roles/bigquery.dataViewer",
      on: "the billing export dataset",
      why: "read the detailed usage cost export table",
    },
    {
      name: "roles/bigquery.jobUser",
      on: "a project Canopy may run queries in",
      why: "aggregate the export to hourly rows where it lives",
    },
    {
      name: "roles/monitoring.viewer (optional)",
      on: "each project with Compute Engine VMs",
      why: "measured utilization: read compute.googleapis.com/instance/cpu/utilization of each VM (monitoring.timeSeries.list, OAuth scope monitoring.read), used instead of the 50 % default in the compute energy estimate and by the idle and rightsizing recommendations",
    },
    {
      name: "roles/iam.workloadIdentityUser",
      on: "the service account, for the workload identity pool's principal (only without a key)",
      why: "let Canopy's own OIDC identity act as the service account (iam.serviceAccounts.getAccessToken), so no key exists",
    },
    {
      name: "roles/bigquery.dataViewer (optional)",
      on: "the Carbon Footprint export dataset",
      why: "read Google's own monthly carbon figures (Scope 1, 2, 3) for Reconciliation",
    },
  ],
};

export function awsCloudFormationTemplate(options: {
  canopyAccountId: string;
  externalId: string;
}): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Description: Read-only role for Canopy (cloud carbon accounting)
Parameters:
  ExportBucket:
    Type: String
    Description: S3 bucket of your CUR 2.0 / FOCUS data export
Resources:
  CanopyReadOnlyRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: CanopyReadOnly
      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: arn:aws:iam::${options.canopyAccountId}:root
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                sts:ExternalId: ${options.externalId}
      Policies:
        - PolicyName: CanopyReadBilling
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [s3:ListBucket]
                Resource: !Sub arn:aws:s3:::\${ExportBucket}
              - Effect: Allow
                Action: [s3:GetObject]
                Resource: !Sub arn:aws:s3:::\${ExportBucket}/*
              - Effect: Allow
                Action: [s3:PutObject, s3:GetBucketLocation]
                Resource:
                  - !Sub arn:aws:s3:::\${ExportBucket}
                  - !Sub arn:aws:s3:::\${ExportBucket}/athena-results/*
              - Effect: Allow
                Action:
                  - athena:StartQueryExecution
                  - athena:GetQueryExecution
                  - glue:GetDatabase
                  - glue:GetTable
                  - glue:GetPartitions
                  - ce:GetCostAndUsage
                  - organizations:ListAccounts
                  - sustainability:GetEstimatedCarbonEmissions
                  - cloudwatch:GetMetricData
                Resource: "*"
Outputs:
  RoleArn:
    Value: !GetAtt CanopyReadOnlyRole.Arn
`;
}

export function awsTrustPolicy(options: { canopyAccountId: string; externalId: string }): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${options.canopyAccountId}:root` },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": options.externalId } },
        },
      ],
    },
    null,
    2,
  );
}

/**
 * The CUR 2.0 columns the export holds: what Canopy's Athena query reads plus the line identity. AWS
 * documents the Data Exports statement as an explicit column list
 * (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-create-standard.html, API:
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_DataQuery.html); a test
 * checks it against @canopy/connectors' `cur2ColumnsCanopyReads` and the published CUR 2.0 schema.
 */
export const awsExportColumns = [
  "identity_line_item_id",
  "identity_time_interval",
  "bill_payer_account_id",
  "line_item_usage_account_id",
  "line_item_line_item_type",
  "line_item_usage_start_date",
  "line_item_usage_end_date",
  "line_item_product_code",
  "line_item_usage_type",
  "line_item_resource_id",
  "line_item_usage_amount",
  "line_item_unblended_cost",
  "line_item_currency_code",
  "product",
  "product_instance_type",
  "product_region_code",
  "pricing_unit",
  "resource_tags",
] as const;

/**
 * The export bucket's policy: Data Exports (and the CUR service) write the files and check the
 * policy, only for exports of this account
 * (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-s3-bucket.html).
 */
export function awsExportBucketPolicy(options: {
  payerAccountId: string;
  bucket?: string;
}): string {
  const bucket = options.bucket ?? "<export-bucket>";
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EnableAWSDataExportsToWriteToS3AndCheckPolicy",
          Effect: "Allow",
          Principal: {
            Service: ["billingreports.amazonaws.com", "bcm-data-exports.amazonaws.com"],
          },
          Action: ["s3:PutObject", "s3:GetBucketPolicy"],
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: {
            StringLike: {
              "aws:SourceAccount": options.payerAccountId,
              "aws:SourceArn": [
                `arn:aws:cur:us-east-1:${options.payerAccountId}:definition/*`,
                `arn:aws:bcm-data-exports:us-east-1:${options.payerAccountId}:export/*`,
              ],
            },
          },
        },
      ],
    },
    null,
    2,
  );
}

/** Data Exports is a us-east-1 API whatever the bucket's region, hence `--region us-east-1`. */
export function awsExportCommands(options: { payerAccountId: string }): string {
  return `# 1. Let Data Exports write to the bucket (save the policy below as export-bucket-policy.json)
aws s3api put-bucket-policy --bucket <export-bucket> --policy file://export-bucket-policy.json

# 2. CUR 2.0 export, hourly, with resource ids, Parquet, refreshed in place (OVERWRITE_REPORT)
aws bcm-data-exports create-export --region us-east-1 --export '{
  "Name": "canopy-cur2",
  "DataQuery": {
    "QueryStatement": "SELECT ${awsExportColumns.join(", ")} FROM COST_AND_USAGE_REPORT",
    "TableConfigurations": { "COST_AND_USAGE_REPORT": {
      "TIME_GRANULARITY": "HOURLY", "INCLUDE_RESOURCES": "TRUE",
      "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE", "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE" } }
  },
  "DestinationConfigurations": { "S3Destination": {
    "S3Bucket": "<export-bucket>", "S3Prefix": "canopy", "S3Region": "<bucket-region>",
    "S3OutputConfigurations": { "OutputType": "CUSTOM", "Format": "PARQUET", "Compression": "PARQUET", "Overwrite": "OVERWRITE_REPORT" } }
  },
  "RefreshCadence": { "Frequency": "SYNCHRONOUS" }
}'
# Files arrive under s3://<export-bucket>/canopy/canopy-cur2/data/BILLING_PERIOD=YYYY-MM/ (first delivery within 24 h),
# with metadata/BILLING_PERIOD=YYYY-MM/canopy-cur2-Manifest.json, which Canopy reads to skip a sync while AWS refreshes a month.
# Payer account ${options.payerAccountId}: the export covers every linked account of the organization.`;
}

/** A Glue crawler makes the Athena table over the CUR 2.0 export (and the carbon export, if any). */
export function awsAthenaCommands(): string {
  return `# A service role for the Glue crawler: Glue may assume it, read the export and write the catalog
aws iam create-role --role-name CanopyCurCrawler --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{ "Effect": "Allow", "Principal": { "Service": "glue.amazonaws.com" }, "Action": "sts:AssumeRole" }]
}'
aws iam attach-role-policy --role-name CanopyCurCrawler \\
  --policy-arn arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole
aws iam put-role-policy --role-name CanopyCurCrawler --policy-name ReadCurExport --policy-document '{
  "Version": "2012-10-17",
  "Statement": [{ "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::<export-bucket>", "arn:aws:s3:::<export-bucket>/canopy/*"] }]
}'

# A Glue database and a crawler over the export's data folder (a daily schedule picks up new months)
aws glue create-database --database-input Name=cur
aws glue create-crawler --name canopy-cur2 --database-name cur \\
  --role CanopyCurCrawler --schedule "cron(0 6 * * ? *)" \\
  --targets '{"S3Targets":[{"Path":"s3://<export-bucket>/canopy/canopy-cur2/data/"}]}'
aws glue start-crawler --name canopy-cur2
# The table name to paste in the next step:
aws glue get-tables --database-name cur --query "TableList[].Name" --output text
# Query results go to s3://<export-bucket>/athena-results/ (the role may write and read there).`;
}

export function awsDeployCommand(): string {
  return `aws cloudformation deploy --stack-name canopy-readonly \\
  --template-file canopy-readonly.yaml --capabilities CAPABILITY_NAMED_IAM \\
  --parameter-overrides ExportBucket=<export-bucket>
aws cloudformation describe-stacks --stack-name canopy-readonly \\
  --query "Stacks[0].Outputs[?OutputKey=='RoleArn'].OutputValue" --output text`;
}

export function azureCommands(subscriptionId: string): string {
  return `# A service principal with the Cost Management Reader role on the subscription
az ad sp create-for-rbac --name canopy-reader \\
  --role "Cost Management Reader" \\
  --scopes /subscriptions/${subscriptionId}
# Prints appId (client ID), password (client secret) and tenant (directory ID): paste them in the next step.

# Microsoft's own emissions figures (Carbon Optimization), shown beside Canopy's on Reconciliation
az role assignment create --assignee <appId> --role "Carbon Optimization Reader" \\
  --scope /subscriptions/${subscriptionId}

# Optional, measured utilization: list the VMs and read their hourly "Percentage CPU"
az role assignment create --assignee <appId> --role "Monitoring Reader" \\
  --scope /subscriptions/${subscriptionId}

# Only with a management-group scope: let Canopy list the subscriptions under the group
# az role assignment create --assignee <appId> --role "Management Group Reader" \\
#   --scope /providers/Microsoft.Management/managementGroups/<group-id>

# Canopy needs outbound HTTPS to login.microsoftonline.com and management.azure.com: if Test connection
# says it "could not reach" one of them, open it in the proxy or firewall (the credentials are not at fault).
# Scheduled cost exports to a storage account are not read live: import their files instead.`;
}

export function gcpCommands(billingAccountId: string): string {
  return `# Billing export: Billing → Billing export → BigQuery export → "Detailed usage cost" (enable it if off).
# It writes the table <project>.<dataset>.gcp_billing_export_resource_v1_${billingAccountId.replaceAll("-", "_")}.
# Canopy's access token asks for the OAuth scope https://www.googleapis.com/auth/bigquery, because
# running a query job requires it (read-only scopes are refused). The scope does not widen access:
# the roles below are what limit the service account: view the billing account, run query jobs in
# $PROJECT, read the billing export dataset (each query reads only its sync window's partitions).
PROJECT=<project-holding-the-export>
DATASET=<billing-export-dataset>

# The billing account's projects are listed through the Cloud Billing API (optional: without it, or
# without roles/billing.viewer, Canopy lists the projects seen in the export).
gcloud services enable cloudbilling.googleapis.com bigquery.googleapis.com --project "$PROJECT"
gcloud iam service-accounts create canopy-reader --project "$PROJECT" --display-name "Canopy (read-only)"
SA=canopy-reader@$PROJECT.iam.gserviceaccount.com
gcloud billing accounts add-iam-policy-binding ${billingAccountId} \\
  --member "serviceAccount:$SA" --role roles/billing.viewer
bq add-iam-policy-binding --member "serviceAccount:$SA" \\
  --role roles/bigquery.dataViewer "$PROJECT:$DATASET"
gcloud projects add-iam-policy-binding "$PROJECT" \\
  --member "serviceAccount:$SA" --role roles/bigquery.jobUser
# Optional, measured utilization: read the VMs' CPU from Cloud Monitoring, in each project with VMs
gcloud projects add-iam-policy-binding <vm-project> \\
  --member "serviceAccount:$SA" --role roles/monitoring.viewer
# Either a JSON key (below), or no key at all: workload identity federation (the next block).
gcloud iam service-accounts keys create canopy-key.json --iam-account "$SA"
# Paste the content of canopy-key.json in the next step, then delete the file.
# Canopy needs outbound HTTPS to oauth2.googleapis.com and bigquery.googleapis.com: if Test connection
# says it "could not reach" one of them, open it in the proxy or firewall (the key is not at fault).`;
}

/** What the wizard needs to know of Canopy's own OIDC identity (operator settings CANOPY_GCP_WIF_*). */
export type CanopyGcpIdentity = { issuer?: string; subject?: string; audience?: string };

/**
 * Workload identity federation instead of a key: the customer's pool trusts Canopy's own OIDC token
 * (issuer, subject, audience from the operator), the pool's principal may impersonate the service
 * account made above, and the credential configuration (no secret in it) is pasted as the credential.
 */
export function gcpWorkloadIdentityCommands(identity: CanopyGcpIdentity = {}): string {
  const issuer = identity.issuer ?? "<Canopy's OIDC issuer URL: ask your Canopy operator>";
  const subject = identity.subject ?? "<Canopy's token subject: ask your Canopy operator>";
  const audience = identity.audience ?? "<Canopy's token audience: ask your Canopy operator>";
  return `# Workload identity federation: no key to create, rotate or leak. Canopy signs in with its own OIDC
# token, which your pool trusts; the pool's principal then impersonates the service account above.
# Run after the commands above, without the "keys create" line.
PROJECT_NUMBER=$(gcloud projects describe "$PROJECT" --format "value(projectNumber)")
gcloud iam workload-identity-pools create canopy-pool --project "$PROJECT" --location global \
  --display-name "Canopy"
gcloud iam workload-identity-pools providers create-oidc canopy-oidc --project "$PROJECT" \
  --location global --workload-identity-pool canopy-pool \
  --issuer-uri "${issuer}" \
  --allowed-audiences "${audience}" \
  --attribute-mapping "google.subject=assertion.sub" \
  --attribute-condition "assertion.sub == '${subject}'"
gcloud iam service-accounts add-iam-policy-binding "$SA" --project "$PROJECT" \
  --role roles/iam.workloadIdentityUser \
  --member "principal://iam.googleapis.com/projects/$PROJECT_NUMBER/locations/global/workloadIdentityPools/canopy-pool/subject/${subject}"
gcloud iam workload-identity-pools create-cred-config \
  "projects/$PROJECT_NUMBER/locations/global/workloadIdentityPools/canopy-pool/providers/canopy-oidc" \
  --service-account "$SA" --credential-source-file /var/run/secrets/canopy/gcp-subject-token \
  --output-file canopy-wif.json
# Paste the content of canopy-wif.json in the next step. It holds no secret; Canopy reads only its
# audience and service account and always uses its own token (the credential source is not read).
# Canopy also needs outbound HTTPS to sts.googleapis.com and iamcredentials.googleapis.com.`;
}

/**
 * Google's own carbon figures: the Carbon Footprint export, created through the BigQuery Data Transfer
 * Service (data source 61cede5a-0000-2440-ad42-883d24f8f7b8), which writes the monthly partitioned table
 * `carbon_footprint` into a dataset (https://cloud.google.com/carbon-footprint/docs/export).
 */
export function gcpCarbonFootprintCommands(billingAccountId: string): string {
  return `# Optional: Google's own monthly carbon figures, shown beside Canopy's on Reconciliation.
# You need the Carbon Footprint Viewer role (billing.accounts.getCarbonInformation) on the billing
# account and Project Owner or Editor (bigquery.transfers.update) on $PROJECT.
gcloud services enable bigquerydatatransfer.googleapis.com --project "$PROJECT"
bq mk --dataset --location US "$PROJECT:carbon_footprint_export"
bq mk --transfer_config --project_id "$PROJECT" \
  --target_dataset carbon_footprint_export \
  --display_name "Canopy carbon footprint" \
  --data_source 61cede5a-0000-2440-ad42-883d24f8f7b8 \
  --params '{"billing_accounts":"${billingAccountId}"}'
# Google exports each month on the 15th of the next month. For history back to January 2021, start a
# backfill run on the transfer config it printed (projects/<number>/locations/us/transferConfigs/<id>):
#   bq mk --transfer_run --start_time 2021-01-01T00:00:00Z --end_time <now> <transfer config name>
bq add-iam-policy-binding --member "serviceAccount:$SA" \
  --role roles/bigquery.dataViewer "$PROJECT:carbon_footprint_export"
# In the next step, "Carbon Footprint export table": <project>.carbon_footprint_export.carbon_footprint`;
}

export const WIZARD_STEPS = [
  "permissions",
  "setup",
  "credentials",
  "test",
  "scope",
  "import",
  "done",
] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];
export const stepTitles: Record<WizardStep, string> = {
  permissions: "What Canopy needs",
  setup: "Set up access",
  credentials: "Credentials",
  test: "Test connection",
  scope: "Scope",
  import: "Import billing data",
  done: "Done",
};

/** Where a resumed wizard continues, from what the account row holds. */
export function resumeStep(account: {
  hasCredentials: boolean;
  scope: string[] | null;
  status: string;
}): WizardStep {
  if (account.status !== "pending") return "done";
  if (account.scope !== null) return "import";
  if (account.hasCredentials) return "test";
  return "permissions";
}
