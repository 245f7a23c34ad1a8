import type { JobDefinition } from "./contract";
import { importFile } from "./import/import-file";
import { estimateWindow } from "./jobs/estimate-window";
import { generateReportJob, scheduleReports } from "./jobs/generate-report";
import { canonicalizeServices } from "./jobs/canonicalize-services";
import { computeRecommendationsJob } from "./jobs/compute-recommendations";
import { maintainPartitions } from "./jobs/maintain-partitions";
import { pruneImportFiles } from "./jobs/prune-import-files";
import { pruneSuperseded } from "./jobs/prune-superseded-usage";
import { reestimateTenant } from "./jobs/reestimate-tenant";
import { refreshStaleEstimates } from "./jobs/refresh-stale-estimates";
import { rollupDays } from "./jobs/rollup-days";
import { deliverAlertJob, detectAlertsJob, scheduleAlertDetection } from "./jobs/detect-alerts";
import { fetchReportedCarbon } from "./jobs/fetch-reported-carbon";
import { scheduleAccountSyncs, syncAccount } from "./jobs/sync-account";
import { syncGridIntensityJob } from "./jobs/sync-grid-intensity";
import { syncUtilization } from "./jobs/sync-utilization";
import { validateConnection } from "./jobs/validate-connection";
import { sweepStalledRunsJob } from "./watchdog";

/** Jobs by name. Producers and workers share one registry, so both agree on names and payloads. */
export type JobRegistry = ReadonlyMap<string, JobDefinition<never>>;

export function createRegistry(definitions: JobDefinition<never>[]): JobRegistry {
  return new Map(definitions.map((job) => [job.name, job]));
}

/** Every job Canopy runs. */
export const jobs: JobRegistry = createRegistry([
  importFile,
  maintainPartitions,
  pruneSuperseded,
  pruneImportFiles,
  canonicalizeServices,
  estimateWindow,
  rollupDays,
  reestimateTenant,
  refreshStaleEstimates,
  generateReportJob,
  scheduleReports,
  syncAccount,
  syncUtilization,
  scheduleAccountSyncs,
  validateConnection,
  fetchReportedCarbon,
  sweepStalledRunsJob,
  syncGridIntensityJob,
  detectAlertsJob,
  scheduleAlertDetection,
  deliverAlertJob,
  computeRecommendationsJob,
] as unknown as JobDefinition<never>[]);

export function jobDefinition(name: string, registry: JobRegistry = jobs): JobDefinition<unknown> {
  const job = registry.get(name);
  if (!job) throw new Error(`Unknown job "${name}"`);
  return job as unknown as JobDefinition<unknown>;
}

/** Parses the payload against the job's schema before anything runs: bad payloads never reach a processor. */
export function parsePayload(
  name: string,
  payload: unknown,
  registry: JobRegistry = jobs,
): unknown {
  const result = jobDefinition(name, registry).payload.safeParse(payload);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "payload"} ${issue.message}`,
    );
    throw new Error(`Invalid payload for job "${name}": ${problems.join("; ")}`);
  }
  return result.data;
}
