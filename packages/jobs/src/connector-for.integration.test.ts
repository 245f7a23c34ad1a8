import { startFakeAzure, type FakeAzure } from "@canopy/connectors/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor, type ConnectableAccount, type ConnectorSettings } from "./connector-for";

const tenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_0123456789";
const sub = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
const billingAccount = "providers/Microsoft.Billing/billingAccounts/87654321";
const window = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-02T00:00:00Z") };
const account: ConnectableAccount = {
  provider: "azure",
  providerAccountId: sub,
  externalId: null,
  ciphertext: "x",
  keyId: "k",
  status: "active",
  scope: null,
};

let fake: FakeAzure;
let connectors: ConnectorSettings;
beforeAll(async () => {
  fake = await startFakeAzure({ tenantId, clientId, clientSecret });
  connectors = {
    azure: {
      endpoints: fake.endpoints,
      httpClient: fake.httpClient,
      backoff: { retries: 2, sleep: async () => undefined },
    },
  };
  fake.setCostDetails([
    {
      Date: "11/01/2026",
      SubscriptionId: sub,
      ResourceLocation: "eastus",
      MeterCategory: "Virtual Machines",
      MeterName: "D2s v3",
      Quantity: 24,
      UnitOfMeasure: "1 Hour",
      CostInBillingCurrency: 2.3,
      ChargeType: "Usage",
      AdditionalInfo: '{"ServiceType":"Standard_D2s_v3","VCPUs":2}',
    },
  ]);
  fake.setUsage([]);
});
afterAll(async () => {
  await fake?.close();
});

const sealed = { provider: "azure", directoryTenantId: tenantId, clientId, clientSecret };
const generateCalls = () =>
  fake.requests.filter((r) => r.path.endsWith("/generateCostDetailsReport"));
const queryCalls = () => fake.requests.filter((r) => r.path.endsWith("/query"));

describe("connectorFor (Azure): the sealed usage scope and source", () => {
  it("a sealed billing-account scope reads cost details reports; without one, the subscription is queried", async () => {
    const large = await connectorFor(
      account,
      { ...sealed, usageScope: billingAccount },
      connectors,
    );
    const records = [];
    for await (const r of large.fetchUsage(window)) records.push(r);
    expect(records).toHaveLength(1);
    expect(generateCalls().map((c) => c.path)).toEqual([
      `/${billingAccount}/providers/Microsoft.CostManagement/generateCostDetailsReport`,
    ]);
    expect(queryCalls()).toHaveLength(0);

    fake.requests.length = 0;
    const small = await connectorFor(account, sealed, connectors);
    for await (const r of small.fetchUsage(window)) void r;
    expect(queryCalls().length).toBeGreaterThan(0);
    expect(generateCalls()).toHaveLength(0);

    fake.requests.length = 0;
    const forced = await connectorFor(
      account,
      { ...sealed, usageSource: "cost-details" },
      connectors,
    );
    for await (const r of forced.fetchUsage(window)) void r;
    expect(generateCalls().map((c) => c.path)).toEqual([
      `/subscriptions/${sub}/providers/Microsoft.CostManagement/generateCostDetailsReport`,
    ]);

    await expect(
      connectorFor(account, { ...sealed, usageSource: "hourly" }, connectors),
    ).rejects.toThrow(/usage scope or source is invalid/);
  });
});
