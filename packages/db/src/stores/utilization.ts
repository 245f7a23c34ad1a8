import type { PoolClient } from "pg";
import type { UtilizationRunDetails } from "../json/utilization-run-details";
import { shapeKeySql } from "./usage";

/** One measured hour of one resource, as the sync-utilization job stores it. */
export type UtilizationHour = {
  cloudAccountId: string;
  resourceId: string;
  /** Start of the UTC hour. */
  hour: Date;
  region: string;
  instanceType: string;
  /** Hourly mean, 0..1. */
  cpuUtilization: number;
};

export type UtilizationSource = "aws-cloudwatch" | "azure-monitor" | "gcp-monitoring";

/**
 * Upserts measured hours by (account, hour, resource), in the caller's tenant transaction: a second
 * read of the same hours replaces the values, it never adds rows. Returns the rows written.
 */
export async function writeUtilizationHours(
  client: PoolClient,
  tenantId: string,
  runId: string | null,
  source: UtilizationSource,
  hours: readonly UtilizationHour[],
): Promise<number> {
  let written = 0;
  for (let i = 0; i < hours.length; i += 5000) {
    const batch = hours.slice(i, i + 5000);
    const result = await client.query(
      `INSERT INTO resource_utilization_hourly
         (tenant_id, cloud_account_id, hour, resource_id, region, instance_type, cpu_utilization, source, utilization_run_id)
       SELECT $1, a, h, r, g, t, c, $2, $3
       FROM unnest($4::uuid[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::real[]) AS x(a, h, r, g, t, c)
       ON CONFLICT (tenant_id, cloud_account_id, hour, resource_id) DO UPDATE SET
         region = excluded.region, instance_type = excluded.instance_type,
         cpu_utilization = excluded.cpu_utilization, source = excluded.source,
         utilization_run_id = excluded.utilization_run_id, loaded_at = now()`,
      [
        tenantId,
        source,
        runId,
        batch.map((h) => h.cloudAccountId),
        batch.map((h) => h.hour),
        batch.map((h) => h.resourceId),
        batch.map((h) => h.region),
        batch.map((h) => h.instanceType),
        batch.map((h) => h.cpuUtilization),
      ],
    );
    written += result.rowCount ?? 0;
  }
  return written;
}

/**
 * Share of a usage row's instance-hours that must have a measured hour before the measured mean
 * replaces the default utilization (Canopy's threshold, docs/methodology.md §2.1.1): a row whose
 * instances are mostly unmeasured keeps the default rather than take the mean of a few.
 */
export const MEASURED_COVERAGE = 0.9;

/**
 * Sets `cpu_utilization` (and the shape key, which includes it) of the compute usage rows of these
 * accounts and window from the stored measurements, in the caller's tenant transaction. A row
 * (account, period, region, instance type) takes the mean of the measured resource-hours of the same
 * account, region and instance type inside its period, when they cover at least MEASURED_COVERAGE of
 * its instance-hours (instance-hours: the quantity; vCPU-hours: quantity ÷ vCPUs). Rows of a Canopy
 * usage file (source kind `usage`) keep the utilization the file gave. Returns the rows changed;
 * re-estimating the window then flags their power as measured.
 */
export async function applyMeasuredUtilization(
  client: PoolClient,
  cloudAccountIds: readonly string[],
  window: { start: Date; end: Date },
): Promise<number> {
  if (cloudAccountIds.length === 0) return 0;
  const result = await client.query(
    `WITH m AS (
       SELECT u.cloud_account_id, u.hour, u.dims_key, avg(r.cpu_utilization)::real AS cpu
       FROM usage_hourly u
       JOIN resource_utilization_hourly r
         ON r.cloud_account_id = u.cloud_account_id AND r.region = u.region
        AND lower(r.instance_type) = lower(u.instance_type)
        AND r.hour >= u.hour AND r.hour < u.hour + u.period_hours * interval '1 hour'
       WHERE u.cloud_account_id = ANY($1::uuid[]) AND u.hour >= $2 AND u.hour < $3
         AND u.kind = 'compute' AND u.instance_type <> '' AND u.source_kind <> 'usage'
         AND (u.unit = 'instance-hours' OR (u.unit = 'vcpu-hours' AND u.vcpus > 0))
       GROUP BY u.cloud_account_id, u.hour, u.dims_key, u.unit, u.quantity, u.vcpus
       HAVING count(*) >= $4 * abs(CASE WHEN u.unit = 'instance-hours' THEN u.quantity ELSE u.quantity / u.vcpus END)
     )
     UPDATE usage_hourly u SET cpu_utilization = m.cpu, shape_key = ${shapeKeySql("m.cpu", "u.")}
     FROM m
     WHERE u.cloud_account_id = m.cloud_account_id AND u.hour = m.hour AND u.dims_key = m.dims_key
       AND u.cpu_utilization IS DISTINCT FROM m.cpu`,
    [cloudAccountIds, window.start, window.end, MEASURED_COVERAGE],
  );
  return result.rowCount ?? 0;
}

/**
 * `applyMeasuredUtilization` for one account window, only when measurements are stored for it (one
 * index probe otherwise): the estimate calls it first, so usage rewritten by a later import or sync
 * takes the stored measurements again without asking the provider.
 */
export async function applyStoredUtilization(
  client: PoolClient,
  window: { cloudAccountId: string; start: Date; end: Date },
): Promise<number> {
  const any = await client.query(
    `SELECT 1 FROM resource_utilization_hourly
     WHERE tenant_id = current_tenant_id() AND cloud_account_id = $1 AND hour >= $2 AND hour < $3 LIMIT 1`,
    [window.cloudAccountId, window.start, window.end],
  );
  if (!any.rowCount) return 0;
  return applyMeasuredUtilization(client, [window.cloudAccountId], window);
}

/** Per resource over a window: hours measured, mean, 95th percentile and maximum of the hourly CPU. */
export type ResourceUtilizationSummary = {
  cloudAccountId: string;
  resourceId: string;
  region: string;
  instanceType: string;
  hours: number;
  meanCpu: number;
  p95Cpu: number;
  maxCpu: number;
};

/** The stored measurements of a tenant's window summed per resource (for the rightsizing rule). */
export async function summarizeResourceUtilization(
  client: PoolClient,
  window: { start: Date; end: Date },
): Promise<ResourceUtilizationSummary[]> {
  const { rows } = await client.query<ResourceUtilizationSummary>(
    `SELECT cloud_account_id AS "cloudAccountId", resource_id AS "resourceId",
            (array_agg(region ORDER BY hour DESC))[1] AS region,
            (array_agg(instance_type ORDER BY hour DESC))[1] AS "instanceType",
            count(*)::int AS hours, avg(cpu_utilization)::float8 AS "meanCpu",
            percentile_cont(0.95) WITHIN GROUP (ORDER BY cpu_utilization)::float8 AS "p95Cpu",
            max(cpu_utilization)::float8 AS "maxCpu"
     FROM resource_utilization_hourly
     WHERE hour >= $1 AND hour < $2
     GROUP BY cloud_account_id, resource_id
     ORDER BY cloud_account_id, resource_id`,
    [window.start, window.end],
  );
  return rows;
}

export type UtilizationRunRow = {
  id: string;
  cloudAccountId: string;
  status: string;
  source: string;
  windowStart: Date;
  windowEnd: Date;
  resources: number;
  hoursStored: number;
  usageRowsMeasured: number;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

/** The latest utilization run of each account of the tenant (what the data-quality panel shows). */
export async function latestUtilizationRuns(client: PoolClient): Promise<UtilizationRunRow[]> {
  const { rows } = await client.query<UtilizationRunRow>(
    `SELECT DISTINCT ON (cloud_account_id) id, cloud_account_id AS "cloudAccountId", status::text AS status, source,
            window_start AS "windowStart", window_end AS "windowEnd", resources, hours_stored AS "hoursStored",
            usage_rows_measured AS "usageRowsMeasured", error, created_at AS "createdAt", finished_at AS "finishedAt"
     FROM utilization_runs ORDER BY cloud_account_id, created_at DESC`,
  );
  return rows;
}

/** Which emissions the measured share covers (null = no filter), as the dashboard's filters. */
export type MeasuredShareScope = {
  start: Date | string;
  end: Date | string;
  cloudAccountIds?: readonly string[] | null;
  providers?: readonly string[] | null;
  services?: readonly string[] | null;
  regions?: readonly string[] | null;
};

/**
 * Facility kWh of compute emissions in a window of whole UTC days, and the part whose power used
 * measured CPU utilization (kwh_measured_utilization: the estimate's power quality is `measured`),
 * from the daily rollups as every other dashboard figure.
 */
export async function measuredComputeShare(
  client: PoolClient,
  scope: MeasuredShareScope,
): Promise<{ computeKwh: number; measuredKwh: number; share: number | null }> {
  const list = (v: readonly string[] | null | undefined) => (v && v.length ? [...v] : null);
  const { rows } = await client.query<{ computeKwh: number; measuredKwh: number }>(
    `SELECT coalesce(sum(kwh_facility), 0)::float8 AS "computeKwh",
            coalesce(sum(kwh_measured_utilization), 0)::float8 AS "measuredKwh"
     FROM emissions_daily
     WHERE kind = 'compute' AND day >= $1::timestamptz::date AND day < $2::timestamptz::date
       AND ($3::uuid[] IS NULL OR cloud_account_id = ANY($3))
       AND ($4::text[] IS NULL OR provider::text = ANY($4))
       AND ($5::text[] IS NULL OR service = ANY($5))
       AND ($6::text[] IS NULL OR region = ANY($6))`,
    [
      scope.start,
      scope.end,
      list(scope.cloudAccountIds),
      list(scope.providers),
      list(scope.services),
      list(scope.regions),
    ],
  );
  const { computeKwh, measuredKwh } = rows[0] ?? { computeKwh: 0, measuredKwh: 0 };
  return { computeKwh, measuredKwh, share: computeKwh > 0 ? measuredKwh / computeKwh : null };
}

/**
 * The utilization run of the job with this id, in the caller's tenant transaction: its earlier
 * attempt's run put back to running, or a new one over the window. A run of another job still
 * running after an hour (its worker died) is ended first: this read takes over.
 */
export async function startUtilizationRun(
  client: PoolClient,
  run: {
    tenantId: string;
    cloudAccountId: string;
    jobId: string;
    window: { start: Date; end: Date };
    source: UtilizationSource;
  },
): Promise<string> {
  await client.query(
    `UPDATE utilization_runs SET status = 'failed', finished_at = now(),
           error = 'The worker stopped during this read; a later read took over.'
         WHERE cloud_account_id = $1 AND status = 'running' AND details->>'jobId' <> $2
           AND created_at < now() - interval '1 hour'`,
    [run.cloudAccountId, run.jobId],
  );
  const existing = await client.query<{ id: string }>(
    "SELECT id FROM utilization_runs WHERE cloud_account_id = $1 AND details->>'jobId' = $2 LIMIT 1",
    [run.cloudAccountId, run.jobId],
  );
  if (existing.rows[0]) {
    await client.query(
      "UPDATE utilization_runs SET status = 'running', error = NULL, finished_at = NULL WHERE id = $1",
      [existing.rows[0].id],
    );
    return existing.rows[0].id;
  }
  const created = await client.query<{ id: string }>(
    `INSERT INTO utilization_runs (tenant_id, cloud_account_id, status, window_start, window_end, source, details)
         VALUES ($1, $2, 'running', $3, $4, $5, $6) RETURNING id`,
    [
      run.tenantId,
      run.cloudAccountId,
      run.window.start,
      run.window.end,
      run.source,
      { jobId: run.jobId } satisfies UtilizationRunDetails,
    ],
  );
  return created.rows[0]!.id;
}

/** Ends a utilization run with its counts, error (null when it succeeded) and details. */
export async function finishUtilizationRun(
  client: PoolClient,
  utilizationRunId: string,
  outcome: {
    status: "succeeded" | "failed";
    resources: number;
    hoursStored: number;
    usageRowsMeasured: number;
    error: string | null;
    details: UtilizationRunDetails;
  },
): Promise<void> {
  await client.query(
    `UPDATE utilization_runs SET status = $2::sync_run_status, resources = $3, hours_stored = $4,
             usage_rows_measured = $5, error = $6, details = $7, finished_at = now() WHERE id = $1`,
    [
      utilizationRunId,
      outcome.status,
      outcome.resources,
      outcome.hoursStored,
      outcome.usageRowsMeasured,
      outcome.error,
      outcome.details,
    ],
  );
}
