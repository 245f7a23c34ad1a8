import { z } from "zod";
import {
  type AccountWindow,
  accountsWrittenByConnection,
  batchesOf,
  type Connection,
  insertRunningSyncRun,
  markCloudAccountNeedsAttention,
  markCloudAccountSynced,
  markSyncRunFailed,
  markSyncRunSucceeded,
  monthsBetween,
  recordCloudAccountError,
  recordSyncRunProgress,
  restartSyncRun,
  schedulableAccounts,
  syncRunOfJob,
  type SyncRunOfJob,
  withTenantClient,
  writeUsageRecords,
  type AccountSyncDetails,
} from "@canopy/db";
import type { FetchSummary, UsageWindow } from "@canopy/connectors/live";
import { defineJob, type JobContext, type JobDeps, type QueueDriver } from "../contract";
import {
  openConnector,
  asJobError,
  isPermanentFailure,
  loadConnectableAccount,
  type ConnectableAccount,
} from "../connector-for";
import { PermanentJobError } from "../errors";
import { refreshGcpCatalogPrices } from "../gcp-catalog-refresh";
import { queueMonthlyEstimates } from "../months";
import { queueReportedCarbon } from "./fetch-reported-carbon";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Providers restate recent usage for a few days; every scheduled sync re-fetches this much. */
export const RESTATEMENT_DAYS = 3;
/** The first sync after connecting fetches this many months, one transaction per month. */
export const BACKFILL_MONTHS = 13;

type AccountRow = ConnectableAccount;

/** sync_runs.details of a sync or backfill: accountSyncDetailsSchema of @canopy/db. */
type SyncDetails = AccountSyncDetails;

type ChunkRecord = SyncDetails["chunks"][number];

/** The key a chunk is found by when a retried attempt resumes its run. */
const chunkKey = (window: { start: Date | string; end: Date | string }) =>
  `${new Date(window.start).toISOString()}/${new Date(window.end).toISOString()}`;

type Tally = { lines: number; cost: number; example: string };

/** Adds one chunk's line counts by reason into the run's. */
function addTallies(into: Partial<Record<string, Tally>>, from: Partial<Record<string, Tally>>) {
  for (const [reason, entry] of Object.entries(from)) {
    if (!entry) continue;
    const total = (into[reason] ??= { lines: 0, cost: 0, example: entry.example });
    total.lines += entry.lines;
    total.cost += entry.cost;
  }
}

/** Adds one chunk's API requests (and their price, where the provider charges per request) into the run's. */
function addApiCalls(details: SyncDetails, summary: FetchSummary) {
  for (const [action, n] of Object.entries(summary.apiCalls ?? {}))
    (details.apiCalls ??= {})[action] = (details.apiCalls[action] ?? 0) + n;
  const cost = summary.apiCost;
  if (!cost) return;
  const total = (details.apiCost ??= { ...cost, requests: 0, cachedRequests: 0, costAmount: 0 });
  total.requests += cost.requests;
  total.cachedRequests += cost.cachedRequests;
  total.costAmount = Math.round((total.costAmount + cost.costAmount) * 100) / 100;
}

/** The windows a run fetches: the last few days for a sync, whole months (oldest first) for a backfill. */
export function syncWindows(
  mode: "sync" | "backfill",
  now: Date,
  explicit?: UsageWindow,
): UsageWindow[] {
  const end = explicit?.end ?? new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  if (mode === "sync") {
    const start =
      explicit?.start ??
      new Date(Math.floor(end.getTime() / DAY_MS) * DAY_MS - RESTATEMENT_DAYS * DAY_MS);
    return [{ start, end }];
  }
  const start =
    explicit?.start ??
    new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (BACKFILL_MONTHS - 1), 1));
  return monthsBetween(start, end).map((m) => ({
    start: new Date(Math.max(Date.parse(m.start), start.getTime())),
    end: new Date(Math.min(Date.parse(m.end), end.getTime())),
  }));
}

/**
 * Fetches one cloud account's usage from its provider and replaces the window in usage_hourly, one
 * transaction per chunk (a crash rolls the chunk back; the retry re-fetches it, so nothing is counted
 * twice). The chunk's record on the run is written in the same transaction as its usage, so a retried
 * attempt (an error, or a killed worker whose job BullMQ runs again) resumes the run: it reads the
 * same windows, skips the chunks already stored and fetches only the rest. Credentials are decrypted
 * here and only here, and never logged. Wrong credentials or a missing permission mark the account as
 * needing attention and stop without retries.
 */
export const syncAccount = defineJob({
  name: "sync-account",
  payload: z.object({
    tenantId: z.uuid(),
    cloudAccountId: z.uuid(),
    windowStart: z.iso.datetime({ offset: true }).optional(),
    windowEnd: z.iso.datetime({ offset: true }).optional(),
    mode: z.enum(["sync", "backfill"]).default("sync"),
  }),
  // Provider APIs are rate limited per account; one sync per account at a time is enough.
  options: {
    attempts: 3,
    backoffMs: 30_000,
    concurrency: 2,
    rateLimit: { max: 30, durationMs: 60_000 },
    perTenantConcurrency: 2,
  },
  async process(payload, deps, context) {
    const started = performance.now();
    const { tenantId, cloudAccountId } = payload;
    const account = await loadConnectableAccount(deps.app, tenantId, cloudAccountId);
    if (account.status === "disabled") return { skipped: "disabled" };
    // A job queued before a permanent failure (another chunk's sync, a backfill) must not call the
    // provider again with credentials known not to work: the account waits for a passing test.
    if (account.status === "needs_attention") {
      deps.log(`sync-account ${cloudAccountId}: skipped, the account needs attention`);
      return { skipped: "needs_attention" };
    }
    const explicit =
      payload.windowStart || payload.windowEnd
        ? {
            start: new Date(payload.windowStart ?? Date.now() - RESTATEMENT_DAYS * DAY_MS),
            end: new Date(payload.windowEnd ?? Date.now()),
          }
        : undefined;
    const previous = await runOfJob(deps.app, tenantId, cloudAccountId, context.jobId);
    // A resumed run keeps the windows its first attempt chose: a backfill's last month ends at the
    // hour the run started, and a retry later in the day must find the same chunks.
    // A run left `running` (a killed worker, an attempt that threw) or marked `failed` by the stalled-run
    // sweep before BullMQ ran the job again is resumed; one that succeeded is run afresh.
    const resumable =
      (previous?.status === "running" || previous?.status === "failed") &&
      previous.details.mode === payload.mode;
    const windows = syncWindows(
      payload.mode,
      new Date(),
      resumable && previous.windowStart && previous.windowEnd
        ? { start: previous.windowStart, end: previous.windowEnd }
        : explicit,
    );
    const first = windows[0];
    const last = windows.at(-1);
    if (!first || !last || first.start >= last.end)
      throw new PermanentJobError("The sync window is empty");
    const wanted = new Set(windows.map(chunkKey));
    const stored = resumable
      ? previous.details.chunks.filter((chunk) => wanted.has(chunkKey(chunk)))
      : [];
    let details: SyncDetails =
      resumable && stored.length
        ? {
            ...previous.details,
            chunks: stored,
            progress: { chunksDone: stored.length, chunksTotal: windows.length, rowsRead: 0 },
            resumed: [
              ...(previous.details.resumed ?? []),
              { attempt: context.attempt, chunksSkipped: stored.length },
            ],
          }
        : {
            jobId: context.jobId,
            mode: payload.mode,
            chunks: [],
            skipped: {},
            progress: { chunksDone: 0, chunksTotal: windows.length, rowsRead: 0 },
          };
    const done = new Set(stored.map(chunkKey));
    let rowsRead = stored.reduce((n, chunk) => n + chunk.rowsRead, 0);
    let rowsWritten = stored.reduce((n, chunk) => n + chunk.rowsWritten, 0);
    details.progress.rowsRead = rowsRead;
    const runId = await startRun(
      deps.app,
      tenantId,
      cloudAccountId,
      previous?.id,
      details,
      first.start,
      last.end,
    );
    deps.log(
      `sync-account ${cloudAccountId}: ${payload.mode} ${first.start.toISOString()} → ${last.end.toISOString()} (${windows.length} chunk(s), run ${runId})` +
        (done.size ? `; resumed: ${done.size} chunk(s) already stored, not fetched again` : ""),
    );

    try {
      const connector = await openConnector(deps, tenantId, cloudAccountId, account);
      // What the stored chunks covered still needs its estimates queued when this attempt finishes.
      const touched: AccountWindow[] = (details.coverage ?? []).map((w) => ({
        cloudAccountId: w.cloudAccountId,
        start: new Date(w.start),
        end: new Date(w.end),
      }));
      for (const window of windows) {
        if (done.has(chunkKey(window))) continue;
        const chunkStarted = performance.now();
        const summary: FetchSummary = {
          rowsRead: 0,
          recordsYielded: 0,
          skipped: {},
          resolution: "hourly",
        };
        const committed = await withTenantClient(deps.app, tenantId, async (client) => {
          // The whole fetched window is claimed, not only the hours the new records cover: usage this
          // connection wrote earlier that the provider no longer reports (a restatement that removes
          // hours at the edges) is replaced too, and kept as a previous version.
          const earlier = await accountsWrittenByConnection(client, cloudAccountId, window);
          const written = await writeUsageRecords(
            client,
            tenantId,
            runId,
            batchesOf(connector.fetchUsage(window, { summary })),
            {
              sourceKind: connector.sourceKind ?? "unknown",
              coverage: {
                start: window.start,
                end: window.end,
                cloudAccountIds: [cloudAccountId, ...earlier],
              },
              // No one to ask during a scheduled sync: the replacement is recorded on the run instead.
              replace: true,
            },
          );
          // The run's record with this chunk, built on a copy: it becomes the attempt's `details` only
          // once the transaction commits, so a failure at COMMIT never records a chunk not stored.
          const next: SyncDetails = structuredClone(details);
          if (written.replaced) (next.replaced ??= []).push(...written.replaced.accounts);
          if (written.outranked.length)
            (next.outranked ??= []).push(
              ...written.outranked.map((w) => ({
                cloudAccountId: w.cloudAccountId,
                start: w.start.toISOString(),
                end: w.end.toISOString(),
                heldBy: w.heldBy,
              })),
            );
          (next.coverage ??= []).push(
            ...written.windows.map((w) => ({
              cloudAccountId: w.cloudAccountId,
              start: w.start.toISOString(),
              end: w.end.toISOString(),
            })),
          );
          const totals = {
            rowsRead: rowsRead + summary.rowsRead,
            rowsWritten: rowsWritten + written.rowsWritten,
          };
          next.resolution = summary.resolution;
          addTallies(next.skipped, summary.skipped);
          addTallies((next.costOnly ??= {}), summary.costOnly ?? {});
          addApiCalls(next, summary);
          const chunk: ChunkRecord = {
            start: window.start.toISOString(),
            end: window.end.toISOString(),
            rowsRead: summary.rowsRead,
            rowsWritten: written.rowsWritten,
            seconds: (performance.now() - chunkStarted) / 1000,
          };
          next.chunks.push(chunk);
          next.progress = {
            chunksDone: next.chunks.length,
            chunksTotal: windows.length,
            rowsRead: totals.rowsRead,
          };
          // In the chunk's own transaction: the run says a chunk is done exactly when its usage is
          // stored, which is what a resumed attempt relies on to skip it.
          await recordSyncRunProgress(client, runId, next, totals);
          return { next, totals, windows: written.windows };
        });
        details = committed.next;
        rowsRead = committed.totals.rowsRead;
        rowsWritten = committed.totals.rowsWritten;
        touched.push(...committed.windows);
        await context.reportProgress(details.progress);
      }
      details.seconds = (performance.now() - started) / 1000;
      const rowsSkipped = Object.values(details.skipped).reduce((n, s) => n + s.lines, 0);
      await withTenantClient(deps.app, tenantId, async (client) => {
        await markSyncRunSucceeded(client, runId, { rowsRead, rowsWritten, rowsSkipped, details });
        await markCloudAccountSynced(client, cloudAccountId);
      });
      await queueMonthlyEstimates(deps, tenantId, runId, touched);
      // The provider's own figures for the months this run covered, for reconciliation.
      if (connector.fetchReportedCarbon)
        await queueReportedCarbon(deps, tenantId, cloudAccountId, windows);
      // Measured CPU of the billed VMs over the same window (its own job: a failure there never
      // fails the sync, and the estimates keep the default utilization until it succeeds). Cost
      // Explorer has no instance ids, so there is nothing to measure.
      if (connector.sourceKind !== "aws-cost-explorer")
        await deps.enqueue(
          "sync-utilization",
          {
            tenantId,
            cloudAccountId,
            windowStart: first.start.toISOString(),
            windowEnd: last.end.toISOString(),
          },
          { jobId: `utilization:${runId}` },
        );
      // Compute Engine list prices for the recommendations (at most daily; never fails the sync).
      if (account.provider === "gcp")
        await refreshGcpCatalogPrices(deps, tenantId, cloudAccountId, account);
      deps.log(
        `sync-account ${cloudAccountId}: ${rowsRead} rows read, ${rowsWritten} usage rows written in ${details.seconds.toFixed(1)} s`,
      );
      return { syncRunId: runId, rowsRead, rowsWritten, seconds: details.seconds };
    } catch (error) {
      await failRun(deps, context, { tenantId, cloudAccountId, runId, details, error });
      throw asJobError(error);
    }
  },
});

/**
 * What the account shows after a permanent failure: the provider's reason (it names the permission or
 * the trust condition to fix) and how syncs resume.
 */
export function needsAttentionMessage(reason: string): string {
  const why = reason.trim().replace(/\.*$/, ".");
  return `Syncs stopped: ${why} Fix the credentials or permissions, then run Test connection again; syncs resume when it passes.`;
}

/**
 * Marks the run failed (at once for permanent errors, else on the last attempt). A permanent failure
 * (no identity, access denied, bad credentials) also puts the account in needs_attention with the
 * reason, and records it as a failed connection test: the scheduler skips the account, queued jobs for
 * it skip, and neither Finish nor anything else re-activates it until a new "Test connection" passes.
 */
async function failRun(
  deps: JobDeps,
  context: JobContext,
  run: {
    tenantId: string;
    cloudAccountId: string;
    runId: string;
    details: SyncDetails;
    error: unknown;
  },
) {
  const error = run.error;
  const permanent = isPermanentFailure(error);
  const message = (error as Error).message;
  deps.log(`sync-account ${run.cloudAccountId}: failed on attempt ${context.attempt}: ${message}`);
  if (!permanent && !context.isLastAttempt) return;
  await withTenantClient(deps.app, run.tenantId, async (client) => {
    await markSyncRunFailed(client, run.runId, message, run.details);
    if (!permanent) {
      await recordCloudAccountError(client, run.cloudAccountId, message);
      return;
    }
    await markCloudAccountNeedsAttention(
      client,
      run.cloudAccountId,
      needsAttentionMessage(message),
      { message: `A sync failed: ${message}`, checks: [], discovered: null },
    );
  });
}

type PreviousRun = SyncRunOfJob;

/** The run an earlier attempt of this job started (found by job id), if any. */
async function runOfJob(
  app: Connection,
  tenantId: string,
  cloudAccountId: string,
  jobId: string,
): Promise<PreviousRun | undefined> {
  return withTenantClient(app, tenantId, async (client) => {
    const run = await syncRunOfJob(client, cloudAccountId, jobId);
    return run
      ? { ...run, details: { ...run.details, chunks: run.details.chunks ?? [] } }
      : undefined;
  });
}

/** Reuses the run of this job's earlier attempt (its retries share it) or starts a new one. */
async function startRun(
  app: Connection,
  tenantId: string,
  cloudAccountId: string,
  existingId: string | undefined,
  details: SyncDetails,
  start: Date,
  end: Date,
): Promise<string> {
  return withTenantClient(app, tenantId, async (client) => {
    if (existingId) {
      await restartSyncRun(client, existingId, details, { start, end });
      return existingId;
    }
    return insertRunningSyncRun(client, {
      tenantId,
      cloudAccountId,
      kind: details.mode,
      window: { start, end },
      details,
    });
  });
}

const SYNC_EVERY_MS: Record<AccountRow["provider"], number> = {
  aws: HOUR_MS, // CUR and Cost Explorer refresh several times a day
  gcp: HOUR_MS, // the billing export lands within hours
  azure: DAY_MS, // Cost Management refreshes ~every 4 h and asks for at most one call a day per scope
};

/**
 * Runs every few minutes across tenants (owner connection): queues a 13-month backfill for each
 * connected (active) account that never completed one, and a restatement-window sync for each account whose
 * last sync is older than its provider's interval. Accounts needing attention or disabled wait for
 * the admin: this query is the schedule, so it stops and resumes with the account's status under both
 * drivers (there is no per-account scheduler to remove). Job ids make repeated ticks idempotent.
 *
 * A backfill's job id carries the number of backfills of the account that failed: BullMQ keeps a
 * failed job (and ignores a new one with its id) for days, so after a failure the next backfill needs a
 * new id. It is queued no sooner than one provider interval after the failure (or at once when a
 * connection test passed since), so a backfill that used up its retries on a provider outage is tried
 * again about as often as a sync, not on every tick. A permanently failed one is not tried again at
 * all until a passing test makes the account active again.
 */
export const scheduleAccountSyncs = defineJob({
  name: "schedule-account-syncs",
  payload: z.object({ now: z.iso.datetime({ offset: true }).optional() }),
  options: { attempts: 2, backoffMs: 30_000, concurrency: 1 },
  async process(payload, deps) {
    const now = payload.now ? new Date(payload.now) : new Date();
    const rows = await schedulableAccounts(deps.owner);
    let backfills = 0;
    let syncs = 0;
    for (const account of rows) {
      const payloadBase = { tenantId: account.tenantId, cloudAccountId: account.id };
      const every = SYNC_EVERY_MS[account.provider];
      if (!account.backfilled) {
        // A connection test that passed after the failure (the admin fixed it) resumes at once.
        const failedAt = account.lastBackfillFailedAt;
        const fixedSince = account.checkedAt && failedAt && account.checkedAt > failedAt;
        if (failedAt && !fixedSince && now.getTime() - failedAt.getTime() < every) continue;
        await deps.enqueue(
          "sync-account",
          { ...payloadBase, mode: "backfill" },
          { jobId: `backfill:${account.id}:${account.failedBackfills}` },
        );
        backfills++;
        continue;
      }
      if (account.lastSyncAt && now.getTime() - account.lastSyncAt.getTime() < every) continue;
      const slot = Math.floor(now.getTime() / every);
      await deps.enqueue(
        "sync-account",
        { ...payloadBase, mode: "sync" },
        { jobId: `sync:${account.id}:${slot}` },
      );
      syncs++;
    }
    return { backfills, syncs };
  },
});

/** Registers the sync scheduler (every 5 minutes) on a driver; call once at worker start. */
export async function registerSyncSchedule(driver: QueueDriver): Promise<void> {
  await driver.schedule("account-syncs", "schedule-account-syncs", {}, { everyMs: 5 * 60_000 });
}
