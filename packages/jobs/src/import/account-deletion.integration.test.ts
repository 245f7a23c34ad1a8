import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT_OWNED_TABLES,
  deleteCloudAccount,
  previewAccountDeletion,
  withTenantClient,
} from "@canopy/db";
import { createImportHarness, TEST_CUR_HEADER, testCurLine } from "./testing";

function cur(accounts: string[], hours: number, amount: number): string {
  const lines = [TEST_CUR_HEADER];
  const start = Date.UTC(2026, 3, 1);
  for (const account of accounts)
    for (let h = 0; h < hours; h++) {
      const from = new Date(start + h * 3_600_000).toISOString();
      const to = new Date(start + (h + 1) * 3_600_000).toISOString();
      lines.push(testCurLine(from, to, { account, amount }));
    }
  return lines.join("\n") + "\n";
}

let harness: Awaited<ReturnType<typeof createImportHarness>>;

beforeAll(async () => {
  harness = await createImportHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

/** The tables that have a cloud_account_id column, read from the catalog (partitions excluded). */
async function catalogTables(): Promise<string[]> {
  const { rows } = await harness.database.owner.pool.query<{ table: string }>(
    `SELECT c.relname AS table FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND a.attname = 'cloud_account_id' AND NOT a.attisdropped ORDER BY 1`,
  );
  return rows.map((r) => r.table);
}

async function rowsOf(cloudAccountId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of await catalogTables()) {
    const { rows } = await harness.database.owner.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE cloud_account_id = $1`,
      [cloudAccountId],
    );
    out[table] = rows[0]!.n;
  }
  return out;
}

describe("deleting a cloud account", () => {
  it("knows every table the catalog says holds account rows", async () => {
    expect([...ACCOUNT_OWNED_TABLES].sort()).toEqual(await catalogTables());
  });

  it("removes everything the account owns in one go, and nothing of another account", async () => {
    const tenantId = await harness.newTenant();
    // Two accounts, then a replacement of the same days: usage, previous versions, rollups.
    expect(
      (await harness.importText(tenantId, cur(["111111111111", "222222222222"], 48, 1))).status,
    ).toBe("succeeded");
    const replaced = await harness.importText(tenantId, cur(["111111111111"], 48, 2), {
      replace: true,
    });
    expect(replaced.status, replaced.error ?? "").toBe("succeeded");
    const owner = harness.database.owner.pool;
    const accounts = await owner.query<{ id: string; providerAccountId: string }>(
      `SELECT id, provider_account_id AS "providerAccountId" FROM cloud_accounts WHERE tenant_id = $1
       ORDER BY provider_account_id`,
      [tenantId],
    );
    const [doomed, kept] = accounts.rows.map((r) => r.id) as [string, string];
    // A sync run and a provider-reported figure for each, which no import writes.
    for (const id of [doomed, kept]) {
      await owner.query(
        "INSERT INTO sync_runs (tenant_id, cloud_account_id, kind, status) VALUES ($1, $2, 'sync', 'succeeded')",
        [tenantId, id],
      );
      await owner.query(
        `INSERT INTO provider_reported_emissions
           (tenant_id, cloud_account_id, provider, provider_account_id, month, scope, co2e_kg, source)
         VALUES ($1, $2, 'aws', 'x', '2026-04-01', 'total', 1.5, 'test')`,
        [tenantId, id],
      );
      // Measured utilization and its run, which only the sync-utilization job writes.
      await owner.query(
        `INSERT INTO utilization_runs (tenant_id, cloud_account_id, status, window_start, window_end, source)
         VALUES ($1, $2, 'succeeded', '2026-04-01', '2026-04-02', 'aws-cloudwatch')`,
        [tenantId, id],
      );
      // An allocation rule filtered by the account.
      await owner.query(
        `INSERT INTO allocation_rules (tenant_id, position, cloud_account_id, split)
         SELECT $1, coalesce(max(position), 0) + 1, $2, 'fixed' FROM allocation_rules WHERE tenant_id = $1`,
        [tenantId, id],
      );
      await owner.query(
        `INSERT INTO resource_utilization_hourly
           (tenant_id, cloud_account_id, hour, resource_id, region, instance_type, cpu_utilization, source)
         VALUES ($1, $2, '2026-04-01T00:00:00Z', 'i-0123456789abcdef0', 'us-east-1', 'm5.large', 0.2, 'aws-cloudwatch')`,
        [tenantId, id],
      );
    }
    const before = await rowsOf(doomed);
    // The fixture reaches every table, so a table the deletion forgot would show up below.
    expect(Object.entries(before).filter(([, n]) => n === 0)).toEqual([]);
    const keptBefore = await rowsOf(kept);

    const removed = await withTenantClient(harness.database.app, tenantId, async (client) => {
      const preview = await previewAccountDeletion(client, doomed);
      const done = await deleteCloudAccount(client, doomed);
      expect(done).toEqual(preview);
      return done!;
    });
    expect(removed.rows).toEqual(before);
    expect(removed.co2eLocationKg).toBeGreaterThan(0);
    expect([removed.firstDay, removed.lastDay]).toEqual(["2026-04-01", "2026-04-02"]);

    expect(Object.values(await rowsOf(doomed)).every((n) => n === 0)).toBe(true);
    expect(await rowsOf(kept)).toEqual(keptBefore);
    const gone = await owner.query("SELECT 1 FROM cloud_accounts WHERE id = $1", [doomed]);
    expect(gone.rowCount).toBe(0);
  });

  it("is all or nothing, and only within the tenant", async () => {
    const tenantId = await harness.newTenant();
    const other = await harness.newTenant();
    expect((await harness.importText(tenantId, cur(["333333333333"], 24, 1))).status).toBe(
      "succeeded",
    );
    const { rows } = await harness.database.owner.pool.query<{ id: string }>(
      "SELECT id FROM cloud_accounts WHERE tenant_id = $1",
      [tenantId],
    );
    const id = rows[0]!.id;
    const before = await rowsOf(id);
    // Another tenant's transaction sees no such account and removes nothing.
    expect(
      await withTenantClient(harness.database.app, other, (client) =>
        deleteCloudAccount(client, id),
      ),
    ).toBeUndefined();
    // A failure after the deletion rolls all of it back.
    await expect(
      withTenantClient(harness.database.app, tenantId, async (client) => {
        await deleteCloudAccount(client, id);
        throw new Error("audit write failed");
      }),
    ).rejects.toThrow("audit write failed");
    expect(await rowsOf(id)).toEqual(before);
  });
});
