import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import type { AzureConnectorConfig } from "./config";
import { createAzureConnector } from "./connector";
import { startFakeAzure, type AzureUsageRow, type FakeAzure } from "./testing/fake-azure-server";

const tenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_0123456789";
const subA = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
const subB = "9a9a9a9a-2222-4b7e-9c1d-0a1b2c3d4e5f";
const window: UsageWindow = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-11-04T00:00:00Z"),
};

let fake: FakeAzure;
const sleeps: number[] = [];

function config(overrides: Partial<AzureConnectorConfig> = {}): AzureConnectorConfig {
  return {
    credentials: { directoryTenantId: tenantId, clientId, clientSecret },
    subscriptionIds: [subA, subB],
    endpoints: { authorityHost: fake.url, arm: fake.url },
    httpClient: fake.httpClient,
    backoff: { retries: 3, sleep: async (ms) => void sleeps.push(ms) },
    ...overrides,
  };
}

async function collect<T>(iterable: AsyncIterable<T>) {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function usage(): AzureUsageRow[] {
  const rows: AzureUsageRow[] = [];
  for (const date of [20261101, 20261102, 20261103]) {
    for (const subscriptionId of [subA, subB]) {
      rows.push({
        date,
        subscriptionId,
        meterCategory: "Virtual Machines",
        meter: "D2s v3",
        location: "eastus",
        unit: "1 Hour",
        quantity: 48,
        cost: 4.6,
      });
      rows.push({
        date,
        subscriptionId,
        meterCategory: "Virtual Machines",
        meter: "D4s v3",
        location: "westeurope",
        unit: "1 Hour",
        quantity: 24,
        cost: 4.6,
      });
      rows.push({
        date,
        subscriptionId,
        meterCategory: "Storage",
        meter: "P10 LRS Disk",
        location: "eastus",
        unit: "1/Month",
        quantity: 0.0333,
        cost: 0.65,
      });
    }
  }
  return rows;
}

beforeAll(async () => {
  fake = await startFakeAzure({ tenantId, clientId, clientSecret, pageSize: 2 });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  sleeps.length = 0;
  fake.setUsage(usage());
  fake.denyQuery(undefined);
});

const queryCalls = () =>
  fake.requests.filter((r) => r.path.endsWith("/Microsoft.CostManagement/query"));

describe("Azure connector against a fake Entra ID + ARM (real @azure/identity and @azure/arm-costmanagement)", () => {
  it("signs in with the client secret, queries each subscription daily with two groupings per call, follows nextLink", async () => {
    const summary = emptyFetchSummary("hourly");
    const records = await collect(createAzureConnector(config()).fetchUsage(window, { summary }));
    expect(summary.resolution).toBe("daily");
    expect(summary.rowsRead).toBe(18); // 3 days × 2 subscriptions × 3 meters
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => r.accountId))).toEqual(new Set([subA, subB]));
    expect(records.every((r) => r.periodHours === 24)).toBe(true);
    const token = fake.requests.find((r) => r.path.endsWith("/oauth2/v2.0/token"));
    expect(new URLSearchParams(token?.body).get("grant_type")).toBe("client_credentials");
    const calls = queryCalls();
    expect(calls.every((c) => c.authorization?.startsWith("Bearer fake-token-"))).toBe(true);
    const bodies = calls.map(
      (c) => JSON.parse(c.body) as { dataset: { granularity: string; grouping: unknown[] } },
    );
    expect(
      bodies.every((b) => b.dataset.granularity === "Daily" && b.dataset.grouping.length <= 2),
    ).toBe(true);
    // Per subscription: pass 1 (3 pairs × 3 days = 9 groups, 2 per page → 5 pages), then per pair 3 days → 2 pages each (3 pairs).
    expect(calls).toHaveLength(2 * (5 + 3 * 2));
    const vmHours = records.filter((r) => r.kind === "compute").reduce((s, r) => s + r.quantity, 0);
    expect(vmHours).toBeGreaterThan(0);
  });

  it("honours the Cost Management 429 retry-after headers (largest wins) with our backoff, then recovers", async () => {
    fake.throttleNext(
      {
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "2",
        "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after": "5",
      },
      { "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "1" },
    );
    const summary = emptyFetchSummary("daily");
    await collect(
      createAzureConnector(config({ subscriptionIds: [subA] })).fetchUsage(window, { summary }),
    );
    expect(sleeps).toEqual([5000, 1000]);
    expect(summary.rowsRead).toBe(9);
  });

  it("gives up after the retry budget as a retryable 'throttled' error", async () => {
    const h = { "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "1" };
    fake.throttleNext(h, h, h, h);
    const error = await collect(
      createAzureConnector(config({ subscriptionIds: [subA] })).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "throttled" });
    expect((error as ConnectorError).permanent).toBe(false);
    expect(queryCalls()).toHaveLength(4);
  });

  it("wrong secret: a clear credentials error naming the AADSTS code, no ARM calls, no retry storm", async () => {
    const error = await collect(
      createAzureConnector(
        config({ credentials: { directoryTenantId: tenantId, clientId, clientSecret: "wrong" } }),
      ).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("credentials");
    expect((error as Error).message).toContain("AADSTS7000215");
    expect((error as Error).message).not.toContain("wrong");
    expect(fake.requests.filter((r) => r.path.endsWith("/token"))).toHaveLength(1);
    expect(queryCalls()).toHaveLength(0);
  });

  it("a token revoked mid-fetch: ARM's 401 is a credentials error, not retried", async () => {
    const records = createAzureConnector(config({ subscriptionIds: [subA] })).fetchUsage(window);
    const iterator = records[Symbol.asyncIterator]();
    await iterator.next();
    fake.revokeTokens();
    const before = queryCalls().length;
    const error = await (async () => {
      for (;;) if ((await iterator.next()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "credentials" });
    expect(queryCalls().length - before).toBe(1);
  });

  it("missing role: the exact action and the role to assign are named, not retried", async () => {
    fake.denyQuery(subB);
    const error = await collect(createAzureConnector(config()).fetchUsage(window)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      kind: "permission",
      permission: "Microsoft.CostManagement/query/action",
    });
    expect((error as ConnectorError).fix).toContain(`Cost Management Reader`);
    expect((error as ConnectorError).fix).toContain(`subscriptions/${subB}`);
    expect(queryCalls().filter((c) => c.path.includes(subB))).toHaveLength(1);
  });

  it("validate: sign-in, discovery and one query per subscription; a denied subscription fails with the fix", async () => {
    fake.setSubscriptions([{ subscriptionId: subA, displayName: "Prod", state: "Enabled" }]);
    fake.denyQuery(subB);
    const checks = await createAzureConnector(config()).validate();
    expect(checks.map((c) => c.status)).toEqual(["passed", "passed", "passed", "failed"]);
    expect(checks[3]).toMatchObject({
      permission: "Microsoft.CostManagement/query/action",
      required: true,
    });
    const bad = await createAzureConnector(
      config({ credentials: { directoryTenantId: tenantId, clientId, clientSecret: "nope" } }),
    ).validate();
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ permission: "Microsoft Entra ID sign-in", status: "failed" });
  });

  it("fetchReportedCarbon: Carbon Optimization item details per subscription, paged by skipToken, stored as a total", async () => {
    fake.setCarbon([
      { subscriptionId: subA, kg: 1.84 },
      { subscriptionId: subB, kg: 0.5 },
    ]);
    const figures = await createAzureConnector(config()).fetchReportedCarbon("2026-10");
    expect(figures).toEqual([
      {
        provider: "azure",
        providerAccountId: subA,
        month: "2026-10-01",
        scope: "total",
        co2eKg: 1.84,
        source: "azure-carbon-optimization",
      },
      {
        provider: "azure",
        providerAccountId: subB,
        month: "2026-10-01",
        scope: "total",
        co2eKg: 0.5,
        source: "azure-carbon-optimization",
      },
    ]);
    expect(fake.requests.filter((r) => r.path.endsWith("carbonEmissionReports"))).toHaveLength(2);
  });

  it("discover: lists subscriptions", async () => {
    fake.setSubscriptions([
      { subscriptionId: subA, displayName: "Prod", state: "Enabled" },
      { subscriptionId: subB, displayName: "Dev", state: "Disabled" },
    ]);
    expect(await createAzureConnector(config()).discover()).toEqual([
      { id: subA, name: "Prod", status: "Enabled" },
      { id: subB, name: "Dev", status: "Disabled" },
    ]);
  });
});
