import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImportHarness } from "../import/testing";
import { importStorage } from "../import/storage";
import { submitImport } from "../import/intake";
import { confirmImport, ImportFileGoneError, restoreRun } from "../import/versions";

const ACCOUNT = "012345678901";
const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");

/** A legacy CUR of one account: EC2 hours every hour (and S3 storage daily) for `days` days. */
function cur(firstDay: string, days: number, scale = 1): string {
  const lines = [
    "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,bill/PayerAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,pricing/unit",
  ];
  const start = Date.parse(firstDay);
  for (let h = 0; h < days * 24; h++) {
    const at = start + h * HOUR_MS;
    lines.push(
      `Usage,${iso(at)},${iso(at + HOUR_MS)},${ACCOUNT},${ACCOUNT},AmazonEC2,USE1-BoxUsage:m5.large,${2 * scale},${0.192 * scale},USD,us-east-1,Hrs`,
    );
    if (h % 24 === 0)
      lines.push(
        `Usage,${iso(at)},${iso(at + 24 * HOUR_MS)},${ACCOUNT},${ACCOUNT},AmazonS3,USE1-TimedStorage-ByteHrs,${100 * scale},${2.3 * scale},USD,us-east-1,GB-Mo`,
      );
  }
  return lines.join("\n") + "\n";
}

describe("prune-import-files: uploaded files of finished imports past the retention", () => {
  let h: Awaited<ReturnType<typeof createImportHarness>>;
  beforeAll(async () => {
    h = await createImportHarness();
  });
  afterAll(async () => h?.close());

  const age = (ids: string[], days: number) =>
    h.database.owner.pool.query(
      `UPDATE sync_runs SET created_at = now() - make_interval(days => $2),
         finished_at = CASE WHEN finished_at IS NULL THEN NULL ELSE now() - make_interval(days => $2) END
       WHERE id = ANY($1::uuid[])`,
      [ids, days],
    );

  /** A run left queued or running (its job not run here), with its file stored. */
  async function pendingRun(tenantId: string, status: "queued" | "running") {
    const id = randomUUID();
    const fileKey = `${tenantId}/${id}/pending.csv`;
    const { bytes } = await h.store.put(fileKey, Readable.from([Buffer.from("x,y\n1,2\n")]), 1e6);
    await h.database.owner.pool.query(
      `INSERT INTO sync_runs (id, tenant_id, kind, status, details) VALUES ($1, $2, 'import', $3, $4)`,
      [id, tenantId, status, { fileName: "pending.csv", fileKey, bytes }],
    );
    return id;
  }

  it("deletes only the files of imports finished before the retention, marks them, keeps the usage", async () => {
    const tenant = await h.newTenant();
    const first = await h.importText(tenant, cur("2026-06-01T00:00:00Z", 3));
    const second = await h.importText(tenant, cur("2026-06-01T00:00:00Z", 3, 1.1));
    const failed = await h.importText(tenant, "not,a,billing,file\n1,2,3,4\n", {
      fileName: "junk.csv",
    });
    // One EC2 day of a three-day CUR: waits for confirmation.
    const waiting = await h.importText(
      tenant,
      cur("2026-06-02T00:00:00Z", 1, 0.0001)
        .split("\n")
        .filter((line) => !line.includes("AmazonS3"))
        .join("\n"),
    );
    const recent = await h.importText(tenant, cur("2026-07-01T00:00:00Z", 1));
    const queued = await pendingRun(tenant, "queued");
    const running = await pendingRun(tenant, "running");
    expect([first, second, recent].map((r) => r.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    expect(failed.status).toBe("failed");
    expect(waiting.status).toBe("awaiting_confirmation");
    const old = [first.id, second.id, failed.id, waiting.id, queued, running];
    await age(old, 91);
    await age([recent.id], 89);

    const before = await h.totals(tenant);
    const storageBefore = await importStorage(h.database.app, tenant, 1e9);
    const keyOf = async (id: string) => (await h.run(tenant, id)).details.fileKey;
    const keys = new Map(
      await Promise.all([...old, recent.id].map(async (id) => [id, await keyOf(id)] as const)),
    );
    for (const key of keys.values()) expect(await h.store.exists(key)).toBe(true);

    await h.driver.enqueue("prune-import-files", { retentionDays: 90 });
    await h.driver.drain();

    const deleted = [first.id, second.id, failed.id];
    const kept = [waiting.id, queued, running, recent.id];
    for (const id of deleted) {
      const run = await h.run(tenant, id);
      expect(await h.store.exists(keys.get(id)!), id).toBe(false);
      // Its own folder goes with it.
      expect(existsSync(path.dirname(h.store.localPath(keys.get(id)!)))).toBe(false);
      expect(Date.parse(run.details.fileDeletedAt!)).toBeGreaterThan(Date.now() - 60_000);
      // The summary is unchanged otherwise.
      expect(run.details.fileName).toBeTruthy();
    }
    for (const id of kept) {
      expect(await h.store.exists(keys.get(id)!), id).toBe(true);
      expect((await h.run(tenant, id)).details.fileDeletedAt, id).toBeUndefined();
    }
    // Only the files went: usage, estimates and rollups are as they were.
    expect(await h.totals(tenant)).toEqual(before);
    // The quota counts only the files still kept.
    const deletedBytes = (
      await Promise.all(deleted.map(async (id) => (await h.run(tenant, id)).details.bytes))
    ).reduce((a, b) => a + b, 0);
    expect((await importStorage(h.database.app, tenant, 1e9)).usedBytes).toBe(
      storageBefore.usedBytes - deletedBytes,
    );

    // Running it again changes nothing; retention 0 keeps everything.
    await h.driver.enqueue("prune-import-files", { retentionDays: 90 });
    await h.driver.enqueue("prune-import-files", { retentionDays: 0 });
    await h.driver.drain();
    for (const id of kept) expect(await h.store.exists(keys.get(id)!), id).toBe(true);

    // Restoring does not need the file: the previous version is in the database.
    const restored = await restoreRun({
      app: h.database.app,
      driver: h.driver,
      tenantId: tenant,
      syncRunId: second.id,
    });
    await h.driver.drain();
    expect(restored.rowsRestored).toBeGreaterThan(0);
  });

  it("confirming an import whose file is gone is refused with the reason; a re-run fails clearly", async () => {
    const tenant = await h.newTenant();
    await h.importText(tenant, cur("2026-08-01T00:00:00Z", 3));
    const partial = cur("2026-08-02T00:00:00Z", 1, 0.0001)
      .split("\n")
      .filter((line) => !line.includes("AmazonS3"))
      .join("\n");
    const marked = await h.importText(tenant, partial, { fileName: "partial.csv" });
    const lost = await h.importText(tenant, partial, { fileName: "lost.csv" });
    expect([marked.status, lost.status]).toEqual([
      "awaiting_confirmation",
      "awaiting_confirmation",
    ]);

    // Marked deleted (as the retention would for a file whose import later waited: not in practice,
    // but the mark is what confirm checks first).
    await h.store.remove(marked.details.fileKey);
    await h.database.owner.pool.query(
      `UPDATE sync_runs SET details = details || '{"fileDeletedAt": "2026-09-01T00:00:00.000Z"}'::jsonb WHERE id = $1`,
      [marked.id],
    );
    const refusal = confirmImport({
      app: h.database.app,
      driver: h.driver,
      tenantId: tenant,
      syncRunId: marked.id,
    });
    await expect(refusal).rejects.toBeInstanceOf(ImportFileGoneError);
    await expect(refusal).rejects.toThrow(
      "The uploaded file partial.csv is no longer kept (deleted on 2026-09-01 after the retention period, " +
        "CANOPY_IMPORT_FILE_RETENTION_DAYS), so it cannot be imported again.",
    );
    expect((await h.run(tenant, marked.id)).status).toBe("awaiting_confirmation");

    // Gone from the store without a mark: refused when confirm is given the store…
    await h.store.remove(lost.details.fileKey);
    await expect(
      confirmImport({
        app: h.database.app,
        driver: h.driver,
        tenantId: tenant,
        syncRunId: lost.id,
        store: h.store,
      }),
    ).rejects.toThrow(/lost\.csv is no longer kept, so it cannot be imported again/);
    // …and without it, the import job fails with the same reason instead of a file-system error.
    await confirmImport({
      app: h.database.app,
      driver: h.driver,
      tenantId: tenant,
      syncRunId: lost.id,
    });
    await h.driver.drain();
    const rerun = await h.run(tenant, lost.id);
    expect(rerun.status).toBe("failed");
    expect(rerun.error).toMatch(
      /^The uploaded file lost\.csv is no longer kept, so it cannot be imported again/,
    );
  });
});

describe("the storage quota at intake", () => {
  let h: Awaited<ReturnType<typeof createImportHarness>>;
  beforeAll(async () => {
    h = await createImportHarness();
  });
  afterAll(async () => h?.close());

  it("lets two organizations fill their own quota; refuses the upload past it, keeping nothing", async () => {
    const [a, b] = [await h.newTenant(), await h.newTenant()];
    const put = (tenantId: string, bytes: number) =>
      submitImport({
        app: h.database.app,
        store: h.store,
        driver: { enqueue: async () => "not-run" },
        tenantId,
        fileName: "bill.csv",
        source: Readable.from([Buffer.alloc(bytes, "c")]),
        maxBytes: 10_000,
        quotaBytes: 10_000,
      });
    await put(a, 6_000);
    await expect(put(a, 5_000)).rejects.toThrow(
      /9\.8 KiB storage quota .*: 5\.9 KiB used by the files still kept, 3\.9 KiB remaining/,
    );
    await put(b, 6_000);
    await put(a, 4_000);
    // Used up: refused before anything is read.
    await expect(put(a, 1)).rejects.toThrow(/0 bytes remaining/);
    expect((await importStorage(h.database.app, a, 10_000)).usedBytes).toBe(10_000);
    const { rows } = await h.database.owner.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM sync_runs WHERE tenant_id = $1",
      [a],
    );
    expect(rows[0]!.n).toBe(2);
  });

  it("counts uploads that passed the first check at the same time: at most the quota is kept", async () => {
    const tenant = await h.newTenant();
    // Five uploads of 3000 bytes against 10000: each sees room at the start; three fit.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        submitImport({
          app: h.database.app,
          store: h.store,
          driver: { enqueue: async () => "not-run" },
          tenantId: tenant,
          fileName: "bill.csv",
          source: Readable.from([Buffer.alloc(3_000, "d")]),
          maxBytes: 10_000,
          quotaBytes: 10_000,
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    expect((await importStorage(h.database.app, tenant, 10_000)).usedBytes).toBe(9_000);
  });
});
