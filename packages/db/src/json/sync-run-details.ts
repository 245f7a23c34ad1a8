import { z } from "zod";
import {
  accountReplacementSchema,
  accountWindowSchema,
  importSummarySchema,
  type ImportSummary,
} from "./import-summary";
import { parseStoredJson } from "./parse";

/** Lines of one reason in a live sync: how many, their cost, and one example. */
const syncTallySchema = z.object({ lines: z.number(), cost: z.number(), example: z.string() });

/** Provider requests charged per call (AWS Cost Explorer: USD 0.01 each), and what they cost. */
export const apiCostSchema = z.object({
  service: z.string(),
  requests: z.number(),
  /** Answers reused from the cache instead of requested again. */
  cachedRequests: z.number(),
  costAmount: z.number(),
  currency: z.string(),
});
export type ApiCost = z.infer<typeof apiCostSchema>;

/**
 * sync_runs.details of a live sync or backfill (kinds 'sync', 'backfill'): written by the
 * sync-account job of @canopy/jobs, chunk by chunk, so a retried attempt resumes where it stopped.
 */
export const accountSyncDetailsSchema = z.object({
  jobId: z.string(),
  mode: z.enum(["sync", "backfill"]),
  resolution: z.enum(["hourly", "daily"]).optional(),
  chunks: z.array(
    z.object({
      start: z.string(),
      end: z.string(),
      rowsRead: z.number(),
      rowsWritten: z.number(),
      seconds: z.number(),
    }),
  ),
  /** Lines in error, by reason. */
  skipped: z.record(z.string(), syncTallySchema),
  /** Lines without energy stored as cost-only records (tax, credits, fees…), by reason. */
  costOnly: z.record(z.string(), syncTallySchema).optional(),
  progress: z.object({ chunksDone: z.number(), chunksTotal: z.number(), rowsRead: z.number() }),
  seconds: z.number().optional(),
  /** The account windows this run's usage counts in (what a restore withdraws). */
  coverage: z.array(accountWindowSchema).optional(),
  /** What it replaced, per account (a scheduled sync cannot ask, so it records). */
  replaced: z.array(accountReplacementSchema).optional(),
  /** Provider API requests the run sent, by action, over all its chunks. */
  apiCalls: z.record(z.string(), z.number()).optional(),
  apiCost: apiCostSchema.optional(),
  /** Days it brought usage for that a source of higher precedence holds. */
  outranked: z.array(accountWindowSchema.extend({ heldBy: z.array(z.string()) })).optional(),
  /** Attempts that resumed the run after a crash, and how many stored chunks each skipped. */
  resumed: z.array(z.object({ attempt: z.number(), chunksSkipped: z.number() })).optional(),
  /** When the user restored the previous version (undoing this sync). */
  restoredAt: z.string().optional(),
  /** When the retention of previous versions deleted the rows this sync replaced. */
  previousVersionPrunedAt: z.string().optional(),
  /** Why the watchdog failed the run (its worker stopped answering). */
  error: z.string().optional(),
});
export type AccountSyncDetails = z.infer<typeof accountSyncDetailsSchema>;

/** sync_runs.details by the run's kind ('reestimate' runs store none). */
export type SyncRunDetails = ImportSummary | AccountSyncDetails;

/** The stored details of a run of `kind`, parsed with that kind's schema (null stays null). */
export function parseSyncRunDetails(
  kind: string,
  details: unknown,
  runId: string,
): SyncRunDetails | null {
  if (details === null || details === undefined) return null;
  const schema = kind === "import" ? importSummarySchema : accountSyncDetailsSchema;
  return parseStoredJson(schema, details, `sync_runs.details of ${kind} run ${runId}`);
}

/** The details of an import run as its summary; null for any other kind or no details. */
export function importSummaryOfRun(run: {
  kind: string;
  details: SyncRunDetails | null;
}): ImportSummary | null {
  return run.kind === "import" ? (run.details as ImportSummary | null) : null;
}

/** An import's stored summary, parsed (null stays null). */
export function parseImportSummary(details: unknown, runId: string): ImportSummary | null {
  return details === null || details === undefined
    ? null
    : parseStoredJson(importSummarySchema, details, `sync_runs.details of import ${runId}`);
}
