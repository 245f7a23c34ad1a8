import {
  embodiedOnDefaults,
  operationalOnDefaults,
  type Estimate,
  type EstimateQuality,
  type UsageRecord,
} from "@canopy/methodology";
import type { UnsupportedLine } from "@canopy/connectors";

/** How `canopy estimate` groups its output. */
export const groupings = [
  "row",
  "provider",
  "service",
  "region",
  "account",
  "day",
  "month",
] as const;
export type Grouping = (typeof groupings)[number];

/** Sums of one output group. */
export type GroupTotals = {
  key: string;
  records: number;
  kwhIt: number;
  kwhFacility: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  embodiedKg: number;
  waterL: number;
  costAmount: number;
};

export type UnsupportedTotals = { lines: number; costAmount: number; examples: string[] };
export type RowErrorReport = { lineNumber: number; message: string };

/**
 * Emissions resting on default factors (kg CO2e, location-based; embodied for `embodied`):
 * `anyOperationalKg` + `embodiedKg` is the stored and dashboard figure (@canopy/methodology
 * co2eOnDefaultsKg); the per-factor lines overlap where a record has several defaults.
 */
export type DefaultFactorTotals = {
  anyOperationalKg: number;
  powerKg: number;
  pueKg: number;
  gridKg: number;
  embodiedKg: number;
};

/** Plain-data form, so worker threads can send their part to the main thread. */
export type AggregateSnapshot = {
  grouping: Grouping;
  lines: number;
  usageLines: number;
  groups: GroupTotals[];
  totals: GroupTotals;
  defaults: DefaultFactorTotals;
  unsupported: Record<string, UnsupportedTotals>;
  errorCount: number;
  errors: RowErrorReport[];
  currencies: string[];
  methodologyVersion: string;
};

export const MAX_REPORTED_ERRORS = 1000;
const MAX_EXAMPLES = 3;

function emptyTotals(key: string): GroupTotals {
  return {
    key,
    records: 0,
    kwhIt: 0,
    kwhFacility: 0,
    co2eLocationKg: 0,
    co2eMarketKg: 0,
    embodiedKg: 0,
    waterL: 0,
    costAmount: 0,
  };
}

function addInto(target: GroupTotals, source: GroupTotals): void {
  target.records += source.records;
  target.kwhIt += source.kwhIt;
  target.kwhFacility += source.kwhFacility;
  target.co2eLocationKg += source.co2eLocationKg;
  target.co2eMarketKg += source.co2eMarketKg;
  target.embodiedKg += source.embodiedKg;
  target.waterL += source.waterL;
  target.costAmount += source.costAmount;
}

export function groupKeyOf(grouping: Grouping, record: UsageRecord): string {
  switch (grouping) {
    case "provider":
      return record.provider;
    case "service":
      return record.service;
    case "region":
      return `${record.provider} ${record.region === "" ? "(no region)" : record.region}`;
    case "account":
      return `${record.provider} ${record.accountId}`;
    case "day":
      return record.periodStart.slice(0, 10);
    case "month":
      return record.periodStart.slice(0, 7);
    case "row":
      return "total"; // row mode prints each line as it goes; keeping a group per line would grow with the file
  }
}

function isDefault(quality: EstimateQuality[keyof EstimateQuality]): boolean {
  return quality.quality === "default";
}

/** Accumulates estimates by group, unsupported lines by reason, and row errors. */
export class EstimateAggregator {
  private readonly groups = new Map<string, GroupTotals>();
  private readonly totals = emptyTotals("total");
  private readonly defaults: DefaultFactorTotals = {
    anyOperationalKg: 0,
    powerKg: 0,
    pueKg: 0,
    gridKg: 0,
    embodiedKg: 0,
  };
  private readonly unsupported: Record<string, UnsupportedTotals> = {};
  private readonly errors: RowErrorReport[] = [];
  private readonly currencies = new Set<string>();
  private errorCount = 0;
  lines = 0;
  usageLines = 0;
  methodologyVersion = "";

  constructor(readonly grouping: Grouping) {}

  addEstimate(record: UsageRecord, estimate: Estimate): void {
    const key = groupKeyOf(this.grouping, record);
    let group = this.groups.get(key);
    if (group === undefined) {
      group = emptyTotals(key);
      this.groups.set(key, group);
    }
    const cost = record.costAmount ?? 0;
    group.records++;
    group.kwhIt += estimate.kwhIt;
    group.kwhFacility += estimate.kwhFacility;
    group.co2eLocationKg += estimate.co2eLocationKg;
    group.co2eMarketKg += estimate.co2eMarketKg;
    group.embodiedKg += estimate.embodiedKg;
    group.waterL += estimate.waterL;
    group.costAmount += cost;
    const quality = estimate.quality;
    if (operationalOnDefaults(quality)) this.defaults.anyOperationalKg += estimate.co2eLocationKg;
    if (embodiedOnDefaults(quality)) this.defaults.embodiedKg += estimate.embodiedKg;
    if (isDefault(quality.power)) this.defaults.powerKg += estimate.co2eLocationKg;
    if (isDefault(quality.pue)) this.defaults.pueKg += estimate.co2eLocationKg;
    if (isDefault(quality.grid)) this.defaults.gridKg += estimate.co2eLocationKg;
    if (record.currency !== undefined) this.currencies.add(record.currency);
    this.methodologyVersion = estimate.methodologyVersion;
  }

  addUnsupported(outcome: UnsupportedLine): void {
    const entry = (this.unsupported[outcome.reason] ??= { lines: 0, costAmount: 0, examples: [] });
    entry.lines++;
    entry.costAmount += outcome.costAmount;
    if (
      entry.examples.length < MAX_EXAMPLES &&
      outcome.detail !== "" &&
      !entry.examples.includes(outcome.detail)
    ) {
      entry.examples.push(outcome.detail);
    }
    if (outcome.currency !== undefined) this.currencies.add(outcome.currency);
  }

  addError(lineNumber: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ lineNumber, message });
  }

  snapshot(): AggregateSnapshot {
    const totals = emptyTotals("total");
    for (const group of this.groups.values()) addInto(totals, group);
    Object.assign(this.totals, totals);
    return {
      grouping: this.grouping,
      lines: this.lines,
      usageLines: this.usageLines,
      groups: [...this.groups.values()].map((group) => ({ ...group })),
      totals,
      defaults: { ...this.defaults },
      unsupported: structuredClone(this.unsupported),
      errorCount: this.errorCount,
      errors: [...this.errors],
      currencies: [...this.currencies],
      methodologyVersion: this.methodologyVersion,
    };
  }
}

/**
 * Merges snapshots of consecutive parts of one file. `lineOffsets[i]` is added to part i's line
 * numbers (parts count lines from their own start).
 */
export function mergeSnapshots(
  parts: readonly AggregateSnapshot[],
  lineOffsets: readonly number[],
): AggregateSnapshot {
  const first = parts[0];
  if (!first) throw new Error("nothing to merge");
  const groups = new Map<string, GroupTotals>();
  const totals = emptyTotals("total");
  const defaults: DefaultFactorTotals = {
    anyOperationalKg: 0,
    powerKg: 0,
    pueKg: 0,
    gridKg: 0,
    embodiedKg: 0,
  };
  const unsupported: Record<string, UnsupportedTotals> = {};
  const errors: RowErrorReport[] = [];
  const currencies = new Set<string>();
  let lines = 0;
  let usageLines = 0;
  let errorCount = 0;
  let methodologyVersion = "";
  parts.forEach((part, index) => {
    const offset = lineOffsets[index] ?? 0;
    for (const group of part.groups) {
      let target = groups.get(group.key);
      if (!target) {
        target = emptyTotals(group.key);
        groups.set(group.key, target);
      }
      addInto(target, group);
    }
    addInto(totals, part.totals);
    defaults.anyOperationalKg += part.defaults.anyOperationalKg;
    defaults.powerKg += part.defaults.powerKg;
    defaults.pueKg += part.defaults.pueKg;
    defaults.gridKg += part.defaults.gridKg;
    defaults.embodiedKg += part.defaults.embodiedKg;
    for (const [reason, entry] of Object.entries(part.unsupported)) {
      const target = (unsupported[reason] ??= { lines: 0, costAmount: 0, examples: [] });
      target.lines += entry.lines;
      target.costAmount += entry.costAmount;
      for (const example of entry.examples) {
        if (target.examples.length < MAX_EXAMPLES && !target.examples.includes(example))
          target.examples.push(example);
      }
    }
    for (const error of part.errors) {
      if (errors.length < MAX_REPORTED_ERRORS)
        errors.push({ lineNumber: error.lineNumber + offset, message: error.message });
    }
    for (const currency of part.currencies) currencies.add(currency);
    lines += part.lines;
    usageLines += part.usageLines;
    errorCount += part.errorCount;
    methodologyVersion ||= part.methodologyVersion;
  });
  return {
    grouping: first.grouping,
    lines,
    usageLines,
    groups: [...groups.values()],
    totals,
    defaults,
    unsupported,
    errorCount,
    errors,
    currencies: [...currencies],
    methodologyVersion,
  };
}
