import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import type pg from "pg";
import type { Connection } from "../client";
import { ensureEmissionsPartitions } from "../partitions";
import { usageDimsKey } from "../usage-key";
import {
  demoAccounts,
  demoQuantity,
  demoSeries,
  hourMs,
  seededRandom,
  type DemoSeries,
} from "./demo-series";

/** Fixed demo sign-in, printed on start and shared with end-to-end tests. */
export const DEMO_ORG_SLUG = "demo-corp";
export const DEMO_ORG_NAME = "Demo Corp";
export const DEMO_EMAIL = "demo@canopy.local";
export const DEMO_PASSWORD = "canopy-demo-2026";

const MONTHS = 13;
const BATCH_ROWS = 5000;

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

    const accountIds = new Map<string, string>();
    for (const account of demoAccounts) {
      const id = randomUUID();
      accountIds.set(account.provider, id);
      await client.query(
        `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, status, last_sync_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6)`,
        [id, tenantId, account.provider, account.displayName, account.providerAccountId, windowEnd],
      );
    }
    const syncRunId = randomUUID();
    await client.query(
      `INSERT INTO sync_runs (id, tenant_id, kind, status, window_start, window_end, started_at, finished_at, details)
       VALUES ($1, $2, 'import', 'running', $3, $4, now(), NULL, '{"source":"demo seed"}')`,
      [syncRunId, tenantId, windowStart, windowEnd],
    );

    let usageRows = 0;
    const batch = new UsageBatch();
    const random = seededRandom(20_261_123);
    for (const series of demoSeries) {
      const cloudAccountId = accountIds.get(series.provider)!;
      const dimsKey = usageDimsKey({ ...series, usageType: series.usageType });
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
        let quantity = 0;
        for (let h = 0; h < hours; h++) {
          quantity += demoQuantity(
            series,
            periodMs + h * hourMs,
            (periodMs - windowStart.getTime()) / (30.44 * 24 * hourMs),
            random,
          );
        }
        batch.add(tenantId, cloudAccountId, periodMs, dimsKey, hours, series, quantity, syncRunId);
        usageRows++;
        if (batch.size >= BATCH_ROWS) await batch.flush(client);
      }
    }
    await batch.flush(client);
    await client.query(
      "UPDATE sync_runs SET status = 'succeeded', finished_at = now(), rows_read = $2, rows_written = $2 WHERE id = $1",
      [syncRunId, usageRows],
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

/** Column arrays for one multi-row INSERT … SELECT FROM unnest(…). */
class UsageBatch {
  private columns: unknown[][] = Array.from({ length: 20 }, () => []);
  get size() {
    return this.columns[0]!.length;
  }

  add(
    tenantId: string,
    cloudAccountId: string,
    periodMs: number,
    dimsKey: string,
    periodHours: number,
    series: DemoSeries,
    quantity: number,
    syncRunId: string,
  ) {
    const values = [
      tenantId,
      cloudAccountId,
      new Date(periodMs).toISOString(),
      dimsKey,
      periodHours,
      series.provider,
      series.service,
      series.region,
      series.kind,
      series.unit,
      series.usageType,
      series.instanceType ?? "",
      series.vcpus ?? null,
      series.memoryGb ?? null,
      series.gpuModel ?? null,
      series.storageClass ?? null,
      quantity,
      (quantity * series.costPerUnit).toFixed(8),
      JSON.stringify(series.tags),
      syncRunId,
    ];
    values.forEach((value, i) => this.columns[i]!.push(value));
  }

  async flush(client: pg.PoolClient) {
    if (this.size === 0) return;
    await client.query(
      `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, period_hours, provider, service, region, kind, unit,
         usage_type, instance_type, vcpus, memory_gb, gpu_model, storage_class, quantity, cost_amount, tags, sync_run_id, currency)
       SELECT t.*, 'USD' FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::real[], $6::cloud_provider[],
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::real[], $14::real[], $15::text[],
         $16::text[], $17::float8[], $18::numeric[], $19::jsonb[], $20::uuid[]) AS t
       ON CONFLICT DO NOTHING`,
      this.columns,
    );
    this.columns = this.columns.map(() => []);
  }
}
