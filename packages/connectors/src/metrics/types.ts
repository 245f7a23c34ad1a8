import type { PermissionCheck } from "../live/types";

/** A billed VM whose CPU utilization a provider's monitoring API can report. */
export type MeteredResource = {
  /** AWS account id, Azure subscription id, GCP project id (as `UsageRecord.accountId`). */
  providerAccountId: string;
  /** EC2 instance id, ARM id of the VM (lower-case), GCE instance id. */
  resourceId: string;
  /** Canonical region, as the usage records of the same VM carry it. */
  region: string;
  /** Instance type as billed: `m5.large`, `Standard_D2s_v3`, `n2-standard-4`. */
  instanceType: string;
};

/** The mean CPU utilization (0..1) of one resource over one UTC hour starting at `hour`. */
export type MeasuredHour = MeteredResource & { hour: Date; cpuUtilization: number };

export type UtilizationWindow = { start: Date; end: Date };

export type UtilizationSource = "aws-cloudwatch" | "azure-monitor" | "gcp-monitoring";

/** What a read did: requests by action, resources asked for, and resources left out by reason. */
export type UtilizationSummary = {
  apiCalls: Record<string, number>;
  /** Resources that got no measured hour, by reason ("no datapoints", "not a VM"…). */
  skipped: Record<string, number>;
};

/**
 * One provider's monitoring API: which billed VMs it can report on, and their hourly mean CPU. Errors
 * are ConnectorErrors (credentials, permission, throttled after backoff, query, transient), so the job
 * treats them like a usage sync's.
 */
export type UtilizationReader = {
  readonly source: UtilizationSource;
  /** The VMs of these provider accounts billed or running in the window. */
  listResources(
    window: UtilizationWindow,
    providerAccountIds: readonly string[],
    summary: UtilizationSummary,
  ): Promise<MeteredResource[]>;
  /** Hourly means, in batches, for hours inside the window only; an hour without data is absent. */
  readCpuUtilizationHourly(
    resources: readonly MeteredResource[],
    window: UtilizationWindow,
    summary: UtilizationSummary,
  ): AsyncIterable<MeasuredHour[]>;
  /**
   * One cheap request that proves the monitoring permission (for Test connection): an optional
   * check, never required, failed with the fix when the permission is missing.
   */
  checkAccess(providerAccountIds: readonly string[]): Promise<PermissionCheck>;
  close(): Promise<void>;
};

/** A failed optional check from a ConnectorError (its permission and fix when it names them). */
export function failedCheck(permission: string, error: unknown): PermissionCheck {
  const e = error as { message?: string; permission?: string; fix?: string };
  return {
    permission: e.permission ?? permission,
    status: "failed",
    message: `${e.message ?? String(error)} Estimates keep the default utilization.`,
    required: false,
    ...(e.fix ? { fix: e.fix } : {}),
  };
}

export const HOUR_MS = 3_600_000;

/** The window widened to whole UTC hours (the monitoring APIs align hourly periods on them). */
export function hourAligned(window: UtilizationWindow): UtilizationWindow {
  return {
    start: new Date(Math.floor(window.start.getTime() / HOUR_MS) * HOUR_MS),
    end: new Date(Math.ceil(window.end.getTime() / HOUR_MS) * HOUR_MS),
  };
}

/** A percentage 0..100 as a fraction, clamped (providers report slightly over 100 on some VMs). */
export const fractionOfPercent = (percent: number) => Math.min(1, Math.max(0, percent / 100));

export const countCall = (summary: UtilizationSummary, action: string) => {
  summary.apiCalls[action] = (summary.apiCalls[action] ?? 0) + 1;
};

export const countSkipped = (summary: UtilizationSummary, reason: string, n = 1) => {
  if (n > 0) summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
};
