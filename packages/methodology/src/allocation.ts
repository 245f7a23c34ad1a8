import { headlineSumKeys, zeroHeadlineSums, type HeadlineSums } from "./headlines";

/** What is allocated: the headline sums (every dashboard and report figure) and water. */
export type AllocationSums = HeadlineSums & { waterL: number };
export const allocationSumKeys: readonly (keyof AllocationSums)[] = [...headlineSumKeys, "waterL"];
export const zeroAllocationSums = (): AllocationSums => ({ ...zeroHeadlineSums(), waterL: 0 });

/**
 * Carbon allocation to cost centres (FinOps Foundation, "allocation" capability; docs/methodology.md
 * section 22). Rules are read in order; the first rule whose filter matches an emissions row takes
 * all of it and splits it over its targets. Rows no rule matches stay **unallocated**, shown as
 * their own line. Every split is a set of shares that add up to 1, so per row (and so per hour and
 * per period) allocated + unallocated = the row: nothing is created or lost.
 */
export type AllocationRule = {
  id: string;
  /** Filter: every given field must match; a rule with none matches every row not matched before. A tag key comes with its value. */
  tagKey: string | null;
  tagValue: string | null;
  service: string | null;
  cloudAccountId: string | null;
  /**
   * `fixed`: the targets' weights (normalized). `proportional`: each target's share of what the
   * fixed rules allocated to the targets over the period (location-based total CO2e), the usage
   * key for shared services; when none of the targets received anything, the rows stay unallocated.
   */
  split: "fixed" | "proportional";
  targets: { costCentreId: string; weight: number }[];
};

export type AllocationRowKey = {
  tags: Readonly<Record<string, string>>;
  cloudAccountId: string;
  service: string;
};

/** The first rule whose filter matches the row, or null (unallocated). */
export function matchingRule(
  rules: readonly AllocationRule[],
  row: AllocationRowKey,
): AllocationRule | null {
  for (const rule of rules) {
    if (rule.tagKey !== null && row.tags[rule.tagKey] !== rule.tagValue) continue;
    if (rule.service !== null && row.service !== rule.service) continue;
    if (rule.cloudAccountId !== null && row.cloudAccountId !== rule.cloudAccountId) continue;
    return rule;
  }
  return null;
}

/** Sums of one group of rows: the rule that matched them (null: none) and a day (YYYY-MM-DD). */
export type AllocationGroup = { ruleId: string | null; day: string; sums: AllocationSums };

export type AllocatedDay = { day: string; sums: AllocationSums };

export type AllocationResult = {
  byCostCentre: Map<string, AllocatedDay[]>;
  unallocated: AllocatedDay[];
  /** Why proportional rules left rows unallocated, by rule id. */
  notes: Map<string, string>;
};

function addScaled(into: AllocationSums, from: AllocationSums, share: number): void {
  for (const key of allocationSumKeys) into[key] += from[key] * share;
}

/** The sum of several sums, figure by figure. */
export function sumAllocationSums(parts: Iterable<AllocationSums>): AllocationSums {
  const total = zeroAllocationSums();
  for (const part of parts) addScaled(total, part, 1);
  return total;
}

/** Total CO2e, location-based (electricity + embodied + spend-based): the headline the key uses. */
const totalLocationKg = (s: AllocationSums) =>
  s.co2eLocationKg + s.co2eEmbodiedKg + s.co2eSpendBasedKg;

function normalized(entries: readonly (readonly [string, number])[]): [string, number][] {
  const positive = entries.filter(([, w]) => w > 0 && Number.isFinite(w));
  const total = positive.reduce((sum, [, w]) => sum + w, 0);
  return total > 0 ? positive.map(([id, w]) => [id, w / total]) : [];
}

/**
 * Splits grouped sums by their rules' targets. The shares of a rule are the same for every day, so
 * the split is exact per day (and per hour, for hourly groups).
 */
export function allocate(
  groups: readonly AllocationGroup[],
  rules: readonly AllocationRule[],
): AllocationResult {
  const ruleById = new Map(rules.map((rule) => [rule.id, rule]));
  const shares = new Map<string, [string, number][]>();
  const notes = new Map<string, string>();
  for (const rule of rules) {
    if (rule.split === "fixed")
      shares.set(rule.id, normalized(rule.targets.map((t) => [t.costCentreId, t.weight])));
  }
  // The usage key: what the fixed rules gave each cost centre over the whole period.
  const fixedTotals = new Map<string, number>();
  for (const group of groups) {
    const ruleShares = group.ruleId === null ? undefined : shares.get(group.ruleId);
    for (const [costCentreId, share] of ruleShares ?? []) {
      fixedTotals.set(
        costCentreId,
        (fixedTotals.get(costCentreId) ?? 0) + totalLocationKg(group.sums) * share,
      );
    }
  }
  for (const rule of rules) {
    if (rule.split !== "proportional") continue;
    const split = normalized(
      rule.targets.map((t) => [t.costCentreId, fixedTotals.get(t.costCentreId) ?? 0]),
    );
    shares.set(rule.id, split);
    if (split.length === 0)
      notes.set(
        rule.id,
        "none of its cost centres has emissions allocated by a fixed rule in the period; its rows stay unallocated",
      );
  }

  const byCostCentre = new Map<string, Map<string, AllocationSums>>();
  const unallocated = new Map<string, AllocationSums>();
  const dayOf = (map: Map<string, AllocationSums>, day: string) => {
    let sums = map.get(day);
    if (!sums) {
      sums = zeroAllocationSums();
      map.set(day, sums);
    }
    return sums;
  };
  for (const group of groups) {
    const rule = group.ruleId === null ? undefined : ruleById.get(group.ruleId);
    const split = rule ? (shares.get(rule.id) ?? []) : [];
    if (split.length === 0) {
      addScaled(dayOf(unallocated, group.day), group.sums, 1);
      continue;
    }
    for (const [costCentreId, share] of split) {
      let days = byCostCentre.get(costCentreId);
      if (!days) {
        days = new Map();
        byCostCentre.set(costCentreId, days);
      }
      addScaled(dayOf(days, group.day), group.sums, share);
    }
  }
  const sorted = (map: Map<string, AllocationSums>): AllocatedDay[] =>
    [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, sums]) => ({ day, sums }));
  return {
    byCostCentre: new Map([...byCostCentre.entries()].map(([id, days]) => [id, sorted(days)])),
    unallocated: sorted(unallocated),
    notes,
  };
}
