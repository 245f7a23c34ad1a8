import {
  costCoverageLabels,
  hourlyCoverageDefinition,
  hourlyCoverageLabels,
} from "@canopy/methodology";
import { boundarySummary } from "../../model/boundary";
import { diffGroupCells, diffTotalCells } from "../cells";
import {
  comparableSpanShare,
  comparisonChangeText,
  comparisonLines,
} from "../../model/comparisons";
import { scope3Category1LocationKg, scope3Category1MarketKg } from "../../model/measures";
import type { Breakdown, ReportModel } from "../../model/types";
import {
  formatChange,
  formatNumber,
  formatShare,
  formatSpend,
  formatTimestamp,
  formatTonnes,
  lastDay,
  partialNote,
  periodMarketQualifier,
  periodRange,
  trendMarketQualifier,
} from "../format";
import { groupedBarChart, horizontalBarChart } from "./charts";
import {
  colors,
  contentLeft,
  contentWidth,
  createDocument,
  ensureSpace,
  finish,
  heading,
  page,
  paragraph,
  setFont,
  type PDFDoc,
} from "./document";
import { renderMarkdown } from "./markdown";
import { drawTable, type Column, type TableRow } from "./table";

const kg = (value: number) => formatNumber(value, 1);

/** The print report: summary, changes, charts, breakdowns, quality, lineage and the method. */
export async function renderPdf(model: ReportModel): Promise<Buffer> {
  const { content, header } = model;
  const doc = createDocument({
    title: `${content.organization.name}: cloud emissions report, ${content.period.label}`,
    author: content.organization.name,
    subject: `Scope 3 Category 1 cloud emissions, report ${header.reportId} version ${header.version} (${header.status})`,
    created: new Date(header.finalizedAt ?? header.generatedAt),
  });
  titleBlock(doc, model);
  keyFigures(doc, model);
  summaryTables(doc, model);
  if (model.diff) changesSection(doc, model);
  trendSection(doc, model);
  breakdownSections(doc, model);
  intensitySection(doc, model);
  if (model.content.targets?.length) targetsSection(doc, model);
  if (model.content.costCoverage) costCoverageSection(doc, model);
  qualitySection(doc, model);
  lineageSection(doc, model);
  doc.addPage();
  heading(doc, "Appendix: methodology", 1);
  paragraph(
    doc,
    `Generated from ${content.methodology.source} (SHA-256 ${content.methodology.sha256}), the published description of the method, with its references to Canopy's source files left out.`,
    { size: 8, color: colors.muted },
  );
  renderMarkdown(doc, content.methodology.markdown);
  decoratePages(doc, model);
  return finish(doc);
}

function titleBlock(doc: PDFDoc, model: ReportModel) {
  const { content, header } = model;
  setFont(doc, "bold", 8, colors.brand);
  doc.text(
    "CLOUD EMISSIONS REPORT · GHG PROTOCOL SCOPE 3, CATEGORY 1",
    contentLeft,
    page.margin.top - 8,
    { characterSpacing: 0.6 },
  );
  setFont(doc, "bold", 22, colors.text);
  doc.text(content.organization.name, contentLeft, doc.y + 2, { width: contentWidth - 120 });
  setFont(doc, "body", 12.5, colors.text);
  doc.text(
    `${content.period.label}  ·  ${periodRange(content.period.start, content.period.end)} (UTC)`,
    { width: contentWidth - 120 },
  );

  const afterTitle = doc.y;
  const final = header.status === "final";
  const badge = final ? `FINAL · VERSION ${header.version}` : `DRAFT · VERSION ${header.version}`;
  setFont(doc, "bold", 9);
  const badgeWidth = doc.widthOfString(badge) + 16;
  const badgeX = contentLeft + contentWidth - badgeWidth;
  doc
    .roundedRect(badgeX, page.margin.top - 6, badgeWidth, 20, 3)
    .fill(final ? colors.brand : colors.draft);
  setFont(doc, "bold", 9, "#ffffff");
  doc.text(badge, badgeX + 8, page.margin.top - 0.5, { lineBreak: false });
  doc.x = contentLeft;
  doc.y = afterTitle + 8;

  const boundary = boundarySummary(content).text;
  const rows: [string, string][] = [
    ["Report id", header.reportId],
    [
      "Status",
      final
        ? `Final (locked) version ${header.version}, finalized ${formatTimestamp(header.finalizedAt)}`
        : `Draft version ${header.version}, computed ${formatTimestamp(header.generatedAt)}; figures may change until finalized`,
    ],
    ["Boundary", boundary],
    [
      "Methodology",
      `${content.lineage.methodologyVersion ?? "no emissions in the period"} · data pack checksum ${content.lineage.dataPackChecksum ?? "–"}`,
    ],
    ["Content SHA-256", header.contentSha256],
  ];
  const partial = partialNote(content.dataDays);
  if (partial)
    rows.push([
      "Data coverage",
      `Incomplete period: ${partial}. Figures cover only the days with data.`,
    ]);
  for (const [label, value] of rows) {
    const y = doc.y;
    setFont(doc, "bold", 8, colors.muted);
    doc.text(label, contentLeft, y, { width: 90 });
    setFont(
      doc,
      label === "Content SHA-256" || label === "Report id" ? "mono" : "body",
      8,
      label === "Data coverage" ? colors.draft : colors.text,
    );
    doc.text(value, contentLeft + 92, y, { width: contentWidth - 92 });
    doc.y = Math.max(doc.y, y + 11);
  }
  doc.moveDown(0.8);
}

function keyFigures(doc: PDFDoc, model: ReportModel) {
  const { content } = model;
  const boxes = [
    {
      title: "Scope 3 Cat. 1, location-based (lifecycle grid factors)",
      value: formatTonnes(content.customerView.scope3Category1LocationKg) + " CO2e",
      detail: `${kg(content.customerView.scope3Category1LocationKg)} kg CO2e${rangeText(content)}`,
    },
    {
      title: `Scope 3 Cat. 1, market-based (${periodMarketQualifier(content)})`,
      value: formatTonnes(content.customerView.scope3Category1MarketKg) + " CO2e",
      detail: `${kg(content.customerView.scope3Category1MarketKg)} kg CO2e`,
    },
    {
      title: "Energy (facility, incl. PUE)",
      value: `${formatNumber(content.totals.kwhFacility / 1000, 2)} MWh`,
      detail: `${kg(content.totals.kwhFacility)} kWh`,
    },
    {
      title: "Water",
      value: `${formatNumber(content.totals.waterL / 1000, 2)} m³`,
      detail: `${kg(content.totals.waterL)} L`,
    },
  ];
  const gap = 8;
  const width = (contentWidth - gap * (boxes.length - 1)) / boxes.length;
  const height = 58;
  ensureSpace(doc, height + 10);
  const y = doc.y;
  boxes.forEach((box, i) => {
    const x = contentLeft + i * (width + gap);
    doc.roundedRect(x, y, width, height, 4).fill(colors.headerFill);
    doc.rect(x, y, 3, height).fill(colors.brand);
    setFont(doc, "body", 7.5, colors.muted);
    doc.text(box.title, x + 9, y + 7, { width: width - 14 });
    setFont(doc, "bold", 14, colors.text);
    doc.text(box.value, x + 9, y + 22, { width: width - 14, lineBreak: false });
    setFont(doc, "body", 7.5, colors.muted);
    doc.text(box.detail, x + 9, y + 42, { width: width - 14, lineBreak: false });
  });
  doc.x = contentLeft;
  doc.y = y + height + 12;
}

/** ", range low–high kg" of the location-based total (absent in versions locked before ranges). */
function rangeText(content: ReportModel["content"]): string {
  const { co2eLowKg, co2eHighKg } = content.totals;
  return co2eLowKg === undefined ? "" : `, range ${kg(co2eLowKg)}–${kg(co2eHighKg)}`;
}

function summaryTables(doc: PDFDoc, model: ReportModel) {
  const { content } = model;
  const v = content.providerView;
  heading(doc, "Summary", 2, 120);
  const columns: Column[] = [
    { title: "Figure", weight: 4.2 },
    { title: "Value", weight: 1.6, align: "right" },
    { title: "Unit", weight: 0.9 },
    { title: "GHG Protocol view", weight: 2.6 },
  ];
  drawTable(doc, columns, [
    {
      cells: [
        "Cloud emissions, location-based (lifecycle grid factors) (electricity + embodied + spend-based)",
        kg(content.customerView.scope3Category1LocationKg),
        "kg CO2e",
        "Your Scope 3, Category 1",
      ],
      bold: true,
    },
    ...(content.totals.co2eLowKg === undefined
      ? []
      : [
          {
            cells: [
              "  Range from the quality of each input (low – high), appendix section 8",
              `${kg(content.totals.co2eLowKg)} – ${kg(content.totals.co2eHighKg)}`,
              "kg CO2e",
              "",
            ],
          },
          {
            cells: [
              "  of which spend-based (usage without an energy model, US EPA USEEIO factors)",
              kg(content.totals.co2eSpendBasedKg),
              "kg CO2e",
              "",
            ],
          },
        ]),
    {
      cells: [
        `Cloud emissions, market-based (${periodMarketQualifier(content)}) (electricity + embodied + spend-based)`,
        kg(content.customerView.scope3Category1MarketKg),
        "kg CO2e",
        "Your Scope 3, Category 1",
      ],
      bold: true,
    },
    {
      cells: [
        "Electricity, Scope 2 location-based (lifecycle grid factors)",
        kg(v.electricityLocationKg),
        "kg CO2e",
        "Provider's Scope 2 (location-based)",
      ],
    },
    {
      cells: [
        `Electricity, Scope 2 market-based (${periodMarketQualifier(content)}), see appendix 5`,
        kg(v.electricityMarketKg),
        "kg CO2e",
        "Provider's Scope 2 (market-based)",
      ],
    },
    { cells: ["Embodied server hardware", kg(v.embodiedKg), "kg CO2e", "Provider's Scope 3"] },
    { cells: ["Energy at the servers", kg(v.kwhIt), "kWh", "–"] },
    { cells: ["Energy incl. data-centre overhead (PUE)", kg(v.kwhFacility), "kWh", "–"] },
    { cells: ["Water", kg(v.waterL), "L", "–"] },
    {
      cells: [
        costCoverageLabels.covered,
        formatSpend(content.spend),
        "",
        "Billing, estimated from usage or spend; before tax and credits",
      ],
    },
  ]);

  heading(doc, "Comparisons", 2, 90);
  drawTable(
    doc,
    [
      { title: "Compared with", weight: 2.4 },
      { title: "Period", weight: 2.3 },
      { title: "Location-based (kg CO2e)", weight: 1.6, align: "right" },
      {
        title: `Market-based, ${trendMarketQualifier(content)} (kg CO2e)`,
        weight: 1.6,
        align: "right",
      },
      { title: "Change", weight: 1.1, align: "right" },
    ],
    [
      {
        cells: [
          `This report: ${content.period.label}`,
          [periodRange(content.period.start, content.period.end), partialNote(content.dataDays)]
            .filter(Boolean)
            .join("\n"),
          kg(content.customerView.scope3Category1LocationKg),
          kg(content.customerView.scope3Category1MarketKg),
          "",
        ],
        bold: true,
      },
      ...comparisonLines(content).map((line) => ({
        cells: [
          line.title,
          [
            periodRange(line.comparison.period.start, line.comparison.period.end),
            partialNote(line.comparison),
            line.notComparableReason,
          ]
            .filter(Boolean)
            .join("\n"),
          line.noData ? "–" : kg(line.locationKg),
          line.noData ? "–" : kg(line.marketKg),
          comparisonChangeText(line, formatChange),
        ],
      })),
    ],
  );
  paragraph(
    doc,
    `Change: ${content.period.label} against the period on that line (location-based); on the previous-year-to-date line, this year to date against last year to date. A period marked partial had data on fewer days than it has; when one span has data on fewer than ${Math.round(comparableSpanShare * 100)} % of the other's days, the change says "not comparable" and the line gives both spans' days. Scope 3 Category 1 = electricity + embodied hardware, as the provider's customer.`,
    { size: 7.5, color: colors.muted },
  );
}

function changesSection(doc: PDFDoc, model: ReportModel) {
  const diff = model.diff!;
  doc.addPage();
  heading(doc, `Changes since locked version ${diff.against.version}`, 1, 140);
  paragraph(
    doc,
    diff.changed
      ? `Version ${diff.against.version} was finalized ${formatTimestamp(diff.against.finalizedAt)} (content SHA-256 ${diff.against.contentSha256}) and stays unchanged. The figures have changed since, usually because history was re-estimated with a newer methodology or data pack; this draft shows the figures now, and the differences below.`
      : `Version ${diff.against.version} (content SHA-256 ${diff.against.contentSha256}) is unchanged and the figures now are the same.`,
  );
  drawTable(
    doc,
    [
      { title: "Figure", weight: 3.6 },
      { title: `Locked v${diff.against.version}`, weight: 1.5, align: "right" },
      { title: `This draft (v${model.header.version})`, weight: 1.5, align: "right" },
      { title: "Difference", weight: 1.4, align: "right" },
      { title: "Change", weight: 0.9, align: "right" },
      { title: "Unit", weight: 0.8 },
    ],
    diff.totals.map((line, i) => ({
      cells: [line.metric, ...Object.values(diffTotalCells(line)), line.unit],
      bold: i < 2,
    })),
  );
  if (diff.breakdown.length) {
    heading(doc, "Largest changes by group (location-based electricity)", 3, 60);
    drawTable(
      doc,
      [
        { title: "Group", weight: 3.4 },
        { title: "Dimension", weight: 1.2 },
        { title: `Locked v${diff.against.version} (kg CO2e)`, weight: 1.5, align: "right" },
        { title: "Now (kg CO2e)", weight: 1.5, align: "right" },
        { title: "Difference (kg CO2e)", weight: 1.5, align: "right" },
      ],
      diff.breakdown.map((line) => ({
        cells: [line.label, dimensionLabel(line.dimension), ...Object.values(diffGroupCells(line))],
      })),
    );
  }
  paragraph(
    doc,
    `Methodology versions: locked ${diff.methodologyVersions.locked.join(", ") || "–"}; now ${diff.methodologyVersions.current.join(", ") || "–"}. Hourly input rows: locked ${formatNumber(diff.inputRowCounts.locked.emissionsHourly, 0)}, now ${formatNumber(diff.inputRowCounts.current.emissionsHourly, 0)}.`,
    { size: 8 },
  );
}

function trendSection(doc: PDFDoc, model: ReportModel) {
  const { content } = model;
  doc.addPage();
  heading(doc, "Trend and composition", 1, 200);
  const partialMonths = new Set(
    content.dataDays.byMonth
      .filter((m) => m.daysWithData > 0 && m.daysWithData < m.daysInMonth)
      .map((m) => m.month.slice(0, 7)),
  );
  const useTonnes =
    Math.max(...content.trend.map((m) => scope3Category1LocationKg(m.measures))) >= 10_000;
  const scale = useTonnes ? 1 / 1000 : 1;
  groupedBarChart(doc, {
    title: `Monthly cloud emissions (Scope 3 Cat. 1), ${content.trend[0]?.label ?? ""} to ${content.trend[content.trend.length - 1]?.label ?? ""}`,
    unit: useTonnes ? "t CO2e" : "kg CO2e",
    labels: content.trend.map(
      (m) => `${m.label.replace(/ (\d\d)(\d\d)$/, " ’$2")}${partialMonths.has(m.key) ? "*" : ""}`,
    ),
    series: [
      {
        name: "Location-based (lifecycle grid factors)",
        color: colors.brand,
        values: content.trend.map((m) => scope3Category1LocationKg(m.measures) * scale),
      },
      {
        name: `Market-based (${trendMarketQualifier(content)})`,
        color: colors.accent,
        values: content.trend.map((m) => scope3Category1MarketKg(m.measures) * scale),
      },
    ],
    highlight: content.trend.map((m) => `${m.key}-01` >= content.period.start),
  });
  const partialShown = content.trend.filter((m) => partialMonths.has(m.key));
  if (partialShown.length) {
    paragraph(
      doc,
      `* Partial month: ${partialShown
        .map((m) => {
          const days = content.dataDays.byMonth.find((d) => d.month.startsWith(m.key))!;
          return `${m.label} has data on ${days.daysWithData} of ${days.daysInMonth} days`;
        })
        .join("; ")}.`,
      { size: 7.5, color: colors.muted },
    );
  }
  const total = content.totals.co2eLocationKg + content.totals.co2eEmbodiedKg;
  for (const dimension of ["provider", "service"]) {
    const breakdown = content.breakdowns.find((b) => b.dimension === dimension);
    if (!breakdown || breakdown.rows.length === 0) continue;
    horizontalBarChart(doc, {
      title: `${breakdown.title}: Scope 3 Cat. 1, location-based`,
      unit: "kg CO2e",
      rows: breakdown.rows.map((r) => ({
        label: r.label,
        value: scope3Category1LocationKg(r.measures),
      })),
      total,
    });
  }
}

function breakdownSections(doc: PDFDoc, model: ReportModel) {
  const { content } = model;
  heading(doc, "Breakdowns", 1, 120);
  paragraph(
    doc,
    "All figures in kg CO2e unless stated; Scope 3 Cat. 1 = electricity + embodied hardware. Largest first. Tag breakdowns are summed from hourly rows; rows without the tag are shown as (untagged).",
    { size: 7.5, color: colors.muted },
  );
  for (const breakdown of content.breakdowns)
    breakdownTable(doc, breakdown, content.totals.co2eLocationKg + content.totals.co2eEmbodiedKg);
}

function breakdownTable(doc: PDFDoc, breakdown: Breakdown, total: number) {
  heading(doc, breakdown.title, 2, 60);
  if (breakdown.rows.length === 0) {
    paragraph(doc, "No emissions in the period.");
    return;
  }
  const currencies = [...new Set(breakdown.rows.flatMap((r) => r.spend.map((s) => s.currency)))];
  const showSpend = currencies.length === 1;
  const columns: Column[] = [
    { title: "Group", weight: showSpend ? 2.7 : 3.1 },
    { title: "Scope 3 Cat. 1, location", weight: 1.35, align: "right" },
    { title: "Scope 3 Cat. 1, market", weight: 1.35, align: "right" },
    { title: "Electricity, location", weight: 1.25, align: "right" },
    { title: "Embodied", weight: 1.2, align: "right" },
    { title: "Energy (kWh)", weight: 1.2, align: "right" },
    { title: "Water (L)", weight: 1.1, align: "right" },
    { title: "Share", weight: 0.95, align: "right" },
    ...(showSpend
      ? [{ title: `Spend (${currencies[0]})`, weight: 1.2, align: "right" as const }]
      : []),
  ];
  drawTable(
    doc,
    columns,
    breakdown.rows.map((r) => ({
      cells: [
        r.label,
        kg(scope3Category1LocationKg(r.measures)),
        kg(scope3Category1MarketKg(r.measures)),
        kg(r.measures.co2eLocationKg),
        kg(r.measures.co2eEmbodiedKg),
        kg(r.measures.kwhFacility),
        kg(r.measures.waterL),
        total > 0 ? formatShare(scope3Category1LocationKg(r.measures) / total) : "–",
        ...(showSpend ? [formatNumber(r.spend[0]?.amount ?? 0, 2)] : []),
      ],
    })),
    { fontSize: 7.4 },
  );
}

function intensitySection(doc: PDFDoc, model: ReportModel) {
  const { intensity } = model.content;
  heading(doc, "Intensity", 1, 90);
  const rows = [
    ...intensity.spend.map((s) => ({
      cells: [
        `Per 1,000 ${s.currency} of cost covered by the estimate (${s.currency} ${formatNumber(s.spendAmount, 2)} in the period)`,
        s.co2eLocationKgPer1000 === null ? "–" : formatNumber(s.co2eLocationKgPer1000, 2),
        s.co2eMarketKgPer1000 === null ? "–" : formatNumber(s.co2eMarketKgPer1000, 2),
        `kg CO2e / 1,000 ${s.currency}`,
      ],
    })),
    ...intensity.functionalUnits.map((u) => ({
      cells: [
        `SCI per ${u.name} (${formatNumber(u.count, 0)} ${u.name} in the period)`,
        formatNumber(u.sciKgPerUnit * 1000, 3),
        formatNumber(u.co2eMarketKgPerUnit * 1000, 3),
        `g CO2e / ${u.name}`,
      ],
    })),
  ];
  if (rows.length === 0) {
    paragraph(
      doc,
      "No spend was billed with the usage and no functional-unit counts were supplied for this period.",
    );
    return;
  }
  drawTable(
    doc,
    [
      { title: "Rate", weight: 4.2 },
      { title: "Location-based (SCI)", weight: 1.6, align: "right" },
      {
        title: `Market-based (${periodMarketQualifier(model.content)})`,
        weight: 1.4,
        align: "right",
      },
      { title: "Unit", weight: 1.8 },
    ],
    rows,
  );
  paragraph(
    doc,
    "SCI (ISO/IEC 21031) = (location-based electricity + embodied) ÷ functional units; market-based instruments are not allowed in SCI, the market-based rate is for reference only." +
      (intensity.functionalUnits.length === 0
        ? " Supply a count of a functional unit (orders, users, API calls…) to get a per-unit rate."
        : ""),
    { size: 7.5, color: colors.muted },
  );
}

const targetStatusLabel = {
  on_track: "on track",
  at_risk: "at risk",
  off_track: "off track",
  no_base_year_data: "no base-year data",
} as const;

/** Each reduction target: the pathway this year, the forecast to year end with its 95 % interval. */
function targetsSection(doc: PDFDoc, model: ReportModel) {
  const targets = model.content.targets!;
  heading(doc, "Reduction targets", 1, 110);
  drawTable(
    doc,
    [
      { title: "Target", weight: 3.2 },
      { title: "Base year kg", weight: 1.3, align: "right" },
      { title: "Allowed this year kg", weight: 1.4, align: "right" },
      { title: "Year to date kg", weight: 1.3, align: "right" },
      { title: "Forecast to year end kg (95 %)", weight: 2.2, align: "right" },
      { title: "Status", weight: 1.1 },
    ],
    targets.map(({ target, progress }) => ({
      cells: [
        `${formatNumber(target.reductionPercent, 1)} % by ${target.targetYear} from ${target.baseYear}, ${target.basis}-based${target.preset ? " (SBTi 4.2 %/year)" : ""}`,
        formatNumber(progress.baseYearKg, 0),
        formatNumber(progress.pathwayKg, 0),
        formatNumber(progress.yearToDateKg, 0),
        `${formatNumber(progress.forecastKg, 0)} (${formatNumber(progress.forecastLowKg, 0)}–${formatNumber(progress.forecastHighKg, 0)})`,
        targetStatusLabel[progress.status],
      ],
    })),
  );
  paragraph(
    doc,
    `Progress in ${targets[0]!.progress.year}, as of the end of this period. Allowed this year: the straight line from the base year to the target. The forecast extends this year's daily trend (least squares) to 31 December; the range is its 95 % prediction interval (docs/methodology.md §19.2–19.3).`,
    { size: 7.5, color: colors.muted },
  );
}

/** "Cost coverage by service", then tax and credits: the one definition, labelled. */
function costCoverageSection(doc: PDFDoc, model: ReportModel) {
  const cost = model.content.costCoverage!;
  heading(doc, "Cost coverage by service", 1, 120);
  paragraph(doc, `${cost.definition} ${cost.intensityBasis}`, { size: 7.5, color: colors.muted });
  if (cost.total.length === 0) {
    paragraph(doc, "No cost was billed in this period.");
    return;
  }
  const amount = (list: { currency: string; amount: number }[], currency: string) =>
    formatNumber(list.find((s) => s.currency === currency)?.amount ?? 0, 2);
  const rows: TableRow[] = cost.byService.flatMap((r) =>
    r.total.map((s) => ({
      cells: [
        r.label,
        s.currency,
        amount(r.covered, s.currency),
        amount(r.outOfScope ?? [], s.currency),
        amount(r.notModelled, s.currency),
        formatNumber(s.amount, 2),
      ],
    })),
  );
  for (const s of cost.total)
    rows.push({
      cells: [
        "All services",
        s.currency,
        amount(cost.covered, s.currency),
        amount(cost.outOfScope ?? [], s.currency),
        amount(cost.notModelled, s.currency),
        formatNumber(s.amount, 2),
      ],
      bold: true,
    });
  drawTable(
    doc,
    [
      { title: "Service", weight: 3 },
      { title: "Currency", weight: 0.9 },
      { title: costCoverageLabels.covered, weight: 1.5, align: "right" },
      { title: costCoverageLabels.outOfScope, weight: 1.3, align: "right" },
      { title: costCoverageLabels.notModelled, weight: 1.3, align: "right" },
      { title: costCoverageLabels.total, weight: 1.2, align: "right" },
    ],
    rows,
  );
  heading(doc, "Tax and credits (part of the cost out of scope)", 2, 50);
  const lines = [
    [costCoverageLabels.tax, cost.tax],
    [costCoverageLabels.credits, cost.credits],
  ] as const;
  drawTable(
    doc,
    [
      { title: "Line", weight: 4 },
      { title: "Currency", weight: 1 },
      { title: "Amount", weight: 1.6, align: "right" },
    ],
    lines.flatMap(([label, list]) =>
      list.length === 0
        ? [{ cells: [label, "", "0.00"] }]
        : list.map((s) => ({ cells: [label, s.currency, formatNumber(s.amount, 2)] })),
    ),
  );
}

function qualitySection(doc: PDFDoc, model: ReportModel) {
  const { dataQuality, totals } = model.content;
  heading(doc, "Data quality", 1, 120);
  const coverage = dataQuality.coverage;
  const currency = coverage.currency ?? "mixed currencies";
  drawTable(
    doc,
    [
      { title: "Coverage of spend", weight: 4.6 },
      { title: `Amount (${currency})`, weight: 1.6, align: "right" },
      { title: "Share", weight: 1, align: "right" },
    ],
    [
      {
        cells: [
          "Spend estimated (from usage with an energy model, or from spend)",
          formatNumber(coverage.spendEstimated, 2),
          formatShare(coverage.shareEstimated),
        ],
        bold: true,
      },
      {
        cells: [
          "Spend not estimated (in scope without an estimate, lines left out, lines in error)",
          formatNumber(coverage.spendUnsupported, 2),
          coverage.shareEstimated === null ? "–" : formatShare(1 - coverage.shareEstimated),
        ],
      },
      {
        cells: [
          "Out of scope, outside the share (tax, credits, refunds, fees, support, marketplace)",
          formatNumber(coverage.spendFinancial, 2),
          "",
        ],
      },
      ...coverage.lines.map((line) => ({
        cells: [
          `  ${line.reason} (${line.category}${line.lines === null ? "" : `, ${formatNumber(line.lines, 0)} lines`})`,
          formatNumber(line.spendAmount, 2),
          "",
        ],
      })),
    ],
  );
  paragraph(doc, coverage.note, { size: 7.5, color: colors.muted });
  paragraph(
    doc,
    `Default factors: ${kg(dataQuality.co2eOnDefaultsKg)} kg CO2e of the ${kg(model.content.customerView.scope3Category1LocationKg)} kg location-based total (${formatShare(dataQuality.shareOnDefaults)}) rests on at least one default factor rather than regional or measured data (appendix section 8).`,
  );
  if (dataQuality.shareSpendBased !== undefined)
    paragraph(
      doc,
      `Spend-based: ${kg(totals.co2eSpendBasedKg)} kg CO2e (${formatShare(dataQuality.shareSpendBased)} of the location-based total) is estimated from the cost of usage without an energy model (appendix section 2.10).`,
    );
  const hourly = dataQuality.hourlyCoverage;
  if (hourly) {
    heading(doc, "Hourly coverage", 2, 60);
    paragraph(
      doc,
      `${hourlyCoverageLabels.shareHourlyGrid}: ${formatShare(hourly.shareHourlyGrid)} of ${formatNumber(hourly.kwhFacility, 0)} kWh; the rest used the annual grid factor. ${hourlyCoverageLabels.shareDisaggregated}: ${formatShare(hourly.shareDisaggregated)} (its hourly pattern is estimated, not measured).`,
    );
    paragraph(doc, hourlyCoverageDefinition, { size: 7.5, color: colors.muted });
    if (hourly.rows.length)
      drawTable(
        doc,
        [
          { title: "Month", weight: 1 },
          { title: "Provider", weight: 1 },
          { title: "Region", weight: 1.8 },
          { title: "Facility kWh", weight: 1.4, align: "right" },
          { title: "On hourly grid factors", weight: 1.6, align: "right" },
          { title: "Disaggregated", weight: 1.4, align: "right" },
        ],
        hourly.rows.map((r) => ({
          cells: [
            r.month.slice(0, 7),
            r.provider,
            r.region,
            formatNumber(r.kwhFacility, 0),
            formatShare(r.shareHourlyGrid),
            formatShare(r.shareDisaggregated),
          ],
        })),
      );
  }
  heading(doc, "Methodology versions and data packs", 2, 60);
  if (dataQuality.methodologies.length === 0) paragraph(doc, "No emissions rows in the period.");
  else
    drawTable(
      doc,
      [
        { title: "Methodology version", weight: 2.6 },
        { title: "Hourly rows", weight: 1.1, align: "right" },
        { title: "Location-based (kg CO2e)", weight: 1.5, align: "right" },
        { title: "Data pack and checksum", weight: 4.2, font: "mono" },
      ],
      dataQuality.methodologies.map((m) => ({
        cells: [
          m.methodologyVersion,
          formatNumber(m.hourlyRows, 0),
          kg(m.co2eLocationKg),
          `${m.dataPack} ${m.dataPackChecksum}`,
        ],
      })),
      { fontSize: 7.2 },
    );
  heading(doc, "Reconciliation with provider-reported figures", 2, 50);
  const reconciliation = dataQuality.reconciliation;
  if (reconciliation.status === "none") paragraph(doc, reconciliation.note);
  else {
    drawTable(
      doc,
      [
        { title: "Provider and scope", weight: 2.2 },
        { title: "Compared with", weight: 2.8 },
        { title: "Provider (kg CO2e)", weight: 1.3, align: "right" },
        { title: "Canopy (kg CO2e)", weight: 1.3, align: "right" },
        { title: "Canopy ÷ provider", weight: 1, align: "right" },
      ],
      reconciliation.rows.map((r) => ({
        cells: [
          `${r.provider} ${r.scope} (${r.sources.join(", ")})`,
          r.comparedWith,
          kg(r.providerCo2eKg),
          kg(r.canopyCo2eKg),
          r.ratio === null ? "–" : formatNumber(r.ratio, 3),
        ],
      })),
      { fontSize: 7.4 },
    );
    paragraph(doc, reconciliation.note, { size: 7.5, color: colors.muted });
  }
}

function lineageSection(doc: PDFDoc, model: ReportModel) {
  const { lineage, period, methodology } = model.content;
  heading(doc, "Lineage", 1, 160);
  const check = lineage.hourlyCheck;
  drawTable(
    doc,
    [
      { title: "Item", weight: 2.2 },
      { title: "Value", weight: 5.8 },
    ],
    [
      {
        cells: [
          "Report id and version",
          `${model.header.reportId}, version ${model.header.version} (${model.header.status})`,
        ],
      },
      { cells: ["Period (UTC)", `${period.start} 00:00 to ${lastDay(period.end)} 24:00`] },
      { cells: ["Content SHA-256", model.header.contentSha256] },
      { cells: ["Methodology version", lineage.methodologyVersion ?? "–"] },
      { cells: ["Data pack checksum", lineage.dataPackChecksum ?? "–"] },
      { cells: ["Methodology document", `${methodology.source}, SHA-256 ${methodology.sha256}`] },
      {
        cells: [
          "Input rows: emissions_hourly",
          formatNumber(lineage.inputRowCounts.emissionsHourly, 0),
        ],
      },
      {
        cells: [
          "Input rows: emissions_monthly",
          formatNumber(lineage.inputRowCounts.emissionsMonthly, 0),
        ],
      },
      { cells: ["Input rows: usage_hourly", formatNumber(lineage.inputRowCounts.usageHourly, 0)] },
      {
        cells: [
          "Rollups against hourly rows",
          check.agrees
            ? `Agree: the monthly rollups and the hourly rows give the same totals (largest difference ${formatNumber(check.maxDifference, 6)}).`
            : `DISAGREE by up to ${formatNumber(check.maxDifference, 6)}: estimation may still be running; do not finalize.`,
        ],
      },
      ...lineage.sources.map((source) => {
        const [table, ...rest] = source.split(": ");
        return { cells: [`Source: ${table}`, rest.join(": ")] };
      }),
      ...(lineage.usageSources ?? []).map((source) => ({
        cells: [
          `Data from ${source.runKind ?? "unrecorded run"}`,
          `${source.label || "–"} (${source.sourceKind}; ${source.syncRunId ?? "no run recorded"}${source.createdAt ? `, ${source.createdAt.slice(0, 16).replace("T", " ")} UTC` : ""}): ${formatNumber(source.rows, 0)} usage rows, cost ${formatNumber(source.costAmount, 2)}`,
        ],
      })),
    ],
    { fontSize: 7.6 },
  );
  paragraph(
    doc,
    "The content SHA-256 is the SHA-256 of the report content (every figure, the boundary, the parameters, the lineage and the methodology text) serialized as canonical JSON (keys sorted, no whitespace); it is the same on the PDF, the XLSX and the CSV of this version. A locked version never changes: later re-estimations create a new version.",
    { size: 7.5, color: colors.muted },
  );
}

/** Running header, footer with page numbers, and a DRAFT mark on drafts, on every page. */
function decoratePages(doc: PDFDoc, model: ReportModel) {
  const { content, header } = model;
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const footerY = page.height - page.margin.bottom + 22;
    doc
      .moveTo(contentLeft, footerY - 6)
      .lineTo(contentLeft + contentWidth, footerY - 6)
      .lineWidth(0.4)
      .strokeColor(colors.rule)
      .stroke();
    setFont(doc, "body", 7, colors.muted);
    doc.text(
      `${content.organization.name} · Cloud emissions report ${content.period.label} · Report ${header.reportId} · v${header.version} ${header.status === "final" ? "final" : "DRAFT"}`,
      contentLeft,
      footerY,
      { width: contentWidth - 70, lineBreak: false },
    );
    doc.text(
      `Page ${i - range.start + 1} of ${range.count}`,
      contentLeft + contentWidth - 70,
      footerY,
      { width: 70, align: "right", lineBreak: false },
    );
    if (i > range.start) {
      doc.text(
        `${content.organization.name} · ${content.period.label}`,
        contentLeft,
        page.margin.top - 26,
        { width: contentWidth / 2, lineBreak: false },
      );
      doc.text(
        `SHA-256 ${header.contentSha256.slice(0, 16)}…`,
        contentLeft + contentWidth / 2,
        page.margin.top - 26,
        { width: contentWidth / 2, align: "right", lineBreak: false },
      );
    }
    if (header.status === "draft") {
      doc.save();
      doc.rotate(-35, { origin: [page.width / 2, page.height / 2] });
      setFont(doc, "bold", 96, colors.draft);
      doc.fillOpacity(0.06);
      doc.text("DRAFT", 0, page.height / 2 - 50, {
        width: page.width,
        align: "center",
        lineBreak: false,
      });
      doc.restore();
    }
    doc.page.margins.bottom = bottomMargin;
  }
}

const dimensionLabel = (dimension: string) =>
  dimension.startsWith("tag:")
    ? `Tag ${dimension.slice(4)}`
    : dimension[0]!.toUpperCase() + dimension.slice(1);
