import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import type { Connection } from "../client";
import type { ImportSummary } from "../json/import-summary";
import { ensureEmissionsPartitions } from "../partitions";
import { batchesOf, writeUsageRecords, type StagedUsage } from "../stores/usage";
import { demoAccounts, demoQuantity, demoSeries, hourMs, seededRandom } from "./demo-series";

/** Fixed demo sign-in, printed on start and shared with end-to-end tests. */
export const DEMO_ORG_SLUG = "demo-corp";
export const DEMO_ORG_NAME = "Demo Corp";
export const DEMO_EMAIL = "demo@canopy.local";
export const DEMO_PASSWORD = "canopy-demo-2026";

const MONTHS = 13;

export type SeedResult = {
  created: boolean;
  tenantId: string;
  usageRows: number;
  windowStart: Date;
  windowEnd: Date;
};

/**
 * Creates "Demo Corp" with its owner and about 13 months of usage across AWS, Azure and GCP, in one
 * transaction. If the organization already exists it does nothing, so restarts never duplicate data.
 */
export async function seedDemoOrganization(
  owner: Connection,
  now = new Date(),
): Promise<SeedResult> {
  const windowEnd = new Date(Math.floor(now.getTime() / hourMs) * hourMs);
  const windowStart = new Date(
    Date.UTC(windowEnd.getUTCFullYear(), windowEnd.getUTCMonth() - MONTHS, windowEnd.getUTCDate()),
  );
  const client = await owner.pool.connect();
  try {
    await client.query("BEGIN");
    // Two starts racing: the second waits here, then sees the organization and stops.
    await client.query("SELECT pg_advisory_xact_lock(727002)");
    const existing = await client.query<{ id: string }>("SELECT id FROM tenants WHERE slug = $1", [
      DEMO_ORG_SLUG,
    ]);
    if (existing.rows[0]) {
      await client.query("ROLLBACK");
      return {
        created: false,
        tenantId: existing.rows[0].id,
        usageRows: 0,
        windowStart,
        windowEnd,
      };
    }
    const tenantId = randomUUID();
    const userId = randomUUID();
    await client.query("INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)", [
      tenantId,
      DEMO_ORG_NAME,
      DEMO_ORG_SLUG,
    ]);
    await client.query(
      `INSERT INTO users (id, name, email, email_verified) VALUES ($1, 'Demo User', $2, true)
       ON CONFLICT (email) DO UPDATE SET name = users.name RETURNING id`,
      [userId, DEMO_EMAIL],
    );
    const user = await client.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [
      DEMO_EMAIL,
    ]);
    const demoUserId = user.rows[0]!.id;
    if (demoUserId === userId) {
      await client.query(
        "INSERT INTO auth_accounts (user_id, account_id, provider_id, password) VALUES ($1, $2, 'credential', $3)",
        [demoUserId, demoUserId, await hashPassword(DEMO_PASSWORD)],
      );
    }
    await client.query(
      "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')",
      [tenantId, demoUserId],
    );

    // Named accounts first; writeUsageRecords then finds them by provider account id.
    for (const account of demoAccounts) {
      const id = randomUUID();
      await client.query(
        `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, status, last_sync_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6)`,
        [id, tenantId, account.provider, account.displayName, account.providerAccountId, windowEnd],
      );
    }
    const syncRunId = randomUUID();
    await client.query(
      `INSERT INTO sync_runs (id, tenant_id, kind, status, window_start, window_end, started_at, finished_at, details)
       VALUES ($1, $2, 'import', 'running', $3, $4, now(), NULL, $5)`,
      [syncRunId, tenantId, windowStart, windowEnd, demoSeedSummary(0, 0, 0)],
    );

    const written = await writeUsageRecords(
      client,
      tenantId,
      syncRunId,
      batchesOf(demoUsage(windowStart, windowEnd)),
      { sourceKind: "demo" },
    );
    const usageRows = written.rowsWritten;
    const cost = await client.query<{ total: number }>(
      "SELECT coalesce(sum(cost_amount), 0)::float8 AS total FROM usage_hourly WHERE sync_run_id = $1",
      [syncRunId],
    );
    await client.query(
      `UPDATE sync_runs SET status = 'succeeded', finished_at = now(), rows_read = $2, rows_written = $2, details = $3
       WHERE id = $1`,
      [syncRunId, usageRows, demoSeedSummary(usageRows, cost.rows[0]!.total, 100)],
    );
    await ensureEmissionsPartitions(client, windowStart, MONTHS + 4);
    await client.query("COMMIT");
    return { created: true, tenantId, usageRows, windowStart, windowEnd };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The demo series as usage records: hourly for AWS and GCP, daily for Azure (as its exports are). */
async function* demoUsage(windowStart: Date, windowEnd: Date): AsyncGenerator<StagedUsage> {
  const random = seededRandom(20_261_123);
  const account = new Map(demoAccounts.map((a) => [a.provider, a.providerAccountId]));
  for (const series of demoSeries) {
    const stepHours = series.provider === "azure" ? 24 : 1;
    const start =
      series.provider === "azure"
        ? Date.UTC(
            windowStart.getUTCFullYear(),
            windowStart.getUTCMonth(),
            windowStart.getUTCDate(),
          )
        : windowStart.getTime();
    for (let periodMs = start; periodMs < windowEnd.getTime(); periodMs += stepHours * hourMs) {
      const hours = Math.min(stepHours, (windowEnd.getTime() - periodMs) / hourMs);
      const monthsElapsed = (periodMs - windowStart.getTime()) / (30.44 * 24 * hourMs);
      let quantity = 0;
      for (let h = 0; h < hours; h++)
        quantity += demoQuantity(series, periodMs + h * hourMs, monthsElapsed, random);
      yield {
        provider: series.provider,
        accountId: account.get(series.provider)!,
        periodStart: new Date(periodMs).toISOString(),
        periodHours: hours,
        service: series.service,
        region: series.region,
        kind: series.kind,
        unit: series.unit,
        usageType: series.usageType,
        instanceType: series.instanceType ?? "",
        vcpus: series.vcpus,
        memoryGb: series.memoryGb,
        gpuModel: series.gpuModel,
        storageClass: series.storageClass,
        quantity,
        costAmount: quantity * series.costPerUnit,
        currency: "USD",
        tags: series.tags,
      };
    }
  }
}

/**
 * The demo seed's run, recorded as an import of generated usage with no uploaded file (fileKey '' is
 * never pruned; 0 bytes never count against the quota). Migration 0028 gave earlier seeds' runs the
 * same summary.
 */
function demoSeedSummary(rows: number, costTotal: number, percent: number): ImportSummary {
  return {
    fileName: "Generated demo usage (demo seed)",
    fileKey: "",
    bytes: 0,
    format: "demo",
    sourceKind: "demo",
    linesRead: rows,
    linesImported: rows,
    usageRowsWritten: rows,
    skipped: {},
    costTotal,
    progress: { linesRead: rows, percent },
  };
}
