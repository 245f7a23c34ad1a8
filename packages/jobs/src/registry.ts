import type { z } from "zod";
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

/** Any job definition, whatever its payload and result. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJob = JobDefinition<any, unknown, string, any>;

/** Each job's name mapped to the payload its producers pass (the schema's input). */
export type PayloadsOf<Definitions extends readonly AnyJob[]> = {
  [Job in Definitions[number] as Job["name"]]: z.input<Job["payload"]>;
};

/**
 * Jobs by name. Producers and workers share one registry, so both agree on names and payloads;
 * `Payloads` (type only) is what a driver on this registry accepts.
 */
export type JobRegistry<Payloads = JobPayloads> = ReadonlyMap<string, JobDefinition<never>> & {
  readonly payloadTypes?: Payloads;
};

export function createRegistry<const Definitions extends readonly AnyJob[]>(
  definitions: Definitions,
): JobRegistry<PayloadsOf<Definitions>> {
  return new Map(definitions.map((job) => [job.name, job as unknown as JobDefinition<never>]));
}

const definitions = [
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
] as const;

/** Every job Canopy runs, by name, with the payload its producers pass. */
export type JobPayloads = PayloadsOf<typeof definitions>;
/** A name the registry knows. */
export type JobName = keyof JobPayloads;

/** Every job Canopy runs. */
export const jobs: JobRegistry = createRegistry(definitions);

export function jobDefinition(
  name: string,
  registry: JobRegistry<unknown> = jobs,
): JobDefinition<unknown> {
  const job = registry.get(name);
  if (!job) throw new Error(`Unknown job "${name}"`);
  return job as unknown as JobDefinition<unknown>;
}

/** Parses the payload against the job's schema before anything runs: bad payloads never reach a processor. */
export function parsePayload(
  name: string,
  payload: unknown,
  registry: JobRegistry<unknown> = jobs,
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
