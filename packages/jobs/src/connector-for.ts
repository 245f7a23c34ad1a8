import { loadConfig } from "@canopy/config";
import {
  connectableAccount,
  openCredentials,
  sealedAwsCredentialsSchema,
  sealedAzureCredentialsSchema,
  sealedGcpCredentialsSchema,
  withTenantClient,
  type ConnectableAccount,
  type Connection,
  type SourceKind,
} from "@canopy/db";
import type {
  AwsConnectorConfig,
  AzureConnectorConfig,
  GcpConnectorConfig,
  GcpExternalAccount,
  GcpServiceAccountKey,
  GcpCatalogReader,
  LiveConnector,
  ReportedCarbon,
  UtilizationReader,
} from "@canopy/connectors/live";
import type { JobDeps } from "./contract";
import { PermanentJobError } from "./errors";

/** Endpoint overrides and pacing, wired by the host (createJobHost); tests point them at fake providers. */
export type ConnectorSettings = {
  aws?: Pick<
    AwsConnectorConfig,
    | "endpoints"
    | "sourceIdentity"
    | "backoff"
    | "pollIntervalMs"
    | "sessionRefreshMarginMs"
    | "costExplorerCacheMs"
    | "sustainabilityCarbon"
  >;
  azure?: Pick<AzureConnectorConfig, "endpoints" | "httpClient" | "backoff">;
  gcp?: Pick<
    GcpConnectorConfig,
    | "bigQueryEndpoint"
    | "backoff"
    | "pageSize"
    | "subjectTokenSource"
    | "stsEndpoint"
    | "iamCredentialsEndpoint"
    | "cloudBillingEndpoint"
  >;
  /** Measured utilization readers: the Cloud Monitoring root and the least time between metric calls. */
  metrics?: {
    gcpMonitoringEndpoint?: string;
    minCallIntervalMs?: { aws?: number; azure?: number; gcp?: number };
  };
};

export type { ConnectableAccount };

/** The live connector of one account; `fetchReportedCarbon` only where the account has a carbon source. */
export type AccountConnector = LiveConnector & {
  resolution: "hourly" | "daily";
  /** What its usage rows are recorded as (usage_hourly.source_kind), for lineage and precedence. */
  sourceKind?: SourceKind;
  fetchReportedCarbon?: (month: string) => Promise<ReportedCarbon[]>;
};

/** Re-reads the account under the payload's tenant (RLS hides other tenants' rows). */
export async function loadConnectableAccount(
  app: Connection,
  tenantId: string,
  cloudAccountId: string,
): Promise<ConnectableAccount> {
  const account = await withTenantClient(app, tenantId, (client) =>
    connectableAccount(client, cloudAccountId),
  );
  if (!account)
    throw new PermanentJobError(
      `Cloud account ${cloudAccountId} does not exist in organization ${tenantId}`,
    );
  return account;
}

/**
 * The account's connector, its credentials decrypted here: only ever called inside a job. An account
 * without stored credentials is a permanent failure.
 */
export async function openConnector(
  deps: Pick<JobDeps, "keyring" | "connectors">,
  tenantId: string,
  cloudAccountId: string,
  account: ConnectableAccount,
): Promise<AccountConnector> {
  if (!account.ciphertext || !account.keyId)
    throw new PermanentJobError(
      "The account has no stored credentials: save them in its connection wizard.",
    );
  return connectorFor(
    account,
    openCredentials(deps.keyring, tenantId, cloudAccountId, {
      keyId: account.keyId,
      ciphertext: account.ciphertext,
    }),
    deps.connectors,
  );
}

type LiveModule = typeof import("@canopy/connectors/live");

/** The stored Azure credentials in two parts, each refused with its own message. */
const sealedAzurePrincipalSchema = sealedAzureCredentialsSchema.pick({
  directoryTenantId: true,
  clientId: true,
  clientSecret: true,
});
const sealedAzureUsageSchema = sealedAzureCredentialsSchema.pick({
  usageScope: true,
  usageSource: true,
});
/** The account row's provider chose this reader: the GCP fields are checked, not the discriminant. */
const sealedGcpFieldsSchema = sealedGcpCredentialsSchema.omit({ provider: true });

/** The Azure connector configuration of an account's decrypted credentials. */
function azureConfigOf(
  account: ConnectableAccount,
  sealed: unknown,
  settings: ConnectorSettings,
): AzureConnectorConfig {
  const parsed = sealedAzurePrincipalSchema.safeParse(sealed);
  if (!parsed.success)
    throw new PermanentJobError(
      "The stored Azure credentials are incomplete: reconnect the account.",
    );
  // The account's subscription, plus any other subscriptions put in scope in the wizard.
  const subscriptionIds = [...new Set([account.providerAccountId, ...(account.scope ?? [])])];
  const usage = sealedAzureUsageSchema.safeParse(sealed);
  if (!usage.success)
    throw new PermanentJobError(
      "The stored Azure usage scope or source is invalid: save the credentials again.",
    );
  const { usageScope, usageSource } = usage.data;
  return {
    ...settings.azure,
    credentials: parsed.data,
    subscriptionIds,
    ...(usageScope ? { usageScope } : {}),
    ...(usageSource ? { usageSource } : {}),
  };
}

/**
 * The GCP credential and export settings of an account's decrypted credentials. The credential JSON
 * is a service-account key or a workload identity federation configuration (type external_account);
 * both are sealed in the `serviceAccountKey` field. Federation exchanges the operator's own OIDC
 * token (CANOPY_GCP_SUBJECT_TOKEN_FILE), never a source the tenant's configuration names.
 */
function gcpConfigOf(live: LiveModule, sealed: unknown) {
  const sealedGcp = sealedGcpFieldsSchema.safeParse(sealed);
  let credential:
    { key: GcpServiceAccountKey } | { externalAccount: GcpExternalAccount } | undefined;
  try {
    const json: unknown = sealedGcp.success
      ? JSON.parse(sealedGcp.data.serviceAccountKey)
      : undefined;
    const key = live.gcpServiceAccountKeySchema.safeParse(json);
    const external = live.gcpExternalAccountSchema.safeParse(json);
    credential = key.success
      ? { key: key.data }
      : external.success
        ? { externalAccount: external.data }
        : undefined;
  } catch {
    credential = undefined;
  }
  if (!sealedGcp.success || !credential)
    throw new PermanentJobError(
      "The stored GCP service account key or credential configuration is incomplete: reconnect the account.",
    );
  const subjectTokenFile = loadConfig().CANOPY_GCP_SUBJECT_TOKEN_FILE;
  return {
    credential: {
      ...(subjectTokenFile ? { subjectTokenSource: { file: subjectTokenFile } } : {}),
      ...credential,
    },
    sealed: sealedGcp.data,
  };
}

/** The AWS connector configuration of an account's decrypted credentials. */
function awsConfigOf(
  live: LiveModule,
  account: ConnectableAccount,
  sealed: unknown,
  settings: ConnectorSettings,
): AwsConnectorConfig {
  const parsed = sealedAwsCredentialsSchema.safeParse(sealed);
  if (!parsed.success || !account.externalId)
    throw new PermanentJobError(
      "The stored AWS credentials are incomplete: reconnect the account.",
    );
  const c = parsed.data;
  const credentials = live.awsCredentialsSchema.parse({
    roleArn: c.roleArn,
    externalId: account.externalId,
    ...(c.accessKeyId && c.secretAccessKey
      ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
      : {}),
  });
  const region = c.athenaRegion || "us-east-1";
  const scope: AwsConnectorConfig["scope"] =
    c.athenaDatabase && c.athenaTable
      ? {
          source: "athena",
          region,
          database: c.athenaDatabase,
          table: c.athenaTable,
          ...(c.athenaWorkGroup ? { workGroup: c.athenaWorkGroup } : {}),
          ...(c.athenaOutputLocation ? { outputLocation: c.athenaOutputLocation } : {}),
          ...(c.exportBucket
            ? {
                exportLocation: curExportLocationOf(
                  c.exportBucket,
                  c.exportPrefix,
                  c.curExportName,
                ),
              }
            : {}),
        }
      : { source: "cost-explorer" };
  const carbonExport =
    c.athenaDatabase && c.athenaCarbonTable
      ? { database: c.athenaDatabase, table: c.athenaCarbonTable, region }
      : undefined;
  // The Sustainability API is called without an SDK client, so the SDKs' AWS_ENDPOINT_URL is passed on.
  const endpointOverride = loadConfig().AWS_ENDPOINT_URL;
  const endpoints = {
    ...(endpointOverride ? { sustainability: endpointOverride } : {}),
    ...settings.aws?.endpoints,
  };
  return {
    ...settings.aws,
    endpoints,
    credentials,
    scope,
    ...(carbonExport ? { carbonExport } : {}),
  };
}

/** Builds the live connector from the decrypted credentials. Only called inside a job. */
export async function connectorFor(
  account: ConnectableAccount,
  sealed: unknown,
  settings: ConnectorSettings = {},
): Promise<AccountConnector> {
  // Loaded on first use: the provider SDKs stay out of every process that only enqueues jobs.
  const live = await import("@canopy/connectors/live");
  if (account.provider === "azure") {
    const connector = live.createAzureConnector(azureConfigOf(account, sealed, settings));
    // The connector's own choice (it knows the subscription count: more than 5 read Cost Details).
    return {
      ...connector,
      sourceKind: connector.usageSource === "cost-details" ? "azure-cost-details" : "azure-query",
    };
  }
  if (account.provider === "gcp") {
    const { credential, sealed: g } = gcpConfigOf(live, sealed);
    const connector = live.createGcpConnector({
      ...settings.gcp,
      ...credential,
      // The account is the Cloud Billing account: discovery lists its projects, validate tests access.
      billingAccountId: account.providerAccountId,
      billingExportTable: g.billingExportTable,
      ...(g.location ? { location: g.location } : {}),
      ...(g.carbonExportTable ? { carbonExportTable: g.carbonExportTable } : {}),
    });
    const withKind = { ...connector, sourceKind: "gcp-bigquery" as const };
    return g.carbonExportTable ? withKind : withoutCarbon(withKind);
  }
  if (account.provider !== "aws") {
    throw new PermanentJobError(
      `Live sync is not available yet for ${account.provider}; import billing files instead.`,
    );
  }
  const config = awsConfigOf(live, account, sealed, settings);
  // AWS's own figures come from the Sustainability API for every account (and from the
  // CARBON_EMISSIONS export too where one is configured, for its model-version history).
  return {
    ...live.createAwsConnector(config),
    sourceKind:
      config.scope.source === "athena" ? ("aws-athena" as const) : ("aws-cost-explorer" as const),
  };
}

/**
 * The account's measured-utilization reader (CloudWatch, Azure Monitor, Cloud Monitoring), with the
 * same decrypted credentials as its usage connector. Only called inside a job.
 */
export async function openUtilizationReader(
  deps: Pick<JobDeps, "keyring" | "connectors">,
  tenantId: string,
  cloudAccountId: string,
  account: ConnectableAccount,
): Promise<UtilizationReader> {
  if (!account.ciphertext || !account.keyId)
    throw new PermanentJobError(
      "The account has no stored credentials: save them in its connection wizard.",
    );
  const sealed = openCredentials(deps.keyring, tenantId, cloudAccountId, {
    keyId: account.keyId,
    ciphertext: account.ciphertext,
  });
  const settings = deps.connectors ?? {};
  const live = await import("@canopy/connectors/live");
  const pace = settings.metrics?.minCallIntervalMs ?? {};
  if (account.provider === "azure")
    return live.createAzureMonitorReader({
      ...azureConfigOf(account, sealed, settings),
      ...(pace.azure !== undefined ? { metrics: { minCallIntervalMs: pace.azure } } : {}),
    });
  if (account.provider === "gcp") {
    const { credential } = gcpConfigOf(live, sealed);
    return live.createGcpMonitoringReader({
      ...credential,
      ...(settings.gcp?.stsEndpoint ? { stsEndpoint: settings.gcp.stsEndpoint } : {}),
      ...(settings.gcp?.iamCredentialsEndpoint
        ? { iamCredentialsEndpoint: settings.gcp.iamCredentialsEndpoint }
        : {}),
      ...(settings.gcp?.backoff ? { backoff: settings.gcp.backoff } : {}),
      ...(settings.metrics?.gcpMonitoringEndpoint
        ? { monitoringEndpoint: settings.metrics.gcpMonitoringEndpoint }
        : {}),
      ...(pace.gcp !== undefined ? { minCallIntervalMs: pace.gcp } : {}),
    });
  }
  const config = awsConfigOf(live, account, sealed, settings);
  return live.createCloudWatchReader({
    ...config,
    ...(pace.aws !== undefined ? { metrics: { minCallIntervalMs: pace.aws } } : {}),
  });
}

/**
 * The Cloud Catalog price reader of a GCP account, with the same decrypted credential as its usage
 * connector (the catalog is public: any valid credential reads it). Only called inside a job.
 */
export async function openGcpCatalogReader(
  deps: Pick<JobDeps, "keyring" | "connectors">,
  tenantId: string,
  cloudAccountId: string,
  account: ConnectableAccount,
): Promise<GcpCatalogReader> {
  if (account.provider !== "gcp" || !account.ciphertext || !account.keyId)
    throw new PermanentJobError("Cloud Catalog prices are read with a GCP account's credentials.");
  const sealed = openCredentials(deps.keyring, tenantId, cloudAccountId, {
    keyId: account.keyId,
    ciphertext: account.ciphertext,
  });
  const live = await import("@canopy/connectors/live");
  const { credential } = gcpConfigOf(live, sealed);
  const gcp = deps.connectors?.gcp;
  return live.createGcpCatalogReader({
    ...credential,
    ...(gcp?.stsEndpoint ? { stsEndpoint: gcp.stsEndpoint } : {}),
    ...(gcp?.iamCredentialsEndpoint ? { iamCredentialsEndpoint: gcp.iamCredentialsEndpoint } : {}),
    ...(gcp?.cloudBillingEndpoint ? { cloudBillingEndpoint: gcp.cloudBillingEndpoint } : {}),
    ...(gcp?.backoff ? { backoff: gcp.backoff } : {}),
  });
}

/** The wizard's export is named `canopy-cur2` (apps/web lib/wizard/providers.ts) unless another name is given. */
export const DEFAULT_CUR_EXPORT_NAME = "canopy-cur2";

/** s3://bucket/prefix/export-name of a CUR 2.0 export, where its data/ and metadata/ folders are. */
export function curExportLocationOf(bucket: string, prefix?: string, name?: string): string {
  const parts = [
    bucket,
    ...(prefix ?? "").split("/").filter(Boolean),
    name || DEFAULT_CUR_EXPORT_NAME,
  ];
  return `s3://${parts.join("/")}`;
}

function withoutCarbon(connector: AccountConnector): AccountConnector {
  const { fetchReportedCarbon: _none, ...rest } = connector;
  return rest;
}

/** A ConnectorError (credentials, permission, query) that retrying cannot fix; duck-typed so the SDKs load lazily. */
export function isPermanentConnectorError(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "ConnectorError" &&
    (error as { permanent?: boolean }).permanent === true
  );
}

/** Whether retrying cannot help: a permanent job error, or a connector's (bad credentials, missing permission). */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof PermanentJobError || isPermanentConnectorError(error);
}

/** The error a job throws for a connector failure: permanent ones become PermanentJobError (no retries). */
export function asJobError(error: unknown): unknown {
  return isPermanentConnectorError(error) ? new PermanentJobError((error as Error).message) : error;
}
