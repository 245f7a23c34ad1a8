/** Pure helpers for what an import replaced or would replace (client and server). */

export type ReplacementFigures = {
  rows: number;
  costAmount: number;
  services: string[];
  sourceKinds: string[];
};

/** The shape of @canopy/db's AccountReplacement, as the API and the pages pass it on. */
export type AccountReplacementView = {
  cloudAccountId: string;
  provider: string;
  providerAccountId: string;
  start: string;
  end: string;
  stored: ReplacementFigures & { kwhFacility: number; co2eLocationKg: number };
  arriving: ReplacementFigures;
  reasons: string[];
};

const day = (iso: string) => new Date(iso).toISOString().slice(0, 10);

/** UTC days of [start, end): "2026-06-03", or "2026-06-01 → 2026-06-07" (the last day included). */
export function formatDays(start: string, end: string): string {
  const first = day(start);
  const last = day(new Date(Date.parse(end) - 1).toISOString());
  return first === last ? first : `${first} → ${last}`;
}

/** Number of UTC days in [start, end). */
export function dayCount(start: string, end: string): number {
  return Math.max(1, Math.round((Date.parse(end) - Date.parse(start)) / 86_400_000));
}

/** "Replaced: 25 rows over 2026-06-03 (previous version kept)", over every account. */
export function replacedLine(replaced: readonly AccountReplacementView[]): string {
  const rows = replaced.reduce((sum, a) => sum + a.stored.rows, 0);
  const days = [...new Set(replaced.map((a) => formatDays(a.start, a.end)))].join(", ");
  return `Replaced: ${rows.toLocaleString("en")} rows over ${days} (previous version kept)`;
}

/** The readable name of a source kind, or the kind itself when it is not known. */
export const kindLabel = (labels: Record<string, string>, kind: string) => labels[kind] ?? kind;

const providerNames: Record<string, string> = { aws: "AWS", azure: "Azure", gcp: "GCP" };
export const providerAccountLabel = (a: { provider: string; providerAccountId: string }) =>
  `${providerNames[a.provider] ?? a.provider.toUpperCase()} ${a.providerAccountId}`;
