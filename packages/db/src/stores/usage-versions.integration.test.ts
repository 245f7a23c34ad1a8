import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "../tenant";
import { createTestDatabase, type TestDatabase } from "../testing";
import { sourceRank, type SourceKind } from "./sources";
import { ReplacementNeedsConfirmationError } from "./precedence";
import {
  UnexpectedAccountsError,
  writeUsageRecords,
  type StagedUsage,
  type UsageWriteOptions,
  type UsageWriteResult,
} from "./usage";
import { pruneSupersededUsage, RestoreRefusedError, restoreReplacedUsage } from "./usage-versions";
import type { AccountWindow } from "./windows";

const dayIso = (day: number) => new Date(Date.UTC(2026, 2, 1 + day)).toISOString();

const line = (day: number, overrides: Partial<StagedUsage> = {}): StagedUsage => ({
  provider: "aws",
  accountId: "111122223333",
  periodStart: dayIso(day),
  periodHours: 1,
  service: "AmazonEC2",
  region: "us-east-1",
  kind: "compute",
  unit: "vcpu-hours",
  instanceType: "m5.large",
  vcpus: 2,
  quantity: 1,
  costAmount: 1,
  currency: "USD",
  ...overrides,
});

async function* once(records: StagedUsage[]) {
  yield records;
}

describe("usage versions: precedence, replacement preview, restore", () => {
  let database: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  async function freshTenant(): Promise<string> {
    const slug = `t-${randomUUID().slice(0, 8)}`;
    return (
      await database.owner.pool.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ($1, $1) RETURNING id",
        [slug],
      )
    ).rows[0]!.id;
  }

  async function write(
    records: StagedUsage[],
    options: Partial<UsageWriteOptions> & { sourceKind: SourceKind },
  ): Promise<UsageWriteResult & { runId: string }> {
    const runId = randomUUID();
    const result = await withTenantClient(database.app, tenantId, async (client) => {
      await client.query(
        "INSERT INTO sync_runs (id, tenant_id, kind, status) VALUES ($1, $2, 'import', 'running')",
        [runId, tenantId],
      );
      return writeUsageRecords(client, tenantId, runId, once(records), options);
    });
    return { ...result, runId };
  }

  const restore = (runId: string, windows: AccountWindow[]) =>
    withTenantClient(database.app, tenantId, (client) =>
      restoreReplacedUsage(client, runId, windows),
    );

  /** Counted quantity and cost per day index. */
  async function countedByDay(): Promise<
    Map<number, { quantity: number; cost: number; kinds: string }>
  > {
    const result = await database.owner.pool.query<{
      day: number;
      quantity: number;
      cost: number;
      kinds: string;
    }>(
      `SELECT extract(day FROM hour AT TIME ZONE 'UTC')::int - 1 AS day, sum(quantity)::float8 AS quantity,
              sum(cost_amount)::float8 AS cost, string_agg(DISTINCT source_kind, ',') AS kinds
       FROM usage_hourly WHERE tenant_id = $1 GROUP BY 1`,
      [tenantId],
    );
    return new Map(result.rows.map((r) => [r.day, r]));
  }

  it("lets exactly one source count per account and day, by precedence, keeping the others", async () => {
    tenantId = await freshTenant();
    const cur = await write([line(0, { quantity: 10 }), line(1, { quantity: 20 })], {
      sourceKind: "cur2",
    });
    expect(cur.rowsWritten).toBe(2);
    // The same days through FOCUS, plus a day the CUR does not cover.
    const focus = await write(
      [line(0, { quantity: 11 }), line(1, { quantity: 21 }), line(2, { quantity: 31 })],
      { sourceKind: "focus" },
    );
    expect(focus.rowsWritten).toBe(1);
    expect(focus.rowsOutranked).toBe(2);
    expect(focus.outranked).toEqual([
      expect.objectContaining({
        start: new Date(dayIso(0)),
        end: new Date(dayIso(2)),
        heldBy: ["cur2"],
      }),
    ]);
    expect(focus.windows).toEqual([
      expect.objectContaining({ start: new Date(dayIso(2)), end: new Date(dayIso(3)) }),
    ]);
    // Daily Cost Explorer ranks below both: it takes nothing.
    const explorer = await write(
      [line(0, { quantity: 99, periodHours: 24 }), line(2, { quantity: 99, periodHours: 24 })],
      {
        sourceKind: "aws-cost-explorer",
      },
    );
    expect(explorer.rowsWritten).toBe(0);
    const counted = await countedByDay();
    expect([...counted.entries()].sort().map(([day, c]) => [day, c.quantity, c.kinds])).toEqual([
      [0, 10, "cur2"],
      [1, 20, "cur2"],
      [2, 31, "focus"],
    ]);
    const kept = await database.owner.pool.query<{ reason: string; n: number }>(
      "SELECT reason, count(*)::int AS n FROM usage_superseded WHERE tenant_id = $1 GROUP BY reason",
      [tenantId],
    );
    expect(kept.rows).toEqual([{ reason: "outranked", n: 4 }]);
  });

  it("follows an account's own precedence over the default order", async () => {
    tenantId = await freshTenant();
    await write([line(0, { quantity: 10 })], { sourceKind: "cur2" });
    await database.owner.pool.query(
      `UPDATE cloud_accounts SET source_precedence = '["focus", "cur2"]' WHERE tenant_id = $1`,
      [tenantId],
    );
    const focus = await write([line(0, { quantity: 11 })], { sourceKind: "focus", replace: true });
    expect(focus.rowsWritten).toBe(1);
    const cur = await write([line(0, { quantity: 12 })], { sourceKind: "cur2" });
    expect(cur.rowsOutranked).toBe(1);
    expect((await countedByDay()).get(0)).toMatchObject({ quantity: 11, kinds: "focus" });
  });

  it("asks before replacing data it does not re-supply, and not for the same data again", async () => {
    tenantId = await freshTenant();
    const week = [0, 1, 2, 3, 4, 5, 6].flatMap((day) => [
      line(day, { quantity: 5, costAmount: 5 }),
      line(day, {
        service: "AmazonS3",
        kind: "storage",
        unit: "tb-hours",
        quantity: 1,
        costAmount: 2,
      }),
    ]);
    await write(week, { sourceKind: "cur2" });
    const again = await write(week, { sourceKind: "cur2" });
    expect(again.replaced?.needsConfirmation).toBe(false);
    expect(again.replaced?.accounts[0]?.stored.rows).toBe(14);

    // One partial day of EC2 only: it would replace a day with S3 and most of its cost.
    const before = await countedByDay();
    const partial = write([line(3, { quantity: 0.001, costAmount: 0.0001 })], {
      sourceKind: "cur2",
    });
    const error = await partial.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplacementNeedsConfirmationError);
    const preview = (error as ReplacementNeedsConfirmationError).preview;
    expect(preview.accounts).toHaveLength(1);
    expect(preview.accounts[0]).toMatchObject({
      providerAccountId: "111122223333",
      start: dayIso(3),
      end: dayIso(4),
      stored: { rows: 2, costAmount: 7, services: ["AmazonEC2", "AmazonS3"] },
      arriving: { rows: 1, services: ["AmazonEC2"] },
    });
    expect(preview.accounts[0]!.reasons.join("; ")).toMatch(
      /AmazonS3.*cost falls from 7\.00 to 0\.00/s,
    );
    expect(await countedByDay()).toEqual(before);

    // Confirmed, it replaces; the previous version is kept and can be restored.
    const confirmed = await write([line(3, { quantity: 0.001, costAmount: 0.0001 })], {
      sourceKind: "cur2",
      replace: true,
    });
    expect((await countedByDay()).get(3)?.quantity).toBeCloseTo(0.001, 9);
    const restored = await restore(confirmed.runId, confirmed.windows);
    expect(restored).toMatchObject({ rowsWithdrawn: 1, rowsRestored: 2 });
    expect(await countedByDay()).toEqual(before);
    await expect(restore(confirmed.runId, confirmed.windows)).rejects.toThrow(/already restored/);
  });

  it("reports per write only the days that write replaced (a sync writes its window in chunks under one run)", async () => {
    tenantId = await freshTenant();
    await write([line(0, { quantity: 1 }), line(1, { quantity: 1 })], { sourceKind: "cur2" });
    const runId = randomUUID();
    const chunk = (day: number) =>
      withTenantClient(database.app, tenantId, async (client) => {
        await client.query(
          "INSERT INTO sync_runs (id, tenant_id, kind, status) VALUES ($1, $2, 'sync', 'running') ON CONFLICT DO NOTHING",
          [runId, tenantId],
        );
        return writeUsageRecords(client, tenantId, runId, once([line(day, { quantity: 2 })]), {
          sourceKind: "aws-athena",
          replace: true,
        });
      });
    const first = await chunk(0);
    const second = await chunk(1);
    expect(first.replaced?.accounts.map((a) => [a.start, a.stored.rows])).toEqual([[dayIso(0), 1]]);
    expect(second.replaced?.accounts.map((a) => [a.start, a.stored.rows])).toEqual([
      [dayIso(1), 1],
    ]);
  });

  it("refuses to restore a version whose days were replaced again", async () => {
    tenantId = await freshTenant();
    await write([line(0, { quantity: 1 })], { sourceKind: "cur2" });
    const second = await write([line(0, { quantity: 2 })], { sourceKind: "cur2" });
    const third = await write([line(0, { quantity: 3 })], { sourceKind: "cur2" });
    const refusal = restore(second.runId, second.windows);
    await expect(refusal).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(restore(second.runId, second.windows)).rejects.toThrow(
      new RegExp(`replaced since by import ${third.runId}.*restore that one first`),
    );
    await restore(third.runId, third.windows);
    expect((await countedByDay()).get(0)?.quantity).toBe(2);
    await restore(second.runId, second.windows);
    expect((await countedByDay()).get(0)?.quantity).toBe(1);
  });

  it("stores nothing when the records belong to another account than the one expected", async () => {
    tenantId = await freshTenant();
    const refused = write([line(0), line(0, { accountId: "999988887777" })], {
      sourceKind: "cur2",
      onlyAccount: { provider: "aws", providerAccountId: "111122223333" },
    });
    await expect(refused).rejects.toBeInstanceOf(UnexpectedAccountsError);
    await expect(refused).rejects.toThrow(
      /AWS account 999988887777, not only of AWS account 111122223333/,
    );
    expect((await countedByDay()).size).toBe(0);
  });

  it("deletes previous versions only past the retention; a run older than that can no longer be restored", async () => {
    tenantId = await freshTenant();
    const first = await write([line(0, { quantity: 1 })], { sourceKind: "cur2" });
    const second = await write([line(0, { quantity: 2 })], { sourceKind: "cur2" });
    await database.owner.pool.query(
      "UPDATE usage_superseded SET superseded_at = now() - interval '40 days' WHERE tenant_id = $1",
      [tenantId],
    );
    await write([line(1, { quantity: 3 })], { sourceKind: "cur2" });
    await write([line(1, { quantity: 4 })], { sourceKind: "cur2" });
    const kept = () =>
      database.owner.pool.query<{ quantity: number }>(
        "SELECT quantity FROM usage_superseded WHERE tenant_id = $1 ORDER BY quantity",
        [tenantId],
      );
    expect((await kept()).rows).toEqual([{ quantity: 1 }, { quantity: 3 }]);
    expect(await pruneSupersededUsage(database.owner.pool, 30)).toBe(1);
    expect((await kept()).rows).toEqual([{ quantity: 3 }]);
    // The pruned version is gone: restoring the run that replaced it is refused, so its day keeps its data.
    await expect(restore(second.runId, second.windows)).rejects.toThrow(
      /The version it replaced was deleted on .*, past the retention \(CANOPY_SUPERSEDED_RETENTION_DAYS\)/,
    );
    expect((await countedByDay()).get(0)?.quantity).toBe(2);
    expect(first.windows).toHaveLength(1);
  });

  it("any sequence of overlapping writes and restores ends with the precedence-chosen sources counted", async () => {
    const kinds: SourceKind[] = ["cur2", "focus", "aws-cost-explorer"];
    const writeStep = fc.record({
      type: fc.constant("write" as const),
      kind: fc.constantFrom(...kinds),
      quantities: fc.dictionary(
        fc.integer({ min: 0, max: 4 }).map(String),
        fc.integer({ min: 1, max: 1000 }),
        {
          minKeys: 1,
        },
      ),
    });
    const restoreStep = fc.record({ type: fc.constant("restore" as const), pick: fc.nat() });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(writeStep, writeStep, restoreStep), { minLength: 1, maxLength: 7 }),
        async (steps) => {
          tenantId = await freshTenant();
          // The model: per day the run whose rows count; per run the days it took and whose rows it replaced.
          type Run = {
            id: string;
            rank: number;
            quantities: Map<number, number>;
            took: Map<number, Run | undefined>;
            windows: AccountWindow[];
            restored: boolean;
          };
          const counted = new Map<number, Run>();
          const runs: Run[] = [];
          for (const step of steps) {
            if (step.type === "write") {
              const quantities = new Map(
                Object.entries(step.quantities).map(([d, q]) => [Number(d), q]),
              );
              const days = [...quantities.keys()];
              const written = await write(
                days.map((d) => line(d, { quantity: quantities.get(d)! })),
                { sourceKind: step.kind, replace: true },
              );
              const run: Run = {
                id: written.runId,
                rank: sourceRank(step.kind),
                quantities,
                took: new Map(),
                windows: written.windows,
                restored: false,
              };
              for (let d = Math.min(...days); d <= Math.max(...days); d++) {
                const holder = counted.get(d);
                if (holder && holder.rank < run.rank) continue;
                run.took.set(d, holder);
                if (quantities.has(d)) counted.set(d, run);
                else counted.delete(d);
              }
              runs.push(run);
            } else if (runs.length) {
              const run = runs[step.pick % runs.length]!;
              const result = restore(run.id, run.windows);
              const untouched = [...run.took.keys()].every(
                (d) => counted.get(d) === (run.quantities.has(d) ? run : undefined),
              );
              if (run.restored || !untouched) {
                await expect(result).rejects.toBeInstanceOf(RestoreRefusedError);
                continue;
              }
              await result;
              run.restored = true;
              for (const [d, previous] of run.took) {
                if (previous) counted.set(d, previous);
                else counted.delete(d);
              }
            }
          }
          const expected = new Map<number, number>();
          for (const [d, run] of counted) {
            const quantity = run.quantities.get(d);
            if (quantity !== undefined) expected.set(d, quantity);
          }
          const actual = new Map([...(await countedByDay())].map(([d, c]) => [d, c.quantity]));
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
