"use client";
import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { importAccountMismatch, type ImportAccountMismatch } from "@/app/actions/accounts";
import { formatKg, formatNumber } from "@/lib/format";

type Summary = {
  fileName: string;
  format?: string;
  linesRead: number;
  linesImported: number;
  usageRowsWritten: number;
  skipped: Record<
    string,
    { lines: number; costAmount: number; first: { line: number; detail: string }[] }
  >;
  span?: { start: string; end: string };
  progress: { linesRead: number; percent: number };
  error?: string;
};
type ImportView = {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed";
  error: string | null;
  summary: Summary | null;
  estimates: "pending" | "done" | "not_applicable";
  totals: {
    kwhFacility: number;
    co2eLocationKg: number;
    co2eMarketKg: number;
    co2eEmbodiedKg: number;
    waterL: number;
  } | null;
};
type ErrorBody = { error: { message: string; fields?: Record<string, string[]> } };

/** The account a wizard's import step sets up. */
export type UploaderAccount = {
  id: string;
  provider: "aws" | "azure" | "gcp";
  providerAccountId: string;
  displayName: string;
};

const providerLabel = (provider: string) =>
  ({ aws: "AWS", azure: "Azure", gcp: "GCP" })[provider] ?? provider.toUpperCase();
const accountLabel = (a: { provider: string; providerAccountId: string }) =>
  `${providerLabel(a.provider)} ${a.providerAccountId}`;

/**
 * Upload a billing file, follow its import live, then show what it added. In the wizard (`account`
 * set) the upload imports only that account: a file whose usage belongs to other accounts is refused,
 * and the step says which accounts it holds and offers to import them all or choose another file.
 */
export function ImportUploader(props: { next?: string; account?: UploaderAccount }) {
  const [importId, setImportId] = useState<string | null>(null);
  const [view, setView] = useState<ImportView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const [mismatch, setMismatch] = useState<ImportAccountMismatch["otherAccounts"] | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const form = useRef<HTMLFormElement | null>(null);
  /** The last upload, kept to import it again without the account restriction. */
  const last = useRef<{ file: File; format: string | null; restricted: boolean } | null>(null);

  useEffect(() => {
    if (!importId) return;
    let stopped = false;
    const poll = async () => {
      const response = await fetch(`/api/v1/imports/${importId}`, { cache: "no-store" });
      const body = (await response.json()) as ImportView | ErrorBody;
      if (stopped) return;
      if (!response.ok) {
        setError((body as ErrorBody).error.message);
        return;
      }
      const current = body as ImportView;
      if (current.status === "failed" && last.current?.restricted) {
        // Refused for holding other accounts? Then say which, instead of the bare error.
        const found = await importAccountMismatch({ importId });
        if (stopped) return;
        if (found.ok && found.data.otherAccounts.length > 0) setMismatch(found.data.otherAccounts);
      }
      setView(current);
      const finished =
        current.status === "failed" ||
        (current.status === "succeeded" && current.estimates !== "pending");
      if (!finished) timer.current = setTimeout(poll, 800);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [importId]);

  async function upload(file: File, format: string | null, restricted: boolean) {
    setError(null);
    setMismatch(null);
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
  const finished =
    view && (view.status === "failed" || (view.status === "succeeded" && !estimating));

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
          {view.status === "succeeded" && view.summary && (
            <ImportResult summary={view.summary} totals={view.totals} />
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

function ImportResult(props: { summary: Summary; totals: ImportView["totals"] }) {
  const s = props.summary;
  const skipped = Object.entries(s.skipped);
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
          <strong>{formatKg(props.totals.co2eLocationKg)}</strong> CO2e location-based,{" "}
          {formatKg(props.totals.co2eMarketKg)} market-based,{" "}
          {formatKg(props.totals.co2eEmbodiedKg)} embodied, {formatNumber(props.totals.kwhFacility)}{" "}
          kWh, {formatNumber(props.totals.waterL)} L of water.
        </p>
      ) : (
        <p className="muted">Estimating emissions…</p>
      )}
      {skipped.length > 0 && (
        <div>
          <h3 className="small">Lines skipped, by reason</h3>
          <table className="data">
            <thead>
              <tr>
                <th>Reason</th>
                <th className="num">Lines</th>
                <th>First lines</th>
              </tr>
            </thead>
            <tbody>
              {skipped.map(([reason, entry]) => (
                <tr key={reason}>
                  <td>{reason}</td>
                  <td className="num">{formatNumber(entry.lines, 0)}</td>
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
        </div>
      )}
    </div>
  );
}
