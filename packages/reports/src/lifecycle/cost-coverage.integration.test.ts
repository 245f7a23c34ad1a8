import { randomUUID } from "node:crypto";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshRollups, withTenantClient } from "@canopy/db";
import { lineCoverage, spendKgCo2ePerCurrencyUnit } from "@canopy/methodology";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { parsePeriod } from "../period";
import { parseCsv } from "../testing/pdf-tools";
import type { ReportActor } from "./permissions";
import { downloadReport, generateReport, getReport } from "./service";

/**
 * Cost coverage on a real database: March 2026 holds usage with cost, a tax line, credits, a fee and
 * data-transfer ingress, stored as the ledger stores them (usage_hourly kind "other", usage_type =
 * reason) and as the estimate stores them in emissions_hourly (zero energy; the fee, tax and credits
 * out of scope, the ingress estimated from spend; @canopy/methodology completeness.ts).
 */
const analyst: ReportActor = { userId: null, role: "analyst" };
const march = parsePeriod("2026-03");
const HOUR = "2026-03-10T00:00:00Z";

type Line = {
  account: number;
  service: string;
  kind: string;
  usageType: string;
  cost: number;
  kwh: number;
};
const lines: Line[] = [
  {
    account: 0,
    service: "AmazonEC2",
    kind: "compute",
    usageType: "BoxUsage:m5.large",
    cost: 100,
    kwh: 10,
  },
  { account: 0, service: "AmazonEC2", kind: "other", usageType: "tax", cost: 19, kwh: 0 },
  { account: 0, service: "AmazonEC2", kind: "other", usageType: "credit", cost: -10, kwh: 0 },
  { account: 1, service: "AWSSupport", kind: "other", usageType: "fee", cost: 5, kwh: 0 },
  {
    account: 1,
    service: "AmazonS3",
    kind: "storage",
    usageType: "TimedStorage-ByteHrs",
    cost: 20,
    kwh: 2,
  },
  // Data-transfer ingress: real usage with no energy model, also not modelled.
  {
    account: 1,
    service: "AmazonS3",
    kind: "other",
    usageType: "DataTransfer-In-Bytes",
    cost: 3,
    kwh: 0,
  },
];

describe("report cost coverage", () => {
  let database: TestDatabase;
  const tenantId = randomUUID();
  const accounts = [randomUUID(), randomUUID()];
  const importId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase();
    const owner = database.owner.pool;
    await owner.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'Ledger Org', 'ledger')", [
      tenantId,
    ]);
    for (const [i, id] of accounts.entries())
      await owner.query(
        `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, parent_account_id)
         VALUES ($1, $2, 'aws', $3, $4, '999999999999')`,
        [id, tenantId, `aws ${i}`, `11111111111${i}`],
      );
    await owner.query("SELECT ensure_emissions_partitions('2025-01-01', 24)");
    await owner.query(
      `INSERT INTO sync_runs (id, tenant_id, kind, status, details) VALUES ($1, $2, 'import', 'succeeded', '{"fileName": "march-cur.csv"}')`,
      [importId, tenantId],
    );
    await withTenantClient(database.app, tenantId, async (client) => {
      for (const [i, line] of lines.entries()) {
        const accountId = accounts[line.account]!;
        await client.query(
          `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, unit,
             usage_type, quantity, cost_amount, currency, shape_key, source_kind, sync_run_id)
           VALUES ($1, $2, $3, $4, 'aws', $5, 'us-east-1', $6, $7, $8, $9, $10, 'USD', $4, 'cur2', $11)`,
          [
            tenantId,
            accountId,
            HOUR,
            `d${i}`,
            line.service,
            line.kind,
            line.kind === "other" ? "none" : "hours",
            line.usageType,
            line.kind === "other" ? 0 : 1,
            line.cost,
            importId,
          ],
        );
        const coverage = lineCoverage(line);
        const spendKg = (spendKgCo2ePerCurrencyUnit(line, "USD") ?? 0) * line.cost;
        await client.query(
          `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, pue,
             grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
             co2e_spend_based_kg, co2e_low_kg, co2e_high_kg, cost_amount, cost_spend_based_amount,
             cost_out_of_scope_amount, currency, methodology_version)
           VALUES ($1, $2, $3, $4, 'aws', $5, 'us-east-1', $6, 1.2, 400, $7::float8, $7::float8 * 1.2, $7::float8 * 0.48,
             $7::float8 * 0.2, $7::float8 * 0.05, 0, $9, $7::float8 * 0.53 + $9, $7::float8 * 0.53 + $9, $8, $10, $11,
             'USD', 'canopy-1.0.0+pack.2025.1')`,
          [
            tenantId,
            accountId,
            HOUR,
            `d${i}`,
            line.service,
            line.kind,
            line.kwh,
            line.cost,
            spendKg,
            coverage === "spend-based" ? line.cost : 0,
            coverage === "out-of-scope" ? line.cost : 0,
          ],
        );
      }
      for (const accountId of accounts)
        await refreshRollups(
          client,
          tenantId,
          accountId,
          new Date("2026-03-01T00:00:00Z"),
          new Date("2026-04-01T00:00:00Z"),
        );
    });
  });
  afterAll(async () => database?.drop());

  it("covered + out of scope + not modelled = total cost; tax and credits shown separately; in CSV, XLSX and PDF", async () => {
    const { report } = await generateReport(database.app, tenantId, { period: march }, analyst);
    const { model } = await getReport(database.app, tenantId, report.id, analyst);
    const cost = model.content.costCoverage!;
    const usd = (list: { currency: string; amount: number }[] = []) =>
      list.find((s) => s.currency === "USD")?.amount;

    // Invoice total of the seeded lines, straight from the ledger.
    const invoice = lines.reduce((n, l) => n + l.cost, 0);
    expect(usd(cost.total)).toBeCloseTo(invoice, 6);
    // Usage with an energy model (120) and the ingress estimated from spend (3).
    expect(usd(cost.covered)).toBeCloseTo(123, 6);
    expect(usd(cost.spendBased)).toBeCloseTo(3, 6);
    expect(usd(cost.outOfScope)).toBeCloseTo(19 - 10 + 5, 6);
    expect(usd(cost.notModelled) ?? 0).toBeCloseTo(0, 6);
    expect(usd(cost.covered)! + usd(cost.outOfScope)!).toBeCloseTo(usd(cost.total)!, 6);
    expect(usd(cost.tax)).toBeCloseTo(19, 6);
    expect(usd(cost.credits)).toBeCloseTo(-10, 6);
    expect(cost.notModelledByType.map((l) => l.usageType).sort()).toEqual([
      "DataTransfer-In-Bytes",
      "credit",
      "fee",
      "tax",
    ]);

    // Lineage names the file every usage row of the period came from.
    expect(model.content.lineage.usageSources).toEqual([
      {
        syncRunId: importId,
        runKind: "import",
        sourceKind: "cur2",
        label: "march-cur.csv",
        createdAt: expect.any(String),
        rows: lines.length,
        costAmount: expect.closeTo(invoice, 6),
      },
    ]);

    const byKey = new Map(cost.byService.map((r) => [r.key, r]));
    expect(usd(byKey.get("aws:AmazonEC2")!.covered)).toBeCloseTo(100, 6);
    expect(usd(byKey.get("aws:AmazonEC2")!.outOfScope)).toBeCloseTo(9, 6);
    expect(usd(byKey.get("aws:AWSSupport")!.covered) ?? 0).toBe(0);
    expect(usd(byKey.get("aws:AWSSupport")!.outOfScope)).toBeCloseTo(5, 6);
    expect(usd(byKey.get("aws:AmazonS3")!.total)).toBeCloseTo(23, 6);
    expect(usd(byKey.get("aws:AmazonS3")!.covered)).toBeCloseTo(23, 6);
    for (const row of cost.byService)
      expect(
        (usd(row.covered) ?? 0) + (usd(row.outOfScope) ?? 0) + (usd(row.notModelled) ?? 0),
      ).toBeCloseTo(usd(row.total)!, 6);

    // Spend and its intensity are the cost covered by the estimate.
    expect(usd(model.content.spend)).toBeCloseTo(123, 6);
    const s3 = model.content.customerView.scope3Category1LocationKg;
    expect(model.content.totals.co2eSpendBasedKg).toBeGreaterThan(0);
    expect(s3).toBeCloseTo(
      model.content.totals.co2eLocationKg +
        model.content.totals.co2eEmbodiedKg +
        model.content.totals.co2eSpendBasedKg,
      6,
    );
    expect(model.content.intensity.spend[0]!.co2eLocationKgPer1000).toBeCloseTo(
      (s3 / 123) * 1000,
      6,
    );
    // Data quality: the ledger's cost-only lines by reason, tax and credits outside the share.
    const reasons = new Map(model.content.dataQuality.coverage.lines.map((l) => [l.reason, l]));
    expect(reasons.get("tax")).toMatchObject({ category: "out-of-scope", spendAmount: 19 });
    expect(reasons.get("credit")).toMatchObject({ category: "out-of-scope", spendAmount: -10 });
    expect(model.content.dataQuality.coverage.spendEstimated).toBeCloseTo(123, 6);

    // CSV: the section as cost_coverage and cost_line rows.
    const csv = (
      await downloadReport(database.app, tenantId, report.id, "csv", analyst)
    ).body.toString("utf8");
    const [header, ...rows] = parseCsv(csv);
    const col = (name: string) => header!.indexOf(name);
    const find = (dimension: string, key: string) =>
      rows.find((r) => r[col("dimension")] === dimension && r[col("key")] === key)!;
    const total = find("total", "total");
    expect(Number(total[col("spend_amount")])).toBeCloseTo(123, 6);
    expect(Number(total[col("cost_out_of_scope_amount")])).toBeCloseTo(14, 6);
    expect(Number(total[col("cost_not_modelled_amount")])).toBeCloseTo(0, 6);
    expect(Number(total[col("cost_total_amount")])).toBeCloseTo(invoice, 6);
    const ec2 = find("cost_coverage", "aws:AmazonEC2");
    expect(Number(ec2[col("spend_amount")])).toBeCloseTo(100, 6);
    expect(Number(ec2[col("cost_out_of_scope_amount")])).toBeCloseTo(9, 6);
    expect(Number(ec2[col("cost_total_amount")])).toBeCloseTo(109, 6);
    expect(Number(find("cost_line", "tax")[col("cost_out_of_scope_amount")])).toBeCloseTo(19, 6);
    expect(Number(find("cost_line", "credits")[col("cost_out_of_scope_amount")])).toBeCloseTo(
      -10,
      6,
    );

    // XLSX: the Cost coverage sheet with the by-service table, tax and credits.
    const workbook = new ExcelJS.Workbook();
    const xlsx = await downloadReport(database.app, tenantId, report.id, "xlsx", analyst);
    await workbook.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("Cost coverage")!;
    expect(sheet).toBeDefined();
    const values: unknown[][] = [];
    sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
    expect(values).toContainEqual(["AmazonEC2 (AWS)", "USD", 100, 9, 0, 109]);
    expect(values).toContainEqual(["All services", "USD", 123, 14, 0, invoice]);
    expect(values).toContainEqual(["Tax", "USD", 19]);
    expect(values).toContainEqual(["Credits, refunds and discounts", "USD", -10]);

    const pdf = await downloadReport(database.app, tenantId, report.id, "pdf", analyst);
    expect(pdf.body.subarray(0, 5).toString()).toBe("%PDF-");
  });
});
