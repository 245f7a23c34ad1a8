import { providerNames, type Provider } from "@canopy/methodology/providers";

const nf = (digits: number) =>
  new Intl.NumberFormat("en", { maximumFractionDigits: digits, minimumFractionDigits: 0 });

const significant = new Intl.NumberFormat("en", { maximumSignificantDigits: 3 });

/** kg CO2e with a sensible unit: g, kg or t. */
export function formatKg(kg: number): string {
  const abs = Math.abs(kg);
  if (abs === 0) return "0 kg";
  if (abs < 1e-6) return "< 1 mg";
  if (abs < 1e-3) return `${significant.format(kg * 1e6)} mg`;
  if (abs < 1) return `${significant.format(kg * 1000)} g`;
  if (abs < 1000) return `${nf(abs < 10 ? 2 : 1).format(kg)} kg`;
  return `${nf(abs < 10_000 ? 2 : 1).format(kg / 1000)} t`;
}

export function formatNumber(value: number, digits = 1): string {
  if (value !== 0 && Math.abs(value) < 0.001) return "< 0.001";
  if (value !== 0 && Math.abs(value) < 1 && digits > 0) return significant.format(value);
  return nf(Math.abs(value) >= 100 ? 0 : digits).format(value);
}

export function formatMoney(value: number, currency: string | null): string {
  if (!currency) return nf(2).format(value);
  try {
    return new Intl.NumberFormat("en", {
      style: "currency",
      currency,
      maximumFractionDigits: 2,
    }).format(value);
  } catch {
    return `${nf(2).format(value)} ${currency}`;
  }
}

export { formatBytes } from "@canopy/jobs/format-bytes";

export const formatPercent = (share: number, digits = 1) => `${nf(digits).format(share * 100)}%`;

/** Relative change as "+12.3%" / "−4.0%", or "n/a" without a base. */
export function formatDelta(
  current: number,
  base: number,
): { text: string; direction: "up" | "down" | "flat" } {
  if (!base) return { text: "n/a", direction: "flat" };
  const change = (current - base) / base;
  const text = `${change > 0 ? "+" : change < 0 ? "−" : "±"}${nf(1).format(Math.abs(change) * 100)}%`;
  return { text, direction: change > 0.0005 ? "up" : change < -0.0005 ? "down" : "flat" };
}

export function monthLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString("en", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** A provider as every table, legend and filter names it ("AWS", not "aws"). */
export const providerLabel = (provider: string) =>
  providerNames[provider as Provider] ?? provider.toUpperCase();

/**
 * A chart period as a person reads it: "Mar 2025" (month), "Mar 12" (day), "Mar 12 14:00" (hour,
 * UTC). Periods are YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z.
 */
export function periodLabel(period: string, granularity: string): string {
  const date = new Date(period.length === 10 ? `${period}T00:00:00Z` : period);
  if (Number.isNaN(date.getTime())) return period;
  if (granularity === "month")
    return date.toLocaleDateString("en", { month: "short", year: "numeric", timeZone: "UTC" });
  const day = date.toLocaleDateString("en", { day: "numeric", month: "short", timeZone: "UTC" });
  if (granularity === "day") return day;
  return `${day} ${period.slice(11, 16)}`;
}
