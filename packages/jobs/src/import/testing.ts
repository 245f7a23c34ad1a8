import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createKeyring } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import type { QueueDriver } from "../contract";
import { createInlineDriver } from "../drivers/inline";
import { localFileStore } from "../file-store";
import { submitImport } from "./intake";
import type { ImportSummary } from "./summary";

/** The columns of the CUR the import tests write: line item identity, one m5.large in us-east-1. */
export const TEST_CUR_HEADER = [
  "identity/LineItemId",
  "identity/TimeInterval",
  "lineItem/LineItemType",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
  "lineItem/UsageAccountId",
  "lineItem/ProductCode",
  "lineItem/UsageType",
  "lineItem/UsageAmount",
  "lineItem/UnblendedCost",
  "lineItem/CurrencyCode",
  "product/instanceType",
  "product/region",
  "pricing/unit",
].join(",");

/** One m5.large usage line of that CUR, from `from` to `to` (ISO times), with a fresh line id. */
export function testCurLine(
  from: string,
  to: string,
  line: { account?: string; id?: string; amount?: number | string; cost?: number | string } = {},
): string {
  const { account = "111111111111", id = randomUUID(), amount = 1, cost = 0.096 } = line;
  return `${id},${from}/${to},Usage,${from},${to},${account},AmazonEC2,USE1-BoxUsage:m5.large,${amount},${cost},USD,m5.large,us-east-1,Hrs`;
}

export type ImportRun = {
  id: string;
  status: string;
  details: ImportSummary;
  error: string | null;
};

/**
 * A migrated scratch database, a file store and an inline driver for import tests: organizations,
 * imports run to the end (usage, estimates, rollups) and the tenant's stored totals.
 */
export async function createImportHarness() {
  const database: TestDatabase = await createTestDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-import-"));
  const store = localFileStore(path.join(dir, "files"));
  const driver: QueueDriver = createInlineDriver({
    fileStore: store,
    owner: database.owner,
    app: database.app,
    keyring: createKeyring(Buffer.alloc(32, 3).toString("base64")),
    log: () => undefined,
  });
  await driver.startWorkers();

  async function newTenant(): Promise<string> {
    const id = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      id,
      `t-${id}`,
    ]);
    return id;
  }

  async function run(tenantId: string, syncRunId: string): Promise<ImportRun> {
    const { rows } = await database.owner.pool.query<ImportRun>(
      "SELECT id, status, details, error FROM sync_runs WHERE id = $1 AND tenant_id = $2",
      [syncRunId, tenantId],
    );
    return rows[0]!;
  }

  async function importText(
    tenantId: string,
    text: string | Buffer,
    options: { fileName?: string; replace?: boolean; cloudAccountId?: string } = {},
  ): Promise<ImportRun> {
    const { syncRunId } = await submitImport({
      app: database.app,
      store,
      driver,
      tenantId,
      fileName: options.fileName ?? "bill.csv",
      source: Readable.from([typeof text === "string" ? Buffer.from(text) : text]),
      maxBytes: 1e9,
      ...(options.replace ? { replace: true } : {}),
      ...(options.cloudAccountId ? { cloudAccountId: options.cloudAccountId } : {}),
    });
    await driver.drain();
    return run(tenantId, syncRunId);
  }

  /** What counts for the tenant now: usage rows and cost, and the daily rollups' figures. */
  async function totals(tenantId: string) {
    const { rows } = await database.owner.pool.query<{
      usageRows: number;
      quantity: number;
      cost: number;
      co2eKg: number;
      dailyCo2eKg: number;
      dailyCost: number;
    }>(
      `SELECT (SELECT count(*)::int FROM usage_hourly WHERE tenant_id = $1) AS "usageRows",
              (SELECT coalesce(sum(quantity), 0) FROM usage_hourly WHERE tenant_id = $1) AS quantity,
              (SELECT coalesce(sum(cost_amount), 0)::float8 FROM usage_hourly WHERE tenant_id = $1) AS cost,
              (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_hourly WHERE tenant_id = $1) AS "co2eKg",
              (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_daily WHERE tenant_id = $1) AS "dailyCo2eKg",
              (SELECT coalesce(sum(cost_amount), 0)::float8 FROM emissions_daily WHERE tenant_id = $1) AS "dailyCost"`,
      [tenantId],
    );
    return rows[0]!;
  }

  return {
    database,
    driver,
    store,
    newTenant,
    importText,
    run,
    totals,
    async close() {
      await driver.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
