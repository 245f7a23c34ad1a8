import { Forbidden } from "@/components/forbidden";
import { ImportDecision } from "@/components/imports/import-decision";
import { ReplacementPreview } from "@/components/imports/replacement-preview";
import { RestoreButton } from "@/components/imports/restore-button";
import { ImportUploader } from "@/components/wizard/import-uploader";
import { formatBytes, formatNumber } from "@/lib/format";
import { replacedLine } from "@/lib/imports/versions";
import { listJobRuns } from "@/lib/server/accounts";
import { importLimits } from "@/lib/server/imports";
import { allowed, requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

export default async function ImportsPage() {
  const scope = await requireMember();
  if (!allowed(scope.principal, "imports.read"))
    return <Forbidden role={scope.principal.role} needs="imports.read" />;
  const runs = await scope.sql((client) => listJobRuns(client, { limit: 100, offset: 0 }));
  const admin = allowed(scope.principal, "imports.create");
  const limits = await importLimits(scope);
  const awaiting = runs.items.filter(
    (run) => run.status === "awaiting_confirmation" && run.preview,
  );
  return (
    <main className="stack-lg">
      <h1>Imports and jobs</h1>
      {admin && (
        <section className="card stack-lg">
          <h2>Import a billing file</h2>
          <ImportUploader limits={limits} />
          <p className="muted small" data-testid="import-limits">
            Files up to {formatBytes(limits.maxFileBytes)}
            {limits.maxLines > 0 ? ` and ${limits.maxLines.toLocaleString("en")} lines` : ""}.{" "}
            {limits.quotaBytes > 0
              ? `Stored files: ${formatBytes(limits.usedBytes)} of the organization's ${formatBytes(limits.quotaBytes)} quota (${formatBytes(limits.remainingBytes ?? 0)} left).`
              : `Stored files: ${formatBytes(limits.usedBytes)} (no quota).`}{" "}
            {limits.fileRetentionDays > 0
              ? `Uploaded files are deleted ${limits.fileRetentionDays} days after their import finishes; the imported usage stays.`
              : "Uploaded files are kept."}
          </p>
        </section>
      )}
      {awaiting.length > 0 && (
        <section className="card stack-lg" data-testid="awaiting-confirmation">
          <h2>Waiting for your confirmation</h2>
          <p className="muted small">
            These imports would replace stored data they do not re-supply. Nothing has been changed
            yet; replacing keeps the stored data as a previous version you can restore.
          </p>
          {awaiting.map((run) => (
            <details key={run.id} id={`run-${run.id}`} data-testid="awaiting-run" open>
              <summary>
                {run.fileName ?? "Import"} · uploaded {run.createdAt.slice(0, 16).replace("T", " ")}{" "}
                UTC
              </summary>
              <div className="stack-lg">
                <ReplacementPreview
                  accounts={run.preview!.accounts}
                  labels={run.sourceKindLabels}
                />
                {admin ? (
                  <ImportDecision importId={run.id} />
                ) : (
                  <p className="muted small">An admin or owner can replace the data or decline.</p>
                )}
              </div>
            </details>
          ))}
        </section>
      )}
      <section className="card table-wrap">
        <h2>Recent runs</h2>
        {runs.items.length === 0 ? (
          <p className="muted">
            No imports or syncs yet.
            {admin ? " Upload a billing file above." : ""}
          </p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Started</th>
                <th>Kind</th>
                <th>File or account</th>
                <th>Status</th>
                <th>Usage window (UTC)</th>
                <th className="num">Duration</th>
                <th className="num">Lines read</th>
                <th className="num">Rows written</th>
                <th className="num">Lines skipped</th>
                <th>Error</th>
                <th>Previous version</th>
              </tr>
            </thead>
            <tbody>
              {runs.items.map((run) => (
                <tr key={run.id} data-testid="run" data-run={run.id} data-status={run.status}>
                  <td className="small">{run.createdAt.slice(0, 16).replace("T", " ")}</td>
                  <td>{run.kind}</td>
                  <td className="small">
                    {run.fileName ?? run.accountName ?? "—"}
                    {run.apiCost && (
                      <span
                        className="muted"
                        data-testid="run-api-cost"
                        title={`${run.apiCost.cachedRequests} more answer(s) came from Canopy's cache at no cost.`}
                      >
                        {" "}
                        · {run.apiCost.service}: {run.apiCost.requests} request
                        {run.apiCost.requests === 1 ? "" : "s"}, {run.apiCost.currency}{" "}
                        {run.apiCost.costAmount.toFixed(2)}
                      </span>
                    )}
                    {run.fileDeletedAt && (
                      <span
                        className="muted"
                        data-testid="run-file-deleted"
                        title={`Deleted on ${run.fileDeletedAt.slice(0, 10)} after the retention period; the imported usage is kept.`}
                      >
                        {" "}
                        · file no longer kept
                      </span>
                    )}
                  </td>
                  <td>
                    <span
                      className={`badge ${run.status === "succeeded" ? "ok" : run.status === "failed" ? "bad" : ""}`}
                    >
                      {run.status === "awaiting_confirmation" ? (
                        <a href={`#run-${run.id}`}>awaiting confirmation</a>
                      ) : (
                        run.status
                      )}
                    </span>
                  </td>
                  <td className="small">{formatWindow(run.windowStart, run.windowEnd)}</td>
                  <td className="num small">{formatDuration(run.startedAt, run.finishedAt)}</td>
                  <td className="num">{formatNumber(run.rowsRead, 0)}</td>
                  <td className="num">{formatNumber(run.rowsWritten, 0)}</td>
                  <td className="num">{formatNumber(run.rowsSkipped, 0)}</td>
                  <td className="small error">
                    {run.status === "awaiting_confirmation" ? "" : (run.error ?? "")}
                  </td>
                  <td className="small" data-testid="run-versions">
                    {run.replaced && (
                      <div className="stack-lg">
                        <span>{replacedLine(run.replaced)}</span>
                        {run.restoredAt ? (
                          <strong data-testid="run-restored">
                            Restored on {run.restoredAt.slice(0, 16).replace("T", " ")} UTC
                          </strong>
                        ) : (
                          admin && run.status === "succeeded" && <RestoreButton runId={run.id} />
                        )}
                      </div>
                    )}
                    {!run.replaced && run.restoredAt && (
                      <strong data-testid="run-restored">
                        Restored on {run.restoredAt.slice(0, 16).replace("T", " ")} UTC
                      </strong>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}

const day = (iso: string) => iso.slice(0, 10);

/** "2026-03-01 → 2026-03-31" (the end is exclusive, so the last day shown is the one before it). */
function formatWindow(start: string | null, end: string | null): string {
  if (!start || !end) return "—";
  const lastDay = day(new Date(Date.parse(end) - 1).toISOString());
  return day(start) === lastDay ? day(start) : `${day(start)} → ${lastDay}`;
}

function formatDuration(startedAt: string | null, finishedAt: string | null): string {
  if (!startedAt || !finishedAt) return "—";
  const seconds = (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000;
  return seconds < 60
    ? `${seconds.toFixed(1)} s`
    : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
