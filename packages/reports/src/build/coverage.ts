import { costPartsOf, lineCoverage, outOfScopeReasons } from "@canopy/methodology";
import { round6 } from "../model/measures";
import type { BoundaryAccount, Coverage, CoverageLine } from "../model/types";
import type { ReportPeriod } from "../period";
import type { ImportRun, MonthlyRow, OtherKindCostLine } from "./queries";

/**
 * What every billed line became (@canopy/methodology completeness.ts): estimated from usage or from
 * spend (together the spend the estimate covers), out of scope (tax, credits, fees, support…: outside
 * the share), or not modelled (in scope without an estimate: spend in a currency other than USD, and
 * lines the importers left out, which carry no usage of their own).
 */
const errorReasons = new Set(["error", "unreadable line"]);
export const SPEND_BASED = "usage with no energy model, estimated from spend";
export const NO_ESTIMATE =
  "in-scope cost without an estimate (currency not USD, or estimated before the spend-based method)";

const DAY_MS = 86_400_000;

const isOutOfScope = (reason: string) => Object.hasOwn(outOfScopeReasons, reason);

export function buildCoverage(
  inPeriod: readonly MonthlyRow[],
  importRuns: readonly ImportRun[],
  period: ReportPeriod,
  boundary: { allAccounts: boolean; accounts: BoundaryAccount[] },
  otherKindCost: readonly OtherKindCostLine[] = [],
): Coverage {
  const currencies = [
    ...new Set(inPeriod.map((r) => r.currency).filter((c): c is string => Boolean(c))),
  ].sort();
  const currency = currencies.length === 1 ? currencies[0]! : null;
  let spendCovered = 0;
  let spendSpendBased = 0;
  let spendNotModelled = 0;
  for (const row of inPeriod) {
    const parts = costPartsOf({ ...row, costAmount: row.spendAmount });
    spendCovered += parts.covered;
    spendSpendBased += parts.spendBased;
    spendNotModelled += parts.notModelled;
  }
  const lines = new Map<string, CoverageLine>();
  // Out-of-scope cost-only lines stored in the ledger (kind "other", usage_type = the reason), by reason.
  for (const line of otherKindCost) {
    if (lineCoverage({ kind: "other", usageType: line.usageType, service: "" }) !== "out-of-scope")
      continue;
    if (line.amount === 0) continue;
    const entry = lines.get(line.usageType) ?? {
      reason: line.usageType,
      category: "out-of-scope",
      lines: null,
      spendAmount: 0,
      currency: line.currency ?? currency,
    };
    entry.spendAmount += line.amount;
    lines.set(line.usageType, entry);
  }
  for (const [reason, amount, category] of [
    [SPEND_BASED, spendSpendBased, "spend-based"],
    [NO_ESTIMATE, spendNotModelled, "not-modelled"],
  ] as const) {
    if (Math.abs(amount) > 1e-9)
      lines.set(reason, { reason, category, lines: null, spendAmount: amount, currency });
  }
  const boundaryIds = new Set(boundary.accounts.map((a) => a.id));
  const periodStartMs = Date.parse(`${period.start}T00:00:00Z`);
  const periodEndMs = Date.parse(`${period.end}T00:00:00Z`);
  for (const run of importRuns) {
    const accounts = run.details?.cloudAccountIds;
    if (accounts ? !accounts.some((id) => boundaryIds.has(id)) : !boundary.allAccounts) continue;
    const startMs = run.details?.span
      ? Date.parse(run.details.span.start)
      : run.windowStart?.getTime();
    const endMs = run.details?.span ? Date.parse(run.details.span.end) : run.windowEnd?.getTime();
    if (startMs === undefined || endMs === undefined || !(endMs > startMs)) continue;
    // A file's left-out lines are not dated: assign them by the share of the file's span in the period.
    const overlapMs = Math.min(endMs, periodEndMs) - Math.max(startMs, periodStartMs);
    const share = Math.max(0, overlapMs) / Math.max(endMs - startMs, DAY_MS);
    if (share <= 0) continue;
    for (const [reason, skipped] of Object.entries(run.details?.skipped ?? {})) {
      const category = errorReasons.has(reason)
        ? "error"
        : isOutOfScope(reason)
          ? "out-of-scope"
          : "not-modelled";
      const line = lines.get(reason) ?? {
        reason,
        category,
        lines: 0,
        spendAmount: 0,
        currency: run.details?.currency ?? currency,
      };
      line.lines = (line.lines ?? 0) + Math.round(skipped.lines * share);
      line.spendAmount += skipped.costAmount * share;
      lines.set(reason, line);
    }
  }
  const sorted = [...lines.values()]
    .map((line) => ({ ...line, spendAmount: round6(line.spendAmount) }))
    .sort(
      (a, b) => Math.abs(b.spendAmount) - Math.abs(a.spendAmount) || (a.reason < b.reason ? -1 : 1),
    );
  const spendUnsupported = round6(
    sorted
      .filter((l) => l.category === "not-modelled" || l.category === "error")
      .reduce((n, l) => n + l.spendAmount, 0),
  );
  const spendFinancial = round6(
    sorted.filter((l) => l.category === "out-of-scope").reduce((n, l) => n + l.spendAmount, 0),
  );
  const spendEstimated = round6(spendCovered);
  const denominator = spendEstimated + spendUnsupported;
  return {
    currency,
    spendEstimated,
    spendUnsupported,
    spendFinancial,
    shareEstimated: denominator > 0 ? round6(spendEstimated / denominator) : null,
    lines: sorted,
    note: sorted.some((line) => line.lines !== null)
      ? "Lines left out by file imports are assigned to the period by the share of each file's time span inside it."
      : "No billing lines covering this period were left out by the imports.",
  };
}
