import type { Estimate, EstimateQuality, Quality } from "@canopy/methodology";
import type { AggregateSnapshot, GroupTotals } from "./estimate-aggregate";
import type { LineResult } from "./estimate-pipeline";

export const outputFormats = ["table", "json", "csv"] as const;
export type OutputFormat = (typeof outputFormats)[number];

const numberColumns = [
  ["records", "records"],
  ["kwhIt", "kWh IT"],
  ["kwhFacility", "kWh facility"],
  ["co2eLocationKg", "CO2e location kg"],
  ["co2eMarketKg", "CO2e market kg"],
  ["embodiedKg", "embodied kg"],
  ["waterL", "water L"],
  ["costAmount", "cost"],
] as const satisfies readonly (readonly [keyof GroupTotals, string])[];

/** Human-readable number: thousands separators, 3 significant decimals for small values. */
export function formatNumber(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  if (magnitude >= 1) return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return value.toPrecision(3);
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "0.0%";
}

function sortedGroups(snapshot: AggregateSnapshot): GroupTotals[] {
  if (snapshot.grouping === "day" || snapshot.grouping === "month") {
    return [...snapshot.groups].sort((a, b) => a.key.localeCompare(b.key));
  }
  return [...snapshot.groups].sort(
    (a, b) => b.co2eLocationKg - a.co2eLocationKg || a.key.localeCompare(b.key),
  );
}

export function groupsAsTable(snapshot: AggregateSnapshot): string {
  const rows = [...sortedGroups(snapshot), snapshot.totals];
  const header = [snapshot.grouping, ...numberColumns.map(([, label]) => label)];
  const body = rows.map((row) => [
    row.key,
    ...numberColumns.map(([field]) => formatNumber(row[field])),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  const separator = widths.map((width) => "-".repeat(width)).join("  ");
  const lines = [
    line(header),
    separator,
    ...body.slice(0, -1).map(line),
    separator,
    line(body[body.length - 1] ?? []),
  ];
  return `${lines.join("\n")}\n`;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function groupsAsCsv(snapshot: AggregateSnapshot): string {
  const header = [snapshot.grouping, ...numberColumns.map(([field]) => field)];
  const rows = sortedGroups(snapshot).map((row) =>
    [row.key, ...numberColumns.map(([field]) => row[field])].map(csvCell).join(","),
  );
  return `${[header.join(","), ...rows].join("\n")}\n`;
}

export function summaryObject(snapshot: AggregateSnapshot) {
  const operational = snapshot.totals.co2eLocationKg;
  const embodied = snapshot.totals.embodiedKg;
  const share = (kg: number, whole: number) => (whole > 0 ? kg / whole : 0);
  return {
    lines: snapshot.lines,
    usageLines: snapshot.usageLines,
    records: snapshot.totals.records,
    currencies: snapshot.currencies,
    defaultFactorShare: {
      operationalAnyFactor: share(snapshot.defaults.anyOperationalKg, operational),
      power: share(snapshot.defaults.powerKg, operational),
      pue: share(snapshot.defaults.pueKg, operational),
      grid: share(snapshot.defaults.gridKg, operational),
      embodied: share(snapshot.defaults.embodiedKg, embodied),
    },
    unsupported: snapshot.unsupported,
    errors: { count: snapshot.errorCount, lines: snapshot.errors },
  };
}

export function groupsAsJson(
  snapshot: AggregateSnapshot,
  context: { file: string; format: string; profile: string },
): string {
  return `${JSON.stringify(
    {
      file: context.file,
      format: context.format,
      profile: context.profile,
      groupBy: snapshot.grouping,
      methodologyVersion: snapshot.methodologyVersion,
      groups: sortedGroups(snapshot),
      totals: snapshot.totals,
      summary: summaryObject(snapshot),
    },
    null,
    2,
  )}\n`;
}

const MAX_PRINTED_ERRORS = 20;

/** The human summary: default-factor shares, unsupported lines by reason, rows with errors. */
export function summaryText(
  snapshot: AggregateSnapshot,
  context: { format: string; profile: string; lineWord: string },
): string {
  const out: string[] = [];
  const currency = snapshot.currencies.length === 1 ? ` ${snapshot.currencies[0]}` : "";
  out.push(
    `Read ${snapshot.lines.toLocaleString("en-US")} ${context.lineWord}s (${context.format}): ${snapshot.usageLines.toLocaleString("en-US")} usage ${context.lineWord}s → ${snapshot.totals.records.toLocaleString("en-US")} usage records; ` +
      `${Object.values(snapshot.unsupported)
        .reduce((sum, entry) => sum + entry.lines, 0)
        .toLocaleString(
          "en-US",
        )} unsupported; ${snapshot.errorCount.toLocaleString("en-US")} with errors.`,
  );
  out.push(`Methodology ${snapshot.methodologyVersion} (profile ${context.profile}).`);
  const d = snapshot.defaults;
  const operational = snapshot.totals.co2eLocationKg;
  out.push(
    `Default factors: ${percent(d.anyOperationalKg, operational)} of location-based CO2e rests on at least one default factor ` +
      `(power ${percent(d.powerKg, operational)}, PUE ${percent(d.pueKg, operational)}, grid ${percent(d.gridKg, operational)}); ` +
      `${percent(d.embodiedKg, snapshot.totals.embodiedKg)} of embodied CO2e uses default hardware data.`,
  );
  const reasons = Object.entries(snapshot.unsupported).sort((a, b) => b[1].lines - a[1].lines);
  if (reasons.length > 0) {
    out.push("Unsupported lines (no energy estimated), by reason:");
    const width = Math.max(...reasons.map(([reason]) => reason.length));
    for (const [reason, entry] of reasons) {
      out.push(
        `  ${reason.padEnd(width)}  ${entry.lines.toLocaleString("en-US").padStart(9)} ${context.lineWord}s  cost ${formatNumber(entry.costAmount)}${currency}` +
          (entry.examples.length > 0 ? `  e.g. ${entry.examples.join("; ")}` : ""),
      );
    }
  }
  if (snapshot.errorCount > 0) {
    out.push(`Rows with errors (${snapshot.errorCount.toLocaleString("en-US")}):`);
    for (const error of snapshot.errors.slice(0, MAX_PRINTED_ERRORS))
      out.push(`  ${context.lineWord} ${error.lineNumber}: ${error.message}`);
    if (snapshot.errorCount > MAX_PRINTED_ERRORS) {
      out.push(
        `  … and ${(snapshot.errorCount - MAX_PRINTED_ERRORS).toLocaleString("en-US")} more (use --output json for up to 1,000)`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}

// ---- row mode -------------------------------------------------------------------------------

const qualityRank: Record<Quality, number> = {
  measured: 0,
  regional: 1,
  "provider-average": 2,
  default: 3,
};

/** Several records of one line (Lambda → compute + memory): sums, the worst quality per factor. */
export function combineEstimates(estimates: readonly Estimate[]): Estimate | undefined {
  const first = estimates[0];
  if (!first) return undefined;
  if (estimates.length === 1) return first;
  const combined: Estimate = { ...first, quality: { ...first.quality } };
  let dominantKwh = first.kwhIt;
  for (const estimate of estimates.slice(1)) {
    combined.kwhIt += estimate.kwhIt;
    combined.kwhFacility += estimate.kwhFacility;
    combined.co2eLocationKg += estimate.co2eLocationKg;
    combined.co2eMarketKg += estimate.co2eMarketKg;
    combined.embodiedKg += estimate.embodiedKg;
    combined.waterL += estimate.waterL;
    if (estimate.kwhIt > dominantKwh) {
      dominantKwh = estimate.kwhIt;
      combined.pue = estimate.pue;
      combined.gridIntensityGPerKwh = estimate.gridIntensityGPerKwh;
    }
    for (const factor of Object.keys(combined.quality) as (keyof EstimateQuality)[]) {
      if (
        qualityRank[estimate.quality[factor].quality] >
        qualityRank[combined.quality[factor].quality]
      ) {
        combined.quality[factor] = estimate.quality[factor];
      }
    }
  }
  return combined;
}

export function lineAsJson(result: LineResult): string {
  if (result.status === "error")
    return JSON.stringify({ line: result.lineNumber, status: "error", message: result.message });
  if (result.status === "unsupported") {
    const { reason, detail, costAmount, currency } = result.outcome;
    return JSON.stringify({
      line: result.lineNumber,
      status: "unsupported",
      reason,
      detail,
      costAmount,
      currency,
    });
  }
  const first = result.records[0];
  const estimate = combineEstimates(result.estimates);
  return JSON.stringify({
    line: result.lineNumber,
    status: "usage",
    provider: first?.provider,
    accountId: first?.accountId,
    service: first?.service,
    region: first?.region,
    periodStart: first?.periodStart,
    periodHours: first?.periodHours,
    usageType: first?.usageType,
    resourceId: first?.resourceId,
    costAmount: result.records.reduce((sum, record) => sum + (record.costAmount ?? 0), 0),
    currency: first?.currency,
    usage: result.records.map(
      ({ kind, quantity, unit, instanceType, vcpus, storageClass, gpuModel }) => ({
        kind,
        quantity,
        unit,
        instanceType,
        vcpus,
        storageClass,
        gpuModel,
      }),
    ),
    ...estimate,
  });
}

export const rowCsvHeader = [
  "line",
  "status",
  "provider",
  "accountId",
  "service",
  "region",
  "periodStart",
  "kind",
  "quantity",
  "unit",
  "kwhIt",
  "kwhFacility",
  "pue",
  "gridIntensityGPerKwh",
  "co2eLocationKg",
  "co2eMarketKg",
  "embodiedKg",
  "waterL",
  "costAmount",
  "qualityPower",
  "qualityPue",
  "qualityGrid",
  "qualityMarket",
  "qualityEmbodied",
  "qualityWater",
  "reasonOrMessage",
].join(",");

export function lineAsCsv(result: LineResult): string {
  if (result.status !== "usage") {
    const cost = result.status === "unsupported" ? result.outcome.costAmount : "";
    const note =
      result.status === "unsupported"
        ? `${result.outcome.reason}: ${result.outcome.detail}`
        : result.message;
    return [
      result.lineNumber,
      result.status,
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      cost,
      "",
      "",
      "",
      "",
      "",
      "",
      note,
    ]
      .map(csvCell)
      .join(",");
  }
  const first = result.records[0];
  const estimate = combineEstimates(result.estimates);
  const q = estimate?.quality;
  return [
    result.lineNumber,
    "usage",
    first?.provider ?? "",
    first?.accountId ?? "",
    first?.service ?? "",
    first?.region ?? "",
    first?.periodStart ?? "",
    result.records.map((record) => record.kind).join("+"),
    result.records.map((record) => record.quantity).join("+"),
    result.records.map((record) => record.unit).join("+"),
    estimate?.kwhIt ?? "",
    estimate?.kwhFacility ?? "",
    estimate?.pue ?? "",
    estimate?.gridIntensityGPerKwh ?? "",
    estimate?.co2eLocationKg ?? "",
    estimate?.co2eMarketKg ?? "",
    estimate?.embodiedKg ?? "",
    estimate?.waterL ?? "",
    result.records.reduce((sum, record) => sum + (record.costAmount ?? 0), 0),
    q?.power.quality ?? "",
    q?.pue.quality ?? "",
    q?.grid.quality ?? "",
    q?.market.quality ?? "",
    q?.embodied.quality ?? "",
    q?.water.quality ?? "",
    "",
  ]
    .map(csvCell)
    .join(",");
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Row mode as a table: one fixed-width line per input line. */
export function lineAsTableRow(result: LineResult): string {
  const line = String(result.lineNumber).padStart(8);
  if (result.status === "error") return `${line}  error        ${result.message}`;
  if (result.status === "unsupported") {
    return `${line}  unsupported  ${result.outcome.reason} (${result.outcome.detail}) cost ${formatNumber(result.outcome.costAmount)}`;
  }
  const first = result.records[0];
  const estimate = combineEstimates(result.estimates);
  const usage = result.records
    .map((record) => `${formatNumber(record.quantity)} ${record.unit}`)
    .join(" + ");
  return `${line}  usage        ${fit(first?.service ?? "", 22)} ${fit(first?.region ?? "", 16)} ${fit(usage, 26)} ${formatNumber(estimate?.kwhIt ?? 0).padStart(10)} kWh  ${formatNumber(estimate?.co2eLocationKg ?? 0).padStart(10)} kgCO2e`;
}

export const rowTableHeader = `${"line".padStart(8)}  status       ${"service".padEnd(22)} ${"region".padEnd(16)} ${"usage".padEnd(26)} ${"IT energy".padStart(14)}  ${"CO2e (location)".padStart(17)}`;
