import { isCostNotModelled } from "@canopy/methodology";
import { round6 } from "../model/measures";
import type { BoundaryAccount, Coverage, CoverageLine } from "../model/types";
import type { ReportPeriod } from "../period";
import type { ImportRun, MonthlyRow, NotModelledCostLine } from "./queries";

/**
 * Billing lines the importers leave out carry no usage of their own: financial lines (tax, credits,
 * refunds, fees, commitments) are outside the coverage share; the rest is spend Canopy cannot
 * estimate (support, marketplace, licences, unsupported providers) and lowers it.
 */
const financialReasons = new Set([
  "tax",
  "credit",
  "refund",
  "discount",
  "purchase",
  "fee",
  "reservation-fee",
  "savings-plan-fee",
  "savings-plan-negation",
  "unused-commitment",
  "adjustment",
  "correction",
  "rounding",
  "surcharge-on-counted-usage",
]);
/** Reasons of cost-only lines with no usage Canopy could model (they lower the share). */
const unsupportedReasons = new Set([
  "support",
  "marketplace",
  "software-license",
  "provider-not-supported",
]);
const errorReasons = new Set(["error", "unreadable line"]);
export const NO_ENERGY_MODEL = "usage with no energy model (kind other)";

const DAY_MS = 86_400_000;

export function buildCoverage(
  inPeriod: readonly MonthlyRow[],
  importRuns: readonly ImportRun[],
  period: ReportPeriod,
  boundary: { allAccounts: boolean; accounts: BoundaryAccount[] },
  notModelledCost: readonly NotModelledCostLine[] = [],
): Coverage {
  const currencies = [
    ...new Set(inPeriod.map((r) => r.currency).filter((c): c is string => Boolean(c))),
  ].sort();
  const currency = currencies.length === 1 ? currencies[0]! : null;
  let spendEstimated = 0;
  let spendOther = 0;
  for (const row of inPeriod) {
    if (isCostNotModelled(row.kind)) spendOther += row.spendAmount;
    else spendEstimated += row.spendAmount;
  }
  const lines = new Map<string, CoverageLine>();
  // Cost-only lines stored in the ledger (kind "other", usage_type = the reason): by reason; the rest
  // of the kind-"other" cost is usage with no energy model.
  for (const line of notModelledCost) {
    const financial = financialReasons.has(line.usageType);
    if (!financial && !unsupportedReasons.has(line.usageType)) continue;
    if (line.amount === 0) continue;
    const entry = lines.get(line.usageType) ?? {
      reason: line.usageType,
      category: financial ? "financial" : "unsupported",
      lines: null,
      spendAmount: 0,
      currency: line.currency ?? currency,
    };
    entry.spendAmount += line.amount;
    spendOther -= line.amount;
    lines.set(line.usageType, entry);
  }
  if (Math.abs(spendOther) > 1e-9) {
    lines.set(NO_ENERGY_MODEL, {
      reason: NO_ENERGY_MODEL,
      category: "unsupported",
      lines: null,
      spendAmount: spendOther,
      currency,
    });
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
        : financialReasons.has(reason)
          ? "financial"
          : "unsupported";
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
    sorted.filter((l) => l.category !== "financial").reduce((n, l) => n + l.spendAmount, 0),
  );
  const spendFinancial = round6(
    sorted.filter((l) => l.category === "financial").reduce((n, l) => n + l.spendAmount, 0),
  );
  spendEstimated = round6(spendEstimated);
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
