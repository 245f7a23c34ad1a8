import { randomUUID } from "node:crypto";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring } from "@canopy/db";
import { defineJob } from "./contract";
import { testDrivers } from "./drivers/test-drivers";
import { createRegistry } from "./registry";
import { createImportHarness, TEST_CUR_HEADER, testCurLine } from "./import/testing";
import { sweepStalledRuns } from "./watchdog";

let harness: Awaited<ReturnType<typeof createImportHarness>>;

beforeAll(async () => {
  harness = await createImportHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

async function insertRun(
  tenantId: string,
  values: { status: string; startedMinutesAgo: number; progressMinutesAgo?: number },
): Promise<string> {
  const id = randomUUID();
  const heartbeat = values.progressMinutesAgo ?? null;
  await harness.database.owner.pool.query(
    `INSERT INTO sync_runs (id, tenant_id, kind, status, started_at, details, heartbeat_at, attempt)
     VALUES ($1, $2, 'import', $3::sync_run_status, now() - make_interval(mins => $4), '{}',
             now() - make_interval(mins => $5), CASE WHEN $5::int IS NULL THEN NULL ELSE 2 END)`,
    [id, tenantId, values.status, values.startedMinutesAgo, heartbeat],
  );
  return id;
}

describe("the stalled-run sweep", () => {
  it("fails runs with no progress for longer than the timeout, and only those", async () => {
    const tenantId = await harness.newTenant();
    const abandoned = await insertRun(tenantId, { status: "running", startedMinutesAgo: 60 });
    const retriedThenAbandoned = await insertRun(tenantId, {
      status: "running",
      startedMinutesAgo: 90,
      progressMinutesAgo: 20,
    });
    const longButAlive = await insertRun(tenantId, {
      status: "running",
      startedMinutesAgo: 600,
      progressMinutesAgo: 1,
    });
    const queued = await insertRun(tenantId, { status: "queued", startedMinutesAgo: 60 });

    const failed = await sweepStalledRuns(harness.database.owner, 15 * 60_000);
    expect(failed.sort()).toEqual([abandoned, retriedThenAbandoned].sort());

    const runs = new Map(
      (
        await harness.database.owner.pool.query<{
          id: string;
          status: string;
          error: string | null;
        }>("SELECT id, status, error FROM sync_runs WHERE tenant_id = $1", [tenantId])
      ).rows.map((row) => [row.id, row]),
    );
    expect(runs.get(abandoned)).toMatchObject({
      status: "failed",
      error: "The worker stopped while running this import (no progress for 15 min).",
    });
    expect(runs.get(retriedThenAbandoned)!.error).toBe(
      "The worker stopped while running this import; it was retried 1 time (no progress for 15 min).",
    );
    expect(runs.get(longButAlive)!.status).toBe("running");
    expect(runs.get(queued)!.status).toBe("queued");
    // A second sweep finds nothing more.
    expect(await sweepStalledRuns(harness.database.owner, 15 * 60_000)).toEqual([]);
  });
});

// The BullMQ case runs only where a test Redis answers.
const { factories: drivers, removeKeys } = testDrivers();
afterAll(removeKeys);

describe.each(drivers)("a job that fails for good (%s driver)", (_kind, createDriver) => {
  it("leaves no run queued or running even when its processor never marked it", async () => {
    const tenantId = await harness.newTenant();
    const runId = await insertRun(tenantId, { status: "queued", startedMinutesAgo: 0 });
    // A processor under the import's name that dies before it can record anything (as one does when
    // its connection is gone): the driver, not the processor, must end the run.
    const dying = defineJob({
      name: "import-file",
      payload: z.object({ tenantId: z.string(), syncRunId: z.string() }),
      options: { attempts: 2, backoffMs: 10, concurrency: 1 },
      async process() {
        throw new Error("Connection terminated unexpectedly");
      },
    });
    const driver = createDriver(
      {
        owner: harness.database.owner,
        app: harness.database.app,
        keyring: createKeyring(Buffer.alloc(32, 3).toString("base64")),
        log: () => undefined,
      },
      createRegistry([dying]),
    );
    await driver.startWorkers();
    try {
      await driver.enqueue("import-file", { tenantId, syncRunId: runId });
      await driver.drain();
      // BullMQ reports the final failure through its event stream: give it a moment.
      for (let i = 0; i < 100 && (await harness.run(tenantId, runId)).status === "queued"; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await driver.close();
    }
    const run = await harness.run(tenantId, runId);
    expect(run.status).toBe("failed");
    expect(run.error).toBe(
      "The import failed after 2 attempts: Connection terminated unexpectedly",
    );
  });
});

function cur(lines: number): string {
  const out = [TEST_CUR_HEADER];
  const start = Date.UTC(2026, 2, 1);
  for (let i = 0; i < lines; i++) {
    const from = new Date(start + (i % 720) * 3_600_000).toISOString();
    const to = new Date(start + ((i % 720) + 1) * 3_600_000).toISOString();
    const account = String(100000000000 + (i % 40));
    out.push(testCurLine(from, to, { account }));
  }
  return out.join("\n") + "\n";
}

describe("a database connection terminated mid-import", () => {
  it("does not end the process; the import is retried and counts every line once", async () => {
    const text = cur(60_000);
    const reference = await harness.newTenant();
    const clean = await harness.importText(reference, text);
    expect(clean.status, clean.error ?? "").toBe("succeeded");
    const expected = await harness.totals(reference);

    const tenantId = await harness.newTenant();
    const owner = harness.database.owner.pool;
    let terminated = 0;
    const killer = (async () => {
      // Wait for the import's COPY to be under way, then end every other backend of this database.
      for (let i = 0; i < 2_000 && terminated === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const killed = await owner.query<{ busy: number }>(
          `WITH copying AS (
             SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY %'
           )
           SELECT count(*)::int AS busy FROM (
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND backend_type = 'client backend' AND EXISTS (SELECT 1 FROM copying)
           ) AS t`,
        );
        terminated = killed.rows[0]!.busy;
      }
    })();
    const run = await harness.importText(tenantId, text);
    await killer;
    expect(terminated).toBeGreaterThan(0);
    expect(run.status, run.error ?? "").toBe("succeeded");
    const totals = await harness.totals(tenantId);
    expect(totals.usageRows).toBe(expected.usageRows);
    expect(totals.quantity).toBeCloseTo(expected.quantity, 6);
    expect(totals.cost).toBeCloseTo(expected.cost, 6);
    expect(totals.dailyCo2eKg).toBeCloseTo(expected.dailyCo2eKg, 9);
  }, 120_000);
});
