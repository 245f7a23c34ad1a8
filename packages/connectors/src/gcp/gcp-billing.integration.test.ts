import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BIGQUERY_SCOPE,
  CLOUD_BILLING_READONLY_SCOPE,
  gcpServiceAccountKeySchema,
  type GcpConnectorConfig,
} from "./config";
import { createGcpConnector } from "./connector";
import { fetchAccessToken } from "./token";
import { startFakeGcp, type FakeGcp } from "./testing/fake-gcp-server";

const billingAccountId = "0123AB-456789-CDEF01";
const viewer = ["billing.accounts.get", "billing.resourceAssociations.list"];
const projects = Array.from({ length: 150 }, (_, i) => ({
  projectId: `acme-project-${String(i).padStart(3, "0")}`,
  billingEnabled: i !== 7,
}));

let fake: FakeGcp;
beforeAll(async () => {
  fake = await startFakeGcp();
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.issuedTokens.length = 0;
  fake.deny(undefined);
  fake.setBillingAccount({ id: billingAccountId, projects, permissions: viewer });
  fake.setUsage([
    {
      hour: new Date(Date.now() - 86_400_000).toISOString(),
      projectId: "seen-in-export",
      service: "Compute Engine",
      sku: "N1 Predefined Instance Core running in Americas",
      region: "us-central1",
      unit: "seconds",
      amount: 3600,
      cost: 0.03,
    },
  ]);
});

function config(overrides: Partial<GcpConnectorConfig> = {}): GcpConnectorConfig {
  return {
    key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey())),
    billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
    bigQueryEndpoint: fake.url,
    cloudBillingEndpoint: fake.url,
    billingAccountId,
    backoff: { baseDelayMs: 5, retries: 2 },
    ...overrides,
  };
}
const billingRequests = () => fake.requests.filter((r) => r.path.startsWith("/v1/billingAccounts"));

describe("GCP through @google-cloud/billing (REST transport, fake Cloud Billing)", () => {
  it("discovery lists the billing account's projects, every page of at most 100", async () => {
    const found = await createGcpConnector(config()).discover();
    expect(found).toHaveLength(150);
    expect(found[0]).toEqual({
      id: "acme-project-000",
      name: "acme-project-000",
      status: "ACTIVE",
    });
    expect(found[7]!.status).toBe("BILLING_DISABLED");
    const pages = billingRequests();
    expect(pages.map((r) => r.path)).toEqual([
      `/v1/billingAccounts/${billingAccountId}/projects`,
      `/v1/billingAccounts/${billingAccountId}/projects`,
    ]);
    // One token for both APIs: bigquery and Cloud Billing read-only.
    expect(fake.issuedTokens.at(-1)!.scopes).toEqual([
      BIGQUERY_SCOPE,
      CLOUD_BILLING_READONLY_SCOPE,
    ]);
    // Not the export query: the billing account answered.
    expect(fake.requests.some((r) => r.path.endsWith("/jobs"))).toBe(false);
  });

  it("validate runs testIamPermissions on the billing account and passes with roles/billing.viewer", async () => {
    const checks = await createGcpConnector(config()).validate();
    expect(checks.find((c) => c.permission === "billing.resourceAssociations.list")).toMatchObject({
      status: "passed",
      required: false,
    });
    const test = billingRequests().find((r) => r.path.endsWith(":testIamPermissions"));
    expect(JSON.parse(test!.body)).toEqual({ permissions: viewer });
  });

  it("without billing.resourceAssociations.list: an optional failed check naming the role, and discovery reads the export", async () => {
    fake.setBillingAccount({
      id: billingAccountId,
      projects,
      permissions: ["billing.accounts.get"],
    });
    const checks = await createGcpConnector(config()).validate();
    const billing = checks.find((c) => c.permission.includes("billing.resourceAssociations.list"));
    expect(billing).toMatchObject({ status: "failed", required: false });
    expect(billing!.fix).toContain("roles/billing.viewer");
    // The required checks still pass: the connection works, discovery falls back.
    expect(checks.filter((c) => c.required).every((c) => c.status === "passed")).toBe(true);
    const found = await createGcpConnector(config()).discover();
    expect(found.map((p) => p.id)).toEqual(["seen-in-export"]);
  });

  it("the Cloud Billing API disabled in the service account's project names the gcloud command", async () => {
    fake.setBillingAccount({
      id: billingAccountId,
      projects,
      permissions: viewer,
      apiDisabled: true,
    });
    const checks = await createGcpConnector(config()).validate();
    const billing = checks.find((c) => c.permission === "cloudbilling.googleapis.com");
    expect(billing).toMatchObject({ status: "failed", required: false });
    expect(billing!.fix).toContain("gcloud services enable cloudbilling.googleapis.com");
  });

  it("the fake refuses what Cloud Billing refuses: a token without a billing scope, wildcard permissions; pageSize over 100 is cut", async () => {
    const key = gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey()));
    const call = async (scope: string, path: string, init: RequestInit = {}) => {
      const { token } = await fetchAccessToken(key, scope);
      const response = await fetch(`${fake.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const list = `/v1/billingAccounts/${billingAccountId}/projects`;
    const bigQueryOnly = await call(BIGQUERY_SCOPE, list);
    expect(bigQueryOnly.status).toBe(403);
    expect(JSON.stringify(bigQueryOnly.body)).toContain("ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    const wildcard = await call(
      CLOUD_BILLING_READONLY_SCOPE,
      `/v1/billingAccounts/${billingAccountId}:testIamPermissions`,
      { method: "POST", body: JSON.stringify({ permissions: ["billing.*"] }) },
    );
    expect(wildcard.status).toBe(400);
    const big = await call(CLOUD_BILLING_READONLY_SCOPE, `${list}?pageSize=500`);
    expect((big.body["projectBillingInfo"] as unknown[]).length).toBe(100);
    expect(big.body["nextPageToken"]).toBe("100");
    // A token without the billing scope through the connector: the scope is named, not a role.
    const checks = await createGcpConnector(config({ scope: BIGQUERY_SCOPE })).validate();
    const billing = checks.find((c) => c.permission.startsWith("OAuth scope"));
    expect(billing).toMatchObject({ status: "failed", required: false });
    expect(billing!.permission).toContain("cloud-billing.readonly");
  });

  it("Cloud Billing unreachable (a proxy that allows only BigQuery): the optional check says so, discovery reads the export", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = config({ cloudBillingEndpoint: `http://127.0.0.1:${port}` });
    const checks = await createGcpConnector(unreachable).validate();
    const billing = checks.find((c) => c.permission === "billing.resourceAssociations.list");
    expect(billing).toMatchObject({ status: "failed", required: false });
    expect(billing!.message).toContain(`Could not reach 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(checks.filter((c) => c.required).every((c) => c.status === "passed")).toBe(true);
    expect((await createGcpConnector(unreachable).discover()).map((p) => p.id)).toEqual([
      "seen-in-export",
    ]);
  });

  it("without a billing account (or a malformed id) Cloud Billing is not called", async () => {
    await createGcpConnector(config({ billingAccountId: undefined })).validate();
    await createGcpConnector(config({ billingAccountId: "not-an-id" })).discover();
    expect(billingRequests()).toHaveLength(0);
    expect(fake.issuedTokens.every((t) => t.scopes.join(" ") === BIGQUERY_SCOPE)).toBe(true);
  });
});
