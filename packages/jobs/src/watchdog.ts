import { z } from "zod";
import {
  failActiveJobRuns,
  failStalledRun,
  stalledRuns,
  touchJobRuns,
  withTenantClient,
  type Connection,
  type JobRuns,
} from "@canopy/db";
import { defineJob } from "./contract";

/**
 * The watchdog for imports and syncs whose worker died. A sync_runs row says "running" while a job
 * works on it; when the process running that job is gone (SIGKILL, OOM, a crash), nothing else would
 * ever change it. Two mechanisms end such a run as `failed` with a reason:
 *
 * - `failRunsOfJob`: the driver calls it when a job has failed for good (BullMQ's 'failed' event once
 *   the attempts are used up, including "job stalled more than allowable limit"; the inline driver
 *   after its last attempt).
 * - `sweepStalledRuns` (job `sweep-stalled-runs`, scheduled by the worker): runs still `running` with
 *   no progress for longer than CANOPY_RUN_STALL_TIMEOUT_MS. A job in progress stamps its run's
 *   `heartbeat_at` (`touchRunsOfJob`, every progress report and at least once a minute), so a live
 *   run is never swept, however long it takes.
 */

/** Jobs whose payload names the sync_runs rows they work on (see runFilter). */
export const jobsWithRuns: ReadonlySet<string> = new Set(["import-file", "sync-account"]);

/** The reason a run gets when its job failed for good (the driver's view). */
export function finalFailureReason(
  kind: string,
  failure: { message: string; attemptsStarted: number; attemptsMade: number },
) {
  if (/stalled|started more than allowable/i.test(failure.message))
    return workerStoppedReason(kind, Math.max(0, failure.attemptsStarted - 1), failure.message);
  const attempts = Math.max(1, failure.attemptsMade);
  return `The ${what(kind)} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${failure.message}`;
}

/** The sync_runs rows a job works on, from its payload: `syncRunId`, or a sync's account. */
function runFilter(
  jobName: string,
  payload: unknown,
): { tenantId: string; runs: JobRuns } | undefined {
  if (!payload || typeof payload !== "object") return undefined;
  const p = payload as Record<string, unknown>;
  if (typeof p.tenantId !== "string") return undefined;
  if (typeof p.syncRunId === "string")
    return { tenantId: p.tenantId, runs: { syncRunId: p.syncRunId } };
  if (jobName === "sync-account" && typeof p.cloudAccountId === "string")
    return { tenantId: p.tenantId, runs: { syncsOfAccount: p.cloudAccountId } };
  return undefined;
}

const what = (kind: string) => (kind === "import" ? "import" : "sync");

/** The reason a run gets when its worker stopped; `retries` = attempts after the first. */
export function workerStoppedReason(kind: string, retries: number | undefined, detail?: string) {
  const retried =
    retries === undefined ? "" : `; it was retried ${retries} time${retries === 1 ? "" : "s"}`;
  return `The worker stopped while running this ${what(kind)}${retried}${detail ? ` (${detail})` : ""}.`;
}

/** Records that the job's run is alive (`heartbeat_at`, and the attempt). Never throws. */
export async function touchRunsOfJob(
  app: Connection,
  jobName: string,
  payload: unknown,
  attempt: number,
): Promise<void> {
  const filter = runFilter(jobName, payload);
  if (!filter) return;
  await withTenantClient(app, filter.tenantId, (client) =>
    touchJobRuns(client, filter.runs, attempt),
  ).catch(() => undefined);
}

/**
 * Marks the job's runs that are still `queued` or `running` as failed with `reason` (a processor
 * that failed on its own has already done so, and is left as it is). Returns how many it marked.
 */
export async function failRunsOfJob(
  app: Connection,
  jobName: string,
  payload: unknown,
  reason: (kind: string) => string,
): Promise<number> {
  const filter = runFilter(jobName, payload);
  if (!filter) return 0;
  return withTenantClient(app, filter.tenantId, (client) =>
    failActiveJobRuns(client, filter.runs, reason),
  );
}

/**
 * Fails every run, of any organization, that is `running` with no progress for `staleAfterMs`
 * (owner connection: cross-tenant housekeeping). Returns the ids it failed.
 */
export async function sweepStalledRuns(owner: Connection, staleAfterMs: number): Promise<string[]> {
  const rows = await stalledRuns(owner, staleAfterMs);
  const minutes = Math.round(staleAfterMs / 60_000);
  const failed: string[] = [];
  for (const row of rows) {
    const reason = workerStoppedReason(
      row.kind,
      row.attempt === null ? undefined : row.attempt - 1,
      `no progress for ${minutes >= 1 ? `${minutes} min` : `${Math.round(staleAfterMs / 1000)} s`}`,
    );
    // Re-checked under the update, so a run that moved on meanwhile is left alone.
    if (await failStalledRun(owner, row.id, reason, staleAfterMs)) failed.push(row.id);
  }
  return failed;
}

/** The periodic sweep, as a job (the worker schedules it; see startWorker). */
export const sweepStalledRunsJob = defineJob({
  name: "sweep-stalled-runs",
  payload: z.object({ staleAfterMs: z.number().int().positive() }),
  options: { attempts: 1, backoffMs: 1_000, concurrency: 1 },
  async process(payload, deps) {
    const failed = await sweepStalledRuns(deps.owner, payload.staleAfterMs);
    if (failed.length)
      deps.log(`sweep-stalled-runs: marked ${failed.length} run(s) failed: ${failed.join(", ")}`);
    return { failed: failed.length };
  },
});
