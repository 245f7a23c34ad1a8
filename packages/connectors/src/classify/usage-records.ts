import type { PackProvider, UsageRecord } from "@canopy/methodology";
import { RowValueError } from "./cell-values";
import { TimestampOutOfWindowError } from "./timestamps";
import type { ClassifyOptions, InstanceSpec, UnsupportedLine, UnsupportedReason } from "./types";

/** The fields every record of one billing line shares. */
export type LineBase = {
  provider: UsageRecord["provider"];
  accountId: string;
  billingAccountId?: string;
  periodStart: string;
  periodStartMs: number;
  periodHours: number;
  service: string;
  region: string;
  usageType?: string;
  costAmount: number;
  currency?: string;
  resourceId?: string;
  tags?: Record<string, string>;
  source?: string;
};

/** A record's own part: what it measures. */
export type Measure = {
  kind: UsageRecord["kind"];
  quantity: number;
  unit: UsageRecord["unit"];
  instanceType?: string;
  vcpus?: number;
  memoryGb?: number;
  gpuModel?: string;
  gpuCount?: number;
  storageClass?: "ssd" | "hdd";
  replicationHint?: number;
};

/**
 * Builds the records of one line. The line's cost goes on the first record only, so costs add up
 * when a line yields several records (instance hours → compute + GPU).
 */
export function recordsOf(base: LineBase, measures: readonly Measure[], scale = 1): UsageRecord[] {
  const records: UsageRecord[] = [];
  for (let index = 0; index < measures.length; index++) {
    const measure = measures[index] as Measure;
    const record: UsageRecord = {
      provider: base.provider,
      accountId: base.accountId,
      periodStart: base.periodStart,
      periodHours: base.periodHours,
      service: base.service,
      region: base.region,
      kind: measure.kind,
      quantity: measure.quantity * scale,
      unit: measure.unit,
      costAmount: index === 0 ? base.costAmount : 0,
    };
    if (base.billingAccountId) record.billingAccountId = base.billingAccountId;
    if (base.usageType) record.usageType = base.usageType;
    if (measure.instanceType) record.instanceType = measure.instanceType;
    if (measure.vcpus !== undefined) record.vcpus = measure.vcpus;
    if (measure.memoryGb !== undefined) record.memoryGb = measure.memoryGb;
    if (measure.gpuModel) record.gpuModel = measure.gpuModel;
    if (measure.gpuCount !== undefined) record.gpuCount = measure.gpuCount;
    if (measure.storageClass) record.storageClass = measure.storageClass;
    if (measure.replicationHint !== undefined) record.replicationHint = measure.replicationHint;
    if (base.currency) record.currency = base.currency;
    if (base.resourceId) record.resourceId = base.resourceId;
    if (base.tags) record.tags = base.tags;
    if (base.source) record.source = base.source;
    records.push(record);
  }
  return records;
}

/**
 * Instance-hours → one compute record: in vCPU-hours when the vCPU count is known (from the bill, else
 * the instance catalog), else in instance-hours with the instance type for the estimator to resolve.
 * GPUs attached to the instance type are not split into a separate record: the estimator's compute
 * path adds the catalog's GPU power per instance-hour (a separate `gpu` record would count them twice).
 * `gpu` records are for lines that bill GPUs on their own (GCP accelerator SKUs).
 */
export function instanceMeasures(
  provider: PackProvider,
  instanceType: string,
  instanceHours: number,
  known: { vcpus?: number; memoryGb?: number; replicationHint?: number },
  options: ClassifyOptions,
): Measure[] {
  const spec: InstanceSpec | undefined = known.vcpus === undefined ? options.lookupInstance?.(provider, instanceType) : undefined;
  const vcpus = known.vcpus ?? spec?.vcpus;
  const compute: Measure =
    vcpus !== undefined && vcpus > 0
      ? { kind: "compute", quantity: instanceHours * vcpus, unit: "vcpu-hours", instanceType, vcpus }
      : { kind: "compute", quantity: instanceHours, unit: "instance-hours", instanceType };
  if (known.memoryGb !== undefined) compute.memoryGb = known.memoryGb;
  if (known.replicationHint !== undefined) compute.replicationHint = known.replicationHint;
  return [compute];
}

export function otherMeasure(quantity: number): Measure {
  return { kind: "other", quantity: Math.abs(quantity), unit: "none" };
}

/**
 * A record that carries only money (tax, credit, fee, licence…): kind "other", unit "none",
 * quantity 0, `usageType` naming what it is. It keeps the line's account, time, service and region so
 * cost totals per account and month tie out to the invoice.
 */
export function costOnlyRecord(base: LineBase, usageType: string, costAmount: number): UsageRecord {
  return recordsOf({ ...base, usageType, costAmount }, [{ kind: "other", quantity: 0, unit: "none" }])[0]!;
}

/** The shared fields of a line, or why they could not be read (unusable timestamp or account). */
export type LineBaseAttempt = { ok: true; base: LineBase; warning?: string } | { ok: false; reason: string };

export type BuiltLineBase = { base: LineBase; warning?: string };

/** Runs a classifier's base builder for a money-only line: a RowValueError becomes `{ok: false}`. */
export function attemptLineBase(build: () => BuiltLineBase): LineBaseAttempt {
  try {
    const built = build();
    return built.warning === undefined ? { ok: true, base: built.base } : { ok: true, base: built.base, warning: built.warning };
  } catch (error) {
    // A date outside the plausible window fails the line, even a cost-only one (never stored).
    if (error instanceof RowValueError && !(error instanceof TimestampOutOfWindowError)) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * An `unsupported` outcome with its cost-only record (and any `extra` records, e.g. GCP credits).
 * Without a usable base the records are empty and the detail says why.
 */
export function unsupportedOutcome(
  reason: UnsupportedReason,
  detail: string,
  costAmount: number,
  currency: string | undefined,
  attempt: LineBaseAttempt,
  extra: (base: LineBase) => UsageRecord[] = () => [],
): UnsupportedLine {
  const outcome: UnsupportedLine = attempt.ok
    ? { status: "unsupported", reason, detail, costAmount, records: [costOnlyRecord(attempt.base, reason, costAmount), ...extra(attempt.base)] }
    : { status: "unsupported", reason, detail: `${detail} (no cost record: ${attempt.reason})`, costAmount, records: [] };
  if (currency) outcome.currency = currency;
  if (attempt.ok && attempt.warning !== undefined) outcome.warning = attempt.warning;
  return outcome;
}

/** The parts of a line base every classifier fills the same way; empty values are left out. */
export type LineExtras = {
  billingAccountId?: string | undefined;
  usageType?: string | undefined;
  currency?: string | undefined;
  resourceId?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** `UsageRecord.source` prefix; the line number is appended. */
  source?: string | undefined;
  lineNumber?: number | undefined;
};

/** Adds the optional parts to a line base and joins the line's warnings (account, billing account). */
export function completeLineBase(base: LineBase, extras: LineExtras, ...warnings: (string | undefined)[]): BuiltLineBase {
  if (extras.billingAccountId) base.billingAccountId = extras.billingAccountId;
  if (extras.usageType) base.usageType = extras.usageType;
  if (extras.currency) base.currency = extras.currency;
  if (extras.resourceId) base.resourceId = extras.resourceId;
  if (extras.tags) base.tags = extras.tags;
  if (extras.source !== undefined && extras.lineNumber !== undefined) base.source = `${extras.source}:${extras.lineNumber}`;
  const warning = joinWarnings(...warnings);
  return warning === undefined ? { base } : { base, warning };
}

/** Joins the warnings of one line (account and billing account). */
export function joinWarnings(...warnings: (string | undefined)[]): string | undefined {
  const present = warnings.filter((warning): warning is string => warning !== undefined);
  return present.length === 0 ? undefined : present.join("; ");
}
