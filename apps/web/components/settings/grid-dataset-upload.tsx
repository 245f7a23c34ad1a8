"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

type Outcome =
  { kind: "loaded"; text: string } | { kind: "refused"; text: string } | { kind: "idle" };

/** Uploads one dataset file to POST /api/v1/grid/datasets and shows what was stored or why not. */
export function GridDatasetUpload() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const response = await fetch("/api/v1/grid/datasets", { method: "POST", body: form });
      const body = (await response.json()) as {
        zone?: string;
        hours?: number;
        rowsWritten?: number;
        rowsRevised?: number;
        error?: { message: string };
      };
      if (response.ok)
        setOutcome({
          kind: "loaded",
          text: `${body.zone}: ${body.hours} hours, ${body.rowsWritten} rows written, ${body.rowsRevised} revised.`,
        });
      else setOutcome({ kind: "refused", text: body.error?.message ?? `HTTP ${response.status}` });
      router.refresh();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit}>
      <label>
        Electricity Maps hourly file (.csv){" "}
        <input type="file" name="file" accept=".csv,text/csv" required />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Checking and loading…" : "Upload"}
      </button>
      {outcome.kind !== "idle" && (
        <p role={outcome.kind === "refused" ? "alert" : "status"}>{outcome.text}</p>
      )}
    </form>
  );
}
