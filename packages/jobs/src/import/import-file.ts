import { z } from "zod";
import {
  cloudAccountIdentity,
  isSourceKind,
  markImportAwaitingConfirmation,
  markImportSucceeded,
  ReplacementNeedsConfirmationError,
  importRunRow,
  touchCloudAccountsSynced,
  UnexpectedAccountsError,
  updateImportRun,
  withTenantClient,
  writeUsageRecords,
  type Connection,
  type SourceKind,
  type StagedUsage,
} from "@canopy/db";
import {
  BillingFileError,
  fingerprintTexts,
  openBillingSource,
  SeenLines,
  usageTimeWindow,
  billingFormats,
  type BillingFormat,
} from "@canopy/connectors";
import { loadConfig } from "@canopy/config";
import { lookupInstanceType } from "@canopy/methodology";
import { defineJob, type JobDeps } from "../contract";
import { PermanentJobError } from "../errors";
import type { FileStore } from "../file-store";
import { queueMonthlyEstimates } from "../months";
import { fileGoneMessage } from "./storage";
import { recordSkip, recordWarning, type ImportSummary } from "./summary";

const PROGRESS_EVERY_MS = 1000;

/** The host's file store (createJobHost's `fileStore`), or an error naming the job that needs it. */
export function fileStoreOf(deps: Pick<JobDeps, "fileStore">, jobName: string): FileStore {
  if (!deps.fileStore)
    throw new Error(`No file store configured for ${jobName} (pass fileStore to createJobHost)`);
  return deps.fileStore;
}

/** The file as a whole cannot be imported (no usage, a line without its account, over a limit): nothing is. */
class FileRefusedError extends Error {}

/**
 * Reads a stored billing file, classifies every line and streams the usage into PostgreSQL, which
 * aggregates it by hour and, per account and UTC day, lets the source of highest precedence count
 * (writeUsageRecords), all in one transaction; then queues estimation per account and month. Running
 * it twice, or on an overlapping file, replaces rather than adds, and keeps what it replaced. When it
 * would remove stored data it does not re-supply, nothing is committed: the import waits in
 * "awaiting_confirmation" with the preview until the user confirms (confirmImport). A file it cannot
 * read is marked failed with the reason and leaves nothing behind.
 */
export const importFile = defineJob({
  name: "import-file",
  payload: z.object({ tenantId: z.uuid(), syncRunId: z.uuid() }),
  // Imports are heavy on the database: one at a time per worker, a few a minute across the fleet.
  options: {
    attempts: 3,
    backoffMs: 5_000,
    concurrency: 1,
    rateLimit: { max: 10, durationMs: 60_000 },
    // With several workers, one organization's queue of big files leaves the others' imports running.
    perTenantConcurrency: 1,
  },
  async process(payload, deps, context) {
    const store = fileStoreOf(deps, "import-file");
    const run = await loadImport(deps.app, payload.tenantId, payload.syncRunId);
    if (run.status === "succeeded") return { alreadyImported: true, rowsWritten: 0 };
    if (run.status === "awaiting_confirmation" && !run.details.replaceConfirmed)
      return { awaitingConfirmation: true, rowsWritten: 0 };
    const {
      preview: _preview,
      costOnly: _costOnly,
      warnings: _warnings,
      duplicateLines: _duplicates,
      otherAccounts: _others,
      error: _error,
      ...kept
    } = run.details;
    const summary: ImportSummary = {
      ...kept,
      skipped: {},
      linesRead: 0,
      linesImported: 0,
      costTotal: 0,
    };
    const path = store.localPath(summary.fileKey);
    const progress = (status: "running" | "failed", error?: string) =>
      updateRun(deps.app, payload.tenantId, payload.syncRunId, {
        status,
        summary,
        ...(error ? { error } : {}),
      });
    try {
      await updateRun(deps.app, payload.tenantId, payload.syncRunId, {
        status: "running",
        summary,
        started: true,
      });
      // Deleted by the retention (or lost): a clear failure, not a file-system error.
      if (summary.fileDeletedAt || !(await store.exists(summary.fileKey)))
        throw new PermanentJobError(fileGoneMessage(summary));
      const expected = summary.expectedCloudAccountId
        ? await loadExpectedAccount(deps.app, payload.tenantId, summary.expectedCloudAccountId)
        : undefined;
      const source = await openImportSource(path, summary);
      const windows = await withTenantClient(deps.app, payload.tenantId, async (client) => {
        const started = performance.now();
        const records = classifiedUsage(source, summary, async () => {
          await progress("running");
          await context.reportProgress(summary.progress);
        });
        const written = await writeUsageRecords(
          client,
          payload.tenantId,
          payload.syncRunId,
          records,
          {
            sourceKind: (summary.sourceKind ?? "unknown") as SourceKind,
            replace: summary.replaceConfirmed,
            onlyAccount: expected,
          },
        );
        summary.usageRowsWritten = written.rowsWritten;
        const windows = written.windows;
        summary.cloudAccountIds = [...new Set(windows.map((w) => w.cloudAccountId))];
        summary.coverage = windows.map((w) => ({
          cloudAccountId: w.cloudAccountId,
          start: w.start.toISOString(),
          end: w.end.toISOString(),
        }));
        summary.outranked = written.outranked.map((w) => ({
          cloudAccountId: w.cloudAccountId,
          start: w.start.toISOString(),
          end: w.end.toISOString(),
          heldBy: w.heldBy,
        }));
        if (written.replaced) summary.replaced = written.replaced.accounts;
        if (windows.length) {
          summary.span = {
            start: new Date(Math.min(...windows.map((w) => w.start.getTime()))).toISOString(),
            end: new Date(Math.max(...windows.map((w) => w.end.getTime()))).toISOString(),
          };
        }
        summary.timings = { seconds: (performance.now() - started) / 1000 };
        const skippedLines = Object.values(summary.skipped).reduce((n, s) => n + s.lines, 0);
        await markImportSucceeded(client, payload.syncRunId, {
          linesRead: summary.linesRead,
          rowsWritten: written.rowsWritten,
          rowsSkipped: skippedLines,
          span: summary.span ?? null,
          details: summary,
        });
        await touchCloudAccountsSynced(client, summary.cloudAccountIds);
        return windows;
      });
      await queueMonthlyEstimates(deps, payload.tenantId, payload.syncRunId, windows);
      return { rowsWritten: summary.usageRowsWritten, linesRead: summary.linesRead };
    } catch (error) {
      if (error instanceof ReplacementNeedsConfirmationError) {
        // Nothing was committed: the user decides (confirmImport) with the preview in front of them.
        summary.preview = error.preview;
        await withTenantClient(deps.app, payload.tenantId, (client) =>
          markImportAwaitingConfirmation(client, payload.syncRunId, summary, error.message),
        );
        return { awaitingConfirmation: true, rowsWritten: 0 };
      }
      if (error instanceof UnexpectedAccountsError) summary.otherAccounts = error.found;
      const fileProblem =
        error instanceof BillingFileError ||
        error instanceof FileRefusedError ||
        error instanceof UnexpectedAccountsError ||
        error instanceof PermanentJobError;
      // Messages name the stored path; the user knows the file by the name they uploaded.
      const message = (error as Error).message.replaceAll(path, summary.fileName);
      // A file problem fails at once; anything else is retried, and marked failed on the last try.
      if (fileProblem || context.isLastAttempt) {
        summary.error = fileProblem ? message : `The import failed: ${message}`;
        await progress("failed", summary.error);
      }
      throw fileProblem ? new PermanentJobError(message) : error;
    }
  },
});

/** Refuses a file past CANOPY_IMPORT_MAX_LINES at its first line over (the import stores nothing). */
const lineLimitReached = (lineNumber: number, maxLines: number) =>
  new FileRefusedError(
    `Line ${lineNumber}: the file has more than ${maxLines.toLocaleString("en")} lines, the import limit ` +
      `(CANOPY_IMPORT_MAX_LINES): nothing was imported. Split the file (by month or by account) or raise the limit.`,
  );

/** Lines dated outside this window are row errors (CANOPY_USAGE_EARLIEST, CANOPY_USAGE_LATEST_DAYS). */
function importTimeWindow() {
  const env = loadConfig();
  return usageTimeWindow({
    earliest: `${env.CANOPY_USAGE_EARLIEST}T00:00:00Z`,
    latestDays: env.CANOPY_USAGE_LATEST_DAYS,
  });
}

/** Opens the stored file with the classifier for its format (given, or detected from the header). */
async function openImportSource(path: string, summary: ImportSummary) {
  if (summary.format && !(billingFormats as readonly string[]).includes(summary.format))
    throw new PermanentJobError(
      `Unknown billing format "${summary.format}": use one of ${billingFormats.join(", ")}, or none to detect it from the header.`,
    );
  const source = await openBillingSource(path, {
    ...(summary.format ? { format: summary.format as BillingFormat } : {}),
    lookupInstance: (provider, instanceType) => lookupInstanceType(provider, instanceType),
    includeResourceIds: false,
    source: summary.fileName,
    timeWindow: importTimeWindow(),
  });
  summary.format = source.format;
  summary.sourceKind = isSourceKind(source.format) ? source.format : "unknown";
  return source;
}

/**
 * The file's records, classified line by line, in batches for staging: usage records, and cost-only
 * records for lines that carry no energy (counted in the summary by reason, so the invoice total ties
 * out). Lines in error are counted by reason with their first line numbers. Throws FileRefusedError when
 * nothing in the file could be imported, or at the first line past CANOPY_IMPORT_MAX_LINES.
 */
async function* classifiedUsage(
  source: Awaited<ReturnType<typeof openImportSource>>,
  summary: ImportSummary,
  onProgress: () => Promise<void>,
): AsyncGenerator<StagedUsage[]> {
  const maxLines = loadConfig().CANOPY_IMPORT_MAX_LINES || Infinity;
  let fractionRead = 0;
  let lastProgress = Date.now();
  const costOnly = (summary.costOnly ??= {});
  // A line repeated inside the file is counted once (see README, "The ledger"): by its line id where
  // the format has one (CUR), else by a fingerprint of its raw bytes (CSV, JSONL).
  const lineIds = source.classifier.lineIdColumns;
  // A CSV reader fingerprints the id cells' bytes itself; other readers deliver the cells.
  const idsByReader = lineIds !== undefined && source.file.kind === "csv";
  const idCells: string[] = new Array<string>(lineIds?.length ?? 0);
  const seen = new SeenLines();
  const batches = source.file.batches({
    columns:
      lineIds && !idsByReader
        ? [...source.classifier.usedColumns, ...lineIds]
        : source.classifier.usedColumns,
    numericColumns: source.classifier.numericColumns,
    onProgress: (fraction) => (fractionRead = fraction),
    ...(lineIds === undefined
      ? { fingerprints: true }
      : idsByReader
        ? { fingerprintColumns: lineIds }
        : {}),
  });
  for await (const batch of batches) {
    const staged: StagedUsage[] = [];
    for (const { lineNumber, row, error, fingerprint } of batch) {
      summary.linesRead++;
      if (summary.linesRead > maxLines) throw lineLimitReached(lineNumber, maxLines);
      if (error) {
        recordSkip(summary, "unreadable line", lineNumber, error);
        continue;
      }
      const key = lineIds && !idsByReader ? lineIdKeyOf(row, lineIds, idCells) : fingerprint;
      if (key !== undefined) {
        const first = seen.firstLineOf(key, lineNumber);
        if (first !== undefined) {
          summary.duplicateLines = (summary.duplicateLines ?? 0) + 1;
          recordWarning(
            summary,
            lineNumber,
            `line ${lineNumber} repeats line ${first} (${lineIds ? `same ${lineIds.join(" and ")}` : "identical bytes"}); counted once`,
          );
          continue;
        }
      }
      const outcome = source.classifier.classify(row, lineNumber);
      if (outcome.status === "error") {
        if (outcome.accountId)
          throw new FileRefusedError(
            `Line ${lineNumber}: ${outcome.message}. Every line must name its account: nothing was imported.`,
          );
        recordSkip(summary, "error", lineNumber, outcome.message);
        continue;
      }
      // Last line of defence for numbers a classifier derived (scales, catalog values): a record that
      // is not finite would fail the whole COPY with an error naming no line.
      const problem = recordProblemOf(outcome.records);
      if (problem) {
        recordSkip(summary, "error", lineNumber, problem);
        continue;
      }
      if (outcome.warning) recordWarning(summary, lineNumber, outcome.warning);
      if (outcome.status === "unsupported") {
        recordSkip(
          summary,
          outcome.reason,
          lineNumber,
          outcome.detail,
          outcome.costAmount,
          costOnly,
        );
      } else {
        summary.linesImported++;
      }
      for (const r of outcome.records) {
        summary.costTotal += r.costAmount ?? 0;
        summary.currency ??= r.currency;
        staged.push(r);
      }
      if (outcome.status === "unsupported" && outcome.records.length === 0)
        summary.costTotal += outcome.costAmount;
    }
    yield staged;
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      summary.progress = { linesRead: summary.linesRead, percent: Math.floor(fractionRead * 100) };
      await onProgress();
    }
  }
  summary.progress = { linesRead: summary.linesRead, percent: 100 };
  if (summary.linesRead === 0)
    throw new FileRefusedError("The file has a header but no data lines.");
  if (summary.linesImported === 0 && (summary.skipped["error"]?.lines ?? 0) > 0) {
    const first = summary.skipped["error"]!.first.slice(0, 3).map(
      (f) => `line ${f.line}: ${f.detail}`,
    );
    throw new FileRefusedError(
      `No line could be imported; every usage line has an error (${first.join("; ")}).`,
    );
  }
}

/** Fingerprint of a line's id cells (CUR line item id and time interval); undefined without an id. */
function lineIdKeyOf(
  row: Readonly<Record<string, unknown>>,
  columns: readonly string[],
  cells: string[],
): number | undefined {
  const id = row[columns[0]!];
  if (id === undefined || id === null || id === "") return undefined;
  for (let index = 0; index < columns.length; index++)
    cells[index] = String(row[columns[index]!] ?? "");
  return fingerprintTexts(cells);
}

/** Why a line's records cannot be stored (a number that is not finite, a period that does not parse), if so. */
function recordProblemOf(records: readonly StagedUsage[]): string | undefined {
  for (const r of records) {
    if (!Number.isFinite(r.quantity)) return `quantity is not a finite number (${r.quantity})`;
    if (!Number.isFinite(r.periodHours) || r.periodHours <= 0)
      return `period hours are not a positive number (${r.periodHours})`;
    if (r.costAmount !== undefined && !Number.isFinite(r.costAmount))
      return `cost is not a finite number (${r.costAmount})`;
    const spec =
      notFinite(r.vcpus, "vcpus") ??
      notFinite(r.memoryGb, "memoryGb") ??
      notFinite(r.gpuCount, "gpuCount");
    if (spec) return spec;
  }
  return undefined;
}

/** (On the import's hot path: no allocation for a finite or absent value.) */
const notFinite = (value: number | undefined, field: string): string | undefined =>
  value === undefined || Number.isFinite(value)
    ? undefined
    : `${field} is not a finite number (${value})`;

/** The account the wizard imports into, as the file would name it. */
async function loadExpectedAccount(app: Connection, tenantId: string, cloudAccountId: string) {
  const account = await withTenantClient(app, tenantId, (client) =>
    cloudAccountIdentity(client, cloudAccountId),
  );
  if (!account)
    throw new PermanentJobError(
      `Cloud account ${cloudAccountId} does not exist in this organization`,
    );
  return { provider: account.provider, providerAccountId: account.providerAccountId };
}

type ImportRun = { status: string; details: ImportSummary };

async function loadImport(
  app: Connection,
  tenantId: string,
  syncRunId: string,
): Promise<ImportRun> {
  const run = await withTenantClient(app, tenantId, (client) => importRunRow(client, syncRunId));
  // The upload records every import with its summary.
  if (!run?.details)
    throw new PermanentJobError(`Import ${syncRunId} does not exist in organization ${tenantId}`);
  return { status: run.status, details: run.details };
}

async function updateRun(
  app: Connection,
  tenantId: string,
  syncRunId: string,
  update: {
    status: "running" | "failed";
    summary: ImportSummary;
    started?: boolean;
    error?: string;
  },
) {
  await withTenantClient(app, tenantId, (client) =>
    updateImportRun(client, syncRunId, {
      status: update.status,
      details: update.summary,
      error: update.error ?? null,
      started: update.started ?? false,
    }),
  );
}
