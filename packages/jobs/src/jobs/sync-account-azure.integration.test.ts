import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKeyring, sealCredentials } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startFakeAzure, type FakeAzure } from "@canopy/connectors/testing";
import { attemptContext, type JobDeps } from "../contract";
import { PermanentJobError } from "../errors";
import type { ConnectorSettings } from "../connector-for";
import { syncAccount } from "./sync-account";

const directoryTenantId = "0f0f0f0f-1111-2222-3333-444444444444";
const clientId = "c1c1c1c1-5555-6666-7777-888888888888";
const clientSecret = "azure~SECRET.value_for_the_job_0123";
const subscriptionId = "3f2c5a8e-1111-4b7e-9c1d-0a1b2c3d4e5f";

describe("sync-account (Azure, fake Entra ID + Cost Management)", () => {
  let database: TestDatabase;
  let fake: FakeAzure;
  let tenantId: string;
  let cloudAccountId: string;
  const keyring = createKeyring(Buffer.alloc(32, 8).toString("base64"));
  const logs: string[] = [];
  let deps: JobDeps;
  let quantity = 48;
  const window = { windowStart: "2026-11-01T00:00:00Z", windowEnd: "2026-11-03T00:00:00Z" };

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeAzure({ tenantId: directoryTenantId, clientId, clientSecret });
    const connectors: ConnectorSettings = {
      azure: {
        endpoints: fake.endpoints,
        httpClient: fake.httpClient,
        backoff: { baseDelayMs: 5, retries: 2 },
      },
    };
    deps = {
      connectors,
      owner: database.owner,
      app: database.app,
      keyring,
      log: (line) => logs.push(line),
      enqueue: async () => randomUUID(),
    };
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    tenantId = randomUUID();
    quantity = 48;
    fake.setUsage(
      [20261101, 20261102].map((date) => ({
        date,
        subscriptionId,
        meterCategory: "Virtual Machines",
        meter: "D2s v3",
        location: "eastus",
        unit: "1 Hour",
        get quantity() {
          return quantity;
        },
        cost: 4.6,
      })),
    );
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, 'azure', 'Prod', $2, 'pending') RETURNING id`,
      [tenantId, subscriptionId],
    );
    cloudAccountId = rows[0]!.id;
    await seal(clientSecret);
  });

  async function seal(secret: string) {
    const sealed = sealCredentials(keyring, tenantId, cloudAccountId, {
      provider: "azure",
      directoryTenantId,
      clientId,
      clientSecret: secret,
    });
    await database.owner.pool.query(
      "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
      [cloudAccountId, sealed.ciphertext, sealed.keyId],
    );
  }
  const run = (jobId: string) =>
    syncAccount.process(
      { tenantId, cloudAccountId, ...window, mode: "sync" },
      deps,
      attemptContext(syncAccount.options, jobId),
    );
  const totals = async () =>
    (
      await database.owner.pool.query<{ n: number; quantity: number; hours: number }>(
        "SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::float AS quantity, max(period_hours)::float AS hours FROM usage_hourly WHERE cloud_account_id = $1",
        [cloudAccountId],
      )
    ).rows[0]!;

  it("syncs daily usage into usage_hourly; a restatement replaces it", async () => {
    await run("a");
    const first = await totals();
    expect(first.n).toBeGreaterThan(0);
    expect(first.hours).toBe(24);
    quantity = 96;
    await run("b");
    const second = await totals();
    expect(second.n).toBe(first.n);
    expect(second.quantity).toBeCloseTo(first.quantity * 2);
    const { rows } = await database.owner.pool.query(
      "SELECT status::text FROM cloud_accounts WHERE id = $1",
      [cloudAccountId],
    );
    expect(rows[0]).toEqual({ status: "active" });
  });

  it("a wrong secret marks the account as needing attention, without retries, and the secret is never logged or stored", async () => {
    const wrongSecret = "azure~WRONG.secret_value_9876";
    await seal(wrongSecret);
    logs.length = 0;
    const error = await run("c").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toContain("AADSTS7000215");
    const { rows } = await database.owner.pool.query<{ status: string; last_error: string }>(
      "SELECT status::text, last_error FROM cloud_accounts WHERE id = $1",
      [cloudAccountId],
    );
    expect(rows[0]!.status).toBe("needs_attention");
    const runs = await database.owner.pool.query(
      "SELECT error, details::text FROM sync_runs WHERE cloud_account_id = $1",
      [cloudAccountId],
    );
    const everything = [
      ...logs,
      JSON.stringify(rows),
      JSON.stringify(runs.rows),
      (error as Error).message,
    ].join("\n");
    for (const secret of [wrongSecret, clientSecret]) expect(everything).not.toContain(secret);
  });
});
