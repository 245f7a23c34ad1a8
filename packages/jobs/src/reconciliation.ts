import {
  calibrationHistory,
  comparisonsFor,
  headlineComparison,
  loadProviderScopes,
  marketBasedByMonth,
  monthlyEmissionsByProvider,
  replaceAccountFigures,
  withTenantClient,
  type Basis,
  type CalibrationPoint,
  type CanopyMeasure,
  type Connection,
  type MarketBasedMonth,
  type PoolClient,
  type ProviderScope,
} from "@canopy/db";
import type { ReportedCarbon } from "@canopy/connectors/live";

type Provider = ReportedCarbon["provider"];

/**
 * Stores a provider's monthly carbon figures for one cloud account, replacing what was stored before
 * for the same (source, month, model version): re-importing a month replaces it, and figures of
 * another model version (AWS delivers old and new side by side after a model change) are kept.
 */
export async function storeReportedCarbon(
  app: Connection,
  tenantId: string,
  cloudAccountId: string,
  figures: readonly ReportedCarbon[],
): Promise<number> {
  if (figures.length === 0) return 0;
  return withTenantClient(app, tenantId, (client) =>
    replaceAccountFigures(client, tenantId, cloudAccountId, figures),
  );
}

export type CanopyMonth = { co2eLocationKg: number; co2eMarketKg: number; co2eEmbodiedKg: number };

/** One like-for-like comparison (methodology.md section 13): the provider's figure beside Canopy's. */
export type BasisComparison = {
  basis: Basis;
  label: string;
  reportedKg: number;
  /** Canopy's estimate on the same basis, for the whole provider and month. */
  canopyKg: number;
  differenceKg: number;
};

export type ReconciliationRow = {
  provider: Provider;
  /** YYYY-MM-01 */
  month: string;
  canopy: CanopyMonth | null;
  reported: {
    co2eKg: number;
    basis: string;
    modelVersion: string | null;
    scopes: Record<string, number>;
  } | null;
  /** The Canopy figure put beside the provider's (same basis), the difference (Canopy − provider) and its share of the provider's figure. */
  canopyComparableKg: number | null;
  differenceKg: number | null;
  differenceRatio: number | null;
  /** Every figure the provider reports for the month, each beside Canopy's on the same basis. */
  comparisons: BasisComparison[];
  /** The calibration factor per basis (provider ÷ Canopy over the scopes both cover), or uncalibrated. */
  calibration: CalibrationPoint[];
  /** Market-based CO2e in precedence order (provider-reported where Canopy has it), with its basis. */
  marketBased: MarketBasedMonth | null;
  /** Known reasons the two differ, in words for the reconciliation view. */
  reasons: string[];
};

const publicationLag: Record<Provider, string> = {
  aws: "AWS publishes month M between the 15th and 21st of M+1",
  azure: "Azure publishes the previous month by the 19th",
  gcp: "GCP publishes month M around the 15th of M+1",
};

const coverageReason =
  "Scope coverage: the provider counts only its own services (marketplace and SaaS excluded) for every account it sees; Canopy counts the usage it could classify in the accounts connected to it.";

const methodReasons = (provider: Provider, withScope3: boolean): string[] => {
  if (provider === "aws")
    return [
      withScope3
        ? "Embodied: AWS Scope 3 (model v3+) includes buildings and upstream fuel and energy as well as IT hardware; Canopy's embodied estimate covers server hardware only."
        : "AWS models before v3.0.0 have no Scope 3; compared with Canopy's location-based operational estimate only.",
    ];
  if (provider === "gcp")
    return [
      "Location-based: GCP's Scope 2 uses hourly grid factors; Canopy uses the grid factors of its methodology version.",
      "Embodied: GCP Scope 3 covers more than server manufacturing (Canopy's embodied estimate).",
    ];
  return [
    "Method: Azure reports no location/market switch (Microsoft's Scope 2 is market-based), so it is compared with Canopy's market-based estimate plus embodied, as a total only.",
  ];
};

/** Picks the newest model version (numeric-aware: v10 > v9). */
const newest = (versions: (string | null)[]) =>
  versions
    .map((v) => v ?? "")
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0] ?? "";

const sumOf = (canopy: CanopyMonth, measures: readonly CanopyMeasure[]) =>
  measures.reduce((n, m) => n + canopy[m], 0);

/**
 * Per provider and month: Canopy's estimate (emissions_monthly) beside the provider's own figures
 * (the figures that count: @canopy/db loadProviderScopes), compared like with like (comparisonsFor),
 * with the difference, the calibration factor per basis, the market-based figure in precedence order
 * and the known reasons. `from` inclusive, `to` exclusive, both YYYY-MM-01.
 */
export async function reconcileProviderEmissions(
  app: Connection,
  tenantId: string,
  range: { from: string; to: string },
): Promise<ReconciliationRow[]> {
  return withTenantClient(app, tenantId, (client) => reconciliationRows(client, range));
}

/** The same on a client already scoped to one tenant (a web page's `scope.sql`). */
export async function reconciliationRows(
  client: PoolClient,
  range: { from: string; to: string },
): Promise<ReconciliationRow[]> {
  const ours = await monthlyEmissionsByProvider<Provider>(client, range);
  const scopes = await loadProviderScopes(client, range);
  const market = await marketBasedByMonth(client, range);
  const keys = new Set([...ours, ...scopes].map((r) => `${r.provider}|${r.month}`));
  const providers = [...new Set([...keys].map((k) => k.split("|")[0] as Provider))].sort();
  const history = calibrationHistory(scopes, range, providers);
  const rows: ReconciliationRow[] = [];
  for (const key of [...keys].sort()) {
    const [provider, month] = key.split("|") as [Provider, string];
    const o = ours.find((r) => r.provider === provider && r.month === month);
    const canopy = o
      ? { co2eLocationKg: o.location, co2eMarketKg: o.market, co2eEmbodiedKg: o.embodied }
      : null;
    const figures: ProviderScope[] = scopes.filter(
      (s) => s.provider === provider && s.month === month,
    );
    const model = newest(figures.map((f) => f.modelVersion));
    const reportedScopes: Record<string, number> = {};
    for (const figure of figures)
      for (const [scope, kg] of Object.entries(figure.reported))
        reportedScopes[scope] = (reportedScopes[scope] ?? 0) + kg;
    const reasons: string[] = [];
    let reported: ReconciliationRow["reported"] = null;
    let comparable: number | null = null;
    let comparisons: BasisComparison[] = [];
    if (figures.length > 0) {
      const headline = headlineComparison(provider, model || null);
      reported = {
        co2eKg: headline.reportedScopes.reduce((n, s) => n + (reportedScopes[s] ?? 0), 0),
        basis: headline.label,
        modelVersion: model || null,
        scopes: reportedScopes,
      };
      comparable = canopy ? sumOf(canopy, headline.canopyMeasures) : null;
      comparisons = comparisonsFor(provider, model || null)
        .filter((c) => reportedScopes[c.reportedScope] !== undefined)
        .map((c) => {
          const canopyKg = canopy ? sumOf(canopy, c.canopyMeasures) : 0;
          const reportedKg = reportedScopes[c.reportedScope]!;
          return {
            basis: c.basis,
            label: c.label,
            reportedKg,
            canopyKg,
            differenceKg: canopyKg - reportedKg,
          };
        });
      reasons.push(coverageReason);
      reasons.push(...methodReasons(provider, Number(/(\d+)/.exec(model)?.[1] ?? 0) >= 3));
    } else {
      reasons.push(`No provider figure stored for this month yet (${publicationLag[provider]}).`);
    }
    if (!canopy)
      reasons.push(
        "No Canopy estimate for this month (no synced usage, or estimation has not run).",
      );
    const differenceKg = comparable !== null && reported ? comparable - reported.co2eKg : null;
    rows.push({
      provider,
      month,
      canopy,
      reported,
      canopyComparableKg: comparable,
      differenceKg,
      differenceRatio:
        differenceKg !== null && reported && reported.co2eKg > 0
          ? differenceKg / reported.co2eKg
          : null,
      comparisons,
      calibration: history.filter((p) => p.provider === provider && p.month === month),
      marketBased: market.find((m) => m.provider === provider && m.month === month) ?? null,
      reasons,
    });
  }
  return rows;
}
