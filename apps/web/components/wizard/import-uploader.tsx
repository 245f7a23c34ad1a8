"use client";
import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { z } from "zod";
import { importAccountMismatch, type ImportAccountMismatch } from "@/app/actions/accounts";
import { ImportDecision } from "@/components/imports/import-decision";
import { ReplacementPreview } from "@/components/imports/replacement-preview";
import type { importDetailSchema } from "@/lib/api/schemas";
import { formatBytes, formatKg, formatMoney, formatNumber, providerLabel } from "@/lib/format";
import { formatDays, kindLabel, replacedLine } from "@/lib/imports/versions";

/** GET /api/v1/imports/{id} (ImportDetail in the OpenAPI), its summary the stored import summary. */
type ImportView = z.output<typeof importDetailSchema>;
type Summary = NonNullable<ImportView["summary"]>;
type ErrorBody = { error: { code?: string; message: string; fields?: Record<string, string[]> } };
/** GET /api/v1/imports/{id} of an import awaiting confirmation (409). */
type AwaitingBody = ErrorBody & { import: ImportView };

/** The account a wizard's import step sets up. */
export type UploaderAccount = {
  id: string;
  provider: "aws" | "azure" | "gcp";
  providerAccountId: string;
  displayName: string;
};

const accountLabel = (a: { provider: string; providerAccountId: string }) =>
  `${providerLabel(a.provider)} ${a.providerAccountId}`;

/** The upload limit and what the organization's storage quota leaves (GET /api/v1/imports `limits`). */
export type UploadLimits = {
  maxFileBytes: number;
  quotaBytes: number;
  remainingBytes: number | null;
};

/** Why a file cannot be uploaded at all, checked before sending it (the server checks the same). */
export function uploadRefusal(size: number, limits: UploadLimits | undefined): string | null {
  if (!limits) return null;
  if (size > limits.maxFileBytes)
    return `The file (${formatBytes(size)}) is larger than the ${formatBytes(limits.maxFileBytes)} upload limit.`;
  if (limits.remainingBytes !== null && size > limits.remainingBytes)
    return (
      `The file (${formatBytes(size)}) would pass the organization's ${formatBytes(limits.quotaBytes)} storage ` +
      `quota for billing files: ${formatBytes(limits.remainingBytes)} remaining.`
    );
  return null;
}

/**
 * Upload a billing file, follow its import live, then show what it added. In the wizard (`account`
 * set) the upload imports only that account: a file whose usage belongs to other accounts is refused,
 * and the step says which accounts it holds and offers to import them all or choose another file. A
 * file that would remove stored data it does not re-supply waits for the user: the preview (stored now
 * against this file, with the reasons) and "Replace stored data" or "Don't import".
 */
export function ImportUploader(props: {
  next?: string;
  account?: UploaderAccount;
  limits?: UploadLimits;
}) {
  const [importId, setImportId] = useState<string | null>(null);
  const [view, setView] = useState<ImportView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const [mismatch, setMismatch] = useState<ImportAccountMismatch["otherAccounts"] | null>(null);
  /** Bumped to poll again after a decision on an import awaiting confirmation. */
  const [pollKey, setPollKey] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const form = useRef<HTMLFormElement | null>(null);
  /** The last upload, kept to import it again without the account restriction. */
  const last = useRef<{ file: File; format: string | null; restricted: boolean } | null>(null);

  useEffect(() => {
    if (!importId) return;
    let stopped = false;
    const poll = async () => {
      const response = await fetch(`/api/v1/imports/${importId}`, { cache: "no-store" });
      const body = (await response.json()) as ImportView | AwaitingBody;
      if (stopped) return;
      const awaiting =
        response.status === 409 &&
        (body as AwaitingBody).error?.code === "replacement_needs_confirmation";
      if (!response.ok && !awaiting) {
        setError((body as ErrorBody).error.message);
        return;
      }
      const current = awaiting ? (body as AwaitingBody).import : (body as ImportView);
      if (current.status === "failed" && last.current?.restricted) {
        // Refused for holding other accounts? Then say which, instead of the bare error.
        const found = await importAccountMismatch({ importId });
        if (stopped) return;
        if (found.ok && found.data.otherAccounts.length > 0) setMismatch(found.data.otherAccounts);
      }
      setView(current);
      const finished =
        current.status === "failed" ||
        current.status === "awaiting_confirmation" ||
        (current.status === "succeeded" && current.estimates !== "pending");
      if (!finished) timer.current = setTimeout(poll, 800);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [importId, pollKey]);

  async function upload(file: File, format: string | null, restricted: boolean) {
    setError(null);
    setMismatch(null);
    // Refused before sending: the server would answer 413 after the browser started the upload.
    const refusal = uploadRefusal(file.size, props.limits);
    if (refusal) {
      setError(refusal);
      return;
    }
    last.current = { file, format, restricted };
    // Fields before the file, so the server reads them before streaming the file.
    const ordered = new FormData();
    if (format) ordered.set("format", format);
    if (restricted && props.account) ordered.set("cloudAccountId", props.account.id);
    ordered.set("file", file);
    setUploading(true);
    setView(null);
    setImportId(null);
    const response = await fetch("/api/v1/imports", { method: "POST", body: ordered });
    setUploading(false);
    const body = (await response.json()) as { id: string } | ErrorBody;
    if (!response.ok) {
      const failure = body as ErrorBody;
      setError(Object.values(failure.error.fields ?? {}).flat()[0] ?? failure.error.message);
      return;
    }
    setImportId((body as { id: string }).id);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const data = new FormData(event.currentTarget);
    const file = data.get("file");
    if (!(file instanceof File) || (file.size === 0 && file.name === "")) {
      setError("Choose a billing file.");
      return;
    }
    await upload(file, data.get("format") ? String(data.get("format")) : null, !!props.account);
  }

  function chooseAnotherFile() {
    setMismatch(null);
    setView(null);
    setImportId(null);
    setError(null);
    last.current = null;
    form.current?.reset();
    form.current?.querySelector<HTMLInputElement>('input[type="file"]')?.focus();
  }

  const percent = !view
    ? 0
    : view.status === "succeeded"
      ? 100
      : (view.summary?.progress.percent ?? 0);
  const estimating = view?.status === "succeeded" && view.estimates === "pending";
  const awaiting = view?.status === "awaiting_confirmation";
  const finished =
    view && (view.status === "failed" || awaiting || (view.status === "succeeded" && !estimating));

  return (
    <div className="stack-lg">
      <form ref={form} className="row" onSubmit={onSubmit} style={{ alignItems: "end" }}>
        <label>
          Billing file
          <input type="file" name="file" required aria-describedby="file-hint" />
        </label>
        <label>
          Format
          <select name="format" defaultValue="">
            <option value="">Detect</option>
            <option value="cur">AWS CUR (legacy)</option>
            <option value="cur2">AWS CUR 2.0</option>
            <option value="azure">Azure cost export</option>
            <option value="gcp">GCP billing export</option>
            <option value="focus">FOCUS</option>
          </select>
        </label>
        <button type="submit" disabled={uploading || (!!view && !finished)}>
          {uploading ? "Uploading…" : "Upload and import"}
        </button>
      </form>
      <p id="file-hint" className="muted small">
        AWS CUR (legacy or 2.0; CSV, gzip or Parquet), Azure cost details (EA or MCA), GCP billing
        export (CSV or JSONL), FOCUS 1.0–1.2. Importing the same period again replaces it, never
        double counts.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {view && (
        <section
          className="stack-lg"
          aria-live="polite"
          data-testid="import-status"
          data-status={view.status}
          data-estimates={view.estimates}
        >
          <div>
            <div className="row between small">
              <span>
                {view.summary?.fileName} ·{" "}
                {view.status === "queued"
                  ? "queued"
                  : view.status === "running"
                    ? `reading: ${formatNumber(view.summary?.progress.linesRead ?? 0, 0)} lines`
                    : view.status === "awaiting_confirmation"
                      ? "waiting for your confirmation: nothing changed yet"
                      : view.status === "failed"
                        ? "failed"
                        : estimating
                          ? "imported; estimating emissions…"
                          : "done"}
              </span>
              <span>{percent}%</span>
            </div>
            <div
              className="progress"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
              aria-label="Import progress"
            >
              <div style={{ width: `${percent}%` }} />
            </div>
          </div>
          {view.status === "failed" && mismatch && props.account ? (
            <div className="notice warn stack-lg" role="alert" data-testid="import-other-accounts">
              <p>
                This file holds usage of{" "}
                <strong>
                  {mismatch.length > 8
                    ? `${mismatch.slice(0, 8).map(accountLabel).join(", ")} and ${mismatch.length - 8} more`
                    : mismatch.map(accountLabel).join(", ")}
                </strong>
                , not of {props.account.displayName} ({accountLabel(props.account)}). Nothing was
                imported.
              </p>
              <div className="row">
                <button
                  type="button"
                  disabled={uploading}
                  onClick={() => {
                    const again = last.current;
                    if (again) void upload(again.file, again.format, false);
                  }}
                >
                  Import all accounts in this file
                </button>
                <button type="button" className="secondary" onClick={chooseAnotherFile}>
                  Choose another file
                </button>
              </div>
            </div>
          ) : (
            view.status === "failed" && (
              <p role="alert" className="error">
                {view.summary?.error ?? view.error ?? "The import failed."}
              </p>
            )
          )}
          {awaiting && view.summary?.preview && (
            <div className="notice warn stack-lg" data-testid="import-preview">
              <p>
                <strong>This file would replace stored data it does not re-supply.</strong> Nothing
                has been changed yet. Replacing keeps the stored data as a previous version, which
                you can restore from Imports.
              </p>
              <ReplacementPreview
                accounts={view.summary.preview.accounts}
                labels={view.sourceKindLabels}
                currency={view.summary.currency ?? null}
              />
              <ImportDecision
                importId={view.id}
                onDone={(outcome) => {
                  if (outcome === "confirmed")
                    setView({ ...view, status: "queued", estimates: "not_applicable" });
                  setPollKey((k) => k + 1);
                }}
              />
            </div>
          )}
          {view.status === "succeeded" && view.summary && (
            <ImportResult
              summary={view.summary}
              totals={view.totals}
              labels={view.sourceKindLabels}
            />
          )}
          {finished && view.status === "succeeded" && props.next && (
            <div>
              <Link className="button" href={props.next}>
                Continue
              </Link>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

function ImportResult(props: {
  summary: Summary;
  totals: ImportView["totals"];
  labels: Record<string, string>;
}) {
  const s = props.summary;
  const skipped = Object.entries(s.skipped);
  const costOnly = Object.entries(s.costOnly ?? {});
  return (
    <div className="stack-lg" data-testid="import-result">
      <dl className="kpis">
        <div className="card kpi">
          <dt className="label">Lines read</dt>
          <dd className="figure">{formatNumber(s.linesRead, 0)}</dd>
        </div>
        <div className="card kpi">
          <dt className="label">Lines imported</dt>
          <dd className="figure" data-testid="lines-imported">
            {formatNumber(s.linesImported, 0)}
          </dd>
        </div>
        <div className="card kpi">
          <dt className="label">Hourly usage rows</dt>
          <dd className="figure">{formatNumber(s.usageRowsWritten, 0)}</dd>
        </div>
        <div className="card kpi">
          <dt className="label">Span (UTC)</dt>
          <dd className="small" data-testid="import-span">
            {s.span
              ? `${s.span.start.slice(0, 16).replace("T", " ")} → ${s.span.end.slice(0, 16).replace("T", " ")}`
              : "—"}
          </dd>
        </div>
      </dl>
      {props.totals ? (
        <p data-testid="import-totals" data-location={props.totals.co2eLocationKg}>
          Emissions now stored for this span:{" "}
          <strong>{formatKg(props.totals.co2eLocationKg)}</strong> CO2e location-based (lifecycle
          grid factors), {formatKg(props.totals.co2eMarketKg)} market-based (estimated: contractual
          coverage + residual mix), {formatKg(props.totals.co2eEmbodiedKg)} embodied,{" "}
          {formatNumber(props.totals.kwhFacility)} kWh, {formatNumber(props.totals.waterL)} L of
          water.
        </p>
      ) : (
        <p className="muted">Estimating emissions…</p>
      )}
      {s.replaced && s.replaced.length > 0 && (
        <p data-testid="import-replaced">
          {replacedLine(s.replaced)}.{" "}
          <span className="muted">Restore it from Imports if this file should not count.</span>
        </p>
      )}
      {(s.outranked ?? []).length > 0 && (
        <ul data-testid="import-outranked">
          {s.outranked!.map((w) => (
            <li key={`${w.cloudAccountId}-${w.start}`}>
              Not counted: {formatDays(w.start, w.end)} already come from{" "}
              {w.heldBy.map((k) => kindLabel(props.labels, k)).join(", ")} (higher precedence).
            </li>
          ))}
        </ul>
      )}
      {costOnly.length > 0 && (
        <div data-testid="import-cost-only">
          <h3 className="small">Lines with cost but no energy (kept for cost totals)</h3>
          <LineTable entries={costOnly} cost currency={s.currency ?? null} />
        </div>
      )}
      {s.warnings && s.warnings.lines > 0 && (
        <div data-testid="import-warnings">
          <h3 className="small">
            Warnings ({formatNumber(s.warnings.lines, 0)}{" "}
            {s.warnings.lines === 1 ? "line" : "lines"})
          </h3>
          <ul className="small">
            {s.warnings.first.map((w) => (
              <li key={w.line}>
                line {w.line}: {w.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      {skipped.length > 0 && (
        <div data-testid="import-skipped">
          <h3 className="small">Lines skipped (not stored), by reason</h3>
          <LineTable entries={skipped} currency={s.currency ?? null} />
        </div>
      )}
    </div>
  );
}

function LineTable(props: {
  entries: [string, Summary["skipped"][string]][];
  cost?: boolean;
  currency: string | null;
}) {
  return (
    <table className="data">
      <thead>
        <tr>
          <th>Reason</th>
          <th className="num">Lines</th>
          {props.cost && <th className="num">Cost</th>}
          <th>First lines</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map(([reason, entry]) => (
          <tr key={reason}>
            <td>{reason}</td>
            <td className="num">{formatNumber(entry.lines, 0)}</td>
            {props.cost && <td className="num">{formatMoney(entry.costAmount, props.currency)}</td>}
            <td className="small">
              {entry.first.slice(0, 5).map((f) => (
                <div key={f.line}>
                  line {f.line}: {f.detail}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
