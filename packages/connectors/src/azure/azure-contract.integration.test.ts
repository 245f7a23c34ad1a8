import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { emptyFetchSummary, type UsageWindow } from "../live/types";
import type { AzureConnectorConfig } from "./config";
import { createAzureConnector } from "./connector";
import { parseQpuRemaining, qpuPauseMs } from "./qpu";
import {
  documentedQpuBudget,
  startFakeAzure,
  type AzureUsageRow,
  type CostDetailsRow,
  type FakeAzure,
} from "./testing/fake-azure-server";

/**
 * The Azure fake as a contract server: each test holds the connector to one documented rule
 * (packages/connectors/README.md, "Azure fake: contract rules") and checks that the fake refuses
 * the request that breaks it.
 */
const tenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_0123456789";
const subA = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
const subB = "9a9a9a9a-2222-4b7e-9c1d-0a1b2c3d4e5f";
const subC = "7c7c7c7c-3333-4b7e-9c1d-0a1b2c3d4e5f";
const fixedNow = Date.parse("2026-12-06T00:00:00Z");
const november: UsageWindow = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-12-01T00:00:00Z"),
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

/** A raw ARM request with a token from the fake (to show what the fake refuses). */
async function arm(target: FakeAzure, method: "GET" | "POST", path: string, body?: unknown) {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
    scope: "https://management.azure.com/.default",
  });
  const tokenResponse = await target.httpClient.sendRequest(
    createPipelineRequest({
      url: `${target.url}/${tenantId}/oauth2/v2.0/token`,
      method: "POST",
      headers: createHttpHeaders({ "content-type": "application/x-www-form-urlencoded" }),
      body: form.toString(),
    }),
  );
  const token = (JSON.parse(tokenResponse.bodyAsText ?? "{}") as { access_token: string })
    .access_token;
  const response = await target.httpClient.sendRequest(
    createPipelineRequest({
      url: `${target.url}${path}`,
      method,
      headers: createHttpHeaders({
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(response.bodyAsText || "{}") as { error?: { code: string; message: string } },
  };
}

/** Per subscription, a VM line (2 vCPUs × 24 h) on 1, 5, 20 and 28 November. */
function costDetailsRows(subscriptions: string[]): CostDetailsRow[] {
  return ["2026-11-01", "2026-11-05", "2026-11-20", "2026-11-28"].flatMap((date) =>
    subscriptions.map((subscriptionId) => ({
      Date: date,
      SubscriptionId: subscriptionId,
      ResourceLocation: "eastus",
      BillingCurrencyCode: "USD",
      ChargeType: "Usage",
      MeterCategory: "Virtual Machines",
      MeterSubCategory: "Dv3/DSv3 Series",
      MeterName: "D2s v3",
      Quantity: 24,
      UnitOfMeasure: "1 Hour",
      CostInBillingCurrency: 2.304,
      AdditionalInfo: '{"ServiceType":"Standard_D2s_v3","VCPUs":2}',
    })),
  );
}

const posts = (target: FakeAzure = fake) =>
  target.requests.filter((r) => r.path.endsWith("/generateCostDetailsReport"));
const postedPeriods = () =>
  posts().map(
    (p) => (JSON.parse(p.body) as { timePeriod: { start: string; end: string } }).timePeriod,
  );

beforeAll(async () => {
  fake = await startFakeAzure({
    tenantId,
    clientId,
    clientSecret,
    pageSize: 2,
    costDetailsPolls: 0,
    now: () => fixedNow,
  });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  sleeps.length = 0;
  fake.setCostDetails(costDetailsRows([subA, subB, subC]));
  fake.setCostDetailsMaxRows(2_000_000);
  fake.setManagementGroups([
    { id: "mg-root", subscriptions: [subA] },
    { id: "mg-prod", parent: "mg-root", subscriptions: [subB] },
    { id: "mg-prod-eu", parent: "mg-prod", subscriptions: [subC] },
    { id: "mg-empty", subscriptions: [] },
  ]);
});

describe("management groups: the Cost Details API does not accept them (EA, MCA)", () => {
  const group = "providers/Microsoft.Management/managementGroups/mg-root";

  it("the fake refuses a management-group (and resource-group) scope on generateCostDetailsReport", async () => {
    const body = { metric: "ActualCost", timePeriod: { start: "2026-11-01", end: "2026-11-02" } };
    const refused = await arm(
      fake,
      "POST",
      `/${group}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2022-10-01`,
      body,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toContain("not supported");
    const rg = await arm(
      fake,
      "POST",
      `/subscriptions/${subA}/resourceGroups/rg1/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2022-10-01`,
      body,
    );
    expect(rg.status).toBe(400);
  });

  it("a management-group scope is expanded to every subscription below it (all levels, paged) and each is read", async () => {
    const connector = createAzureConnector(config({ usageScope: group }));
    expect(connector.usageSource).toBe("cost-details");
    const summary = emptyFetchSummary("daily");
    const records = await collect(connector.fetchUsage(november, { summary }));
    const descendants = fake.requests.filter((r) => r.path.endsWith("/descendants"));
    expect(descendants.length).toBeGreaterThan(1); // 3 subscriptions + 2 groups at 2 per page
    expect(descendants.every((r) => r.authorization?.startsWith("Bearer "))).toBe(true);
    expect(
      posts()
        .map((p) => p.path.split("/providers/")[0])
        .sort(),
    ).toEqual([subA, subB, subC].map((s) => `/subscriptions/${s}`).sort());
    expect(posts().some((p) => p.path.includes("managementGroups"))).toBe(false);
    expect(new Set(records.map((r) => r.accountId))).toEqual(new Set([subA, subB, subC]));
    expect(summary.rowsRead).toBe(12);
  });

  it("a child group reads only its own subtree; the Query source expands groups too", async () => {
    await collect(
      createAzureConnector(
        config({ usageScope: "providers/Microsoft.Management/managementGroups/mg-prod" }),
      ).fetchUsage(november),
    );
    expect(
      posts()
        .map((p) => p.path.split("/providers/")[0])
        .sort(),
    ).toEqual([subB, subC].map((s) => `/subscriptions/${s}`).sort());

    fake.requests.length = 0;
    fake.setUsage([
      {
        date: 20261101,
        subscriptionId: subC,
        meterCategory: "Virtual Machines",
        meter: "D2s v3",
        location: "eastus",
        unit: "1 Hour",
        quantity: 24,
        cost: 2.3,
      } satisfies AzureUsageRow,
    ]);
    const records = await collect(
      createAzureConnector(
        config({
          usageScope: "providers/Microsoft.Management/managementGroups/mg-prod",
          usageSource: "query",
        }),
      ).fetchUsage({ start: november.start, end: new Date("2026-11-02T00:00:00Z") }),
    );
    const queried = fake.requests
      .filter((r) => r.path.endsWith("/Microsoft.CostManagement/query"))
      .map((r) => r.path.split("/providers/")[0]);
    expect(new Set(queried)).toEqual(new Set([`/subscriptions/${subB}`, `/subscriptions/${subC}`]));
    expect(records.filter((r) => r.kind === "compute").map((r) => r.accountId)).toEqual([subC]);
  });

  it("validate lists the group's subscriptions and probes each; an empty or unknown group is a clear failure", async () => {
    const checks = await createAzureConnector(config({ usageScope: group })).validate();
    expect(checks.map((c) => [c.permission, c.status])).toEqual([
      ["Microsoft Entra ID sign-in", "passed"],
      ["Microsoft.Resources/subscriptions/read", "passed"],
      ["Microsoft.Management/managementGroups/descendants/read", "passed"],
      ["Microsoft.CostManagement/generateCostDetailsReport/action", "passed"],
      ["Microsoft.CostManagement/generateCostDetailsReport/action", "passed"],
      ["Microsoft.CostManagement/generateCostDetailsReport/action", "passed"],
    ]);
    expect(checks[2]?.message).toContain("3 subscription(s)");

    const empty = await createAzureConnector(
      config({ usageScope: "providers/Microsoft.Management/managementGroups/mg-empty" }),
    ).validate();
    expect(empty.at(-1)).toMatchObject({
      permission: "Microsoft.Management/managementGroups/descendants/read",
      status: "failed",
      required: true,
    });
    expect(empty.at(-1)?.message).toContain("no subscriptions");
    const emptyQuery = await createAzureConnector(
      config({
        usageScope: "providers/Microsoft.Management/managementGroups/mg-empty",
        usageSource: "query",
      }),
    ).validate();
    expect(emptyQuery.at(-1)).toMatchObject({
      permission: "Microsoft.Management/managementGroups/descendants/read",
      status: "failed",
    });

    fake.requests.length = 0;

    const error = await collect(
      createAzureConnector(
        config({ usageScope: "providers/Microsoft.Management/managementGroups/mg-nope" }),
      ).fetchUsage(november),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "query" });
    expect(posts()).toHaveLength(0);
  });
});

describe("413: a period over the Cost Details size limit is split, not retried", () => {
  const billingAccount = "providers/Microsoft.Billing/billingAccounts/87654321";

  it("the fake answers 413 when a report would hold more rows than its limit", async () => {
    fake.setCostDetailsMaxRows(5);
    const response = await arm(
      fake,
      "POST",
      `/${billingAccount}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2022-10-01`,
      { metric: "ActualCost", timePeriod: { start: "2026-11-01", end: "2026-11-30" } },
    );
    expect(response.status).toBe(413);
  });

  it("halves the month recursively until each report fits, and reads exactly what one report would", async () => {
    const reference = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(november),
    );
    fake.requests.length = 0;
    // 3 lines a day on 4 days: a report of at most 3 lines holds one day.
    fake.setCostDetailsMaxRows(3);
    const summary = emptyFetchSummary("daily");
    const records = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage(november, {
        summary,
      }),
    );
    expect(summary.rowsRead).toBe(12);
    const key = (r: { accountId: string; periodStart: string; quantity: number }) =>
      `${r.accountId} ${r.periodStart} ${r.quantity}`;
    expect(records.map(key).sort()).toEqual(reference.map(key).sort());
    const periods = postedPeriods();
    expect(periods[0]).toEqual({ start: "2026-11-01", end: "2026-11-30" });
    expect(periods[1]).toEqual({ start: "2026-11-01", end: "2026-11-15" });
    // Every accepted (non-413) period holds at most 3 lines, and no day is read twice.
    const days = (p: { start: string; end: string }) =>
      (Date.parse(p.end) - Date.parse(p.start)) / 86_400_000 + 1;
    expect(periods.every((p) => days(p) >= 1)).toBe(true);
    expect(sleeps.every((ms) => ms <= 1000)).toBe(true); // no throttle-style backoff for 413
  });

  it("a single day over the limit is a permanent query error naming the day and the export alternative", async () => {
    fake.setCostDetailsMaxRows(2);
    const error = await collect(
      createAzureConnector(config({ usageScope: billingAccount })).fetchUsage({
        start: november.start,
        end: new Date("2026-11-04T00:00:00Z"),
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: "query" });
    expect((error as ConnectorError).permanent).toBe(true);
    expect((error as Error).message).toContain("single day 2026-11-01");
    expect((error as Error).message).toContain("export");
    // 1–3 Nov → 1 Nov (413) — then stop: no endless retry.
    expect(postedPeriods()).toEqual([
      { start: "2026-11-01", end: "2026-11-03" },
      { start: "2026-11-01", end: "2026-11-01" },
    ]);
  });

  it("the fake refuses periods over a month and older than 13 months", async () => {
    const path = `/${billingAccount}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2022-10-01`;
    const long = await arm(fake, "POST", path, {
      metric: "ActualCost",
      timePeriod: { start: "2026-09-01", end: "2026-11-01" },
    });
    expect(long.status).toBe(400);
    const old = await arm(fake, "POST", path, {
      metric: "ActualCost",
      timePeriod: { start: "2025-09-01", end: "2025-09-30" },
    });
    expect(old.status).toBe(400);
    expect(old.body.error?.message).toContain("13 months");
  });
});

describe("Carbon Optimization: subscriptionList takes at most 100 subscriptions", () => {
  const many = Array.from(
    { length: 250 },
    (_, i) => `${i.toString(16).padStart(8, "0")}-4444-4b7e-9c1d-0a1b2c3d4e5f`,
  );

  const report = (change: Record<string, unknown>) =>
    arm(fake, "POST", "/providers/Microsoft.Carbon/carbonEmissionReports?api-version=2025-04-01", {
      reportType: "ItemDetailsReport",
      categoryType: "Subscription",
      dateRange: { start: "2026-10-01", end: "2026-10-01" },
      subscriptionList: many.slice(0, 100),
      carbonScopeList: ["Scope1"],
      orderBy: "ItemName",
      sortDirection: "Asc",
      pageSize: 5000,
      ...change,
    });

  it("the fake refuses 101 subscriptions in one request", async () => {
    const response = await report({ subscriptionList: many.slice(0, 101) });
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toContain("at most 100");
    expect((await report({})).status).toBe(200);
  });

  it("the fake refuses what the API documents as invalid: upper-case ids, no scope, a month not published, not a month's first day, pageSize over 5000", async () => {
    fake.setCarbonAvailableRange({ startDate: "2025-01-01", endDate: "2026-10-01" });
    try {
      const refused = async (change: Record<string, unknown>, message: RegExp) => {
        const response = await report(change);
        expect(response.status).toBe(400);
        expect(response.body.error?.message).toMatch(message);
      };
      await refused({ subscriptionList: [many[0]!.toUpperCase()] }, /lower-case/);
      await refused({ carbonScopeList: [] }, /carbonScopeList/);
      await refused({ carbonScopeList: ["Scope4"] }, /carbonScopeList/);
      await refused({ dateRange: { start: "2026-11-01", end: "2026-11-01" } }, /available range/);
      await refused({ dateRange: { start: "2024-12-01", end: "2024-12-01" } }, /available range/);
      await refused({ dateRange: { start: "2026-10-15", end: "2026-10-15" } }, /first day/);
      await refused({ dateRange: { start: "2026-09-01", end: "2026-10-01" } }, /start = end/);
      await refused({ pageSize: 5001 }, /pageSize/);
      const range = await arm(
        fake,
        "POST",
        "/providers/Microsoft.Carbon/queryCarbonEmissionDataAvailableDateRange?api-version=2025-04-01",
        {},
      );
      expect(range.body).toEqual({ startDate: "2025-01-01", endDate: "2026-10-01" });
    } finally {
      fake.setCarbonAvailableRange(undefined);
    }
  });

  it("250 subscriptions are read in chunks of at most 100 per scope and merged", async () => {
    fake.setCarbon([
      { subscriptionId: many[0]!, scope1: 0.1, scope2: 0.6, scope3: 0.3 },
      { subscriptionId: many[99]!, scope1: 0, scope2: 1.5, scope3: 0.5 },
      { subscriptionId: many[100]!, scope1: 0, scope2: 2, scope3: 1 },
      { subscriptionId: many[249]!, scope1: 1, scope2: 2, scope3: 1 },
    ]);
    const figures = await createAzureConnector(
      config({ subscriptionIds: many, usageSource: "cost-details" }),
    ).fetchReportedCarbon("2026-10");
    expect(
      figures
        .filter((f) => f.scope === "total")
        .map((f) => [f.providerAccountId, Math.round(f.co2eKg * 1000) / 1000]),
    ).toEqual([
      [many[0], 1],
      [many[99], 2],
      [many[100], 3],
      [many[249], 4],
    ]);
    expect(figures.filter((f) => f.scope === "scope2-market").map((f) => f.co2eKg)).toEqual([
      0.6, 1.5, 2, 2,
    ]);
    const bodies = fake.requests
      .filter((r) => r.path.endsWith("carbonEmissionReports"))
      .map((r) => JSON.parse(r.body) as { subscriptionList: string[]; carbonScopeList: string[] });
    expect(bodies.every((b) => b.subscriptionList.length <= 100)).toBe(true);
    for (const scope of ["Scope1", "Scope2", "Scope3"])
      expect(
        new Set(
          bodies
            .filter((b) => b.carbonScopeList.join() === scope)
            .flatMap((b) => b.subscriptionList),
        ),
      ).toEqual(new Set(many));
  });
});

describe("source choice: Cost Details beyond a few subscriptions", () => {
  it("up to 5 subscriptions read through the Query API, 6 or more through Cost Details", () => {
    const ids = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `${String(i).padStart(8, "0")}-1111-4b7e-9c1d-0a1b2c3d4e5f`,
      );
    expect(createAzureConnector(config({ subscriptionIds: ids(5) })).usageSource).toBe("query");
    expect(createAzureConnector(config({ subscriptionIds: ids(6) })).usageSource).toBe(
      "cost-details",
    );
    expect(
      createAzureConnector(config({ subscriptionIds: ids(6), usageSource: "query" })).usageSource,
    ).toBe("query");
  });
});

describe("Query API QPU budget: paced on qpu-remaining, never throttled", () => {
  let clock = fixedNow;
  let paced: FakeAzure;
  const usage = (): AzureUsageRow[] =>
    [20261101, 20261102, 20261103].flatMap((date) =>
      [subA, subB].flatMap((subscriptionId) => [
        {
          date,
          subscriptionId,
          meterCategory: "Virtual Machines",
          meter: "D2s v3",
          location: "eastus",
          unit: "1 Hour",
          quantity: 48,
          cost: 4.6,
        },
        {
          date,
          subscriptionId,
          meterCategory: "Storage",
          meter: "P10 LRS Disk",
          location: "westeurope",
          unit: "1/Month",
          quantity: 0.0333,
          cost: 0.65,
        },
        {
          date,
          subscriptionId,
          meterCategory: "Virtual Machines",
          meter: "D4s v3",
          location: "westeurope",
          unit: "1 Hour",
          quantity: 24,
          cost: 4.6,
        },
      ]),
    );

  beforeAll(async () => {
    paced = await startFakeAzure({
      tenantId,
      clientId,
      clientSecret,
      pageSize: 2,
      qpuBudget: documentedQpuBudget,
      now: () => clock,
    });
    paced.setUsage(usage());
  });
  afterAll(async () => paced?.close());

  const pacedConfig = (): AzureConnectorConfig => ({
    credentials: { directoryTenantId: tenantId, clientId, clientSecret },
    subscriptionIds: [subA, subB],
    usageSource: "query",
    endpoints: paced.endpoints,
    httpClient: paced.httpClient,
    // Waiting moves the fake's clock: the test takes no real time.
    backoff: {
      retries: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    },
  });

  it("the fake enforces the documented budget: the 13th query in 10 s is a 429 with qpu-retry-after", async () => {
    const body = {
      type: "Usage",
      timeframe: "Custom",
      timePeriod: { from: "2026-11-01T00:00:00Z", to: "2026-11-01T23:59:59Z" },
      dataset: { granularity: "Daily", aggregation: {}, grouping: [] },
    };
    clock += 3_600_000; // a fresh hour
    const answers = [];
    for (let i = 0; i < 13; i++)
      answers.push(
        await arm(
          paced,
          "POST",
          `/subscriptions/${subA}/providers/Microsoft.CostManagement/query?api-version=2022-10-01`,
          body,
        ),
      );
    expect(answers.slice(0, 12).every((a) => a.status === 200)).toBe(true);
    expect(answers[11]?.headers.get("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining")).toBe(
      "10s:0;1m:48;1h:588",
    );
    expect(answers[12]?.status).toBe(429);
    expect(
      Number(answers[12]?.headers.get("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after")),
    ).toBeGreaterThan(0);
    expect(paced.qpuThrottled).toBe(1);
  });

  it("a 22-call sync waits windows out on qpu-remaining and is never throttled", async () => {
    clock += 3_600_000;
    const throttledBefore = paced.qpuThrottled;
    sleeps.length = 0;
    paced.requests.length = 0;
    const summary = emptyFetchSummary("daily");
    const records = await collect(
      createAzureConnector(pacedConfig()).fetchUsage(
        { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-04T00:00:00Z") },
        { summary },
      ),
    );
    const calls = paced.requests.filter((r) => r.path.endsWith("/Microsoft.CostManagement/query"));
    expect(calls).toHaveLength(22);
    expect(paced.qpuThrottled).toBe(throttledBefore);
    expect(summary.rowsRead).toBe(18);
    expect(records.length).toBeGreaterThan(0);
    expect(sleeps).toContain(10_000); // the 10-second window waited out
  });

  it("parses the remaining-quota header leniently", () => {
    expect(parseQpuRemaining("10s:3;1m:40;1h:500")).toEqual([
      { windowMs: 10_000, remaining: 3 },
      { windowMs: 60_000, remaining: 40 },
      { windowMs: 3_600_000, remaining: 500 },
    ]);
    expect(parseQpuRemaining("7")).toEqual([{ windowMs: undefined, remaining: 7 }]);
    const headers = (remaining: string) => ({
      get: (name: string) =>
        name.endsWith("qpu-remaining")
          ? remaining
          : name.endsWith("qpu-consumed")
            ? "1"
            : undefined,
    });
    expect(qpuPauseMs(headers("10s:5;1m:1;1h:500"))).toBe(60_000);
    expect(qpuPauseMs(headers("10s:5;1m:50"))).toBe(0);
    expect(qpuPauseMs(headers("1"), { defaultPauseMs: 7000 })).toBe(7000);
  });
});

describe("unreachable endpoints are their own outcome, not bad credentials", () => {
  it("Entra ID refusing connections: validate says 'could not reach …: proxy or firewall?'; fetch is a retryable transient error", async () => {
    const closed = {
      endpoints: { authorityHost: "https://127.0.0.1:9", arm: fake.endpoints.arm },
    };
    const checks = await createAzureConnector(config(closed)).validate();
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      permission: "Network access to 127.0.0.1:9",
      status: "failed",
      required: true,
    });
    expect(checks[0]?.message).toMatch(
      /Could not reach 127\.0\.0\.1:9 \(ECONNREFUSED\): proxy or firewall\?/,
    );
    expect(checks[0]?.message).not.toContain("secret");
    const error = await collect(createAzureConnector(config(closed)).fetchUsage(november)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: "transient" });
    expect((error as ConnectorError).permanent).toBe(false);
  });

  it("an unresolvable host (DNS) is reported the same way", async () => {
    const checks = await createAzureConnector(
      config({ endpoints: { authorityHost: "https://login.invalid", arm: fake.endpoints.arm } }),
    ).validate();
    expect(checks[0]?.permission).toBe("Network access to login.invalid");
    expect(checks[0]?.message).toMatch(/Could not reach login\.invalid \((ENOTFOUND|EAI_AGAIN)\)/);
  });

  it("a wrong secret is still a credentials failure (Entra ID answered)", async () => {
    const checks = await createAzureConnector(
      config({ credentials: { directoryTenantId: tenantId, clientId, clientSecret: "wrong" } }),
    ).validate();
    expect(checks[0]).toMatchObject({ permission: "Microsoft Entra ID sign-in", status: "failed" });
    expect(checks[0]?.message).toContain("AADSTS7000215");
  });

  it("an unknown tenant (Entra ID answers AADSTS90002 on its metadata) is a credentials failure naming the tenant", async () => {
    const checks = await createAzureConnector(
      config({
        credentials: {
          directoryTenantId: "11111111-2222-3333-4444-555555555555",
          clientId,
          clientSecret,
        },
      }),
    ).validate();
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ permission: "Microsoft Entra ID sign-in", status: "failed" });
    expect(checks[0]?.message).toContain("AADSTS90002");
    expect(checks[0]?.message).toContain("directory (tenant) id");
  });

  it("ARM unreachable after sign-in: the Query probe names the host", async () => {
    const checks = await createAzureConnector(
      config({
        subscriptionIds: [subA],
        endpoints: { authorityHost: fake.endpoints.authorityHost, arm: "https://127.0.0.1:9" },
      }),
    ).validate();
    expect(checks[0]?.status).toBe("passed");
    expect(checks.at(-1)?.status).toBe("failed");
    expect(checks.at(-1)?.message).toContain("Could not reach 127.0.0.1:9");
  });
});

describe("access tokens expire mid-sync (Entra ID expires_in); the pipeline renews them", () => {
  let short: FakeAzure;
  beforeAll(async () => {
    // Real clock: MSAL's token cache and the fake must agree on time.
    short = await startFakeAzure({
      tenantId,
      clientId,
      clientSecret,
      pageSize: 1,
      tokenLifetimeSeconds: 2,
    });
    short.setUsage(
      [20261101, 20261102, 20261103].map((date) => ({
        date,
        subscriptionId: subA,
        meterCategory: "Virtual Machines",
        meter: "D2s v3",
        location: "eastus",
        unit: "1 Hour",
        quantity: 24,
        cost: 2.3,
      })),
    );
  });
  afterAll(async () => short?.close());

  it("the fake answers 401 ExpiredAuthenticationToken once a token's lifetime is over", async () => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope: "https://management.azure.com/.default",
    });
    const issued = await short.httpClient.sendRequest(
      createPipelineRequest({
        url: `${short.url}/${tenantId}/oauth2/v2.0/token`,
        method: "POST",
        headers: createHttpHeaders({ "content-type": "application/x-www-form-urlencoded" }),
        body: form.toString(),
      }),
    );
    const token = (JSON.parse(issued.bodyAsText ?? "{}") as { access_token: string }).access_token;
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await short.httpClient.sendRequest(
      createPipelineRequest({
        url: `${short.url}/subscriptions?api-version=2022-12-01`,
        method: "GET",
        headers: createHttpHeaders({ authorization: `Bearer ${token}` }),
      }),
    );
    expect(response.status).toBe(401);
    expect(response.bodyAsText).toContain("ExpiredAuthenticationToken");
  });

  it("a sync that outlives its token gets a new one and finishes", async () => {
    short.requests.length = 0;
    const records = createAzureConnector({
      credentials: { directoryTenantId: tenantId, clientId, clientSecret },
      subscriptionIds: [subA],
      usageSource: "query",
      endpoints: short.endpoints,
      httpClient: short.httpClient,
      backoff: { retries: 1, sleep: async () => undefined },
    }).fetchUsage({
      start: new Date("2026-11-01T00:00:00Z"),
      end: new Date("2026-11-04T00:00:00Z"),
    });
    const iterator = records[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the first token is now expired
    let rest = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      rest++;
    }
    expect(rest).toBeGreaterThan(0);
    const tokens = new Set(
      short.requests
        .filter((r) => r.path.endsWith("/Microsoft.CostManagement/query"))
        .map((r) => r.authorization),
    );
    expect(tokens.size).toBeGreaterThan(1);
  }, 20_000);
});
