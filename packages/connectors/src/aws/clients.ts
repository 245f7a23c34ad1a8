import { AthenaClient } from "@aws-sdk/client-athena";
import { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { withBackoff } from "../live/errors";
import { awsConnectorError, awsRetryAfterMs } from "./aws-errors";
import type { AwsConnectorConfig, AwsIdentity } from "./config";

/** The SDK clients for one connection, signed with the assumed role's temporary credentials. */
export type AwsClients = {
  athena: AthenaClient;
  costExplorer: CostExplorerClient;
  organizations: OrganizationsClient;
};

/**
 * Our backoff (`withBackoff`) is the only retry layer: the SDK makes one attempt per call, so a
 * throttle is retried with a predictable schedule and an auth failure is never retried.
 */
const sdkRetry = { maxAttempts: 1 } as const;

function sourceIdentityOf(config: AwsConnectorConfig): AwsIdentity | undefined {
  if (config.sourceIdentity) return config.sourceIdentity;
  const { accessKeyId, secretAccessKey } = config.credentials;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  return undefined; // the SDK's default chain: Canopy's own workload identity
}

/** sts:AssumeRole with the external id; throws a `credentials` ConnectorError when the trust fails. */
export async function assumeRole(config: AwsConnectorConfig): Promise<AwsIdentity> {
  const identity = sourceIdentityOf(config);
  const sts = new STSClient({
    region: "us-east-1",
    ...sdkRetry,
    ...(config.endpoints?.sts ? { endpoint: config.endpoints.sts } : {}),
    ...(identity ? { credentials: identity } : {}),
  });
  try {
    const result = await withBackoff(
      () =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: config.credentials.roleArn,
            ExternalId: config.credentials.externalId,
            RoleSessionName: config.roleSessionName ?? "canopy-sync",
            DurationSeconds: 3600,
          }),
        ),
      awsRetryAfterMs,
      config.backoff,
    );
    const c = result.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error("AssumeRole returned no credentials");
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    };
  } catch (error) {
    throw awsConnectorError(error, "sts:AssumeRole");
  } finally {
    sts.destroy();
  }
}

export function createAwsClients(config: AwsConnectorConfig, identity: AwsIdentity): AwsClients {
  const region = config.scope.source === "athena" ? config.scope.region : "us-east-1";
  const endpoints = config.endpoints ?? {};
  return {
    athena: new AthenaClient({
      region,
      credentials: identity,
      ...sdkRetry,
      ...(endpoints.athena ? { endpoint: endpoints.athena } : {}),
    }),
    // Cost Explorer and Organizations are global services signed for us-east-1.
    costExplorer: new CostExplorerClient({
      region: "us-east-1",
      credentials: identity,
      ...sdkRetry,
      ...(endpoints.costExplorer ? { endpoint: endpoints.costExplorer } : {}),
    }),
    organizations: new OrganizationsClient({
      region: "us-east-1",
      credentials: identity,
      ...sdkRetry,
      ...(endpoints.organizations ? { endpoint: endpoints.organizations } : {}),
    }),
  };
}

export function destroyAwsClients(clients: AwsClients) {
  clients.athena.destroy();
  clients.costExplorer.destroy();
  clients.organizations.destroy();
}

/** One SDK call with our throttle backoff, its errors mapped to ConnectorErrors naming `action`. */
export async function callAws<T>(
  config: AwsConnectorConfig,
  action: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await withBackoff(call, awsRetryAfterMs, config.backoff);
  } catch (error) {
    throw awsConnectorError(error, action);
  }
}
