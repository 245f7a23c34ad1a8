import { comparisonChangeText, type ComparisonLine } from "../model/comparisons";
import { scope3Category1LocationKg, scope3Category1MarketKg } from "../model/measures";
import type { BreakdownRow, DiffBreakdownLine, DiffLine } from "../model/types";
import { formatChange, formatNumber, formatShare, formatSpend } from "./format";

/**
 * The cells of the report's tables, formatted once for the report page and the PDF: every quantity
 * (kg CO2e, kWh, L) with one decimal and grouping in its column's unit, changes as "+12.3 %",
 * shares as "12.3 %", money with two decimals. The page once mixed "12,345.679" (diff) with "12.3 t"
 * (breakdowns) in one view.
 */
export const formatFigure = (value: number): string => formatNumber(value, 1);

/** "+12.3", "−4.0", "±0.0": a difference in its column's unit. */
export function formatSignedFigure(value: number): string {
  const text = formatFigure(Math.abs(value));
  if (text === formatFigure(0)) return `±${text}`;
  return `${value > 0 ? "+" : "−"}${text}`;
}

export function breakdownCells(row: BreakdownRow, totalLocationKg: number) {
  const location = scope3Category1LocationKg(row.measures);
  return {
    label: row.label,
    locationKg: formatFigure(location),
    marketKg: formatFigure(scope3Category1MarketKg(row.measures)),
    share: totalLocationKg > 0 ? formatShare(location / totalLocationKg) : "–",
    kwhFacility: formatFigure(row.measures.kwhFacility),
    spend: formatSpend(row.spend),
  };
}

export function diffTotalCells(line: DiffLine) {
  return {
    locked: formatFigure(line.locked),
    current: formatFigure(line.current),
    delta: formatSignedFigure(line.delta),
    change: formatChange(line.deltaRatio),
  };
}

export function diffGroupCells(line: DiffBreakdownLine) {
  return {
    locked: formatFigure(line.lockedCo2eLocationKg),
    current: formatFigure(line.currentCo2eLocationKg),
    delta: formatSignedFigure(line.deltaKg),
  };
}

export function comparisonCells(line: ComparisonLine) {
  return {
    locationKg: line.noData ? "no data" : formatFigure(line.locationKg),
    marketKg: line.noData ? "–" : formatFigure(line.marketKg),
    change: comparisonChangeText(line, formatChange),
    days: `${line.comparison.daysWithData} / ${line.comparison.daysInPeriod}`,
  };
}
