import {
  periodMarketQualifier,
  changeRatio,
  measureInfo,
  measureKeys,
  round6,
  scope3Category1LocationKg,
  scope3Category1MarketKg,
} from "./measures";
import type { DiffBreakdownLine, DiffLine, ReportContent, ReportDiff } from "./types";

/** Relative tolerance under which two figures count as the same (re-summation noise). */
const RELATIVE_TOLERANCE = 1e-9;
const ABSOLUTE_TOLERANCE = 1e-6;

export function sameNumber(a: number, b: number): boolean {
  return (
    Math.abs(a - b) <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b))
  );
}

/**
 * Whether two contents say the same thing: equal strings and structure, numbers equal within
 * summation noise. A re-estimation that changes nothing therefore makes no new version.
 */
export function sameContent(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return sameNumber(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameContent(v, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (!sameContent(left[key], right[key])) return false;
  return true;
}

const MAX_BREAKDOWN_LINES = 15;

/** The market-based basis of the locked version and, when it differs, of the figures now. */
function marketBasisChange(locked: ReportContent, current: ReportContent): string {
  const before = periodMarketQualifier(locked);
  const after = periodMarketQualifier(current);
  return before === after ? before : `${before} → ${after}`;
}

/** The visible difference between a locked version and the figures now. */
export function diffContents(
  locked: {
    reportId: string;
    version: number;
    contentSha256: string;
    finalizedAt: string | null;
    content: ReportContent;
  },
  current: ReportContent,
): ReportDiff {
  const line = (metric: string, unit: string, before: number, after: number): DiffLine => ({
    metric,
    unit,
    locked: before,
    current: after,
    delta: round6(after - before),
    deltaRatio: changeRatio(after, before) ?? null,
  });
  const totals: DiffLine[] = [
    line(
      "Scope 3 Cat. 1, location-based (lifecycle grid factors)",
      "kg CO2e",
      scope3Category1LocationKg(locked.content.totals),
      scope3Category1LocationKg(current.totals),
    ),
    line(
      `Scope 3 Cat. 1, market-based (${marketBasisChange(locked.content, current)})`,
      "kg CO2e",
      scope3Category1MarketKg(locked.content.totals),
      scope3Category1MarketKg(current.totals),
    ),
    ...measureKeys.map((key) =>
      line(
        measureInfo[key].label,
        measureInfo[key].unit,
        // Versions locked before a measure existed have no value for it.
        locked.content.totals[key] ?? 0,
        current.totals[key],
      ),
    ),
  ];

  const breakdown: DiffBreakdownLine[] = [];
  for (const currentBreakdown of current.breakdowns) {
    const lockedRows = new Map(
      (
        locked.content.breakdowns.find((b) => b.dimension === currentBreakdown.dimension)?.rows ??
        []
      ).map((r) => [r.key, r]),
    );
    const keys = new Set([...lockedRows.keys(), ...currentBreakdown.rows.map((r) => r.key)]);
    for (const key of keys) {
      const before = lockedRows.get(key);
      const after = currentBreakdown.rows.find((r) => r.key === key);
      const lockedKg = before?.measures.co2eLocationKg ?? 0;
      const currentKg = after?.measures.co2eLocationKg ?? 0;
      if (sameNumber(lockedKg, currentKg)) continue;
      breakdown.push({
        dimension: currentBreakdown.dimension,
        key,
        label: after?.label ?? before?.label ?? key,
        lockedCo2eLocationKg: lockedKg,
        currentCo2eLocationKg: currentKg,
        deltaKg: round6(currentKg - lockedKg),
      });
    }
  }
  breakdown.sort(
    (a, b) =>
      Math.abs(b.deltaKg) - Math.abs(a.deltaKg) ||
      (a.dimension + a.key < b.dimension + b.key ? -1 : 1),
  );

  const versions = (content: ReportContent) =>
    content.dataQuality.methodologies.map((m) => m.methodologyVersion).sort();
  return {
    against: {
      reportId: locked.reportId,
      version: locked.version,
      contentSha256: locked.contentSha256,
      finalizedAt: locked.finalizedAt,
    },
    lockedTotals: locked.content.totals,
    totals,
    breakdown: breakdown.slice(0, MAX_BREAKDOWN_LINES),
    methodologyVersions: { locked: versions(locked.content), current: versions(current) },
    inputRowCounts: {
      locked: locked.content.lineage.inputRowCounts,
      current: current.lineage.inputRowCounts,
    },
    changed: !sameContent(locked.content, current),
  };
}
