import { withTenantClient, type Connection, type PoolClient } from "@canopy/db";
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
  return withTenantClient(app, tenantId, async (client) => {
    const keys = [
      ...new Set(figures.map((f) => JSON.stringify([f.source, f.month, f.modelVersion ?? ""]))),
    ].map((k) => JSON.parse(k) as [string, string, string]);
    await client.query(
      `DELETE FROM provider_reported_emissions p
       USING unnest($2::text[], $3::date[], $4::text[]) AS k(source, month, model_version)
       WHERE p.cloud_account_id = $1 AND p.source = k.source AND p.month = k.month AND coalesce(p.model_version, '') = k.model_version`,
      [cloudAccountId, keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2])],
    );
    const inserted = await client.query(
      `INSERT INTO provider_reported_emissions
         (tenant_id, cloud_account_id, provider, provider_account_id, month, service, region, scope, co2e_kg, source, model_version)
       SELECT $1, $2, f.provider::cloud_provider, f.account, f.month, nullif(f.service, ''), nullif(f.region, ''), f.scope, f.kg, f.source,
              nullif(f.model_version, '')
       FROM unnest($3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::text[], $11::text[])
         AS f(provider, account, month, service, region, scope, kg, source, model_version)`,
      [
        tenantId,
        cloudAccountId,
        figures.map((f) => f.provider),
        figures.map((f) => f.providerAccountId),
        figures.map((f) => f.month),
        figures.map((f) => f.service ?? ""),
        figures.map((f) => f.region ?? ""),
        figures.map((f) => f.scope),
        figures.map((f) => f.co2eKg),
        figures.map((f) => f.source),
        figures.map((f) => f.modelVersion ?? ""),
      ],
    );
    return inserted.rowCount ?? 0;
  });
}

export type ReconciliationRow = {
  provider: Provider;
  /** YYYY-MM-01 */
  month: string;
  canopy: { co2eLocationKg: number; co2eMarketKg: number; co2eEmbodiedKg: number } | null;
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

/** Picks the newest model version (numeric-aware: v10 > v9). */
const newest = (versions: string[]) =>
  [...versions].sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0] ?? "";

/**
 * Per provider and month: Canopy's estimate (emissions_monthly) beside the provider's own figure
 * (provider_reported_emissions, newest model version), compared on the same basis where the provider
 * allows it, with the difference and the known reasons (scope coverage, location- vs market-based,
 * embodied vs Scope 3, publication lag). `from` inclusive, `to` exclusive, both YYYY-MM-01.
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
  const ours = await client.query<{
    provider: Provider;
    month: string;
    location: number;
    market: number;
    embodied: number;
  }>(
    `SELECT provider::text AS provider, to_char(month, 'YYYY-MM-DD') AS month, sum(co2e_location_kg)::float8 AS location,
            sum(co2e_market_kg)::float8 AS market, sum(co2e_embodied_kg)::float8 AS embodied
     FROM emissions_monthly WHERE month >= $1::date AND month < $2::date GROUP BY 1, 2`,
    [range.from, range.to],
  );
  const theirs = await client.query<{
    provider: Provider;
    month: string;
    scope: string;
    model: string;
    kg: number;
  }>(
    `SELECT provider::text AS provider, to_char(month, 'YYYY-MM-DD') AS month, scope, coalesce(model_version, '') AS model, sum(co2e_kg)::float8 AS kg
     FROM provider_reported_emissions WHERE month >= $1::date AND month < $2::date GROUP BY 1, 2, 3, 4`,
    [range.from, range.to],
  );
  const keys = new Set([...ours.rows, ...theirs.rows].map((r) => `${r.provider}|${r.month}`));
  const rows: ReconciliationRow[] = [];
  for (const key of [...keys].sort()) {
    const [provider, month] = key.split("|") as [Provider, string];
    const o = ours.rows.find((r) => r.provider === provider && r.month === month);
    const canopy = o
      ? { co2eLocationKg: o.location, co2eMarketKg: o.market, co2eEmbodiedKg: o.embodied }
      : null;
    const figures = theirs.rows.filter((r) => r.provider === provider && r.month === month);
    const model = newest(figures.map((f) => f.model));
    const scopes: Record<string, number> = {};
    for (const f of figures.filter((f) => f.model === model))
      scopes[f.scope] = (scopes[f.scope] ?? 0) + f.kg;
    const reasons: string[] = [];
    let reported: ReconciliationRow["reported"] = null;
    let comparable: number | null = null;
    if (figures.length > 0) {
      reasons.push(coverageReason);
      if (provider === "aws") {
        const hasScope3 = Number(/(\d+)/.exec(model)?.[1] ?? 0) >= 3;
        reported = {
          co2eKg: scopes["total"] ?? 0,
          basis: "AWS total, location-based (Scope 1 + 2 LBM" + (hasScope3 ? " + 3)" : ")"),
          modelVersion: model || null,
          scopes,
        };
        comparable = canopy
          ? canopy.co2eLocationKg + (hasScope3 ? canopy.co2eEmbodiedKg : 0)
          : null;
        reasons.push(
          hasScope3
            ? "Embodied: AWS Scope 3 (model v3+) includes buildings and upstream fuel and energy as well as IT hardware; Canopy's embodied estimate covers server hardware only."
            : "AWS models before v3.0.0 have no Scope 3; compared with Canopy's location-based operational estimate only.",
        );
      } else if (provider === "gcp") {
        const total =
          (scopes["scope1"] ?? 0) + (scopes["scope2-location"] ?? 0) + (scopes["scope3"] ?? 0);
        reported = {
          co2eKg: total,
          basis: "GCP Scope 1 + Scope 2 location-based + Scope 3",
          modelVersion: model || null,
          scopes,
        };
        comparable = canopy ? canopy.co2eLocationKg + canopy.co2eEmbodiedKg : null;
        reasons.push(
          "Location-based: GCP's Scope 2 uses hourly grid factors; Canopy uses the grid factors of its methodology version.",
        );
        reasons.push(
          "Embodied: GCP Scope 3 covers more than server manufacturing (Canopy's embodied estimate).",
        );
      } else {
        reported = {
          co2eKg: scopes["total"] ?? 0,
          basis: "Azure Scope 1 + 2 + 3, one summed figure (Microsoft's method, market-based)",
          modelVersion: model || null,
          scopes,
        };
        comparable = canopy ? canopy.co2eMarketKg + canopy.co2eEmbodiedKg : null;
        reasons.push(
          "Method: Azure reports no location/market switch (Microsoft's Scope 2 is market-based), so it is compared with Canopy's market-based estimate plus embodied, as a total only.",
        );
      }
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
      reasons,
    });
  }
  return rows;
}
