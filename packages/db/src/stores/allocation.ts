import type { PoolClient } from "pg";
import {
  allocate,
  allocationSumKeys,
  headlineSumsSelect,
  matchingRule,
  sumAllocationSums,
  zeroAllocationSums,
  type AllocatedDay,
  type AllocationRule,
  type AllocationSums,
} from "@canopy/methodology";
import { writeAuditEntry } from "./audit-log";
import { disableJitForTransaction, withLocalSettings } from "./local-settings";
import { marketSourceFor } from "./provider-figures";

/**
 * Cost centres, allocation rules and the allocation of emissions to them (docs/methodology.md
 * section 22). Every function runs inside `withTenantClient`: row-level security keeps it to one
 * organization. The allocation is computed from emissions_hourly on every read, so it always ties
 * out to the ledger and a rule change applies to history at once.
 */

export type CostCentre = { id: string; name: string; createdAt: string };

export async function listCostCentres(client: PoolClient): Promise<CostCentre[]> {
  const { rows } = await client.query<CostCentre>(
    `SELECT id, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"
     FROM cost_centres ORDER BY name, id`,
  );
  return rows;
}

export class CostCentreNameTakenError extends Error {}

export type Actor = { tenantId: string; actorUserId: string | null; actorLabel: string };

export async function createCostCentre(
  client: PoolClient,
  actor: Actor,
  name: string,
): Promise<CostCentre> {
  const { rows } = await client.query<CostCentre>(
    `INSERT INTO cost_centres (tenant_id, name) VALUES ($1, $2) ON CONFLICT (tenant_id, name) DO NOTHING
     RETURNING id, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"`,
    [actor.tenantId, name],
  );
  const created = rows[0];
  if (!created) throw new CostCentreNameTakenError(`A cost centre named "${name}" exists already.`);
  await writeAuditEntry(client, {
    ...actor,
    action: "cost_centre.create",
    target: { type: "cost_centre", id: created.id },
    details: { name },
  });
  return created;
}

/** Deletes a cost centre and its rule targets (a rule left without targets leaves its rows unallocated). */
export async function deleteCostCentre(
  client: PoolClient,
  actor: Actor,
  id: string,
): Promise<boolean> {
  const { rows } = await client.query<{ name: string }>(
    "DELETE FROM cost_centres WHERE id = $1 RETURNING name",
    [id],
  );
  if (rows.length === 0) return false;
  await writeAuditEntry(client, {
    ...actor,
    action: "cost_centre.delete",
    target: { type: "cost_centre", id },
    details: { name: rows[0]!.name },
  });
  return true;
}

/** The organization's rules in the order they are read. */
export async function readAllocationRules(client: PoolClient): Promise<AllocationRule[]> {
  const { rows } = await client.query<
    AllocationRule & { targets: { costCentreId: string; weight: number }[] | null }
  >(
    `SELECT r.id, r.tag_key AS "tagKey", r.tag_value AS "tagValue", r.service, r.cloud_account_id AS "cloudAccountId", r.split,
            (SELECT json_agg(json_build_object('costCentreId', t.cost_centre_id, 'weight', t.weight) ORDER BY t.cost_centre_id)
             FROM allocation_rule_targets t WHERE t.rule_id = r.id) AS targets
     FROM allocation_rules r ORDER BY r.position`,
  );
  return rows.map((row) => ({ ...row, targets: row.targets ?? [] }));
}

export type AllocationRuleInput = Omit<AllocationRule, "id">;

/**
 * Replaces the rule list in one transaction (the caller's). The previous list is kept in the audit
 * log entry, so a change can be read back and undone by hand.
 */
export async function replaceAllocationRules(
  client: PoolClient,
  actor: Actor,
  rules: readonly AllocationRuleInput[],
): Promise<AllocationRule[]> {
  const previous = await readAllocationRules(client);
  await client.query("DELETE FROM allocation_rules");
  for (const [position, rule] of rules.entries()) {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO allocation_rules (tenant_id, position, tag_key, tag_value, service, cloud_account_id, split)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        actor.tenantId,
        position + 1,
        rule.tagKey,
        rule.tagValue,
        rule.service,
        rule.cloudAccountId,
        rule.split,
      ],
    );
    const ruleId = rows[0]!.id;
    if (rule.targets.length > 0) {
      await client.query(
        `INSERT INTO allocation_rule_targets (tenant_id, rule_id, cost_centre_id, weight)
         SELECT $1, $2, t.cost_centre_id, t.weight FROM unnest($3::uuid[], $4::float8[]) AS t(cost_centre_id, weight)`,
        [
          actor.tenantId,
          ruleId,
          rule.targets.map((t) => t.costCentreId),
          rule.targets.map((t) => t.weight),
        ],
      );
    }
  }
  await writeAuditEntry(client, {
    ...actor,
    action: "allocation_rules.replace",
    target: { type: "allocation_rules", id: null },
    details: { previous: previous.map(({ id: _id, ...rule }) => rule), rules: rules.length },
  });
  return readAllocationRules(client);
}

export type CostCentreAllocation = {
  id: string;
  name: string;
  sums: AllocationSums;
  byDay: AllocatedDay[];
};

export type Allocation = {
  /** [start, end) as ISO timestamps. */
  start: string;
  end: string;
  total: AllocationSums;
  costCentres: CostCentreAllocation[];
  unallocated: { sums: AllocationSums; byDay: AllocatedDay[] };
  /** Per rule: where its rows went, or why they stayed unallocated. */
  rules: (AllocationRule & { note: string | null })[];
};

const sumDays = (days: readonly AllocatedDay[]): AllocationSums =>
  sumAllocationSums(days.map((d) => d.sums));

/** A missing tag as a value no tag has (chr(1)), so a missing tag and an empty one stay apart. */
const noTag = "\u0001";

type ScanRow = AllocationSums & { account: string; service: string; day: string } & Record<
    `v${number}`,
    string
  >;

/**
 * Allocates [start, end) of emissions_hourly. One grouped scan, by account, service, the values
 * of the rules' tag keys and UTC day, with the dashboard's headline sums; each distinct (account,
 * service, values) is given its first matching rule here, and the groups are split by rule.
 */
export async function allocateEmissions(
  client: PoolClient,
  period: { start: string; end: string },
  timingsMs?: Record<string, number>,
): Promise<Allocation> {
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    if (timingsMs) timingsMs[stage] = Math.round(now - mark);
    mark = now;
  };
  const rules = await readAllocationRules(client);
  const centres = await listCostCentres(client);
  const tagKeys = [...new Set(rules.map((r) => r.tagKey).filter((k): k is string => k !== null))];
  const tagColumns = tagKeys.map((_, i) => `coalesce(x.tags ->> $${i + 3}::text, chr(1)) AS v${i}`);
  const day = "(x.hour AT TIME ZONE 'UTC')::date";
  await disableJitForTransaction(client);
  const source = await marketSourceFor(
    client,
    "emissions_hourly",
    { fromMonth: `${period.start.slice(0, 7)}-01`, toMonth: period.end.slice(0, 10) },
    {
      from: "(date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC'))",
      to: "($2::timestamptz AT TIME ZONE 'UTC')",
    },
  );
  // The planner overestimates the groups (distinct tag values) and sorts 10M rows to disk; hashing fits.
  const { rows } = await withLocalSettings(client, { work_mem: "128MB", enable_sort: "off" }, () =>
    client.query<ScanRow>(
      `SELECT x.cloud_account_id::text AS account, x.service, ${tagColumns.map((c) => `${c}, `).join("")}
              to_char(${day}, 'YYYY-MM-DD') AS day, ${headlineSumsSelect("x.")},
              coalesce(sum(x.water_l), 0)::float8 AS "waterL"
       FROM ${source} x
       WHERE x.hour >= $1 AND x.hour < $2
       GROUP BY x.cloud_account_id, x.service, ${tagKeys.map((_, i) => `v${i}, `).join("")}${day}`,
      [period.start, period.end, ...tagKeys],
    ),
  );
  lap("scan");
  const ruleOf = new Map<string, string | null>();
  const groups = rows.map((row) => {
    const values = tagKeys.map((_, i) => row[`v${i}`]);
    const key = [row.account, row.service, ...values].join("\u0000");
    let ruleId = ruleOf.get(key);
    if (ruleId === undefined) {
      const tags: Record<string, string> = {};
      tagKeys.forEach((tagKey, i) => {
        if (values[i] !== noTag) tags[tagKey] = values[i]!;
      });
      ruleId =
        matchingRule(rules, { tags, cloudAccountId: row.account, service: row.service })?.id ??
        null;
      ruleOf.set(key, ruleId);
    }
    const sums = zeroAllocationSums();
    for (const sumKey of allocationSumKeys) sums[sumKey] = row[sumKey];
    return { ruleId, day: row.day, sums };
  });
  const result = allocate(groups, rules);
  lap("split");
  const total = sumAllocationSums(groups.map((g) => g.sums));
  const costCentres = centres.map((centre) => {
    const byDay = result.byCostCentre.get(centre.id) ?? [];
    return { id: centre.id, name: centre.name, sums: sumDays(byDay), byDay };
  });
  return {
    start: period.start,
    end: period.end,
    total,
    costCentres,
    unallocated: { sums: sumDays(result.unallocated), byDay: result.unallocated },
    rules: rules.map((rule) => ({ ...rule, note: result.notes.get(rule.id) ?? null })),
  };
}
