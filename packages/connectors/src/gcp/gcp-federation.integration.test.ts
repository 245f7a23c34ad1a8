import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import {
  BIGQUERY_SCOPE,
  gcpExternalAccountSchema,
  gcpServiceAccountKeySchema,
  type GcpConnectorConfig,
} from "./config";
import { createGcpConnector } from "./connector";
import { startFakeGcp, type FakeGcp } from "./testing/fake-gcp-server";

const audience =
  "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/canopy-pool/providers/canopy-oidc";
const serviceAccount = "canopy-reader@acme-billing.iam.gserviceaccount.com";
const subjectToken = "eyJhbGciOiJSUzI1NiJ9.canopy-workload-identity.sig";
const window: UsageWindow = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-11-01T02:00:00Z"),
};
const table = "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB";

let fake: FakeGcp;
let dir: string;
let tokenFile: string;

beforeAll(async () => {
  fake = await startFakeGcp();
  dir = await mkdtemp(join(tmpdir(), "canopy-wif-"));
  tokenFile = join(dir, "gcp-subject-token");
});
afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  fake.requests.length = 0;
  fake.issuedTokens.length = 0;
  fake.deny(undefined);
  fake.setWorkloadIdentity({ audience, subjectToken, serviceAccount });
  await writeFile(tokenFile, `${subjectToken}\n`);
  fake.setUsage(
    [0, 1].map((h) => ({
      hour: new Date(window.start.getTime() + h * 3_600_000).toISOString(),
      projectId: "acme-search-prod",
      service: "Compute Engine",
      sku: "N1 Predefined Instance Core running in Americas",
      region: "us-central1",
      machineSpec: "n1-standard-4",
      cores: "4",
      memoryMb: "15360",
      unit: "seconds",
      amount: 4 * 3600,
      cost: 0.126,
    })),
  );
});

function federated(
  overrides: Partial<GcpConnectorConfig> = {},
  options?: Parameters<FakeGcp["externalAccountConfig"]>[0],
): GcpConnectorConfig {
  return {
    externalAccount: gcpExternalAccountSchema.parse(
      JSON.parse(fake.externalAccountConfig(options)),
    ),
    subjectTokenSource: { file: tokenFile },
    stsEndpoint: fake.url,
    iamCredentialsEndpoint: fake.url,
    billingExportTable: table,
    bigQueryEndpoint: fake.url,
    backoff: { baseDelayMs: 5, retries: 2 },
    ...overrides,
  };
}

async function collect<T>(iterable: AsyncIterable<T>) {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const stsForm = () =>
  new URLSearchParams(fake.requests.find((r) => r.path === "/v1/token")?.body ?? "");

describe("GCP workload identity federation (fake STS + IAM Credentials + BigQuery)", () => {
  it("exchanges Canopy's subject token at STS, impersonates the service account and syncs", async () => {
    const summary = emptyFetchSummary("hourly");
    const records = await collect(createGcpConnector(federated()).fetchUsage(window, { summary }));
    expect(summary.rowsRead).toBe(2);
    expect(records.length).toBeGreaterThan(0);
    // The documented request fields of the token exchange, and cloud-platform for impersonation.
    const form = stsForm();
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience,
      scope: "https://www.googleapis.com/auth/cloud-platform",
      requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      subject_token: subjectToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    });
    const impersonation = fake.requests.find((r) => r.path.endsWith(":generateAccessToken"));
    expect(impersonation?.path).toBe(
      `/v1/projects/-/serviceAccounts/${serviceAccount}:generateAccessToken`,
    );
    expect(impersonation?.authorization).toMatch(/^Bearer ya29\.federated-/);
    expect(JSON.parse(impersonation?.body ?? "{}")).toEqual({
      scope: [BIGQUERY_SCOPE],
      lifetime: "3600s",
    });
    // BigQuery is called with the service account's token, not the federated one.
    const bigQuery = fake.requests.filter((r) => r.path.startsWith("/bigquery/"));
    expect(bigQuery.length).toBeGreaterThan(0);
    expect(bigQuery.every((r) => /^Bearer ya29\.impersonated-/.test(r.authorization ?? ""))).toBe(
      true,
    );
  });

  it("without an impersonation URL the federated token itself asks for the bigquery scope", async () => {
    await collect(createGcpConnector(federated({}, { impersonate: false })).fetchUsage(window));
    expect(stsForm().get("scope")).toBe(BIGQUERY_SCOPE);
    expect(fake.requests.some((r) => r.path.endsWith(":generateAccessToken"))).toBe(false);
  });

  it("the fake refuses what STS and IAM Credentials refuse", async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${fake.url}${path}`, { method: "POST", body, headers });
    const form = {
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience,
      scope: "https://www.googleapis.com/auth/cloud-platform",
      requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      subject_token: subjectToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    };
    const exchange = async (change: Record<string, string | undefined>) => {
      const fields = Object.entries({ ...form, ...change }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      );
      const response = await post("/v1/token", new URLSearchParams(fields).toString(), {
        "content-type": "application/x-www-form-urlencoded",
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    expect((await exchange({ grant_type: "client_credentials" })).body.error).toBe(
      "unsupported_grant_type",
    );
    expect((await exchange({ requested_token_type: undefined })).body.error).toBe(
      "invalid_request",
    );
    expect(
      (await exchange({ subject_token_type: "urn:ietf:params:oauth:token-type:saml2" })).body.error,
    ).toBe("invalid_request");
    expect((await exchange({ audience: undefined })).body.error).toBe("invalid_target");
    expect((await exchange({ subject_token: "someone-else" })).body.error).toBe("invalid_grant");
    expect((await exchange({ scope: undefined })).body.error).toBe("invalid_scope");
    // JSON bodies are accepted too.
    const json = await post("/v1/token", JSON.stringify(form), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(200);
    const { access_token: federatedToken } = (await json.json()) as { access_token: string };

    const generate = (bearer: string, body: unknown, email = serviceAccount) =>
      post(`/v1/projects/-/serviceAccounts/${email}:generateAccessToken`, JSON.stringify(body), {
        "content-type": "application/json",
        authorization: `Bearer ${bearer}`,
      });
    expect((await generate(federatedToken, {})).status).toBe(400); // scope is required
    expect(
      (await generate(federatedToken, { scope: [BIGQUERY_SCOPE], lifetime: "7200s" })).status,
    ).toBe(400);
    expect(
      (
        await generate(
          federatedToken,
          { scope: [BIGQUERY_SCOPE] },
          "other@x.iam.gserviceaccount.com",
        )
      ).status,
    ).toBe(403);
    // A token without the iam / cloud-platform scope cannot call generateAccessToken.
    const narrow = (await (await exchange({ scope: BIGQUERY_SCOPE })).body)["access_token"]!;
    expect((await generate(narrow, { scope: [BIGQUERY_SCOPE] })).status).toBe(403);
    expect((await generate(federatedToken, { scope: [BIGQUERY_SCOPE] })).status).toBe(200);
  });

  it("validate names the federation check; a provider that refuses Canopy's token is a credentials failure", async () => {
    const checks = await createGcpConnector(federated()).validate();
    expect(checks[0]).toMatchObject({
      permission: "workload identity federation",
      status: "passed",
      message: `Signed in as ${serviceAccount}`,
    });
    expect(checks.every((c) => c.status === "passed")).toBe(true);

    await writeFile(tokenFile, "a-token-the-provider-does-not-trust");
    const refused = await createGcpConnector(federated()).validate();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      permission: "workload identity federation",
      status: "failed",
    });
    expect(refused[0]!.message).toMatch(/workload identity federation exchange.*invalid_grant/);
    expect(refused[0]!.message).not.toContain("a-token-the-provider-does-not-trust");
    const error = await collect(createGcpConnector(federated()).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "credentials" });
  });

  it("impersonation not granted names iam.serviceAccounts.getAccessToken and the role to grant", async () => {
    fake.setWorkloadIdentity({
      audience,
      subjectToken,
      serviceAccount,
      impersonationGranted: false,
    });
    const checks = await createGcpConnector(federated()).validate();
    expect(checks[0]).toMatchObject({
      permission: "iam.serviceAccounts.getAccessToken",
      status: "failed",
    });
    expect(checks[0]!.fix).toContain("roles/iam.workloadIdentityUser");
    expect(fake.requests.some((r) => r.path.startsWith("/bigquery/"))).toBe(false);
  });

  it("Canopy's own token file missing is retryable, not the customer's credentials", async () => {
    const error = await createGcpConnector(
      federated({ subjectTokenSource: { file: join(dir, "missing") } }),
    )
      .validate()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).permanent).toBe(false);
    expect((error as Error).message).toContain("CANOPY_GCP_SUBJECT_TOKEN_FILE");
    expect(fake.requests).toHaveLength(0);
  });

  it("the configuration is untrusted: another token_url or impersonation host is refused", () => {
    const config = JSON.parse(fake.externalAccountConfig()) as Record<string, unknown>;
    const parse = (change: Record<string, unknown>) =>
      gcpExternalAccountSchema.safeParse({ ...config, ...change });
    expect(parse({}).success).toBe(true);
    expect(parse({ token_url: "https://attacker.example/token" }).success).toBe(false);
    expect(
      parse({
        service_account_impersonation_url:
          "https://attacker.example/v1/projects/-/serviceAccounts/a@b.iam.gserviceaccount.com:generateAccessToken",
      }).success,
    ).toBe(false);
    expect(
      parse({ subject_token_type: "urn:ietf:params:aws:token-type:aws4_request" }).success,
    ).toBe(false);
    expect(parse({ audience: "//iam.googleapis.com/projects/x/locations/global" }).success).toBe(
      false,
    );
  });
});

describe("GCP: an unreachable endpoint is its own outcome, not bad credentials", () => {
  // A port that was just closed: nothing listens, the connection is refused. (fetch blocks port 9.)
  let refused = "";
  let refusedHost = "";
  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    refusedHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    refused = `http://${refusedHost}`;
    await new Promise((resolve) => server.close(resolve));
  });

  it("the token endpoint refusing connections: a network error naming the host; validate throws it", async () => {
    const key = gcpServiceAccountKeySchema.parse({
      ...JSON.parse(fake.serviceAccountKey()),
      token_uri: `${refused}/token`,
    });
    const config = { key, billingExportTable: table, bigQueryEndpoint: fake.url };
    const error = await collect(createGcpConnector(config).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "network" });
    expect((error as ConnectorError).permanent).toBe(false);
    expect((error as Error).message).toContain(
      `Could not reach ${refusedHost} (ECONNREFUSED): proxy or firewall?`,
    );
    const validate = await createGcpConnector(config)
      .validate()
      .catch((e: unknown) => e);
    expect(validate).toMatchObject({ kind: "network" });
  });

  it("an unresolvable STS host (DNS) is a network error too", async () => {
    const error = await collect(
      createGcpConnector(federated({ stsEndpoint: "http://sts.canopy-test.invalid" })).fetchUsage(
        window,
      ),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "network" });
    expect((error as Error).message).toMatch(
      /Could not reach sts\.canopy-test\.invalid \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it("BigQuery unreachable after sign-in: a network error naming BigQuery's host", async () => {
    const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey()));
    const error = await collect(
      createGcpConnector({
        key,
        billingExportTable: table,
        bigQueryEndpoint: refused,
        backoff: { baseDelayMs: 5, retries: 0 },
      }).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "network" });
    expect((error as Error).message).toContain(`Could not reach ${refusedHost} (ECONNREFUSED)`);
  });

  it("a wrong key is still a credentials failure (an answer came)", async () => {
    const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey(false)));
    const checks = await createGcpConnector({
      key,
      billingExportTable: table,
      bigQueryEndpoint: fake.url,
    }).validate();
    expect(checks[0]).toMatchObject({ permission: "service account key", status: "failed" });
  });
});
