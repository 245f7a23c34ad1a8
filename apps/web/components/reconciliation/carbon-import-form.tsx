"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { importCarbonExportFile } from "@/app/actions/reconciliation";
import { formatKg } from "@/lib/format";

type Summary = Extract<Awaited<ReturnType<typeof importCarbonExportFile>>, { ok: true }>["data"];

/**
 * "Import a carbon export" (admins): an AWS CARBON_EMISSIONS or GCP Carbon Footprint CSV, read in
 * the browser and stored as provider-reported figures; re-importing replaces, and the answer lists
 * what it replaced.
 */
export function CarbonImportForm() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Summary | null>(null);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const file = data.get("file");
    const provider = String(data.get("provider") ?? "");
    if (!(file instanceof File) || file.size === 0) {
      setError("Choose a carbon export file (CSV).");
      return;
    }
    setBusy(true);
    setError(null);
    setDone(null);
    const result = await importCarbonExportFile({
      fileName: file.name,
      text: await file.text(),
      ...(provider === "aws" || provider === "azure" || provider === "gcp" ? { provider } : {}),
    });
    setBusy(false);
    if (!result.ok) {
      setError(result.error.fields?.["text"]?.[0] ?? result.error.message);
      return;
    }
    setDone(result.data);
    router.refresh();
  }

  return (
    <form
      className="stack"
      data-testid="carbon-import"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <h2>Import a provider&apos;s carbon export</h2>
      <p className="muted small">
        Without a connected account, import the provider&apos;s own file: the AWS Data Exports{" "}
        <code>CARBON_EMISSIONS</code> table (CSV) or the GCP Carbon Footprint BigQuery table
        exported as CSV. Re-importing a file replaces the figures it imported before (same account,
        month, scope and model version). Azure&apos;s export is not read yet: connect the
        subscription.
      </p>
      <div className="row">
        <input type="file" name="file" accept=".csv,text/csv" required />
        <select name="provider" defaultValue="" aria-label="Provider">
          <option value="">Detect the provider</option>
          <option value="aws">AWS</option>
          <option value="gcp">Google Cloud</option>
          <option value="azure">Azure</option>
        </select>
        <button type="submit" disabled={busy}>
          {busy ? "Importing…" : "Import"}
        </button>
      </div>
      {error && (
        <p role="alert" className="small error" data-testid="carbon-import-error">
          {error}
        </p>
      )}
      {done && (
        <div role="status" className="small" data-testid="carbon-import-done">
          <p>
            {done.provider.toUpperCase()}: {done.rowsRead} row(s) read, {done.stored} figure(s)
            stored for {done.months.map((m) => m.slice(0, 7)).join(", ")}.{" "}
            {done.replaced.length === 0
              ? "Nothing replaced."
              : `Replaced ${done.replaced.length} earlier imported figure set(s):`}
          </p>
          {done.replaced.length > 0 && (
            <ul>
              {done.replaced.map((r) => (
                <li key={`${r.providerAccountId}|${r.month}|${r.scope}|${r.modelVersion}`}>
                  {r.providerAccountId} {r.month.slice(0, 7)} {r.scope}
                  {r.modelVersion ? ` (model ${r.modelVersion})` : ""}: {formatKg(r.previousKg)} →{" "}
                  {formatKg(r.co2eKg)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
