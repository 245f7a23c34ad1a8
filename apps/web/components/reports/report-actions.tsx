"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { finalizeReportAction, generateReportAction } from "@/app/actions/reports";

/**
 * Finalize (owner, admin, finance): sends the content SHA-256 this page showed, so figures that moved
 * since are refused instead of locked unseen.
 */
export function FinalizeReportButton(props: {
  reportId: string;
  contentSha256: string;
  periodLabel: string;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  async function finalize() {
    if (
      !window.confirm(
        `Finalize the ${props.periodLabel} report? Its figures, methodology version and files are locked for good.`,
      )
    )
      return;
    setPending(true);
    setError(null);
    const result = await finalizeReportAction({
      reportId: props.reportId,
      expectedContentSha256: props.contentSha256,
    });
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    router.refresh();
  }

  return (
    <div className="stack">
      <button type="button" onClick={finalize} disabled={pending} data-testid="finalize-report">
        {pending ? "Finalizing…" : "Finalize"}
      </button>
      {error && (
        <div role="alert" className="notice warn small" data-testid="finalize-error">
          {error.message}{" "}
          {(error.code === "report_changed" || error.code === "report_locked") && (
            <button type="button" className="secondary small" onClick={() => router.refresh()}>
              Reload the report
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** Recompute a draft from the emissions as they are now (same period and accounts). */
export function RecomputeReportButton(props: { period: string; cloudAccountIds: string[] | null }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function recompute() {
    setPending(true);
    setError(null);
    const result = await generateReportAction({
      period: props.period,
      cloudAccountIds: props.cloudAccountIds ?? undefined,
    });
    setPending(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    router.push(`/reports/${result.data.reportId}`);
    router.refresh();
  }

  return (
    <div className="stack">
      <button type="button" className="secondary" onClick={recompute} disabled={pending}>
        {pending ? "Recomputing…" : "Recompute"}
      </button>
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
    </div>
  );
}
