import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import type { QueueDriver } from "../contract";
import { createInlineDriver } from "../drivers/inline";
import { FileTooLargeError, localFileStore } from "../file-store";
import { submitImport } from "./intake";
import type { ImportSummary } from "./summary";

const header = [
  "identity/LineItemId",
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

/** One EC2 m5.large instance-hour per hour and account, plus a tax line per day. */
function curCsv(
  startHour: string,
  hours: number,
  accounts = ["111111111111"],
  instancesPerHour = 2,
): string {
  const lines = [header];
  const start = Date.parse(startHour);
  for (let h = 0; h < hours; h++) {
    const from = new Date(start + h * 3_600_000).toISOString().replace(".000", "");
    const to = new Date(start + (h + 1) * 3_600_000).toISOString().replace(".000", "");
    for (const account of accounts) {
      for (let i = 0; i < instancesPerHour; i++) {
        lines.push(
          `${randomUUID()},Usage,${from},${to},${account},AmazonEC2,USE1-BoxUsage:m5.large,1,0.096,USD,m5.large,us-east-1,Hrs`,
        );
      }
      if (h % 24 === 0)
        lines.push(`${randomUUID()},Tax,${from},${to},${account},AmazonEC2,,0,1.25,USD,,,`);
    }
  }
  return lines.join("\n") + "\n";
}

type Totals = {
  usageRows: number;
  quantity: number;
  emissionsRows: number;
  co2eKg: number;
  dailyCo2eKg: number;
};

describe("import-file", () => {
  let database: TestDatabase;
  let driver: QueueDriver;
  let tenantId: string;
  const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-import-"));
  const store = localFileStore(path.join(dir, "files"));

  beforeAll(async () => {
    database = await createTestDatabase();
    driver = createInlineDriver({
      fileStore: store,
      owner: database.owner,
      app: database.app,
      keyring: createKeyring(Buffer.alloc(32, 3).toString("base64")),
      log: () => undefined,
    });
    await driver.startWorkers();
  });
  afterAll(async () => {
    await driver?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newTenant(): Promise<string> {
    const id = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      id,
      `t-${id}`,
    ]);
    return id;
  }

  /** Imports `text` as an upload stream, or (`from: "path"`) as a file on this machine, as the CLI does. */
  async function importText(
    text: string | Buffer,
    fileName = "cur.csv",
    maxBytes = 1e9,
    from: "upload" | "path" = "upload",
  ) {
    const local = path.join(dir, `local-${randomUUID()}-${fileName}`);
    if (from === "path") writeFileSync(local, text);
    const { syncRunId } = await submitImport({
      app: database.app,
      store,
      driver,
      tenantId,
      fileName,
      source: from === "path" ? { path: local } : Readable.from([Buffer.from(text)]),
      maxBytes,
    });
    await driver.drain();
    const { rows } = await database.owner.pool.query<{
      status: string;
      details: ImportSummary;
      error: string | null;
      durationSeconds: number | null;
    }>(
      `SELECT status, details, error,
              extract(epoch FROM finished_at - started_at)::float8 AS "durationSeconds"
       FROM sync_runs WHERE id = $1`,
      [syncRunId],
    );
    return rows[0]!;
  }

  async function totals(): Promise<Totals> {
    const q = async (sql: string) => (await database.owner.pool.query(sql, [tenantId])).rows[0];
    const usage = await q(
      "SELECT count(*)::int AS n, coalesce(sum(quantity), 0) AS quantity FROM usage_hourly WHERE tenant_id = $1",
    );
    const emissions = await q(
      "SELECT count(*)::int AS n, coalesce(sum(co2e_location_kg), 0) AS kg FROM emissions_hourly WHERE tenant_id = $1",
    );
    const daily = await q(
      "SELECT coalesce(sum(co2e_location_kg), 0) AS kg FROM emissions_daily WHERE tenant_id = $1",
    );
    return {
      usageRows: usage.n,
      quantity: usage.quantity,
      emissionsRows: emissions.n,
      co2eKg: emissions.kg,
      dailyCo2eKg: daily.kg,
    };
  }

  it("imports a CUR file: usage by hour, estimates, rollups and a summary", async () => {
    tenantId = await newTenant();
    const run = await importText(curCsv("2026-01-01T00:00:00Z", 48));
    expect(run.status).toBe("succeeded");
    // Finished after it started: the duration the imports page shows is the real one, not the time
    // between two statements of one transaction.
    expect(run.durationSeconds).toBeGreaterThan(0);
    expect(run.durationSeconds).toBeGreaterThanOrEqual(run.details.timings?.seconds ?? 0);
    // The account the file introduced is in the audit log, attributed to the import.
    const audited = await database.owner.pool.query(
      "SELECT actor_label, action, target_type, details FROM audit_log WHERE tenant_id = $1",
      [tenantId],
    );
    expect(audited.rows).toEqual([
      {
        actor_label: "Canopy (cur data)",
        action: "account.create",
        target_type: "cloud_account",
        details: expect.objectContaining({ provider: "aws", syncRunId: expect.any(String) }),
      },
    ]);
    expect(run.details).toMatchObject({
      format: "cur",
      linesRead: 96 + 2,
      linesImported: 96,
      usageRowsWritten: 50,
      sourceKind: "cur",
      span: { start: "2026-01-01T00:00:00.000Z", end: "2026-01-03T00:00:00.000Z" },
      progress: { percent: 100 },
    });
    // Tax lines carry no energy but are kept with their cost, so the total ties out to the invoice.
    expect(run.details.skipped).toEqual({});
    expect(run.details.costOnly?.["tax"]).toMatchObject({
      lines: 2,
      costAmount: 2.5,
      first: [{ line: 4 }, { line: 53 }],
    });
    const t = await totals();
    // m5.large = 2 vCPUs; 2 instances × 48 hours; plus one cost-only tax row per day.
    expect(t).toMatchObject({ usageRows: 50, quantity: 2 * 2 * 48, emissionsRows: 50 });
    const cost = await database.owner.pool.query<{ usage: string; daily: string; tax: string }>(
      `SELECT (SELECT sum(cost_amount) FROM usage_hourly WHERE tenant_id = $1)::text AS usage,
              (SELECT sum(cost_amount) FROM emissions_daily WHERE tenant_id = $1)::text AS daily,
              (SELECT sum(cost_amount) FROM usage_hourly WHERE tenant_id = $1 AND kind = 'other' AND usage_type = 'tax')::text AS tax`,
      [tenantId],
    );
    expect(cost.rows[0]).toEqual({ usage: "11.71600000", daily: "11.71600000", tax: "2.50000000" });
    expect(run.details.costTotal).toBeCloseTo(11.716, 9);
    expect(t.co2eKg).toBeGreaterThan(0);
    expect(t.dailyCo2eKg).toBeCloseTo(t.co2eKg, 9);
  });

  it("gives identical totals when the same file is imported twice", async () => {
    tenantId = await newTenant();
    const file = curCsv("2026-02-01T00:00:00Z", 72, ["111111111111", "222222222222"]);
    await importText(file);
    const once = await totals();
    await importText(file);
    expect(await totals()).toEqual(once);
  });

  it("takes the union of two overlapping files (the later file wins where they overlap)", async () => {
    tenantId = await newTenant();
    // Jan 1–3 and Jan 2–5, same usage per hour: the union is Jan 1–5.
    await importText(curCsv("2026-03-01T00:00:00Z", 72));
    await importText(curCsv("2026-03-02T00:00:00Z", 96));
    const overlapped = await totals();
    tenantId = await newTenant();
    await importText(curCsv("2026-03-01T00:00:00Z", 120));
    const union = await totals();
    expect(overlapped.usageRows).toBe(120 + 5); // and one tax row per day
    expect(overlapped.quantity).toBe(union.quantity);
    expect(overlapped.co2eKg).toBeCloseTo(union.co2eKg, 9);
    expect(overlapped.dailyCo2eKg).toBeCloseTo(union.dailyCo2eKg, 9);
  });

  it("changes totals as the method says on re-estimation, without duplicating rows", async () => {
    tenantId = await newTenant();
    await importText(curCsv("2026-04-01T00:00:00Z", 48));
    const canopy = await totals();
    await driver.enqueue("reestimate-tenant", { tenantId, profile: "ccf" });
    await driver.drain();
    const ccf = await totals();
    expect(ccf.emissionsRows).toBe(canopy.emissionsRows);
    expect(ccf.usageRows).toBe(canopy.usageRows);
    expect(ccf.co2eKg).not.toBeCloseTo(canopy.co2eKg, 6);
    expect(ccf.dailyCo2eKg).toBeCloseTo(ccf.co2eKg, 9);
    const versions = await database.owner.pool.query(
      "SELECT DISTINCT methodology_version AS v FROM emissions_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    expect(versions.rows.map((r) => r.v)).toEqual([expect.stringMatching(/^ccf-/)]);
  });

  describe("bad input: a clear reason, and no data left behind", () => {
    const cases: [string, () => Buffer | string, string, RegExp][] = [
      ["a 0-byte file", () => "", "empty.csv", /^empty\.csv is empty \(0 bytes\)$/],
      [
        "a truncated gzip",
        () => gzipSync(Buffer.from(curCsv("2026-05-01T00:00:00Z", 200))).subarray(0, 3000),
        "cur.csv.gz",
        /^cannot decompress cur\.csv\.gz: unexpected end of file \(the gzip file is truncated or corrupt\)$/,
      ],
      [
        "a CSV with a wrong header",
        () => "date,amount,thing\n2026-01-01,1,x\n",
        "wrong.csv",
        /unrecognized billing file header.*cur: missing/,
      ],
      [
        "a file in an unknown format",
        () => Buffer.from([0x00, 0x01, 0x02, 0x03, 0xff, 0xfe, 0x10, 0x11]),
        "blob.bin",
        /^blob\.bin is not a billing file Canopy reads: expected CSV, gzipped CSV, JSONL or Parquet/,
      ],
      [
        "a file whose every line has an unparseable date",
        () =>
          `${header}\nid,Usage,yesterday,tomorrow,111111111111,AmazonEC2,USE1-BoxUsage:m5.large,1,0.1,USD,m5.large,us-east-1,Hrs\n`,
        "dates.csv",
        /No line could be imported.*line 2/,
      ],
    ];
    cases.push([
      "a file with a line whose account id cannot be read",
      () =>
        curCsv("2026-05-01T00:00:00Z", 3) +
        "id,Usage,2026-05-01T03:00:00Z,2026-05-01T04:00:00Z,acct-1,AmazonEC2,USE1-BoxUsage:m5.large,1,0.1,USD,m5.large,us-east-1,Hrs\n",
      "accounts.csv",
      /^Line 9: AWS account id "acct-1" is not a 12-digit account id \(digits only\)\. Every line must name its account: nothing was imported\.$/,
    ]);
    for (const [name, content, fileName, message] of cases) {
      it(`refuses ${name}`, async () => {
        tenantId = await newTenant();
        const run = await importText(content(), fileName);
        expect(run.status).toBe("failed");
        expect(run.error).toMatch(message);
        expect(run.details.error).toBe(run.error);
        expect(await totals()).toEqual({
          usageRows: 0,
          quantity: 0,
          emissionsRows: 0,
          co2eKg: 0,
          dailyCo2eKg: 0,
        });
      });
    }

    it("reports lines with unparseable dates or amounts by line number and imports the rest", async () => {
      tenantId = await newTenant();
      const good = curCsv("2026-06-01T00:00:00Z", 2).trimEnd().split("\n");
      const lines = [
        ...good,
        "x,Usage,not-a-date,2026-06-01T01:00:00Z,111111111111,AmazonEC2,USE1-BoxUsage:m5.large,1,0.1,USD,m5.large,us-east-1,Hrs",
        "y,Usage,2026-06-01T00:00:00Z,2026-06-01T01:00:00Z,111111111111,AmazonEC2,USE1-BoxUsage:m5.large,lots,0.1,USD,m5.large,us-east-1,Hrs",
      ];
      const run = await importText(lines.join("\n") + "\n");
      expect(run.status).toBe("succeeded");
      expect(run.details.skipped["error"]?.lines).toBe(2);
      expect(run.details.skipped["error"]?.first.map((f) => f.line)).toEqual([
        good.length + 1,
        good.length + 2,
      ]);
      expect(run.details.skipped["error"]?.first[0]?.detail).toMatch(/date|time/i);
      expect(run.details.skipped["error"]?.first[1]?.detail).toMatch(/amount|number|usage/i);
      expect((await totals()).usageRows).toBe(2 + 1); // the usage hour and the day's tax line
    });

    it("refuses a file over the size limit before anything is stored", async () => {
      tenantId = await newTenant();
      await expect(importText(curCsv("2026-07-01T00:00:00Z", 10), "big.csv", 500)).rejects.toThrow(
        FileTooLargeError,
      );
      await expect(importText(curCsv("2026-07-01T00:00:00Z", 10), "big.csv", 500)).rejects.toThrow(
        /larger than the import limit of 500 bytes \(CANOPY_IMPORT_MAX_BYTES\)/,
      );
      const runs = await database.owner.pool.query(
        "SELECT count(*)::int AS n FROM sync_runs WHERE tenant_id = $1",
        [tenantId],
      );
      expect(runs.rows[0].n).toBe(0);
    });

    it("refuses a file on this machine over the size limit without copying it", async () => {
      tenantId = await newTenant();
      await expect(
        importText(curCsv("2026-07-01T00:00:00Z", 10), "big.csv", 500, "path"),
      ).rejects.toThrow(/larger than the import limit of 500 bytes/);
    });
  });

  it("imports a file on this machine (the CLI) exactly as the same file uploaded", async () => {
    const csv = curCsv("2026-09-01T00:00:00Z", 30, ["111111111111", "222222222222"]);
    tenantId = await newTenant();
    const uploaded = await importText(csv, "cur.csv");
    const uploadedTotals = await totals();
    tenantId = await newTenant();
    const copied = await importText(csv, "cur.csv", 1e9, "path");
    expect(copied.status).toBe("succeeded");
    expect(copied.details.linesImported).toBe(uploaded.details.linesImported);
    expect(await totals()).toEqual(uploadedTotals);
    expect(uploadedTotals.usageRows).toBe(60 + 4); // 30 hours × 2 accounts, and their daily tax lines
  });

  it("rejects an import job whose payload claims another tenant", async () => {
    tenantId = await newTenant();
    const run = await importText(curCsv("2026-08-01T00:00:00Z", 2));
    const own = await database.owner.pool.query("SELECT id FROM sync_runs WHERE tenant_id = $1", [
      tenantId,
    ]);
    const other = await newTenant();
    const failures: string[] = [];
    const guarded = createInlineDriver(
      {
        fileStore: store,
        owner: database.owner,
        app: database.app,
        keyring: createKeyring(Buffer.alloc(32, 3).toString("base64")),
        log: () => undefined,
      },
      { onFailed: (_job, _ms, error) => failures.push(error.message) },
    );
    await guarded.startWorkers();
    await guarded.enqueue("import-file", { tenantId: other, syncRunId: own.rows[0].id });
    await guarded.drain();
    await guarded.close();
    expect(run.status).toBe("succeeded");
    expect(failures).toEqual([`Import ${own.rows[0].id} does not exist in organization ${other}`]);
    const leaked = await database.owner.pool.query(
      "SELECT count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1",
      [other],
    );
    expect(leaked.rows[0].n).toBe(0);
  });

  it("reads the real AWS sample export", async () => {
    tenantId = await newTenant();
    const sample = readFileSync(
      path.resolve(
        __dirname,
        "../../../connectors/test/samples/aws/sample-anonymous-aws-export-dataset.csv",
      ),
    );
    writeFileSync(path.join(dir, "copy.csv"), sample);
    const run = await importText(sample, "sample.csv");
    expect(run.status).toBe("succeeded");
    // 1,281 data lines: 12 tax lines, 31 internet-egress lines (DataTransfer-Out-Bytes) and 28 lines
    // in an unrecognized unit (Obj-Month) kept as cost-only lines, the rest usage (checked with the
    // connectors' sample test).
    expect(run.details).toMatchObject({ linesRead: 1281, linesImported: 1281 - 12 - 31 - 28 });
    expect(run.details.costOnly?.["tax"]?.lines).toBe(12);
    expect(run.details.costOnly?.["internet-egress"]?.lines).toBe(31);
    expect(run.details.costOnly?.["unit-not-recognized"]?.lines).toBe(28);
  });
});
