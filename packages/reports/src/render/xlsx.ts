import ExcelJS from "exceljs";
import {
  costCoverageLabels,
  hourlyCoverageDefinition,
  hourlyCoverageLabels,
} from "@canopy/methodology";
import { boundarySummary } from "../model/boundary";
import { comparableSpanShare, comparisonLines } from "../model/comparisons";
import {
  measureInfo,
  measureKeys,
  scope3Category1LocationKg,
  scope3Category1MarketKg,
} from "../model/measures";
import type { BreakdownRow, ReportModel, Spend } from "../model/types";
import { markdownBlocks, type Block } from "../methodology/blocks";
import {
  formatTimestamp,
  lastDay,
  partialNote,
  periodMarketQualifier,
  periodRange,
  statusLabel,
  trendMarketQualifier,
} from "./format";
import { numericColumns, tidyColumns, tidyRows } from "./tidy";

const KG = "#,##0.000";
const KWH = "#,##0.000";
const MONEY = "#,##0.00";
const PERCENT = "0.0%";
const INTEGER = "#,##0";
const BOLD = { bold: true } as const;
const HEADER_FILL: ExcelJS.Fill = {
  type: "pattern",
  pattern: "solid",
  fgColor: { argb: "FFE8F0EA" },
};

/** The workbook: summary, the tidy data, one sheet per breakdown, trend, quality, changes, lineage, method. */
export async function renderXlsx(model: ReportModel): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "Canopy";
  workbook.title = `${model.content.organization.name}: cloud emissions, ${model.content.period.label}`;
  workbook.created = new Date(model.header.finalizedAt ?? model.header.generatedAt);
  workbook.modified = workbook.created;

  summarySheet(workbook, model);
  dataSheet(workbook, model);
  for (const breakdown of model.content.breakdowns)
    breakdownSheet(workbook, breakdown.title, breakdown.rows, periodMarketQualifier(model.content));
  breakdownSheet(
    workbook,
    "Monthly trend",
    model.content.trend,
    trendMarketQualifier(model.content),
    "Month",
  );
  if (model.content.costCoverage) costCoverageSheet(workbook, model);
  qualitySheet(workbook, model);
  if (model.diff) changesSheet(workbook, model);
  lineageSheet(workbook, model);
  methodologySheet(workbook, model);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function sheetName(workbook: ExcelJS.Workbook, title: string): string {
  const base = title
    .replace(/[[\]:*?/\\]/g, " ")
    .replace(/"/g, "")
    .slice(0, 31)
    .trim();
  let name = base;
  for (let i = 2; workbook.getWorksheet(name); i++) name = `${base.slice(0, 28)} ${i}`;
  return name;
}

function addHeader(sheet: ExcelJS.Worksheet, values: string[]): ExcelJS.Row {
  const row = sheet.addRow(values);
  row.font = BOLD;
  row.alignment = { wrapText: true, vertical: "top" };
  row.eachCell((cell) => (cell.fill = HEADER_FILL));
  return row;
}

function titleRows(sheet: ExcelJS.Worksheet, model: ReportModel, title: string) {
  sheet.addRow([title]).font = { bold: true, size: 14 };
  sheet.addRow([
    `${model.content.organization.name} · ${model.content.period.label} (${periodRange(model.content.period.start, model.content.period.end)}) · ${statusLabel(model)}`,
  ]);
  sheet.addRow([`Report ${model.header.reportId} · content SHA-256 ${model.header.contentSha256}`]);
  sheet.addRow([]);
}

function summarySheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const { content } = model;
  const sheet = workbook.addWorksheet("Summary");
  sheet.columns = [{ width: 58 }, { width: 22 }, { width: 16 }, { width: 16 }, { width: 16 }];
  titleRows(sheet, model, "Cloud emissions report (GHG Protocol Scope 3 Category 1)");
  const kv = (label: string, value: string | number | null, unit = "", numFmt?: string) => {
    const row = sheet.addRow([label, value ?? "–", unit]);
    if (numFmt && typeof value === "number") row.getCell(2).numFmt = numFmt;
    return row;
  };
  addHeader(sheet, ["Report", "Value"]);
  kv("Organization", content.organization.name);
  kv("Period", `${content.period.label}: ${periodRange(content.period.start, content.period.end)}`);
  kv("Status", statusLabel(model));
  kv("Generated", formatTimestamp(model.header.generatedAt));
  kv("Finalized", formatTimestamp(model.header.finalizedAt));
  kv("Boundary", boundarySummary(content).text);
  kv("Methodology version", content.lineage.methodologyVersion);
  kv("Data pack checksum", content.lineage.dataPackChecksum);
  kv("Content SHA-256", model.header.contentSha256);
  kv(
    "Days with data",
    `${content.dataDays.daysWithData} of ${content.dataDays.daysInPeriod}${partialNote(content.dataDays) ? " (incomplete period)" : ""}`,
  );
  sheet.addRow([]);

  addHeader(sheet, ["Customer view: cloud emissions as Scope 3 Category 1", "Value", "Unit"]);
  kv(
    "Location-based (lifecycle grid factors)",
    content.customerView.scope3Category1LocationKg,
    "kg CO2e",
    KG,
  );
  kv(
    `Market-based (${periodMarketQualifier(content)})`,
    content.customerView.scope3Category1MarketKg,
    "kg CO2e",
    KG,
  );
  // Versions locked before ranges and the spend-based estimate existed have neither.
  if (content.totals.co2eLowKg !== undefined) {
    kv("Location-based, low (input quality ranges)", content.totals.co2eLowKg, "kg CO2e", KG);
    kv("Location-based, high (input quality ranges)", content.totals.co2eHighKg, "kg CO2e", KG);
    kv("  of which spend-based estimate", content.totals.co2eSpendBasedKg, "kg CO2e", KG);
  }
  sheet.addRow([]);
  addHeader(sheet, ["Provider-side decomposition", "Value", "Unit"]);
  kv(
    "Electricity, Scope 2 location-based (lifecycle grid factors)",
    content.providerView.electricityLocationKg,
    "kg CO2e",
    KG,
  );
  kv(
    `Electricity, Scope 2 market-based (${periodMarketQualifier(content)})`,
    content.providerView.electricityMarketKg,
    "kg CO2e",
    KG,
  );
  kv("Embodied hardware (provider Scope 3)", content.providerView.embodiedKg, "kg CO2e", KG);
  kv("Energy at the servers", content.providerView.kwhIt, "kWh", KWH);
  kv("Energy incl. data-centre overhead", content.providerView.kwhFacility, "kWh", KWH);
  kv("Water", content.providerView.waterL, "L", KWH);
  sheet.addRow([]);
  addHeader(sheet, ["Cost", "Value", "Currency"]);
  // Versions locked before cost coverage existed: their spend only.
  const cost = content.costCoverage ?? {
    covered: content.spend,
    notModelled: [],
    total: content.spend,
    tax: [],
    credits: [],
  };
  for (const [label, list] of [
    [`${costCoverageLabels.covered} (spend)`, cost.covered],
    [costCoverageLabels.outOfScope, "outOfScope" in cost ? (cost.outOfScope ?? []) : []],
    [`  of which ${costCoverageLabels.tax.toLowerCase()}`, cost.tax],
    [`  of which ${costCoverageLabels.credits.toLowerCase()}`, cost.credits],
    [costCoverageLabels.notModelled, cost.notModelled],
    [`${costCoverageLabels.total} (covered + out of scope + not modelled)`, cost.total],
  ] as const)
    for (const s of list) kv(label, s.amount, s.currency, MONEY);
  if (cost.total.length === 0) kv("No cost in this period", null);
  sheet.addRow([]);

  addHeader(sheet, [
    "Comparison",
    "Scope 3 Cat. 1, location-based (lifecycle grid factors) (kg CO2e)",
    "Change",
    `Scope 3 Cat. 1, market-based (${trendMarketQualifier(content)}) (kg CO2e)`,
    "Period",
  ]);
  for (const line of comparisonLines(content)) {
    const row = sheet.addRow([
      `${line.title}${line.noData ? " (no data)" : ""}`,
      line.locationKg,
      line.comparable ? line.change : "not comparable",
      line.marketKg,
      [
        periodRange(line.comparison.period.start, line.comparison.period.end),
        partialNote(line.comparison),
        line.notComparableReason,
      ]
        .filter(Boolean)
        .join(", "),
    ]);
    row.getCell(2).numFmt = KG;
    row.getCell(3).numFmt = PERCENT;
    row.getCell(4).numFmt = KG;
  }
  sheet.addRow([
    `Change: ${content.period.label} against the comparison period; previous year to date: this year to date against it. "not comparable" when one span has data on fewer than ${Math.round(comparableSpanShare * 100)} % of the other's days.`,
  ]).font = { italic: true };
  sheet.addRow([]);

  addHeader(sheet, ["Intensity (per 1,000 of cost covered by the estimate)", "Value", "Unit"]);
  for (const s of content.intensity.spend) {
    kv(
      `Location-based per 1,000 ${s.currency} of cost covered`,
      s.co2eLocationKgPer1000,
      `kg CO2e / 1,000 ${s.currency}`,
      KG,
    );
    kv(
      `Market-based (${periodMarketQualifier(content)}) per 1,000 ${s.currency} of cost covered`,
      s.co2eMarketKgPer1000,
      `kg CO2e / 1,000 ${s.currency}`,
      KG,
    );
  }
  for (const u of content.intensity.functionalUnits) {
    kv(
      `SCI per ${u.name} (${u.count.toLocaleString("en-US")} in the period)`,
      u.sciKgPerUnit * 1000,
      `g CO2e / ${u.name}`,
      KG,
    );
  }
  if (content.intensity.spend.length === 0 && content.intensity.functionalUnits.length === 0)
    kv("No spend or functional units for this period", null);

  if (content.targets?.length) {
    sheet.addRow([]);
    addHeader(sheet, [`Reduction targets (${content.targets[0]!.progress.year})`, "Value", "Unit"]);
    for (const { target, progress } of content.targets) {
      const name = `${target.reductionPercent} % by ${target.targetYear} from ${target.baseYear}, ${target.basis}-based`;
      kv(`${name}: base year`, progress.baseYearKg, "kg CO2e", KG);
      kv(`${name}: allowed this year (pathway)`, progress.pathwayKg, "kg CO2e", KG);
      kv(`${name}: year to date`, progress.yearToDateKg, "kg CO2e", KG);
      kv(`${name}: forecast to year end`, progress.forecastKg, "kg CO2e", KG);
      kv(`${name}: forecast low (95 %)`, progress.forecastLowKg, "kg CO2e", KG);
      kv(`${name}: forecast high (95 %)`, progress.forecastHighKg, "kg CO2e", KG);
      kv(`${name}: status`, progress.status.replaceAll("_", " "));
    }
  }
}

function dataSheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const sheet = workbook.addWorksheet("Data", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = tidyColumns.map((c) => ({
    header: c.name,
    key: c.name,
    width: Math.max(12, c.name.length + 2),
  }));
  sheet.getRow(1).font = BOLD;
  for (const row of tidyRows(model)) sheet.addRow(row);
  tidyColumns.forEach((c, i) => {
    if (numericColumns.has(c.name) && c.name !== "report_version")
      sheet.getColumn(i + 1).numFmt = c.name.endsWith("_amount") ? MONEY : KG;
  });
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: tidyColumns.length } };
}

const measureColumns = (marketQualifier: string) => [
  {
    title: "Scope 3 Cat. 1, location-based (lifecycle grid factors) (kg CO2e)",
    value: (r: BreakdownRow) => scope3Category1LocationKg(r.measures),
    numFmt: KG,
  },
  {
    title: `Scope 3 Cat. 1, market-based (${marketQualifier}) (kg CO2e)`,
    value: (r: BreakdownRow) => scope3Category1MarketKg(r.measures),
    numFmt: KG,
  },
  ...measureKeys.map((key) => ({
    title:
      key === "co2eMarketKg"
        ? `Electricity, Scope 2 market-based (${marketQualifier}) (${measureInfo[key].unit})`
        : `${measureInfo[key].label} (${measureInfo[key].unit})`,
    value: (r: BreakdownRow) => r.measures[key],
    numFmt: measureInfo[key].unit === "kg CO2e" ? KG : KWH,
  })),
];

function breakdownSheet(
  workbook: ExcelJS.Workbook,
  title: string,
  rows: BreakdownRow[],
  marketQualifier: string,
  keyTitle = "Group",
) {
  const columns = measureColumns(marketQualifier);
  const sheet = workbook.addWorksheet(sheetName(workbook, title), {
    views: [{ state: "frozen", ySplit: 1, xSplit: 1 }],
  });
  const currencies = [...new Set(rows.flatMap((r) => r.spend.map((s) => s.currency)))].sort();
  addHeader(sheet, [
    keyTitle,
    ...columns.map((c) => c.title),
    ...currencies.map((c) => `Spend (${c})`),
  ]);
  sheet.getColumn(1).width = 44;
  columns.forEach((_, i) => (sheet.getColumn(i + 2).width = 18));
  for (const r of rows) {
    const row = sheet.addRow([
      r.label,
      ...columns.map((c) => c.value(r)),
      ...currencies.map((currency) => r.spend.find((s) => s.currency === currency)?.amount ?? null),
    ]);
    columns.forEach((c, i) => (row.getCell(i + 2).numFmt = c.numFmt));
    currencies.forEach((_, i) => (row.getCell(columns.length + 2 + i).numFmt = MONEY));
  }
  sheet.getRow(1).height = 45;
}

/** "Cost coverage by service", then tax and credits, each labelled with the definition. */
function costCoverageSheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const cost = model.content.costCoverage!;
  const sheet = workbook.addWorksheet("Cost coverage");
  sheet.columns = [
    { width: 48 },
    { width: 12 },
    { width: 24 },
    { width: 24 },
    { width: 24 },
    { width: 24 },
  ];
  titleRows(sheet, model, "Cost coverage by service");
  sheet.addRow([cost.definition]).font = { italic: true };
  sheet.addRow([cost.intensityBasis]).font = { italic: true };
  sheet.addRow([]);
  const amount = (list: Spend[], currency: string) =>
    list.find((s) => s.currency === currency)?.amount ?? 0;
  const currencies = [...new Set(cost.total.map((s) => s.currency))].sort();
  addHeader(sheet, [
    "Service",
    "Currency",
    costCoverageLabels.covered,
    costCoverageLabels.outOfScope,
    costCoverageLabels.notModelled,
    costCoverageLabels.total,
  ]);
  const money = (row: ExcelJS.Row) => [3, 4, 5, 6].forEach((i) => (row.getCell(i).numFmt = MONEY));
  for (const r of cost.byService)
    for (const s of r.total)
      money(
        sheet.addRow([
          r.label,
          s.currency,
          amount(r.covered, s.currency),
          amount(r.outOfScope ?? [], s.currency),
          amount(r.notModelled, s.currency),
          s.amount,
        ]),
      );
  for (const currency of currencies) {
    const row = sheet.addRow([
      "All services",
      currency,
      amount(cost.covered, currency),
      amount(cost.outOfScope ?? [], currency),
      amount(cost.notModelled, currency),
      amount(cost.total, currency),
    ]);
    row.font = BOLD;
    money(row);
  }
  sheet.addRow([]);
  addHeader(sheet, ["Tax and credits (part of the cost out of scope)", "Currency", "Amount"]);
  const lines = [
    [costCoverageLabels.tax, cost.tax],
    [costCoverageLabels.credits, cost.credits],
  ] as const;
  for (const [label, list] of lines) {
    if (list.length === 0) sheet.addRow([label, "", 0]).getCell(3).numFmt = MONEY;
    for (const s of list) sheet.addRow([label, s.currency, s.amount]).getCell(3).numFmt = MONEY;
  }
  if (cost.notModelledByType.length) {
    sheet.addRow([]);
    addHeader(sheet, ["Lines without an energy model, by usage type", "Currency", "Amount"]);
    for (const line of cost.notModelledByType)
      sheet
        .addRow([line.usageType || "(no usage type)", line.currency, line.amount])
        .getCell(3).numFmt = MONEY;
  }
}

function qualitySheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const { dataQuality } = model.content;
  const sheet = workbook.addWorksheet("Data quality");
  sheet.columns = [{ width: 52 }, { width: 22 }, { width: 22 }, { width: 22 }, { width: 40 }];
  titleRows(sheet, model, "Data quality");
  const coverage = dataQuality.coverage;
  addHeader(sheet, [
    "Coverage of spend",
    `Amount (${coverage.currency ?? "mixed currencies"})`,
    "Share",
  ]);
  const estimated = sheet.addRow([
    "Spend estimated",
    coverage.spendEstimated,
    coverage.shareEstimated,
  ]);
  estimated.getCell(2).numFmt = MONEY;
  estimated.getCell(3).numFmt = PERCENT;
  sheet
    .addRow([
      "Spend not estimated (in scope without an estimate, lines left out, errors)",
      coverage.spendUnsupported,
    ])
    .getCell(2).numFmt = MONEY;
  sheet
    .addRow([
      "Out of scope, outside the share (tax, credits, fees, support…)",
      coverage.spendFinancial,
    ])
    .getCell(2).numFmt = MONEY;
  sheet.addRow([coverage.note]).font = { italic: true };
  if (coverage.lines.length) {
    addHeader(sheet, ["Lines by reason", "Spend", "Lines", "Category"]);
    for (const line of coverage.lines) {
      const row = sheet.addRow([line.reason, line.spendAmount, line.lines, line.category]);
      row.getCell(2).numFmt = MONEY;
      row.getCell(3).numFmt = INTEGER;
    }
  }
  sheet.addRow([]);
  addHeader(sheet, ["Default factors", "Value", "Unit"]);
  sheet
    .addRow(["CO2e resting on default factors", dataQuality.co2eOnDefaultsKg, "kg CO2e"])
    .getCell(2).numFmt = KG;
  sheet
    .addRow(["Share of the location-based total", dataQuality.shareOnDefaults])
    .getCell(2).numFmt = PERCENT;
  if (dataQuality.shareSpendBased !== undefined)
    sheet
      .addRow(["Share spend-based (of the location-based total)", dataQuality.shareSpendBased])
      .getCell(2).numFmt = PERCENT;
  sheet.addRow([]);
  const hourly = dataQuality.hourlyCoverage;
  if (hourly) {
    addHeader(sheet, ["Hourly coverage", "Value", "Unit"]);
    sheet.addRow([hourlyCoverageLabels.shareHourlyGrid, hourly.shareHourlyGrid]).getCell(2).numFmt =
      PERCENT;
    sheet
      .addRow([hourlyCoverageLabels.shareDisaggregated, hourly.shareDisaggregated])
      .getCell(2).numFmt = PERCENT;
    sheet.addRow([hourlyCoverageDefinition]).font = { italic: true };
    addHeader(sheet, [
      "Month, provider, region",
      "Facility energy (kWh)",
      hourlyCoverageLabels.shareHourlyGrid,
      hourlyCoverageLabels.shareDisaggregated,
    ]);
    for (const r of hourly.rows) {
      const row = sheet.addRow([
        `${r.month.slice(0, 7)} ${r.provider} ${r.region}`,
        r.kwhFacility,
        r.shareHourlyGrid,
        r.shareDisaggregated,
      ]);
      row.getCell(2).numFmt = KWH;
      row.getCell(3).numFmt = PERCENT;
      row.getCell(4).numFmt = PERCENT;
    }
    sheet.addRow([]);
  }
  addHeader(sheet, [
    "Methodology version",
    "Hourly rows",
    "Location-based (kg CO2e)",
    "Data pack",
    "Data pack checksum",
  ]);
  for (const m of dataQuality.methodologies) {
    const row = sheet.addRow([
      m.methodologyVersion,
      m.hourlyRows,
      m.co2eLocationKg,
      m.dataPack,
      m.dataPackChecksum,
    ]);
    row.getCell(2).numFmt = INTEGER;
    row.getCell(3).numFmt = KG;
  }
  sheet.addRow([]);
  addHeader(sheet, [
    "Reconciliation with provider-reported figures",
    "Provider (kg CO2e)",
    "Canopy (kg CO2e)",
    "Canopy ÷ provider",
    "Compared with",
  ]);
  const reconciliation = dataQuality.reconciliation;
  for (const r of reconciliation.rows) {
    const row = sheet.addRow([
      `${r.provider} ${r.scope} (${r.sources.join(", ")})`,
      r.providerCo2eKg,
      r.canopyCo2eKg,
      r.ratio,
      r.comparedWith,
    ]);
    row.getCell(2).numFmt = KG;
    row.getCell(3).numFmt = KG;
    row.getCell(4).numFmt = "0.000";
  }
  sheet.addRow([reconciliation.note]).font = { italic: true };
}

function changesSheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const diff = model.diff!;
  const sheet = workbook.addWorksheet(`Changes vs v${diff.against.version}`);
  sheet.columns = [
    { width: 48 },
    { width: 20 },
    { width: 20 },
    { width: 20 },
    { width: 14 },
    { width: 12 },
  ];
  titleRows(sheet, model, `Changes against locked version ${diff.against.version}`);
  sheet.addRow([
    `Locked version ${diff.against.version}, finalized ${formatTimestamp(diff.against.finalizedAt)}, content SHA-256 ${diff.against.contentSha256}`,
  ]);
  sheet.addRow([
    diff.changed
      ? "The figures differ from the locked version."
      : "No difference from the locked version.",
  ]);
  addHeader(sheet, [
    "Metric",
    `Locked v${diff.against.version}`,
    `This version (v${model.header.version})`,
    "Difference",
    "Change",
    "Unit",
  ]);
  for (const line of diff.totals) {
    const row = sheet.addRow([
      line.metric,
      line.locked,
      line.current,
      line.delta,
      line.deltaRatio,
      line.unit,
    ]);
    [2, 3, 4].forEach((i) => (row.getCell(i).numFmt = KG));
    row.getCell(5).numFmt = PERCENT;
  }
  sheet.addRow([]);
  addHeader(sheet, [
    "Largest changes by group (location-based)",
    "Locked (kg CO2e)",
    "Now (kg CO2e)",
    "Difference (kg CO2e)",
    "Dimension",
  ]);
  for (const line of diff.breakdown) {
    const row = sheet.addRow([
      line.label,
      line.lockedCo2eLocationKg,
      line.currentCo2eLocationKg,
      line.deltaKg,
      line.dimension,
    ]);
    [2, 3, 4].forEach((i) => (row.getCell(i).numFmt = KG));
  }
  sheet.addRow([]);
  addHeader(sheet, ["Methodology versions", `Locked v${diff.against.version}`, "Now"]);
  sheet.addRow([
    "Versions",
    diff.methodologyVersions.locked.join(", "),
    diff.methodologyVersions.current.join(", "),
  ]);
  for (const key of ["emissionsHourly", "emissionsMonthly", "usageHourly"] as const) {
    const row = sheet.addRow([
      `Input rows: ${key}`,
      diff.inputRowCounts.locked[key],
      diff.inputRowCounts.current[key],
    ]);
    row.getCell(2).numFmt = INTEGER;
    row.getCell(3).numFmt = INTEGER;
  }
}

function lineageSheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const { lineage, boundary, period } = model.content;
  const sheet = workbook.addWorksheet("Lineage");
  sheet.columns = [{ width: 44 }, { width: 70 }, { width: 22 }];
  titleRows(sheet, model, "Lineage");
  addHeader(sheet, ["Item", "Value"]);
  sheet.addRow(["Report id", model.header.reportId]);
  sheet.addRow(["Version", model.header.version]);
  sheet.addRow(["Status", statusLabel(model)]);
  sheet.addRow(["Period (UTC)", `${period.start} 00:00 to ${lastDay(period.end)} 24:00`]);
  sheet.addRow(["Content SHA-256", model.header.contentSha256]);
  sheet.addRow(["Methodology version", lineage.methodologyVersion ?? "–"]);
  sheet.addRow(["Data pack checksum", lineage.dataPackChecksum ?? "–"]);
  sheet.addRow([
    "Methodology document",
    `${model.content.methodology.source} (SHA-256 ${model.content.methodology.sha256})`,
  ]);
  for (const [key, value] of Object.entries(lineage.inputRowCounts)) {
    sheet.addRow([`Input rows: ${key}`, value]).getCell(2).numFmt = INTEGER;
  }
  sheet.addRow([
    "Rollups checked against hourly rows",
    lineage.hourlyCheck.agrees
      ? `agree (largest difference ${lineage.hourlyCheck.maxDifference})`
      : `DISAGREE by up to ${lineage.hourlyCheck.maxDifference}: estimation may still be running`,
  ]);
  sheet.addRow([]);
  addHeader(sheet, ["Source", "What was read"]);
  for (const source of lineage.sources) {
    const [table, ...rest] = source.split(": ");
    sheet.addRow([table, rest.join(": ")]);
  }
  if (lineage.usageSources?.length) {
    sheet.addRow([]);
    addHeader(sheet, ["Data source (import or sync)", "File or account", "Kind of source"]);
    for (const source of lineage.usageSources) {
      sheet.addRow([
        `${source.runKind ?? "unrecorded"} ${source.syncRunId ?? ""} ${source.createdAt?.slice(0, 16).replace("T", " ") ?? ""}`.trim(),
        `${source.label || "–"}: ${source.rows.toLocaleString("en")} usage rows, cost ${source.costAmount.toFixed(2)}`,
        source.sourceKind,
      ]);
    }
  }
  sheet.addRow([]);
  const { withData, withoutDataCount } = boundarySummary(model.content);
  addHeader(sheet, ["Accounts with data in the period", "Provider account id", "Provider"]);
  for (const account of withData)
    sheet.addRow([account.displayName, account.providerAccountId, account.provider]);
  if (withoutDataCount)
    sheet.addRow([
      `${withoutDataCount} more account(s) in the ${boundary.allAccounts ? "organization" : "selection"} have no data in the period`,
    ]);
}

function methodologySheet(workbook: ExcelJS.Workbook, model: ReportModel) {
  const sheet = workbook.addWorksheet("Methodology");
  sheet.getColumn(1).width = 110;
  for (let c = 2; c <= 8; c++) sheet.getColumn(c).width = 28;
  sheet.addRow([
    `Generated from ${model.content.methodology.source} (SHA-256 ${model.content.methodology.sha256})`,
  ]).font = { italic: true };
  for (const block of markdownBlocks(model.content.methodology.markdown)) writeBlock(sheet, block);
}

function writeBlock(sheet: ExcelJS.Worksheet, block: Block): void {
  switch (block.type) {
    case "heading":
      sheet.addRow([]);
      sheet.addRow([block.text]).font = { bold: true, size: block.depth <= 2 ? 13 : 11 };
      break;
    case "paragraph":
      sheet.addRow([block.segments.map((s) => s.text).join("")]).alignment = {
        wrapText: true,
        vertical: "top",
      };
      break;
    case "list":
      for (const item of block.items) {
        sheet.addRow([`• ${item.segments.map((s) => s.text).join("")}`]).alignment = {
          wrapText: true,
          vertical: "top",
        };
        for (const child of item.children) writeBlock(sheet, child);
      }
      break;
    case "table":
      addHeader(sheet, block.header);
      for (const row of block.rows)
        sheet.addRow(row).alignment = { wrapText: true, vertical: "top" };
      break;
    case "code":
      for (const line of block.text.split("\n")) sheet.addRow([line]).font = { name: "Consolas" };
      break;
    case "rule":
      sheet.addRow([]);
      break;
  }
}
