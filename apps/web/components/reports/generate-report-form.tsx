"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { PeriodChoices } from "@canopy/reports";
import { generateReportAction } from "@/app/actions/reports";

type Kind = "month" | "quarter" | "year";

/** Tag keys typed by hand: comma-separated, trimmed, without repeats. */
const typedKeys = (text: string) => [
  ...new Set(
    text
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean),
  ),
];

/**
 * Period (month, default the last full month with data; quarter; year — every one back to the
 * organization's first month with data), optionally the accounts in the boundary, and the tag keys
 * to break emissions down by (cost centre, team…; those found on the organization's emissions are
 * offered, others can be typed). Generating computes the draft in the server action and opens it.
 */
export function GenerateReportForm(props: {
  periods: PeriodChoices;
  accounts: { id: string; label: string }[];
  tagKeys: string[];
}) {
  const router = useRouter();
  const { periods } = props;
  const [kind, setKind] = useState<Kind>("month");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string[]>>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const period = String(form.get(kind) ?? "");
    const cloudAccountIds = form.getAll("account").map(String);
    const tagKeys = [
      ...new Set([
        ...form.getAll("tagKey").map(String),
        ...typedKeys(String(form.get("tagKeysText") ?? "")),
      ]),
    ];
    setPending(true);
    setError(null);
    setFields({});
    // No choice keeps the series' tag keys (the action's default), rather than clearing them.
    const result = await generateReportAction({
      period,
      cloudAccountIds,
      ...(tagKeys.length ? { tagKeys } : {}),
    });
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
              defaultValue={periods.defaultMonth}
              min={periods.firstMonth}
              max={periods.lastMonth}
              required
              aria-invalid={!!fields.period}
            />
          </label>
        )}
        {kind === "quarter" && (
          <label>
            Quarter
            <select name="quarter" defaultValue={periods.quarters[0]} data-testid="quarter">
              {periods.quarters.map((q) => (
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
            <select name="year" defaultValue={periods.defaultMonth.slice(0, 4)} data-testid="year">
              {periods.years.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" disabled={pending} style={{ marginTop: "1.3rem" }}>
          {pending ? "Generating…" : "Generate"}
        </button>
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        Data from {periods.firstMonth} to {periods.lastMonth}.
      </p>
      {fields.period && <span className="field-error">{fields.period.join(" ")}</span>}
      <details>
        <summary>Break down by tag: cost centre, team… (optional)</summary>
        <fieldset className="stack" style={{ border: 0, padding: "0.5rem 0" }}>
          <legend className="sr-only">Tag keys to break emissions down by</legend>
          {props.tagKeys.length > 0 ? (
            props.tagKeys.map((key) => (
              <label key={key} className="small">
                <input type="checkbox" name="tagKey" value={key} /> {key}
              </label>
            ))
          ) : (
            <p className="muted small">No tags on this organization&apos;s emissions yet.</p>
          )}
          <label className="small">
            Other tag keys (comma-separated)
            <input type="text" name="tagKeysText" placeholder="cost-centre, team" />
          </label>
          <p className="muted small" style={{ margin: 0 }}>
            At most 5. Without a choice, the period&apos;s report keeps the tag keys it had (or your
            organization&apos;s latest report&apos;s).
          </p>
        </fieldset>
        {fields.tagKeys && <span className="field-error">{fields.tagKeys.join(" ")}</span>}
      </details>
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
