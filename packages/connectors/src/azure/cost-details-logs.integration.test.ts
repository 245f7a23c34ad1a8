import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The Azure SDK reads AZURE_LOG_LEVEL when it loads: verbose, so its pipeline logs every request.
vi.hoisted(() => {
  // eslint-disable-next-line no-restricted-properties -- not Canopy configuration: the SDK's own log switch, set before it loads
  process.env["AZURE_LOG_LEVEL"] = "verbose";
});

import { emptyFetchSummary } from "../live/types";
import { createAzureConnector } from "./connector";
import { startFakeAzure, type FakeAzure } from "./testing/fake-azure-server";

const tenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_0123456789";
const sub = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";
const scope = "providers/Microsoft.Management/managementGroups/mg-root";

let fake: FakeAzure;
const captured: string[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  fake = await startFakeAzure({ tenantId, clientId, clientSecret });
  // The Cost Details API refuses management groups: the connector reads the group's subscriptions.
  fake.setManagementGroups([{ id: "mg-root", subscriptions: [sub] }]);
  fake.setCostDetails([
    {
      Date: "2026-11-01",
      SubscriptionId: sub,
      ResourceLocation: "eastus",
      MeterCategory: "Virtual Machines",
      MeterSubCategory: "Dv3/DSv3 Series",
      MeterName: "D2s v3",
      Quantity: 24,
      UnitOfMeasure: "1 Hour",
      CostInBillingCurrency: 2.3,
      ChargeType: "Usage",
      AdditionalInfo: '{"ServiceType":"Standard_D2s_v3","VCPUs":2}',
    },
  ]);
  for (const stream of [process.stderr, process.stdout]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = write));
  }
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const spy = vi
      .spyOn(console, method)
      .mockImplementation((...args: unknown[]) => void captured.push(args.map(String).join(" ")));
    restore.push(() => spy.mockRestore());
  }
});
afterAll(async () => {
  for (const undo of restore) undo();
  await fake?.close();
});

describe("Cost Details API path: SAS signatures never reach a log", () => {
  it("with the Azure SDK logging verbosely, neither the logs nor the errors carry a blob's sig", async () => {
    const connector = createAzureConnector({
      credentials: { directoryTenantId: tenantId, clientId, clientSecret },
      subscriptionIds: [sub],
      usageScope: scope,
      endpoints: fake.endpoints,
      httpClient: fake.httpClient,
      backoff: { retries: 2, sleep: async () => undefined },
    });
    const window = {
      start: new Date("2026-11-01T00:00:00Z"),
      end: new Date("2026-11-02T00:00:00Z"),
    };
    const summary = emptyFetchSummary("daily");
    for await (const record of connector.fetchUsage(window, { summary })) void record;
    expect(summary.recordsYielded).toBe(1);

    // An expired link (Storage's 403, whose body even quotes the sig) and a 503 that is retried.
    fake.failNextBlob(503, 403);
    const error = await (async () => {
      for await (const record of connector.fetchUsage(window)) void record;
    })().catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    captured.push(String(error), JSON.stringify(error), String((error as Error).cause ?? ""));

    expect(fake.blobSignatures.length).toBeGreaterThanOrEqual(4);
    const logs = captured.join("\n");
    expect(logs).toContain("generateCostDetailsReport"); // the SDK pipeline did log (verbose)
    for (const sig of fake.blobSignatures) {
      expect(logs).not.toContain(sig);
      expect(logs).not.toContain(encodeURIComponent(sig));
    }
    expect(logs).not.toMatch(/[?&]sig=(?!REDACTED)/i);
    expect(logs).not.toContain(clientSecret);
  });
});
