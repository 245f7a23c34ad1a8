import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import type { AzureConnectorConfig } from "./config";
import { createAzureConnector } from "./connector";
import {
  startFakeAzure,
  type AzureUsageRow,
  type CostDetailsRow,
  type FakeAzure,
} from "./testing/fake-azure-server";

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
    endpoints: fake.endpoints,
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
  // A fixed clock for the fake's 13-months-back rule, so the dated fixtures do not expire.
  fake = await startFakeAzure({
    tenantId,
    clientId,
    clientSecret,
    pageSize: 2,
    now: () => Date.parse("2026-12-06T00:00:00Z"),
  });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  sleeps.length = 0;
  fake.setUsage(usage());
  fake.denyQuery(undefined);
  fake.denyCostDetails(undefined);
  fake.setCostDetails(costDetailsRows());
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

  it("fetchReportedCarbon: one item-details request per scope and subscription page (skipToken); Scope 1, 2 (market), 3 and their sum", async () => {
    fake.setCarbon([
      { subscriptionId: subA, scope1: 0.04, scope2: 1.2, scope3: 0.6 },
      { subscriptionId: subB, scope1: 0, scope2: 0.3, scope3: 0.2 },
    ]);
    const figures = await createAzureConnector(config()).fetchReportedCarbon("2026-10");
    const base = { provider: "azure", month: "2026-10-01", source: "azure-carbon-optimization" };
    expect(figures.map((f) => ({ ...f, co2eKg: Math.round(f.co2eKg * 1000) / 1000 }))).toEqual([
      { ...base, providerAccountId: subA, scope: "scope1", co2eKg: 0.04 },
      { ...base, providerAccountId: subA, scope: "scope2-market", co2eKg: 1.2 },
      { ...base, providerAccountId: subA, scope: "scope3", co2eKg: 0.6 },
      { ...base, providerAccountId: subA, scope: "total", co2eKg: 1.84 },
      { ...base, providerAccountId: subB, scope: "scope1", co2eKg: 0 },
      { ...base, providerAccountId: subB, scope: "scope2-market", co2eKg: 0.3 },
      { ...base, providerAccountId: subB, scope: "scope3", co2eKg: 0.2 },
      { ...base, providerAccountId: subB, scope: "total", co2eKg: 0.5 },
    ]);
    const reports = fake.requests
      .filter((r) => r.path.endsWith("carbonEmissionReports"))
      .map((r) => JSON.parse(r.body) as { carbonScopeList: string[]; skipToken?: string });
    // 3 scopes × 2 pages (one item a page in the fake), each request naming one scope.
    expect(reports).toHaveLength(6);
    expect(reports.map((r) => r.carbonScopeList)).toEqual([
      ["Scope1"],
      ["Scope1"],
      ["Scope2"],
      ["Scope2"],
      ["Scope3"],
      ["Scope3"],
    ]);
    expect(
      fake.requests.filter((r) => r.path.endsWith("queryCarbonEmissionDataAvailableDateRange")),
    ).toHaveLength(1);
  });

  it("fetchReportedCarbon asks only for months in the published range; outside, nothing is requested", async () => {
    fake.setCarbon([{ subscriptionId: subA, scope1: 1, scope2: 1, scope3: 1 }]);
    fake.setCarbonAvailableRange({ startDate: "2025-01-01", endDate: "2026-09-01" });
    try {
      fake.requests.length = 0;
      expect(await createAzureConnector(config()).fetchReportedCarbon("2026-10")).toEqual([]);
      expect(await createAzureConnector(config()).fetchReportedCarbon("2024-12")).toEqual([]);
      expect(fake.requests.filter((r) => r.path.endsWith("carbonEmissionReports"))).toHaveLength(0);
      const september = await createAzureConnector(config()).fetchReportedCarbon("2026-09");
      expect(september.find((f) => f.scope === "total")?.co2eKg).toBe(3);
    } finally {
      fake.setCarbonAvailableRange(undefined);
    }
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

const billingAccount = "providers/Microsoft.Billing/billingAccounts/87654321";
const acrossMonths: UsageWindow = {
  start: new Date("2026-10-30T00:00:00Z"),
  end: new Date("2026-11-02T00:00:00Z"),
};

/** EA-style cost details lines: per day and subscription a VM (2 vCPUs × 24 h), a disk and a reservation purchase. */
function costDetailsRows(): CostDetailsRow[] {
  const rows: CostDetailsRow[] = [];
  for (const date of ["10/30/2026", "10/31/2026", "11/01/2026", "11/05/2026"]) {
    for (const subscriptionId of [subA, subB]) {
      const common = {
        Date: date,
        SubscriptionId: subscriptionId,
        ResourceGroup: "rg-search",
        ResourceLocation: "eastus",
        ResourceLocationNormalized: "East US",
        BillingCurrencyCode: "USD",
        ChargeType: "Usage",
        Tags: '{"team":"search"}',
      };
      rows.push(
        {
          ...common,
          MeterCategory: "Virtual Machines",
          MeterSubCategory: "Dv3/DSv3 Series",
          MeterName: "D2s v3",
          Quantity: 24,
          UnitOfMeasure: "1 Hour",
          CostInBillingCurrency: 2.304,
          AdditionalInfo: '{"UsageType":"ComputeHR","ServiceType":"Standard_D2s_v3","VCPUs":2}',
        },
        {
          ...common,
          MeterCategory: "Storage",
          MeterSubCategory: "Premium SSD Managed Disks",
          MeterName: "P10 LRS Disk",
          Quantity: 0.0333,
          UnitOfMeasure: "1/Month",
          CostInBillingCurrency: 0.65,
          AdditionalInfo: "",
        },
        {
          ...common,
          ChargeType: "Purchase",
          MeterCategory: "Virtual Machines",
          MeterSubCategory: "Reservation",
          MeterName: "D2s v3",
          Quantity: 1,
          UnitOfMeasure: "1 Hour",
          CostInBillingCurrency: 100,
          AdditionalInfo: "",
        },
      );
    }
  }
  // One line in error (no quantity), counted in the summary, not fatal.
  rows.push({ ...rows[0]!, Date: "10/31/2026", Quantity: "" });
  return rows;
}

const costDetailsCalls = () => ({
  posts: fake.requests.filter((r) => r.path.endsWith("/generateCostDetailsReport")),
  polls: fake.requests.filter((r) => r.path.includes("/costDetailsOperationResults/")),
  blobs: fake.requests.filter((r) => r.path.startsWith("/costdetails/")),
});

describe("Azure connector, Cost Details API path (generateCostDetailsReport → poll → SAS blobs → cost details classifier)", () => {
  it("a billing-account scope defaults to cost details: one report per month, two blobs each, records and totals right", async () => {
    const summary = emptyFetchSummary("hourly");
    const progress: number[] = [];
    const records = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(acrossMonths, {
        summary,
        onProgress: (n) => progress.push(n),
      }),
    );
    const { posts, polls, blobs } = costDetailsCalls();
    expect(queryCalls()).toHaveLength(0);
    // Cut at the month boundary: Oct 30–31, then Nov 1 (11/05 lies outside the window).
    expect(posts.map((p) => JSON.parse(p.body) as unknown)).toEqual([
      { metric: "ActualCost", timePeriod: { start: "2026-10-30", end: "2026-10-31" } },
      { metric: "ActualCost", timePeriod: { start: "2026-11-01", end: "2026-11-01" } },
    ]);
    expect(
      posts.every(
        (p) =>
          p.path ===
          `/${billingAccount}/providers/Microsoft.CostManagement/generateCostDetailsReport`,
      ),
    ).toBe(true);
    expect(polls).toHaveLength(4); // per report: one 202, then the 200 with the manifest
    expect(
      [...posts, ...polls].every((c) => c.authorization?.startsWith("Bearer fake-token-")),
    ).toBe(true);
    expect(blobs).toHaveLength(4);
    expect(blobs.every((b) => b.authorization === undefined)).toBe(true); // the SAS is the only credential
    expect(sleeps).toEqual([1000, 1000, 1000, 1000]); // Retry-After of the POST and of the 202 poll, per report

    expect(summary.resolution).toBe("daily");
    expect(summary.rowsRead).toBe(3 * 2 * 3 + 1);
    expect(summary.recordsYielded).toBe(records.length);
    // Usage records, plus one cost-only record per purchase line (kept so the cost ties out).
    expect(records.filter((r) => r.kind !== "other")).toHaveLength(3 * 2 * 2);
    expect(summary.costOnly?.purchase).toMatchObject({ lines: 6, cost: 600 });
    const purchases = records.filter((r) => r.kind === "other" && r.usageType === "purchase");
    expect(purchases.reduce((s, r) => s + (r.costAmount ?? 0), 0)).toBeCloseTo(600, 9);
    expect(summary.skipped.error).toMatchObject({ lines: 1 });
    expect(summary.skipped.error?.example).toContain("Quantity is empty");
    expect(progress.at(-1)).toBe(summary.rowsRead);

    expect(new Set(records.map((r) => r.accountId))).toEqual(new Set([subA, subB]));
    expect(new Set(records.map((r) => r.periodStart))).toEqual(
      new Set(["2026-10-30T00:00:00.000Z", "2026-10-31T00:00:00.000Z", "2026-11-01T00:00:00.000Z"]),
    );
    const compute = records.filter((r) => r.kind === "compute");
    expect(
      compute.every((r) => r.unit === "vcpu-hours" && r.instanceType === "Standard_D2s_v3"),
    ).toBe(true);
    expect(compute.reduce((s, r) => s + r.quantity, 0)).toBe(6 * 48);
    const storage = records.filter((r) => r.kind === "storage");
    expect(storage).toHaveLength(6);
    // Usage cost plus the purchases: the blobs' whole cost.
    expect(records.reduce((s, r) => s + (r.costAmount ?? 0), 0)).toBeCloseTo(
      6 * (2.304 + 0.65) + 600,
      9,
    );
    expect(records.every((r) => r.periodHours === 24)).toBe(true);
    expect(records.filter((r) => r.kind !== "other").every((r) => r.region === "eastus")).toBe(
      true,
    );
    expect(records[0]?.tags).toEqual({ team: "search" });
  });

  it("reads MCA (camelCase) cost details through the same classifier", async () => {
    const profile = `${billingAccount}/billingProfiles/AB12-CD34`;
    fake.setCostDetails([
      {
        date: "2026-11-02",
        SubscriptionId: subA,
        resourceLocation: "westeurope",
        meterCategory: "Virtual Machines",
        meterSubCategory: "Dv3/DSv3 Series",
        meterName: "D4s v3",
        quantity: 10,
        unitOfMeasure: "10 Hours",
        costInBillingCurrency: 9.2,
        billingCurrency: "EUR",
        chargeType: "Usage",
        additionalInfo: '{"ServiceType":"Standard_D4s_v3","VCPUs":4}',
      },
    ]);
    const records = await collect(
      createAzureConnector(config({ usageScope: profile })).fetchUsage(window),
    );
    expect(costDetailsCalls().posts[0]?.path).toBe(
      `/${profile}/providers/Microsoft.CostManagement/generateCostDetailsReport`,
    );
    expect(records.filter((r) => r.kind !== "other")).toHaveLength(1);
    expect(records.find((r) => r.kind !== "other")).toMatchObject({
      accountId: subA,
      region: "westeurope",
      kind: "compute",
      quantity: 400, // 10 × "10 Hours" × 4 vCPUs
      currency: "EUR",
    });
  });

  it("subscription scopes default to the Query API; usageSource 'cost-details' reads one report per subscription", async () => {
    await collect(
      createAzureConnector(config({ usageScope: `subscriptions/${subA}` })).fetchUsage(window),
    );
    expect(queryCalls().length).toBeGreaterThan(0);
    expect(costDetailsCalls().posts).toHaveLength(0);

    fake.requests.length = 0;
    const summary = emptyFetchSummary("daily");
    const records = await collect(
      createAzureConnector(config({ usageSource: "cost-details" })).fetchUsage(acrossMonths, {
        summary,
      }),
    );
    expect(queryCalls()).toHaveLength(0);
    expect(costDetailsCalls().posts.map((p) => p.path.split("/providers/")[0])).toEqual([
      `/subscriptions/${subA}`,
      `/subscriptions/${subA}`,
      `/subscriptions/${subB}`,
      `/subscriptions/${subB}`,
    ]);
    expect(records.filter((r) => r.kind !== "other")).toHaveLength(12);
    expect(summary.rowsRead).toBe(19);

    const error = await collect(
      createAzureConnector(config({ usageScope: billingAccount, usageSource: "query" })).fetchUsage(
        window,
      ),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "query" });
    expect((error as Error).message).toContain('usageSource "cost-details"');
  });

  it("throttling on the POST and on a poll: waits the largest Cost Management retry-after, then recovers", async () => {
    fake.throttleNext({ "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "3" });
    fake.throttleNextPoll({
      "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "2",
      "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after": "4",
    });
    const summary = emptyFetchSummary("daily");
    const records = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(window, { summary }),
    );
    const { posts, polls } = costDetailsCalls();
    expect(posts).toHaveLength(2); // 429, then 202
    expect(polls).toHaveLength(3); // 429, 202, 200
    expect(sleeps).toEqual([3000, 1000, 4000, 1000]);
    expect(records.filter((r) => r.kind !== "other")).toHaveLength(2 * 2); // Nov 1 only: VM + disk per subscription
    expect(summary.rowsRead).toBe(6);
  });

  it("throttled beyond the retry budget: a retryable 'throttled' error", async () => {
    const h = { "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "1" };
    fake.throttleNextPoll(h, h, h, h);
    const error = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "throttled" });
    expect((error as ConnectorError).permanent).toBe(false);
    expect(costDetailsCalls().polls).toHaveLength(4);
  });

  it("a report that fails in Azure (status Failed): a clear error with Azure's reason, no blobs read", async () => {
    fake.failNextReport({
      code: "DataTooLarge",
      message: "The report exceeds the maximum size; request a shorter time period.",
    });
    const error = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: "query" });
    expect((error as Error).message).toContain(billingAccount);
    expect((error as Error).message).toContain("2026-11-01 to 2026-11-03");
    expect((error as Error).message).toContain("request a shorter time period");
    expect((error as Error).message).toContain("DataTooLarge");
    expect(costDetailsCalls().blobs).toHaveLength(0);
  });

  it("missing permission: 403 AuthorizationFailed names generateCostDetailsReport and the billing role, not retried; validate says the same", async () => {
    fake.denyCostDetails(billingAccount);
    const error = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: "permission",
      permission: "Microsoft.CostManagement/generateCostDetailsReport/action",
    });
    expect((error as ConnectorError).permanent).toBe(true);
    expect((error as ConnectorError).fix).toContain("Billing account reader");
    expect((error as ConnectorError).fix).toContain(billingAccount);
    expect(costDetailsCalls().posts).toHaveLength(1);
    expect(sleeps).toEqual([]);

    const checks = await createAzureConnector(config({ usageScope: billingAccount })).validate();
    expect(checks.map((c) => c.status)).toEqual(["passed", "passed", "failed"]);
    expect(checks[2]).toMatchObject({
      permission: "Microsoft.CostManagement/generateCostDetailsReport/action",
      required: true,
    });
    fake.denyCostDetails(undefined);
    const ok = await createAzureConnector(config({ usageScope: billingAccount })).validate();
    expect(ok[2]).toMatchObject({ status: "passed" });
  });

  it("a blob that fails to download: retried on 503, a transient error (no signature in it) on an expired link", async () => {
    fake.failNextBlob(503);
    const records = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(window),
    );
    expect(records.filter((r) => r.kind !== "other")).toHaveLength(4);
    expect(costDetailsCalls().blobs).toHaveLength(3);

    fake.failNextBlob(403);
    const error = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "transient" });
    expect((error as Error).message).toContain("AuthenticationFailed");
    expect((error as Error).message).toContain("/costdetails/");
    expect((error as Error).message).not.toContain("sig=");
    for (const sig of fake.blobSignatures) expect((error as Error).message).not.toContain(sig);
  });

  it("a blob download that goes silent fails after the stall timeout instead of hanging the sync", async () => {
    fake.stallNextBlob();
    const started = Date.now();
    const error = await collect(
      createAzureConnector(
        config({ usageScope: billingAccount, costDetails: { defaultPollMs: 1, stallMs: 300 } }),
      ).fetchUsage(window),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "transient" });
    expect((error as Error).message).toMatch(/failed mid-way: no data for 0.3 s/);
    expect((error as Error).message).not.toContain("sig=");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
