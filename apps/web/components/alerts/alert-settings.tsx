"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { CopyBlock } from "@/components/copy-block";
import { apiCall } from "./api-call";

type Budget = {
  id: string;
  name: string;
  tagKey: string | null;
  tagValue: string | null;
  period: string;
  basis: string;
  budgetCo2eKg: number;
  evaluation: {
    periodStart: string;
    periodEnd: string;
    status: string;
    forecastShare: number;
    forecast: { actualKg: number; forecastKg: number; lowKg: number; highKg: number };
  };
};
type Webhook = { id: string; name: string; url: string; enabled: boolean };

const kg = (v: number) => `${Math.round(v).toLocaleString("en-US")} kg`;

export function BudgetSettings(props: { budgets: Budget[]; canEdit: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const tag = String(form.get("tag") ?? "").trim();
    const [tagKey, ...rest] = tag.split("=");
    try {
      setError(null);
      await apiCall("/api/v1/budgets", "POST", {
        name: form.get("name"),
        period: form.get("period"),
        basis: form.get("basis"),
        budgetCo2eKg: Number(form.get("budgetCo2eKg")),
        tagKey: tag ? tagKey : null,
        tagValue: tag ? rest.join("=") : null,
      });
      target.reset();
      router.refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const remove = async (id: string) => {
    await apiCall(`/api/v1/budgets/${id}`, "DELETE").catch((e: Error) => setError(e.message));
    router.refresh();
  };
  return (
    <section className="card table-wrap stack-lg">
      <h2>Carbon budgets</h2>
      {props.budgets.length === 0 ? (
        <p className="muted">
          No budgets. A budget is a ceiling in kg CO2e per month, quarter or year, for the
          organization or one tag (e.g. <code>team=search</code>); Canopy forecasts the period from
          its trend so far and alerts when the forecast passes the budget.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Budget</th>
              <th>Scope</th>
              <th>Period</th>
              <th>So far</th>
              <th>Forecast (95 %)</th>
              <th>Status</th>
              {props.canEdit && <th />}
            </tr>
          </thead>
          <tbody>
            {props.budgets.map((b) => (
              <tr key={b.id}>
                <td>
                  {b.name} ({kg(b.budgetCo2eKg)} per {b.period}, {b.basis}-based)
                </td>
                <td>{b.tagKey ? `${b.tagKey}=${b.tagValue}` : "Organization"}</td>
                <td>
                  {b.evaluation.periodStart} – {b.evaluation.periodEnd}
                </td>
                <td>{kg(b.evaluation.forecast.actualKg)}</td>
                <td>
                  {kg(b.evaluation.forecast.forecastKg)} ({kg(b.evaluation.forecast.lowKg)}–
                  {kg(b.evaluation.forecast.highKg)})
                </td>
                <td>
                  {b.evaluation.status.replace("_", " ")} (
                  {Math.round(b.evaluation.forecastShare * 100)} %)
                </td>
                {props.canEdit && (
                  <td>
                    <button type="button" className="secondary" onClick={() => remove(b.id)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.canEdit && (
        <form className="row" onSubmit={onSubmit} style={{ alignItems: "end" }}>
          <label>
            Name
            <input name="name" required placeholder="Cloud budget" />
          </label>
          <label>
            kg CO2e
            <input name="budgetCo2eKg" type="number" min="1" step="any" required />
          </label>
          <label>
            Per
            <select name="period" defaultValue="month">
              <option value="month">month</option>
              <option value="quarter">quarter</option>
              <option value="year">year</option>
            </select>
          </label>
          <label>
            Basis
            <select name="basis" defaultValue="location">
              <option value="location">location-based</option>
              <option value="market">market-based</option>
            </select>
          </label>
          <label>
            Tag (optional)
            <input name="tag" placeholder="team=search" />
          </label>
          <button type="submit">Add budget</button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

export function WebhookSettings(props: { webhooks: Webhook[] }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    try {
      setError(null);
      const created = await apiCall<{ secret: string }>("/api/v1/webhooks", "POST", {
        name: form.get("name"),
        url: form.get("url"),
      });
      setSecret(created.secret);
      target.reset();
      router.refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const call = async (path: string, method: string, body?: unknown) => {
    await apiCall(path, method, body).catch((e: Error) => setError(e.message));
    router.refresh();
  };
  return (
    <section className="card table-wrap stack-lg">
      <h2>Webhooks</h2>
      <p className="muted small">
        Alerts are emailed to owners, admins and analysts, and posted to each webhook as
        Slack-compatible JSON, signed:{" "}
        <code>
          X-Canopy-Signature: v1=hex(HMAC-SHA256(secret, timestamp + &quot;.&quot; + body))
        </code>{" "}
        with <code>X-Canopy-Timestamp</code>. Failed posts are retried (2 s, 8 s, 32 s) and logged.
      </p>
      {props.webhooks.length === 0 ? (
        <p className="muted">
          No webhooks. Add a Slack incoming-webhook URL, or your own HTTPS endpoint.
        </p>
      ) : (
        <table>
          <tbody>
            {props.webhooks.map((w) => (
              <tr key={w.id}>
                <td>{w.name}</td>
                <td className="small">{new URL(w.url).origin}</td>
                <td>{w.enabled ? "enabled" : "disabled"}</td>
                <td className="row">
                  <button
                    type="button"
                    className="secondary"
                    onClick={() =>
                      call(`/api/v1/webhooks/${w.id}`, "PATCH", { enabled: !w.enabled })
                    }
                  >
                    {w.enabled ? "Disable" : "Enable"}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => call(`/api/v1/webhooks/${w.id}`, "DELETE")}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row" onSubmit={onSubmit} style={{ alignItems: "end" }}>
        <label>
          Name
          <input name="name" required placeholder="Slack #cloud-carbon" />
        </label>
        <label>
          URL
          <input name="url" type="url" required placeholder="https://hooks.slack.com/services/…" />
        </label>
        <button type="submit">Add webhook</button>
      </form>
      {secret && (
        <div className="notice" role="status">
          <p>Copy the signing secret now: it is shown only once.</p>
          <CopyBlock label="Signing secret" text={secret} />
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
