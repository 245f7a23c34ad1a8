import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp } from "./users";
import { dataSources } from "@/lib/server/emissions";

/** The dashboard's "Data sources" panel: the imports and syncs the range's usage comes from. */
let db: TestDatabase;
let tenantId: string;
const accounts = [randomUUID(), randomUUID()];
const runs = [randomUUID(), randomUUID()];

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  const owner = await signUp("owner@sources.test");
  tenantId = await createOrganization(owner, "Sources Org");
  for (const [i, id] of accounts.entries())
    await db.owner.pool.query(
      `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, $2, 'aws', $3, $4, 'active')`,
      [id, tenantId, `AWS ${i}`, `00000000000${i}`],
    );
  await db.owner.pool.query(
    `INSERT INTO sync_runs (id, tenant_id, kind, status, details, created_at) VALUES
       ($1, $3, 'import', 'succeeded', '{"fileName": "march.csv"}', '2025-04-01T08:00:00Z'),
       ($2, $3, 'sync', 'succeeded', '{}', '2025-04-02T08:00:00Z')`,
    [runs[0], runs[1], tenantId],
  );
  await db.owner.pool.query("UPDATE sync_runs SET cloud_account_id = $1 WHERE id = $2", [
    accounts[1],
    runs[1],
  ]);
  await withTenantClient(db.app, tenantId, async (client) => {
    const usage = (account: string, run: string, kind: string, hour: string, cost: number) =>
      client.query(
        `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, unit,
           quantity, cost_amount, shape_key, sync_run_id, source_kind)
         VALUES ($1, $2, $3, $4, 'aws', 'AmazonEC2', 'us-east-1', 'compute', 'vcpu-hours', 1, $5, 's', $6, $7)`,
        [tenantId, account, hour, randomUUID(), cost, run, kind],
      );
    await usage(accounts[0]!, runs[0]!, "cur2", "2025-03-01T00:00:00Z", 1.5);
    await usage(accounts[0]!, runs[0]!, "cur2", "2025-03-01T01:00:00Z", 2.5);
    await usage(accounts[1]!, runs[1]!, "aws-athena", "2025-03-02T00:00:00Z", 7);
    await usage(accounts[1]!, runs[1]!, "aws-athena", "2025-05-02T00:00:00Z", 100); // outside the range
  });
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

describe("data sources", () => {
  const scope = () => ({ sql: (fn: never) => withTenantClient(db.app, tenantId, fn) }) as never;
  const march = {
    from: "2025-03-01",
    to: "2025-03-31",
    provider: [],
    service: [],
    region: [],
    tag: [],
  };

  it("lists the imports and syncs behind the range, with their rows and cost", async () => {
    const { items } = await dataSources(scope(), { ...march, account: [] });
    expect(items).toEqual([
      {
        syncRunId: runs[0],
        runKind: "import",
        sourceKind: "cur2",
        label: "march.csv",
        createdAt: "2025-04-01T08:00:00.000Z",
        rows: 2,
        costAmount: 4,
      },
      {
        syncRunId: runs[1],
        runKind: "sync",
        sourceKind: "aws-athena",
        label: "AWS 1",
        createdAt: "2025-04-02T08:00:00.000Z",
        rows: 1,
        costAmount: 7,
      },
    ]);
  });

  it("follows the account filter", async () => {
    const { items } = await dataSources(scope(), { ...march, account: [accounts[1]!] });
    expect(items.map((i) => i.syncRunId)).toEqual([runs[1]]);
  });
});
