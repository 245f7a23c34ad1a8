import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImportHarness, TEST_CUR_HEADER, testCurLine } from "./testing";

let harness: Awaited<ReturnType<typeof createImportHarness>>;

beforeAll(async () => {
  harness = await createImportHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

async function partitionNames(): Promise<string[]> {
  const { rows } = await harness.database.owner.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'emissions_hourly'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

describe("implausible dates", () => {
  it("a CUR with one line dated 1900 and one dated 2999 imports the rest and reports both lines; no partition outside the window", async () => {
    const before = await partitionNames();
    const tenantId = await harness.newTenant();
    const lines = [
      TEST_CUR_HEADER,
      testCurLine("2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z"), // line 2
      testCurLine("1900-01-01T00:00:00Z", "1900-01-01T01:00:00Z"), // line 3
      testCurLine("2026-03-01T01:00:00Z", "2026-03-01T02:00:00Z"), // line 4
      testCurLine("2999-12-31T00:00:00Z", "2999-12-31T01:00:00Z"), // line 5
      // a tax line (cost-only) dated 1900 is an error too, not a cost-only record without a date
      `${randomUUID()},,Tax,1900-01-01T00:00:00Z,1900-01-02T00:00:00Z,111111111111,AmazonEC2,,0,1.25,USD,,,`, // line 6
    ];
    const run = await harness.importText(tenantId, lines.join("\n") + "\n");
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.details.linesImported).toBe(2);
    const errors = run.details.skipped["error"]!;
    expect(errors.lines).toBe(3);
    expect(errors.first.map((f) => f.line)).toEqual([3, 5, 6]);
    expect(errors.first[0]!.detail).toMatch(
      /lineItem\/UsageStartDate 1900-01-01T00:00:00.000Z is outside the plausible usage window 2006-01-01/,
    );
    expect(errors.first[1]!.detail).toMatch(/2999-12-31/);
    const totals = await harness.totals(tenantId);
    expect(totals.quantity).toBeCloseTo(4, 6); // 2 instance-hours of m5.large = 4 vCPU-hours
    expect(totals.cost).toBeCloseTo(0.192, 6);
    const created = (await partitionNames()).filter((name) => !before.includes(name));
    expect(
      created.filter((name) => name < "emissions_hourly_2006" || name > "emissions_hourly_2032"),
    ).toEqual([]);
    expect(created.length).toBeLessThanOrEqual(2);
  });

  it("the app role may not create partitions; the owner only within the limits", async () => {
    const app = await harness.database.app.pool.connect();
    try {
      await expect(
        app.query("SELECT ensure_emissions_partitions('2026-01-01', 600)"),
      ).rejects.toThrow(/permission denied/);
      await expect(
        app.query("SELECT ensure_emissions_partitions('2026-01-01', 1)"),
      ).rejects.toThrow(/permission denied/);
    } finally {
      app.release();
    }
    const owner = harness.database.owner.pool;
    await expect(
      owner.query("SELECT ensure_emissions_partitions('2026-01-01', 600)"),
    ).rejects.toThrow(/months must be between 1 and 60/);
    await expect(
      owner.query("SELECT ensure_emissions_partitions('1900-01-01', 12)"),
    ).rejects.toThrow(/must lie between/);
    await expect(
      owner.query("SELECT ensure_emissions_partitions('2999-01-01', 1)"),
    ).rejects.toThrow(/must lie between/);
    const ok = await owner.query<{ created: number }>(
      "SELECT ensure_emissions_partitions('2026-01-01', 3) AS created",
    );
    expect(ok.rows[0]!.created).toBeGreaterThanOrEqual(0);
  });
});

describe("lines repeated inside one file", () => {
  it("a CUR line repeated in the file counts once, with a warning naming both lines", async () => {
    const tenantId = await harness.newTenant();
    const a = testCurLine("2026-04-01T00:00:00Z", "2026-04-01T01:00:00Z");
    const b = testCurLine("2026-04-01T01:00:00Z", "2026-04-01T02:00:00Z");
    const onceTenant = await harness.newTenant();
    await harness.importText(onceTenant, [TEST_CUR_HEADER, a, b].join("\n") + "\n"); // the file without the repeat
    const run = await harness.importText(tenantId, [TEST_CUR_HEADER, a, b, a].join("\n") + "\n"); // line 4 repeats line 2
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.details.duplicateLines).toBe(1);
    expect(run.details.warnings?.first).toEqual([
      {
        line: 4,
        detail:
          "line 4 repeats line 2 (same identity/LineItemId and identity/TimeInterval); counted once",
      },
    ]);
    const totals = await harness.totals(tenantId);
    const expected = await harness.totals(onceTenant);
    expect(totals.quantity).toBeCloseTo(expected.quantity, 9);
    expect(totals.cost).toBeCloseTo(expected.cost, 9);
    expect(totals.cost).toBeCloseTo(0.192, 9);
  });

  it("a repeated line in a format without line ids (FOCUS) is found by its bytes", async () => {
    const focusHeader =
      "BillingAccountId,SubAccountId,ProviderName,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,BillingCurrency,SkuId,ChargeDescription";
    const line = (hour: number) =>
      `123456789012,111111111111,AWS,Usage,2026-04-02T0${hour}:00:00Z,2026-04-02T0${hour + 1}:00:00Z,Amazon Simple Storage Service,us-east-1,100,GB-Mo,2.3,USD,sku1,Storage`;
    const tenantId = await harness.newTenant();
    const run = await harness.importText(
      tenantId,
      [focusHeader, line(1), line(2), line(1)].join("\r\n"),
      { fileName: "focus.csv" },
    ); // last line repeats line 2, no final newline
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.details.duplicateLines).toBe(1);
    expect(run.details.warnings?.first[0]).toEqual({
      line: 4,
      detail: "line 4 repeats line 2 (identical bytes); counted once",
    });
    const totals = await harness.totals(tenantId);
    expect(totals.cost).toBeCloseTo(4.6, 9);
  });
});
