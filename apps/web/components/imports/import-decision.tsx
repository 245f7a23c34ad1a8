"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { confirmImportReplacement, discardImport } from "@/app/actions/imports";

/**
 * The two answers to an import awaiting confirmation: "Replace stored data" (it runs again with the
 * replacement allowed) or "Don't import" (marked failed, nothing changes). Without `onDone` the page
 * is refreshed.
 */
export function ImportDecision(props: {
  importId: string;
  onDone?: (outcome: "confirmed" | "declined") => void;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function decide(outcome: "confirmed" | "declined") {
    setBusy(true);
    setError(null);
    const result =
      outcome === "confirmed"
        ? await confirmImportReplacement({ importId: props.importId })
        : await discardImport({ importId: props.importId });
    setBusy(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    if (props.onDone) props.onDone(outcome);
    else router.refresh();
  }

  return (
    <div className="stack-lg">
      <div className="row">
        <button type="button" disabled={busy} onClick={() => void decide("confirmed")}>
          Replace stored data
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => void decide("declined")}
        >
          Don&apos;t import
        </button>
      </div>
      {error && (
        <p role="alert" className="error" data-testid="decision-error">
          {error}
        </p>
      )}
    </div>
  );
}
