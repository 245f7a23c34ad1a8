import { comparisonsFor, type CanopyMeasure, type ProviderName } from "@canopy/db";
import { round6 } from "../model/measures";
import type { BoundaryAccount, Reconciliation, ReconciliationRow } from "../model/types";
import type { MonthlyRow, ProviderFigure } from "./queries";

/** A provider scope with no Canopy counterpart (GCP Scope 1: the provider's own fuel use). */
const notEstimated = { label: "Not estimated by Canopy (provider's own fuel use)", measures: [] };

/**
 * What a provider figure is compared with, from @canopy/db comparisonsFor: the one definition the
 * reconciliation page and the API use too (methodology.md section 13: like with like).
 */
function comparedWith(
  provider: ProviderName,
  scope: string,
  modelVersion: string | null,
): { label: string; measures: CanopyMeasure[] } {
  const comparison = comparisonsFor(provider, modelVersion).find((c) => c.reportedScope === scope);
  return comparison
    ? { label: comparison.label, measures: comparison.canopyMeasures }
    : scope === "scope1"
      ? notEstimated
      : { label: "No like-for-like Canopy figure", measures: [] };
}

export const reconciliationViewNote =
  "This report uses Canopy's estimated view: none of its figures is scaled to the providers' totals. The calibration factor of a row is provider ÷ Canopy (1 ÷ ratio); its history per month is on the reconciliation page and at GET /api/v1/reconciliation.";

export function buildReconciliation(
  figures: readonly ProviderFigure[],
  accounts: readonly BoundaryAccount[],
  inPeriod: readonly MonthlyRow[],
): Reconciliation {
  const ids = new Set(accounts.map((a) => a.id));
  const providerIds = new Set(
    accounts.map((a) => `${a.provider}:${a.providerAccountId.toLowerCase()}`),
  );
  const inBoundary = figures.filter((f) =>
    f.cloudAccountId
      ? ids.has(f.cloudAccountId)
      : providerIds.has(`${f.provider}:${f.providerAccountId.toLowerCase()}`),
  );
  if (inBoundary.length === 0) {
    return {
      status: "none",
      note: "No provider-reported figures have been imported for this period and boundary, so there is nothing to reconcile yet. This report uses Canopy's estimated view.",
      rows: [],
    };
  }
  const groups = new Map<string, ProviderFigure[]>();
  for (const figure of inBoundary) {
    const key = `${figure.provider}\u0000${figure.scope}`;
    groups.set(key, [...(groups.get(key) ?? []), figure]);
  }
  const rows: ReconciliationRow[] = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, members]) => {
      const { provider, scope } = members[0]!;
      // Month by month (a model change can change what a scope covers), over the months the
      // provider has published only: a month not out yet is not a difference.
      const months = [...new Set(members.map((f) => f.month))].sort();
      const labels = new Set<string>();
      let canopy = 0;
      for (const month of months) {
        const model = members.find((f) => f.month === month)?.modelVersion ?? null;
        const rule = comparedWith(provider, scope, model);
        labels.add(rule.label);
        for (const row of inPeriod)
          if (row.provider === provider && row.month === month)
            // Against Canopy's estimate: the market-based figure in precedence order would hold
            // the provider's own figure wherever it has one.
            for (const measure of rule.measures)
              canopy += measure === "co2eMarketKg" ? row.co2eMarketEstimateKg : row[measure];
      }
      const canopyCo2eKg = round6(canopy);
      const providerCo2eKg = round6(members.reduce((n, f) => n + f.co2eKg, 0));
      return {
        provider,
        scope,
        comparedWith: [...labels].join("; "),
        providerCo2eKg,
        canopyCo2eKg,
        ratio: providerCo2eKg > 0 ? round6(canopyCo2eKg / providerCo2eKg) : null,
        sources: [
          ...new Set(
            members.map((f) =>
              f.modelVersion ? `${f.source} (model ${f.modelVersion})` : f.source,
            ),
          ),
        ].sort(),
      };
    });
  return {
    status: "imported",
    note: `Providers' figures compared like with like (methodology.md section 13), over the months each provider has published; the ratio is Canopy ÷ provider. ${reconciliationViewNote}`,
    rows,
  };
}
