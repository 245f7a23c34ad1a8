"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { generateReportAction } from "@/app/actions/reports";

type Kind = "month" | "quarter" | "year";

/** The last `count` quarters up to the one containing `month` (YYYY-MM), newest first, as YYYY-Qn. */
function recentQuarters(month: string, count = 8): string[] {
  const [year, m] = month.split("-").map(Number) as [number, number];
  let q = Math.floor((m - 1) / 3);
  let y = year;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(`${y}-Q${q + 1}`);
    if (--q < 0) {
      q = 3;
      y--;
    }
  }
  return out;
}

/**
 * Period (month, default the last full month; quarter; year) and, optionally, the accounts in the
 * boundary. Generating computes the draft in the server action and then opens it.
 */
export function GenerateReportForm(props: {
  defaultMonth: string;
  accounts: { id: string; label: string }[];
}) {
  const router = useRouter();
  const [kind, setKind] = useState<Kind>("month");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const quarters = recentQuarters(props.defaultMonth);
  const year = props.defaultMonth.slice(0, 4);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const period = String(form.get(kind) ?? "");
    const cloudAccountIds = form.getAll("account").map(String);
    setPending(true);
    setError(null);
    setFields({});
    const result = await generateReportAction({ period, cloudAccountIds });
    if (!result.ok) {
      setPending(false);
      setFields(result.error.fields ?? {});
      setError(result.error.fields ? null : result.error.message);
      return;
    }
    router.push(`/reports/${result.data.reportId}`);
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate data-testid="generate-report">
      <div className="row" style={{ alignItems: "start" }}>
        <label>
          Period
          <select
            name="kind"
            value={kind}
            onChange={(event) => setKind(event.target.value as Kind)}
          >
            <option value="month">Month</option>
            <option value="quarter">Quarter</option>
            <option value="year">Year</option>
          </select>
        </label>
        {kind === "month" && (
          <label>
            Month
            <input
              type="month"
              name="month"
              defaultValue={props.defaultMonth}
              required
              aria-invalid={!!fields.period}
            />
          </label>
        )}
        {kind === "quarter" && (
          <label>
            Quarter
            <select name="quarter" defaultValue={quarters[0]}>
              {quarters.map((q) => (
                <option key={q} value={q}>
                  {q.replace(/^(\d{4})-(Q\d)$/, "$2 $1")}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === "year" && (
          <label>
            Year
            <input
              type="number"
              name="year"
              min={2000}
              max={2100}
              defaultValue={year}
              aria-invalid={!!fields.period}
            />
          </label>
        )}
        <button type="submit" disabled={pending} style={{ marginTop: "1.3rem" }}>
          {pending ? "Generating…" : "Generate"}
        </button>
      </div>
      {fields.period && <span className="field-error">{fields.period.join(" ")}</span>}
      {props.accounts.length > 1 && (
        <details>
          <summary>Limit to some accounts (default: all accounts)</summary>
          <fieldset className="stack" style={{ border: 0, padding: "0.5rem 0" }}>
            <legend className="sr-only">Accounts in the report</legend>
            {props.accounts.map((account) => (
              <label key={account.id} className="small">
                <input type="checkbox" name="account" value={account.id} /> {account.label}
              </label>
            ))}
          </fieldset>
          {fields.cloudAccountIds && (
            <span className="field-error">{fields.cloudAccountIds.join(" ")}</span>
          )}
        </details>
      )}
      {pending && (
        <p role="status" className="muted small">
          Computing the report from the stored emissions: a quarter or a year can take a few
          seconds.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
