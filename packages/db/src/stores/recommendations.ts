import type { PoolClient } from "pg";
import type { UsageRow } from "./usage";
import { parseStoredJson } from "../json/parse";
import {
  findingEvidenceSchema,
  measureScopeSchema,
  realizedSavingSchema,
  type FindingEvidence,
  type MeasureScope,
  type RealizedSaving,
} from "../json/recommendation-finding";

/**
 * Stored data the recommendation rules read, and the findings they write. Every function runs in the
 * caller's tenant transaction (withTenantClient), so row-level security scopes it to one tenant.
 */

export type Provider = "aws" | "azure" | "gcp";

/** Usage of one shape over a period: the usage_hourly columns the estimator reads, summed. */
export type WorkloadUsage = {
  cloudAccountId: string;
  provider: Provider;
  service: string;
  region: string;
  kind: UsageRow["kind"];
  unit: UsageRow["unit"];
  usageType: string;
  instanceType: string;
  vcpus: number | null;
  memoryGb: number | null;
  gpuModel: string | null;
  gpuCount: number | null;
  storageClass: UsageRow["storageClass"];
  replicationHint: number | null;
  cpuUtilization: number | null;
  /** Value of the organization's data-residency tag on the rows, null when absent. */
  residency: string | null;
  quantity: number;
  /** Sum of cost_amount where the bill gave one; null when no row had a cost. */
  costAmount: number | null;
  /** Quantity of the rows that carried a cost (the denominator of a unit price). */
  costedQuantity: number;
  currency: string | null;
  /** Distinct period starts (hours, or days for daily rows) with usage. */
  activePeriods: number;
  /** Hours covered by those periods (Σ period_hours of distinct starts). */
  activeHours: number;
};

export type UsageSpan = { firstHour: Date; endHour: Date } | null;

/** First hour and end (exclusive) of the tenant's counted usage. */
export async function readUsageSpan(client: PoolClient): Promise<UsageSpan> {
  const { rows } = await client.query<{ first: Date | null; end: Date | null }>(
    `SELECT min(hour) AS first, max(hour + make_interval(secs => period_hours * 3600)) AS end FROM usage_hourly`,
  );
  const row = rows[0];
  return row?.first && row.end ? { firstHour: row.first, endHour: row.end } : null;
}

/**
 * Usage of [from, to) summed per account and estimator shape (plus the residency tag value). One
 * set-based pass over usage_hourly; the rules never read single rows.
 */
export async function readWorkloadUsage(
  client: PoolClient,
  from: Date,
  to: Date,
  residencyTagKey: string | null,
): Promise<WorkloadUsage[]> {
  const { rows } = await client.query<WorkloadUsage>(
    `SELECT cloud_account_id AS "cloudAccountId", provider::text AS provider, service, region, kind, unit,
            usage_type AS "usageType", instance_type AS "instanceType", vcpus, memory_gb AS "memoryGb",
            gpu_model AS "gpuModel", gpu_count AS "gpuCount", storage_class AS "storageClass",
            replication_hint AS "replicationHint", cpu_utilization AS "cpuUtilization",
            CASE WHEN $3::text IS NULL THEN NULL ELSE tags ->> $3::text END AS residency,
            sum(quantity)::float8 AS quantity,
            sum(cost_amount)::float8 AS "costAmount",
            coalesce(sum(quantity) FILTER (WHERE cost_amount IS NOT NULL), 0)::float8 AS "costedQuantity",
            max(currency) AS currency,
            count(DISTINCT hour)::int AS "activePeriods",
            count(DISTINCT hour)::float8 * max(period_hours) AS "activeHours"
     FROM usage_hourly
     -- The rules need the pack's catalog and regions: long-tail providers get no findings.
     WHERE hour >= $1 AND hour < $2 AND provider IN ('aws', 'azure', 'gcp')
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16`,
    [from, to, residencyTagKey],
  );
  return rows;
}

/** First hour each (account, service, region, usage type) of a kind appears in the stored usage. */
export async function readFirstSeen(client: PoolClient, kind: string): Promise<Map<string, Date>> {
  const { rows } = await client.query<{ key: string; first: Date }>(
    `SELECT concat_ws('|', cloud_account_id, service, region, usage_type) AS key, min(hour) AS first
     FROM usage_hourly WHERE kind = $1 GROUP BY cloud_account_id, service, region, usage_type`,
    [kind],
  );
  return new Map(rows.map((row) => [row.key, row.first]));
}

export const firstSeenKey = (w: {
  cloudAccountId: string;
  service: string;
  region: string;
  usageType: string;
}) => [w.cloudAccountId, w.service, w.region, w.usageType].join("|");

/** Hourly quantity of chosen workloads, for time shifting: key → hour (ms) → quantity. */
export async function readHourlyQuantities(
  client: PoolClient,
  from: Date,
  to: Date,
  workloads: readonly {
    cloudAccountId: string;
    service: string;
    region: string;
    usageType: string;
    instanceType: string;
  }[],
): Promise<Map<string, Map<number, number>>> {
  const result = new Map<string, Map<number, number>>();
  if (workloads.length === 0) return result;
  const { rows } = await client.query<{ key: string; hourMs: number; quantity: number }>(
    `SELECT concat_ws('|', u.cloud_account_id, u.service, u.region, u.usage_type, u.instance_type) AS key,
            (extract(epoch FROM u.hour) * 1000)::float8 AS "hourMs", sum(u.quantity)::float8 AS quantity
     FROM usage_hourly u
     JOIN unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS w(account, service, region, usage_type, instance_type)
       ON u.cloud_account_id = w.account AND u.service = w.service AND u.region = w.region
      AND u.usage_type = w.usage_type AND u.instance_type = w.instance_type
     WHERE u.hour >= $1 AND u.hour < $2 AND u.period_hours = 1
     GROUP BY 1, 2`,
    [
      from,
      to,
      workloads.map((w) => w.cloudAccountId),
      workloads.map((w) => w.service),
      workloads.map((w) => w.region),
      workloads.map((w) => w.usageType),
      workloads.map((w) => w.instanceType),
    ],
  );
  for (const row of rows) {
    let byHour = result.get(row.key);
    if (!byHour) result.set(row.key, (byHour = new Map()));
    byHour.set(row.hourMs, row.quantity);
  }
  return result;
}

export const hourlyQuantityKey = (w: {
  cloudAccountId: string;
  service: string;
  region: string;
  usageType: string;
  instanceType: string;
}) => [w.cloudAccountId, w.service, w.region, w.usageType, w.instanceType].join("|");

export type { MeasureScope };

export type ScopeTotals = {
  co2eLocationKg: number;
  co2eMarketKg: number;
  waterL: number;
  /** End (exclusive) of the latest hour of the tenant's emissions in the window, null when none. */
  lastHourEnd: Date | null;
};

/** Stored emissions of a scope over [from, to). */
export async function readScopeEmissions(
  client: PoolClient,
  scope: MeasureScope,
  from: Date,
  to: Date,
): Promise<ScopeTotals> {
  const { rows } = await client.query<{
    location: number;
    market: number;
    water: number;
    last: Date | null;
  }>(
    `SELECT coalesce(sum(co2e_location_kg) FILTER (WHERE matches), 0)::float8 AS location,
            coalesce(sum(co2e_market_kg) FILTER (WHERE matches), 0)::float8 AS market,
            coalesce(sum(water_l) FILTER (WHERE matches), 0)::float8 AS water,
            max(hour) + interval '1 hour' AS last
     FROM (SELECT hour, co2e_location_kg, co2e_market_kg, water_l,
                  (cardinality($3::uuid[]) = 0 OR cloud_account_id = ANY($3))
              AND (cardinality($4::text[]) = 0 OR service = ANY($4))
              AND (cardinality($5::text[]) = 0 OR lower(replace(region, ' ', '')) = ANY($5))
              AND (cardinality($6::text[]) = 0 OR kind = ANY($6))
              AND (cardinality($7::text[]) = 0 OR instance_type = ANY($7)) AS matches
           FROM emissions_hourly WHERE hour >= $1 AND hour < $2) e`,
    [
      from,
      to,
      scope.cloudAccountIds,
      scope.services,
      scope.regions.map((r) => r.toLowerCase().replaceAll(" ", "")),
      scope.kinds,
      scope.instanceTypes,
    ],
  );
  const row = rows[0]!;
  return {
    co2eLocationKg: row.location,
    co2eMarketKg: row.market,
    waterL: row.water,
    lastHourEnd: row.last,
  };
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export type RecommendationConstraints = {
  /** Continent codes (AF, AS, EU, NA, OC, SA); null = any. */
  allowedContinents: string[] | null;
  /** ISO 3166-1 alpha-2 country codes or "EU"; null = any. */
  allowedJurisdictions: string[] | null;
  residencyTagKey: string | null;
};

export const noConstraints: RecommendationConstraints = {
  allowedContinents: null,
  allowedJurisdictions: null,
  residencyTagKey: null,
};

export async function readRecommendationSettings(
  client: PoolClient,
): Promise<RecommendationConstraints> {
  const { rows } = await client.query<RecommendationConstraints>(
    `SELECT allowed_continents AS "allowedContinents", allowed_jurisdictions AS "allowedJurisdictions",
            residency_tag_key AS "residencyTagKey"
     FROM recommendation_settings LIMIT 1`,
  );
  return rows[0] ?? noConstraints;
}

export async function writeRecommendationSettings(
  client: PoolClient,
  tenantId: string,
  settings: RecommendationConstraints,
): Promise<void> {
  await client.query(
    `INSERT INTO recommendation_settings (tenant_id, allowed_continents, allowed_jurisdictions, residency_tag_key, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (tenant_id) DO UPDATE SET allowed_continents = EXCLUDED.allowed_continents,
       allowed_jurisdictions = EXCLUDED.allowed_jurisdictions, residency_tag_key = EXCLUDED.residency_tag_key,
       updated_at = now()`,
    [tenantId, settings.allowedContinents, settings.allowedJurisdictions, settings.residencyTagKey],
  );
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

export type FindingConfidence = "high" | "medium" | "low";
export type FindingState = "open" | "accepted" | "dismissed" | "done";

/** What a rule produces: everything of a finding but its identity in the table and its state. */
export type FindingDraft = {
  ruleId: string;
  resourceKey: string;
  resources: FindingEvidence;
  action: string;
  howTo: string;
  co2eLocationSavedKgPerMonth: number;
  co2eMarketSavedKgPerMonth: number;
  waterSavedLPerMonth: number;
  costDeltaAmountPerMonth: number | null;
  costCurrency: string | null;
  costNote: string | null;
  confidence: FindingConfidence;
  confidenceReason: string;
  basisMonth: string;
  basisCo2eLocationKgPerMonth: number;
  basisCo2eMarketKgPerMonth: number;
  methodologyVersion: string;
  measureScope: MeasureScope;
  details: FindingEvidence;
};

export type Finding = Omit<FindingDraft, "costDeltaAmountPerMonth"> & {
  id: string;
  costDeltaAmountPerMonth: number | null;
  state: FindingState;
  stateReason: string | null;
  stateChangedAt: Date | null;
  stateChangedBy: string | null;
  doneAt: Date | null;
  realized: RealizedSaving | null;
  current: boolean;
  computedAt: Date;
  createdAt: Date;
};

const findingColumns = `id, rule_id AS "ruleId", resource_key AS "resourceKey", resources, action, how_to AS "howTo",
  co2e_location_saved_kg_per_month AS "co2eLocationSavedKgPerMonth", co2e_market_saved_kg_per_month AS "co2eMarketSavedKgPerMonth",
  water_saved_l_per_month AS "waterSavedLPerMonth", cost_delta_amount_per_month::float8 AS "costDeltaAmountPerMonth",
  cost_currency AS "costCurrency", cost_note AS "costNote", confidence, confidence_reason AS "confidenceReason",
  to_char(basis_month, 'YYYY-MM-DD') AS "basisMonth", basis_co2e_location_kg_per_month AS "basisCo2eLocationKgPerMonth",
  basis_co2e_market_kg_per_month AS "basisCo2eMarketKgPerMonth", methodology_version AS "methodologyVersion",
  measure_scope AS "measureScope", details, state, state_reason AS "stateReason", state_changed_at AS "stateChangedAt",
  state_changed_by AS "stateChangedBy", done_at AS "doneAt", realized, current, computed_at AS "computedAt", created_at AS "createdAt"`;

/**
 * Writes a run's findings. A finding is identified by (rule, resource key): an existing one gets the
 * new figures but keeps its state, reason and done_at; a done finding also keeps its basis (month and
 * emissions), which its realized saving is measured against. Findings of the rules that ran but not
 * produced by this run are marked current = false, never deleted (their state is history).
 */
export async function upsertFindings(
  client: PoolClient,
  tenantId: string,
  drafts: readonly FindingDraft[],
  rulesRun: readonly string[],
  computedAt: Date,
): Promise<{ written: number; retired: number }> {
  let written = 0;
  for (let i = 0; i < drafts.length; i += 500) {
    const batch = drafts.slice(i, i + 500);
    const result = await client.query(
      `INSERT INTO recommendation_findings AS f (tenant_id, rule_id, resource_key, resources, action, how_to,
         co2e_location_saved_kg_per_month, co2e_market_saved_kg_per_month, water_saved_l_per_month,
         cost_delta_amount_per_month, cost_currency, cost_note, confidence, confidence_reason, basis_month,
         basis_co2e_location_kg_per_month, basis_co2e_market_kg_per_month, methodology_version, measure_scope,
         details, current, computed_at)
       SELECT $1, d."ruleId", d."resourceKey", d.resources, d.action, d."howTo", d."co2eLocationSavedKgPerMonth",
              d."co2eMarketSavedKgPerMonth", d."waterSavedLPerMonth", d."costDeltaAmountPerMonth", d."costCurrency",
              d."costNote", d.confidence, d."confidenceReason", d."basisMonth"::date, d."basisCo2eLocationKgPerMonth",
              d."basisCo2eMarketKgPerMonth", d."methodologyVersion", d."measureScope", d.details, true, $3
       FROM jsonb_to_recordset($2::jsonb) AS d("ruleId" text, "resourceKey" text, resources jsonb, action text,
              "howTo" text, "co2eLocationSavedKgPerMonth" float8, "co2eMarketSavedKgPerMonth" float8,
              "waterSavedLPerMonth" float8, "costDeltaAmountPerMonth" numeric, "costCurrency" text, "costNote" text,
              confidence text, "confidenceReason" text, "basisMonth" text, "basisCo2eLocationKgPerMonth" float8,
              "basisCo2eMarketKgPerMonth" float8, "methodologyVersion" text, "measureScope" jsonb, details jsonb)
       ON CONFLICT (tenant_id, rule_id, resource_key) DO UPDATE SET
         resources = EXCLUDED.resources, action = EXCLUDED.action, how_to = EXCLUDED.how_to,
         co2e_location_saved_kg_per_month = EXCLUDED.co2e_location_saved_kg_per_month,
         co2e_market_saved_kg_per_month = EXCLUDED.co2e_market_saved_kg_per_month,
         water_saved_l_per_month = EXCLUDED.water_saved_l_per_month,
         cost_delta_amount_per_month = EXCLUDED.cost_delta_amount_per_month,
         cost_currency = EXCLUDED.cost_currency, cost_note = EXCLUDED.cost_note,
         confidence = EXCLUDED.confidence, confidence_reason = EXCLUDED.confidence_reason,
         basis_month = CASE WHEN f.state = 'done' THEN f.basis_month ELSE EXCLUDED.basis_month END,
         basis_co2e_location_kg_per_month = CASE WHEN f.state = 'done' THEN f.basis_co2e_location_kg_per_month
           ELSE EXCLUDED.basis_co2e_location_kg_per_month END,
         basis_co2e_market_kg_per_month = CASE WHEN f.state = 'done' THEN f.basis_co2e_market_kg_per_month
           ELSE EXCLUDED.basis_co2e_market_kg_per_month END,
         methodology_version = EXCLUDED.methodology_version,
         measure_scope = CASE WHEN f.state = 'done' THEN f.measure_scope ELSE EXCLUDED.measure_scope END,
         details = EXCLUDED.details, current = true, computed_at = EXCLUDED.computed_at`,
      [tenantId, JSON.stringify(batch), computedAt],
    );
    written += result.rowCount ?? 0;
  }
  const retired = await client.query(
    `UPDATE recommendation_findings SET current = false
     WHERE rule_id = ANY($1) AND computed_at < $2 AND current`,
    [rulesRun, computedAt],
  );
  return { written, retired: retired.rowCount ?? 0 };
}

export type FindingFilter = {
  state?: FindingState;
  ruleId?: string;
  /** Include findings the latest run no longer produced (default false). */
  includeRetired?: boolean;
  limit?: number;
};

export async function listFindings(
  client: PoolClient,
  filter: FindingFilter = {},
): Promise<Finding[]> {
  const { rows } = await client.query<StoredFinding>(
    `SELECT ${findingColumns} FROM recommendation_findings
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR rule_id = $2) AND ($3 OR current)
     ORDER BY co2e_location_saved_kg_per_month DESC, id
     LIMIT $4`,
    [
      filter.state ?? null,
      filter.ruleId ?? null,
      filter.includeRetired ?? false,
      filter.limit ?? 500,
    ],
  );
  return rows.map(findingOf);
}

export async function getFinding(client: PoolClient, id: string): Promise<Finding | null> {
  const { rows } = await client.query<StoredFinding>(
    `SELECT ${findingColumns} FROM recommendation_findings WHERE id = $1`,
    [id],
  );
  return rows[0] ? findingOf(rows[0]) : null;
}

type StoredFinding = Omit<Finding, "resources" | "measureScope" | "details" | "realized"> & {
  resources: unknown;
  measureScope: unknown;
  details: unknown;
  realized: unknown;
};

/** A finding row with its JSON columns parsed. */
function findingOf(row: StoredFinding): Finding {
  const what = (column: string) => `recommendation_findings.${column} of ${row.id}`;
  return {
    ...row,
    resources: parseStoredJson(findingEvidenceSchema, row.resources, what("resources")),
    measureScope: parseStoredJson(measureScopeSchema, row.measureScope, what("measure_scope")),
    details: parseStoredJson(findingEvidenceSchema, row.details, what("details")),
    realized:
      row.realized === null
        ? null
        : parseStoredJson(realizedSavingSchema, row.realized, what("realized")),
  };
}

export class FindingStateError extends Error {
  override name = "FindingStateError";
}

export type FindingStateChange = {
  state: FindingState;
  /** Required for "dismissed"; optional note otherwise. */
  reason?: string | null;
  /** For "done": when the change was made (default now). */
  doneAt?: Date;
  by: string;
};

/** Moves a finding to another state; null when no finding of the tenant has that id. */
export async function updateFindingState(
  client: PoolClient,
  id: string,
  change: FindingStateChange,
): Promise<Finding | null> {
  const reason = change.reason?.trim() || null;
  if (change.state === "dismissed" && !reason)
    throw new FindingStateError(
      "Dismissing a finding needs a reason (e.g. 'data must stay in DE').",
    );
  const doneAt = change.state === "done" ? (change.doneAt ?? new Date()) : null;
  if (doneAt && doneAt.getTime() > Date.now() + 60_000)
    throw new FindingStateError("doneAt cannot be in the future.");
  const { rows } = await client.query<{ id: string }>(
    `UPDATE recommendation_findings SET state = $2, state_reason = $3, done_at = $4, state_changed_at = now(),
       state_changed_by = $5, realized = CASE WHEN $2 = 'done' THEN realized ELSE NULL END
     WHERE id = $1 RETURNING id`,
    [id, change.state, reason, doneAt, change.by],
  );
  return rows[0] ? getFinding(client, id) : null;
}

export async function writeRealizedSaving(
  client: PoolClient,
  id: string,
  realized: RealizedSaving,
): Promise<void> {
  await client.query(
    "UPDATE recommendation_findings SET realized = $2 WHERE id = $1 AND state = 'done'",
    [id, JSON.stringify(realized)],
  );
}
