import { round6, type Measures } from "../model/measures";
import type { BoundaryAccount, Reconciliation, ReconciliationRow } from "../model/types";
import { sumMeasures } from "./sums";
import type { MonthlyRow, ProviderFigure } from "./queries";

/** What each provider scope is compared with (methodology.md section 13: like with like). */
const comparedWith: Record<string, { label: string; value: (m: Measures) => number }> = {
  "scope2-location": { label: "Electricity, location-based", value: (m) => m.co2eLocationKg },
  "scope2-market": { label: "Electricity, market-based", value: (m) => m.co2eMarketKg },
  scope3: {
    label: "Embodied hardware (servers only; provider Scope 3 also covers buildings and networks)",
    value: (m) => m.co2eEmbodiedKg,
  },
  total: {
    label: "Location-based electricity + embodied",
    value: (m) => m.co2eLocationKg + m.co2eEmbodiedKg,
  },
  scope1: { label: "Not estimated by Canopy (provider's own fuel use)", value: () => 0 },
};

export function buildReconciliation(
  figures: readonly ProviderFigure[],
  accounts: readonly BoundaryAccount[],
  inPeriod: readonly MonthlyRow[],
): Reconciliation {
  const ids = new Set(accounts.map((a) => a.id));
  const providerIds = new Set(accounts.map((a) => `${a.provider}:${a.providerAccountId}`));
  const inBoundary = figures.filter((f) =>
    f.cloudAccountId
      ? ids.has(f.cloudAccountId)
      : providerIds.has(`${f.provider}:${f.providerAccountId}`),
  );
  if (inBoundary.length === 0) {
    return {
      status: "none",
      note: "No provider-reported figures have been imported for this period and boundary, so there is nothing to reconcile yet.",
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
      const rule = comparedWith[scope] ?? {
        label: "No like-for-like Canopy figure",
        value: () => 0,
      };
      const canopy = round6(
        rule.value(sumMeasures(inPeriod.filter((r) => r.provider === provider))),
      );
      const providerCo2eKg = round6(members.reduce((n, f) => n + f.co2eKg, 0));
      return {
        provider,
        scope,
        comparedWith: rule.label,
        providerCo2eKg,
        canopyCo2eKg: canopy,
        ratio: providerCo2eKg > 0 ? round6(canopy / providerCo2eKg) : null,
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
    note: "Providers' figures compared like with like (methodology.md section 13); the ratio is Canopy ÷ provider.",
    rows,
  };
}
