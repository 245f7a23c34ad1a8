import type { ReportModel, Spend } from "../model/types";

export { periodMarketQualifier, trendMarketQualifier } from "../model/measures";

const formatters = new Map<number, Intl.NumberFormat>();
const formatter = (decimals: number) => {
  let f = formatters.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    formatters.set(decimals, f);
  }
  return f;
};

/** 12,345.6 (grouped, fixed decimals, a real minus sign). */
export function formatNumber(value: number, decimals = 1): string {
  const text = formatter(decimals).format(value);
  return text === `-${formatter(decimals).format(0)}`
    ? formatter(decimals).format(0)
    : text.replace(/^-/, "−");
}

/** "+12.3 %", "−4.0 %", "–" when there is no base. */
export function formatChange(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "–";
  const percent = ratio * 100;
  const text = formatNumber(Math.abs(percent), 1);
  if (text === "0.0") return "0.0\u00a0%";
  return `${percent > 0 ? "+" : "−"}${text}\u00a0%`;
}

export function formatShare(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "–";
  return `${formatNumber(ratio * 100, 1)}\u00a0%`;
}

export function formatSpend(spend: Spend[]): string {
  if (spend.length === 0) return "–";
  return spend.map((s) => `${s.currency} ${formatNumber(s.amount, 2)}`).join(" + ");
}

/** Tonnes for headlines: 12.35 t. */
export const formatTonnes = (kg: number): string => `${formatNumber(kg / 1000, 2)} t`;

/** Last day of a period given its exclusive end (YYYY-MM-DD). */
export function lastDay(endExclusive: string): string {
  return new Date(Date.parse(`${endExclusive}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** "2026-03-01 to 2026-03-31". */
export const periodRange = (start: string, endExclusive: string) =>
  `${start} to ${lastDay(endExclusive)}`;

export function statusLabel(model: ReportModel): string {
  return model.header.status === "final"
    ? `Final, version ${model.header.version}`
    : `Draft, version ${model.header.version} (not locked: figures may change)`;
}

/** "2026-04-05 09:12 UTC". */
export const formatTimestamp = (iso: string | null): string =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "–";

/** File name stem: canopy-report-demo-corp-2026-03-v1-draft. */
export function fileStem(model: ReportModel): string {
  const { content, header } = model;
  const period =
    content.period.kind === "month"
      ? content.period.start.slice(0, 7)
      : content.period.label.replace(" ", "-");
  return `canopy-report-${content.organization.slug}-${period}-v${header.version}-${header.status}`;
}

/** "" for complete data, else "partial: 19 of 28 days with data". */
export function partialNote(days: { daysWithData: number; daysInPeriod: number }): string {
  if (days.daysWithData >= days.daysInPeriod) return "";
  return days.daysWithData === 0
    ? "no data"
    : `partial: ${days.daysWithData} of ${days.daysInPeriod} days with data`;
}
