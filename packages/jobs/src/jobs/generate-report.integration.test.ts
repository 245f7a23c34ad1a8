import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@canopy/config";
import { createKeyring, seedDemoOrganization, withTenantClient, type Connection } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import {
  downloadReport,
  EmailDeliveryError,
  finalizeReport,
  formatNumber,
  generateReport,
  getReport,
  listReports,
  parsePeriod,
  ReportPermissionError,
  type EmailMessage,
  type ReportActor,
} from "@canopy/reports";
import { parseCsv, pdfText, popplerAvailable, rasterizePages } from "@canopy/reports/testing";
import type { JobEvents, QueueDriver } from "../contract";
import { createInlineDriver } from "../drivers/inline";
import { createRegistry, jobs } from "../registry";
import { generateReportJob } from "./generate-report";

/**
 * The finance report on the seeded and estimated demo organization, through the real pipeline:
 * formats agree with SQL, pages are not blank, and a locked version survives a re-estimation.
 */
const finance: ReportActor = { userId: null, role: "finance", label: "finance@example.com" };
const viewer: ReportActor = { userId: null, role: "viewer" };
const february = parsePeriod("2026-02");
const hasPoppler = await popplerAvailable();
if (!hasPoppler && parseEnv().CI)
  throw new Error("CI requires poppler-utils (pdftotext, pdftoppm)");

type HourlySums = {
  co2eLocationKg: number;
  co2eMarketKg: number;
  co2eEmbodiedKg: number;
  kwhFacility: number;
  waterL: number;
  rows: number;
};

async function hourlySums(owner: Connection, tenantId: string): Promise<HourlySums> {
  const { rows } = await owner.pool.query<HourlySums>(
    `SELECT sum(co2e_location_kg) AS "co2eLocationKg", sum(co2e_market_kg) AS "co2eMarketKg", sum(co2e_embodied_kg) AS "co2eEmbodiedKg",
            sum(kwh_facility) AS "kwhFacility", sum(water_l) AS "waterL", count(*)::int AS rows
     FROM emissions_hourly WHERE tenant_id = $1 AND hour >= '2026-02-01T00:00:00Z' AND hour < '2026-03-01T00:00:00Z'`,
    [tenantId],
  );
  return rows[0]!;
}

describe("generate-report on the estimated demo organization", () => {
  let database: TestDatabase;
  let tenantId: string;
  let driver: QueueDriver;
  const failures: string[] = [];
  const emails: EmailMessage[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ tenantId } = await seedDemoOrganization(database.owner, new Date("2026-03-10T12:00:00Z")));
    const events: JobEvents = {
      onFailed: (job, _ms, error) => failures.push(`${job}: ${error.message}`),
    };
    driver = createInlineDriver(
      {
        owner: database.owner,
        app: database.app,
        keyring: createKeyring(Buffer.alloc(32, 1).toString("base64")),
        log: (l) => logLines.push(l),
        reportDelivery: {
          transport: { kind: "capture", send: async (message) => void emails.push(message) },
          from: "Canopy <reports@example.com>",
          publicUrl: "https://canopy.example.com",
        },
      },
      events,
    );
    await driver.startWorkers();
    await driver.enqueue("reestimate-tenant", { tenantId });
    await driver.drain();
    expect(failures).toEqual([]);
  }, 300_000);
  afterAll(async () => {
    await driver?.close();
    await database?.drop();
  });

  it("generates last month's report on the configured day and emails a download link", async () => {
    await driver.enqueue("schedule-reports", { dayOfMonth: 5, now: "2026-03-04T08:00:00Z" });
    await driver.drain();
    expect(await listReports(database.app, tenantId, viewer)).toEqual([]);

    await driver.enqueue("schedule-reports", { dayOfMonth: 5, now: "2026-03-05T08:00:00Z" });
    await driver.drain();
    expect(failures).toEqual([]);
    const reports = await listReports(database.app, tenantId, viewer);
    expect(reports.map((r) => [r.period.label, r.version, r.status])).toEqual([
      ["February 2026", 1, "draft"],
    ]);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.to).toEqual(["demo@canopy.local"]);
    expect(emails[0]!.text).toContain(
      `https://canopy.example.com/reports/${reports[0]!.id}/download?format=pdf`,
    );

    // The next day's run finds the report and sends nothing more.
    await driver.enqueue("schedule-reports", { dayOfMonth: 5, now: "2026-03-06T08:00:00Z" });
    await driver.drain();
    expect(emails).toHaveLength(1);
  });

  it("carries the same totals in CSV, XLSX and PDF, equal to a direct SQL sum over emissions_hourly", async () => {
    const { report } = await generateReport(
      database.app,
      tenantId,
      {
        period: february,
        tagKeys: ["team", "cost-centre"],
        functionalUnits: [{ name: "orders", count: 1_250_000 }],
      },
      finance,
    );
    const { model } = await getReport(database.app, tenantId, report.id, viewer);
    const sql = await hourlySums(database.owner, tenantId);
    expect(sql.rows).toBeGreaterThan(5_000);
    for (const key of [
      "co2eLocationKg",
      "co2eMarketKg",
      "co2eEmbodiedKg",
      "kwhFacility",
      "waterL",
    ] as const) {
      expect(model.content.totals[key], key).toBeCloseTo(sql[key], 5);
    }
    expect(model.content.lineage.inputRowCounts.emissionsHourly).toBe(sql.rows);
    expect(model.content.lineage.hourlyCheck.agrees).toBe(true);

    // CSV: the total row.
    const csv = (
      await downloadReport(database.app, tenantId, report.id, "csv", viewer)
    ).body.toString("utf8");
    const [header, ...lines] = parseCsv(csv);
    const dimension = header!.indexOf("dimension");
    const total = Object.fromEntries(
      header!.map((name, i) => [name, lines.find((l) => l[dimension] === "total")![i]!]),
    );
    expect(Number(total.co2e_location_kg)).toBeCloseTo(sql.co2eLocationKg, 5);
    expect(Number(total.co2e_market_kg)).toBeCloseTo(sql.co2eMarketKg, 5);
    expect(Number(total.co2e_embodied_kg)).toBeCloseTo(sql.co2eEmbodiedKg, 5);
    expect(Number(total.kwh_facility)).toBeCloseTo(sql.kwhFacility, 5);
    expect(Number(total.water_l)).toBeCloseTo(sql.waterL, 5);
    expect(Number(total.scope3_cat1_location_kg)).toBeCloseTo(
      sql.co2eLocationKg + sql.co2eEmbodiedKg,
      5,
    );

    // XLSX read back with exceljs: the Data sheet's total row and the Summary's figures, as numbers.
    const xlsx = await downloadReport(database.app, tenantId, report.id, "xlsx", viewer);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const data = workbook.getWorksheet("Data")!;
    const columns = (data.getRow(1).values as unknown[]).map(String);
    let totalRow: ExcelJS.Row | undefined;
    data.eachRow((row) => {
      if (row.getCell(columns.indexOf("dimension")).value === "total") totalRow = row;
    });
    const cell = (name: string) => totalRow!.getCell(columns.indexOf(name)).value;
    expect(typeof cell("co2e_location_kg")).toBe("number");
    expect(cell("co2e_location_kg") as number).toBeCloseTo(sql.co2eLocationKg, 5);
    expect(cell("co2e_market_kg") as number).toBeCloseTo(sql.co2eMarketKg, 5);
    expect(cell("co2e_embodied_kg") as number).toBeCloseTo(sql.co2eEmbodiedKg, 5);
    expect(cell("kwh_facility") as number).toBeCloseTo(sql.kwhFacility, 5);
    expect(cell("water_l") as number).toBeCloseTo(sql.waterL, 5);
    const summary = workbook.getWorksheet("Summary")!;
    const summaryValue = (label: string) => {
      let value: unknown;
      summary.eachRow((row) => {
        if (row.getCell(1).value === label) value = row.getCell(2).value;
      });
      return value as number;
    };
    expect(
      summaryValue("Electricity, Scope 2 location-based (lifecycle grid factors)"),
    ).toBeCloseTo(sql.co2eLocationKg, 5);
    expect(summaryValue("Location-based (lifecycle grid factors)")).toBeCloseTo(
      sql.co2eLocationKg + sql.co2eEmbodiedKg,
      5,
    );

    // PDF, text extracted: every total as printed (kg, one decimal).
    if (!hasPoppler) return;
    const pdf = await downloadReport(database.app, tenantId, report.id, "pdf", viewer);
    const text = await pdfText(pdf.body);
    for (const value of [
      sql.co2eLocationKg,
      sql.co2eMarketKg,
      sql.co2eEmbodiedKg,
      sql.kwhFacility,
      sql.waterL,
      sql.co2eLocationKg + sql.co2eEmbodiedKg,
    ]) {
      expect(text).toContain(formatNumber(value, 1));
    }
    expect(text).toContain("Demo Corp");
    expect(text).toContain(report.id);
    expect(text).toMatch(/Page 1 of \d+/);
  });

  it.skipIf(!hasPoppler)("renders PDF pages that are not blank", async () => {
    const [report] = await listReports(database.app, tenantId, viewer, { period: february });
    const pdf = await downloadReport(database.app, tenantId, report!.id, "pdf", viewer);
    const pngDir = path.join(tmpdir(), "canopy-report-pages");
    mkdirSync(pngDir, { recursive: true });
    const pages = await rasterizePages(pdf.body, { pngDir });
    expect(pages.length).toBeGreaterThanOrEqual(6);
    for (const page of pages) {
      expect(page.inkShare, `page ${page.page}`).toBeGreaterThan(0.01);
      expect(page.distinctLevels, `page ${page.page}`).toBeGreaterThan(8);
    }
  });

  it("keeps a locked version unchanged through a re-estimation and shows the diff in a new draft", async () => {
    const [draft] = await listReports(database.app, tenantId, viewer, { period: february });
    await expect(finalizeReport(database.app, tenantId, draft!.id, viewer)).rejects.toThrow(
      ReportPermissionError,
    );
    const locked = await finalizeReport(database.app, tenantId, draft!.id, finance);
    expect(locked.status).toBe("final");
    const before = await getReport(database.app, tenantId, locked.id, viewer);
    const pdfBefore = await downloadReport(database.app, tenantId, locked.id, "pdf", viewer);
    const sqlBefore = await hourlySums(database.owner, tenantId);

    // Change the methodology: re-estimate history with the ccf profile (other coefficients and grid data).
    await driver.enqueue("reestimate-tenant", { tenantId, profile: "ccf" });
    await driver.drain();
    expect(failures).toEqual([]);
    const sqlAfter = await hourlySums(database.owner, tenantId);
    expect(Math.abs(sqlAfter.co2eLocationKg - sqlBefore.co2eLocationKg)).toBeGreaterThan(1);

    // The daily schedule notices the locked series changed and generates a new draft version.
    await driver.enqueue("schedule-reports", { dayOfMonth: 5, now: "2026-03-11T08:00:00Z" });
    await driver.drain();
    expect(failures).toEqual([]);

    const after = await getReport(database.app, tenantId, locked.id, viewer);
    expect(after.model).toEqual(before.model);
    expect(after.report.contentSha256).toBe(before.report.contentSha256);
    expect(
      (await downloadReport(database.app, tenantId, locked.id, "pdf", viewer)).body.equals(
        pdfBefore.body,
      ),
    ).toBe(true);

    const versions = await listReports(database.app, tenantId, viewer, { period: february });
    expect(versions.map((r) => [r.version, r.status])).toEqual([
      [2, "draft"],
      [1, "final"],
    ]);
    const { model: next } = await getReport(database.app, tenantId, versions[0]!.id, viewer);
    expect(next.content.totals.co2eLocationKg).toBeCloseTo(sqlAfter.co2eLocationKg, 5);
    expect(next.diff?.against).toMatchObject({
      reportId: locked.id,
      version: 1,
      contentSha256: before.report.contentSha256,
    });
    expect(next.diff?.changed).toBe(true);
    expect(next.diff?.methodologyVersions.current.every((v) => v.startsWith("ccf-"))).toBe(true);
    const location = next.diff!.totals.find(
      (line) => line.metric === "Electricity, Scope 2 location-based (lifecycle grid factors)",
    )!;
    expect(location.locked).toBeCloseTo(sqlBefore.co2eLocationKg, 5);
    expect(location.current).toBeCloseTo(sqlAfter.co2eLocationKg, 5);

    // The database refuses to change a locked row, whoever asks.
    await expect(
      withTenantClient(database.app, tenantId, (client) =>
        client.query("UPDATE reports SET model = '{}' WHERE id = $1", [locked.id]),
      ),
    ).rejects.toThrow(/final/);
    await expect(
      database.owner.pool.query("UPDATE reports SET content_sha256 = 'x' WHERE id = $1", [
        locked.id,
      ]),
    ).rejects.toThrow(/final/);

    if (hasPoppler) {
      const text = await pdfText(
        (await downloadReport(database.app, tenantId, versions[0]!.id, "pdf", viewer)).body,
      );
      expect(text).toContain("Changes since locked version 1");
      expect(text).toContain(before.report.contentSha256!);
    }
  });

  it("retries a scheduled report whose email failed for a moment, and fails at once on a refused recipient", async () => {
    // generate-report as registered, with a 1 ms backoff instead of 30 s.
    const registry = createRegistry([
      ...[...jobs.values()].filter((job) => job.name !== generateReportJob.name),
      { ...generateReportJob, options: { ...generateReportJob.options, backoffMs: 1 } },
    ]);
    const outcomes: { job: string; error?: string; willRetry?: boolean; result?: unknown }[] = [];
    const sent: EmailMessage[] = [];
    let failNext: EmailDeliveryError | undefined;
    const fast = createInlineDriver(
      {
        owner: database.owner,
        app: database.app,
        keyring: createKeyring(Buffer.alloc(32, 1).toString("base64")),
        log: (l) => logLines.push(l),
        reportDelivery: {
          transport: {
            kind: "smtp",
            async send(message) {
              const failure = failNext;
              failNext = undefined;
              if (failure) throw failure;
              sent.push(message);
              return { accepted: message.to, rejected: [] };
            },
          },
          from: "Canopy <reports@example.com>",
          publicUrl: "https://canopy.example.com",
        },
      },
      {
        onFailed: (job, _ms, error, willRetry) =>
          outcomes.push({ job, error: error.message, willRetry }),
        onCompleted: (job, _ms, result) => outcomes.push({ job, result }),
      },
      registry,
    );
    await fast.startWorkers();
    try {
      // Temporary (the server is down): the retry finds the report its first attempt made and still sends.
      failNext = new EmailDeliveryError(
        "SMTP smtp://mail.example.com:587 failed (temporary): connect ECONNREFUSED",
        {
          permanent: false,
        },
      );
      await fast.enqueue("generate-report", {
        tenantId,
        period: "2026-01",
        notify: true,
        onlyIfMissing: true,
      });
      await fast.drain();
      expect(outcomes).toEqual([
        { job: "generate-report", error: expect.stringContaining("ECONNREFUSED"), willRetry: true },
        { job: "generate-report", result: expect.objectContaining({ emailed: 1, refused: [] }) },
      ]);
      expect(sent.map((m) => [m.to, m.subject])).toEqual([
        [
          ["demo@canopy.local"],
          "Demo Corp: cloud emissions report for January 2026 is ready (draft v1)",
        ],
      ]);

      // Permanent (550 for every recipient): one attempt, the reason in the failure, the report kept.
      outcomes.length = 0;
      failNext = new EmailDeliveryError(
        "SMTP smtp://mail.example.com:587 refused demo@canopy.local (permanent): 550 5.1.1 User unknown",
        { permanent: true, responseCode: 550, rejected: ["demo@canopy.local"] },
      );
      await fast.enqueue("generate-report", {
        tenantId,
        period: "2025-12",
        notify: true,
        onlyIfMissing: true,
      });
      await fast.drain();
      expect(outcomes).toEqual([
        {
          job: "generate-report",
          error: expect.stringMatching(
            /^Report .* generated, but its email was refused: SMTP .* 550 5\.1\.1 User unknown$/,
          ),
          willRetry: false,
        },
      ]);
      expect(sent).toHaveLength(1);
      expect(logLines.some((l) => l.includes("report email refused, not retrying (smtp)"))).toBe(
        true,
      );
      const december = (await listReports(database.app, tenantId, viewer)).filter(
        (r) => r.period.label === "December 2025",
      );
      expect(december.map((r) => r.status)).toEqual(["draft"]);
    } finally {
      await fast.close();
    }
  });
});
