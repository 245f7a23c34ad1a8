import { AthenaClient } from "@aws-sdk/client-athena";
import { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { withBackoff } from "../live/errors";
import { awsConnectorError, awsRetryAfterMs, isExpiredTokenError } from "./aws-errors";
import type { AwsConnectorConfig, AwsIdentity } from "./config";

/** Requests sent per IAM-style action (`athena:GetQueryExecution`, `s3:GetObject`, `ce:GetCostAndUsage`…). */
export type ApiCalls = Record<string, number>;

/** The assumed role's temporary credentials and when they stop working. */
type Session = AwsIdentity & { expiration?: Date };

/**
 * The SDK clients for one connection, signed with the assumed role's temporary credentials. Role
 * sessions last at most an hour (the role's MaxSessionDuration; CloudFormation template: 3600 s), so
 * the credentials are a provider, not a value: it assumes the role again `sessionRefreshMarginMs`
 * before the session expires, and `renewSession()` (after an ExpiredToken answer) forces it.
 */
export type AwsClients = {
  config: AwsConnectorConfig;
  athena: AthenaClient;
  costExplorer: CostExplorerClient;
  organizations: OrganizationsClient;
  s3: S3Client;
  calls: ApiCalls;
  /** Cost Explorer answers reused from the cache instead of requested (and paid for). */
  cacheHits: number;
  /** The current session's credentials (renewed near expiry), for requests signed outside the SDK clients. */
  credentials(): Promise<AwsIdentity>;
  /** AssumeRole calls made so far (the first one included). */
  sessions(): number;
  renewSession(): Promise<void>;
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

const count = (calls: ApiCalls | undefined, action: string) => {
  if (calls) calls[action] = (calls[action] ?? 0) + 1;
};

/** sts:AssumeRole with the external id; throws a `credentials` ConnectorError when the trust fails. */
export async function assumeRole(config: AwsConnectorConfig, calls?: ApiCalls): Promise<Session> {
  const identity = sourceIdentityOf(config);
  const sts = new STSClient({
    region: "us-east-1",
    ...sdkRetry,
    ...(config.endpoints?.sts ? { endpoint: config.endpoints.sts } : {}),
    ...(identity ? { credentials: identity } : {}),
  });
  try {
    const result = await withBackoff(
      () => {
        count(calls, "sts:AssumeRole");
        return sts.send(
          new AssumeRoleCommand({
            RoleArn: config.credentials.roleArn,
            ExternalId: config.credentials.externalId,
            RoleSessionName: config.roleSessionName ?? "canopy-sync",
            // The role's MaxSessionDuration (the wizard's template sets 3600 s, AWS's default).
            DurationSeconds: 3600,
          }),
        );
      },
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
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  } catch (error) {
    throw awsConnectorError(error, "sts:AssumeRole");
  } finally {
    sts.destroy();
  }
}

/** The IAM action of an SDK command, for the call counts: `athena` + `GetQueryExecutionCommand`. */
function countingMiddleware(prefix: string, calls: ApiCalls) {
  return {
    middleware:
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      (args: unknown) => {
        count(calls, `${prefix}:${(context.commandName ?? "Unknown").replace(/Command$/, "")}`);
        return next(args);
      },
    options: { step: "build" as const, name: "canopyCallCounter" },
  };
}

/**
 * Assumes the role (once; a failed trust throws here, before any other call) and builds the clients
 * around a credentials provider that re-assumes it before the session ends. The SDK asks the provider
 * again when the identity it holds is within 5 minutes of its `expiration`; the provider then assumes
 * the role again if the session is within `sessionRefreshMarginMs` of its end.
 */
export async function openAwsClients(config: AwsConnectorConfig): Promise<AwsClients> {
  const calls: ApiCalls = {};
  const margin = config.sessionRefreshMarginMs ?? 5 * 60_000;
  let sessions = 1;
  let current: Promise<Session> = assumeRole(config, calls);
  await current;
  const renew = () => {
    sessions++;
    current = assumeRole(config, calls);
    return current;
  };
  const provider = async () => {
    const session = await current;
    const expiresAt = session.expiration?.getTime();
    if (expiresAt !== undefined && expiresAt - Date.now() <= margin) return renew();
    return session;
  };
  const region = config.scope.source === "athena" ? config.scope.region : "us-east-1";
  const endpoints = config.endpoints ?? {};
  // Each build has its own SDK clients, hence its own memoized identity: after an ExpiredToken
  // answer the clients are rebuilt so the next call cannot reuse the refused session.
  const build = () => {
    const base = { credentials: provider, ...sdkRetry };
    const built = {
      athena: new AthenaClient({
        region,
        ...base,
        ...(endpoints.athena ? { endpoint: endpoints.athena } : {}),
      }),
      // Cost Explorer and Organizations are global services signed for us-east-1.
      costExplorer: new CostExplorerClient({
        region: "us-east-1",
        ...base,
        ...(endpoints.costExplorer ? { endpoint: endpoints.costExplorer } : {}),
      }),
      organizations: new OrganizationsClient({
        region: "us-east-1",
        ...base,
        ...(endpoints.organizations ? { endpoint: endpoints.organizations } : {}),
      }),
      // Athena's result objects and the export's manifests; a bucket in another region is followed.
      s3: new S3Client({
        region,
        ...base,
        followRegionRedirects: true,
        ...(endpoints.s3 ? { endpoint: endpoints.s3, forcePathStyle: true } : {}),
      }),
    };
    const counted: [{ middlewareStack: unknown }, string][] = [
      [built.athena, "athena"],
      [built.costExplorer, "ce"],
      [built.organizations, "organizations"],
      [built.s3, "s3"],
    ];
    for (const [client, prefix] of counted) {
      const { middleware, options } = countingMiddleware(prefix, calls);
      (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
        middleware,
        options,
      );
    }
    return built;
  };
  const clients: AwsClients = {
    config,
    calls,
    cacheHits: 0,
    credentials: provider,
    ...build(),
    sessions: () => sessions,
    renewSession: async () => {
      await renew();
      destroyAwsClients(clients);
      Object.assign(clients, build());
    },
  };
  return clients;
}

export function destroyAwsClients(clients: AwsClients) {
  clients.athena.destroy();
  clients.costExplorer.destroy();
  clients.organizations.destroy();
  clients.s3.destroy();
}

/**
 * One SDK call with our throttle backoff, its errors mapped to ConnectorErrors naming `action`. An
 * ExpiredToken answer (the session ended early: clock skew, a shorter MaxSessionDuration) assumes the
 * role again and repeats the call once; it is never a credentials error.
 */
export async function callAws<T>(
  clients: AwsClients,
  action: string,
  call: () => Promise<T>,
): Promise<T> {
  const attempt = () => withBackoff(call, awsRetryAfterMs, clients.config.backoff);
  try {
    return await attempt();
  } catch (error) {
    if (!isExpiredTokenError(error)) throw awsConnectorError(error, action);
    await clients.renewSession();
    try {
      return await attempt();
    } catch (again) {
      throw awsConnectorError(again, action);
    }
  }
}
