import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import {
  gcpExternalAccountSchema,
  gcpServiceAccountKeySchema,
  type GcpConnectorConfig,
} from "./config";
import { createGcpConnector } from "./connector";
import { startFakeGcp, type FakeGcp } from "./testing/fake-gcp-server";

// Tokens live 3 s here (Google's live an hour); the connector renews within 1 s of expiry.
const lifetimeSeconds = 3;
const window: UsageWindow = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-11-02T00:00:00Z"),
};
const audience =
  "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/canopy-pool/providers/canopy-oidc";
const serviceAccount = "canopy-reader@acme-billing.iam.gserviceaccount.com";
const subjectToken = "eyJhbGciOiJSUzI1NiJ9.canopy-refresh.sig";

let fake: FakeGcp;
let dir: string;
beforeAll(async () => {
  fake = await startFakeGcp({ pageSize: 10, tokenLifetimeSeconds: lifetimeSeconds });
  fake.setWorkloadIdentity({ audience, subjectToken, serviceAccount });
  dir = await mkdtemp(join(tmpdir(), "canopy-refresh-"));
  await writeFile(join(dir, "token"), subjectToken);
  fake.setUsage(
    Array.from({ length: 30 }, (_, h) => ({
      hour: new Date(window.start.getTime() + (h % 24) * 3_600_000).toISOString(),
      projectId: `acme-${h}`,
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
afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

const base = (): Omit<GcpConnectorConfig, "key"> => ({
  billingExportTable: "acme-billing.billing_export.gcp_billing_export_resource_v1_0123AB",
  bigQueryEndpoint: fake.url,
  backoff: { baseDelayMs: 5, retries: 1 },
  tokenRefreshMarginMs: 1000,
});

/** Reads the first page, waits past the token's lifetime, then reads the rest. */
async function readWithAPause(config: GcpConnectorConfig) {
  const summary = emptyFetchSummary("hourly");
  let pages = 0;
  let paused = false;
  for await (const record of createGcpConnector(config).fetchUsage(window, {
    summary,
    onProgress: () => pages++,
  })) {
    void record;
    if (pages === 1 && !paused) {
      paused = true;
      await new Promise((resolve) => setTimeout(resolve, (lifetimeSeconds + 0.3) * 1000));
    }
  }
  return summary;
}

describe("GCP access tokens renew during a long chunk", () => {
  it("the fake refuses an expired token (401)", async () => {
    const first = fake.issuedTokens.length;
    await readWithAPause({
      ...base(),
      key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey())),
    });
    const token = fake.issuedTokens[first]!.token;
    const response = await fetch(
      `${fake.url}/bigquery/v2/projects/acme-billing/datasets/billing_export/tables/gcp_billing_export_resource_v1_0123AB`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(401);
  }, 15_000);

  it("a service-account key: a new JWT grant when the token nears expiry, and the sync finishes", async () => {
    const first = fake.issuedTokens.length;
    const summary = await readWithAPause({
      ...base(),
      key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey())),
    });
    expect(summary.rowsRead).toBe(30);
    expect(fake.issuedTokens.length - first).toBeGreaterThanOrEqual(2);
  }, 15_000);

  it("workload identity federation: a new exchange (STS + impersonation) when the token nears expiry", async () => {
    const before = fake.requests.filter((r) => r.path === "/v1/token").length;
    const summary = await readWithAPause({
      ...base(),
      externalAccount: gcpExternalAccountSchema.parse(JSON.parse(fake.externalAccountConfig())),
      subjectTokenSource: { file: join(dir, "token") },
      stsEndpoint: fake.url,
      iamCredentialsEndpoint: fake.url,
    });
    expect(summary.rowsRead).toBe(30);
    expect(
      fake.requests.filter((r) => r.path === "/v1/token").length - before,
    ).toBeGreaterThanOrEqual(2);
  }, 15_000);
});
