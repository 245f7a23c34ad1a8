import { formatNumber } from "../format";
import { colors, contentLeft, contentWidth, ensureSpace, setFont, type PDFDoc } from "./document";

/** Round axis steps: 1, 2, 2.5 or 5 × 10^n, about `ticks` of them up to `max`. */
export function niceScale(max: number, ticks = 5): { step: number; top: number } {
  if (!(max > 0)) return { step: 1, top: 1 };
  const rough = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  return { step, top: Math.ceil(max / step) * step };
}

export type BarSeries = { name: string; color: string; values: number[] };

/**
 * Vertical grouped bars (one group per label) with a value axis, gridlines and a legend.
 * `highlight` marks the groups that belong to the reported period; the others are context.
 */
export function groupedBarChart(
  doc: PDFDoc,
  options: {
    title: string;
    unit: string;
    labels: string[];
    series: BarSeries[];
    highlight: boolean[];
    height?: number;
  },
): void {
  const height = options.height ?? 170;
  ensureSpace(doc, height + 40);
  const top = doc.y;
  setFont(doc, "bold", 9.5);
  doc.text(options.title, contentLeft, top, { width: contentWidth });
  const legendY = doc.y + 2;
  let legendX = contentLeft;
  setFont(doc, "body", 7.5, colors.muted);
  for (const series of options.series) {
    doc.rect(legendX, legendY + 1.5, 8, 6).fill(series.color);
    setFont(doc, "body", 7.5, colors.muted);
    doc.text(series.name, legendX + 11, legendY, { lineBreak: false });
    legendX += 11 + doc.widthOfString(series.name) + 14;
  }
  doc.text("Lighter bars: months before the reported period, for context.", legendX, legendY, {
    lineBreak: false,
  });

  const axisWidth = 46;
  const plotLeft = contentLeft + axisWidth;
  const plotWidth = contentWidth - axisWidth;
  const plotTop = legendY + 16;
  const plotHeight = height - 46;
  const max = Math.max(0, ...options.series.flatMap((s) => s.values));
  const { step, top: axisTop } = niceScale(max);
  setFont(doc, "body", 7, colors.muted);
  for (let value = 0; value <= axisTop + step / 2; value += step) {
    const y = plotTop + plotHeight - (value / axisTop) * plotHeight;
    doc
      .moveTo(plotLeft, y)
      .lineTo(plotLeft + plotWidth, y)
      .lineWidth(0.3)
      .strokeColor(colors.rule)
      .stroke();
    doc.text(formatNumber(value, step < 1 ? 2 : 0), contentLeft, y - 3.5, {
      width: axisWidth - 5,
      align: "right",
      lineBreak: false,
    });
  }
  doc.save();
  doc.rotate(-90, { origin: [contentLeft - 2, plotTop + plotHeight / 2] });
  doc.text(options.unit, contentLeft - 40, plotTop + plotHeight / 2 - 10, {
    width: 80,
    align: "center",
    lineBreak: false,
  });
  doc.restore();

  const groups = options.labels.length;
  const groupWidth = plotWidth / Math.max(groups, 1);
  const barWidth = Math.min(16, (groupWidth * 0.72) / options.series.length);
  options.labels.forEach((label, g) => {
    const groupLeft =
      plotLeft + g * groupWidth + (groupWidth - barWidth * options.series.length) / 2;
    options.series.forEach((series, s) => {
      const value = series.values[g] ?? 0;
      const barHeight = axisTop > 0 ? (value / axisTop) * plotHeight : 0;
      doc.save();
      if (!options.highlight[g]) doc.fillOpacity(0.38);
      doc
        .rect(groupLeft + s * barWidth, plotTop + plotHeight - barHeight, barWidth - 1, barHeight)
        .fill(series.color);
      doc.restore();
    });
    setFont(
      doc,
      options.highlight[g] ? "bold" : "body",
      6.8,
      options.highlight[g] ? colors.text : colors.muted,
    );
    doc.text(label, plotLeft + g * groupWidth, plotTop + plotHeight + 3, {
      width: groupWidth,
      align: "center",
      lineBreak: false,
    });
  });
  doc
    .moveTo(plotLeft, plotTop + plotHeight)
    .lineTo(plotLeft + plotWidth, plotTop + plotHeight)
    .lineWidth(0.6)
    .strokeColor(colors.muted)
    .stroke();
  doc.x = contentLeft;
  doc.y = plotTop + plotHeight + 18;
  setFont(doc, "body", 9);
}

/** Horizontal bars for the largest groups of a breakdown, with values and shares. */
export function horizontalBarChart(
  doc: PDFDoc,
  options: {
    title: string;
    unit: string;
    rows: { label: string; value: number }[];
    total: number;
    maxRows?: number;
  },
): void {
  const maxRows = options.maxRows ?? 8;
  const shown = options.rows.slice(0, maxRows);
  const rest = options.rows.slice(maxRows);
  if (rest.length)
    shown.push({ label: `${rest.length} more`, value: rest.reduce((n, r) => n + r.value, 0) });
  const rowHeight = 15;
  ensureSpace(doc, 22 + shown.length * rowHeight);
  setFont(doc, "bold", 9.5);
  doc.text(options.title, contentLeft, doc.y, { width: contentWidth });
  const top = doc.y + 3;
  const labelWidth = 170;
  const valueWidth = 120;
  const barLeft = contentLeft + labelWidth + 6;
  const barMax = contentWidth - labelWidth - valueWidth - 12;
  const max = Math.max(0, ...shown.map((r) => r.value));
  shown.forEach((row, i) => {
    const y = top + i * rowHeight;
    setFont(doc, "body", 7.8);
    doc.text(row.label, contentLeft, y + 2.5, {
      width: labelWidth,
      lineBreak: false,
      ellipsis: true,
    });
    const width = max > 0 ? (row.value / max) * barMax : 0;
    doc
      .rect(barLeft, y + 2, Math.max(width, 0.5), rowHeight - 5)
      .fill(i < maxRows ? colors.brand : colors.brandLight);
    const share =
      options.total > 0 ? ` (${formatNumber((row.value / options.total) * 100, 1)} %)` : "";
    setFont(doc, "body", 7.8, colors.muted);
    doc.text(
      `${formatNumber(row.value, 1)} ${options.unit}${share}`,
      barLeft + barMax + 6,
      y + 2.5,
      {
        width: valueWidth,
        lineBreak: false,
      },
    );
  });
  doc.x = contentLeft;
  doc.y = top + shown.length * rowHeight + 6;
  setFont(doc, "body", 9);
}
