"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiCall } from "./api-call";

type Alert = {
  id: string;
  kind: string;
  headline: string;
  day: string;
  status: string;
  scopeLabel: string;
  deliveries: { channel: string; target: string; status: string; attempts: number }[];
};
type Mute = { id: string; kind: string; scopeType: string; scopeKey: string; until: string | null };

export function AlertList(props: { alerts: Alert[]; mutes: Mute[]; canAct: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const act = async (path: string, method: string, body?: unknown) => {
    try {
      setError(null);
      await apiCall(path, method, body);
      router.refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section className="card table-wrap stack-lg">
      <h2>Alerts</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {props.alerts.length === 0 ? (
        <p className="muted">
          No alerts yet. Canopy checks every day (and a minute after new data is rolled up) for a
          day far above the same weekday of the previous 8 weeks, per organization, account, service
          and tag, and for budgets whose forecast passes them. A series needs about six weeks of
          data before it is judged. Add a budget below to be told before a period runs over.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Day</th>
              <th>Alert</th>
              <th>Status</th>
              <th>Delivered</th>
              {props.canAct && <th />}
            </tr>
          </thead>
          <tbody>
            {props.alerts.map((a) => (
              <tr key={a.id}>
                <td>{a.day}</td>
                <td>{a.headline}</td>
                <td>{a.status}</td>
                <td className="small">
                  {a.deliveries.length === 0
                    ? "–"
                    : a.deliveries
                        .map(
                          (d) =>
                            `${d.channel} ${d.status}${d.attempts > 1 ? ` (${d.attempts} tries)` : ""}`,
                        )
                        .join(", ")}
                </td>
                {props.canAct && (
                  <td className="row">
                    {a.status === "open" && (
                      <button
                        type="button"
                        onClick={() => act(`/api/v1/alerts/${a.id}/acknowledge`, "POST")}
                      >
                        Acknowledge
                      </button>
                    )}
                    {a.status !== "muted" && (
                      <button
                        type="button"
                        className="secondary"
                        title={`Mute ${a.kind} alerts for ${a.scopeLabel} for 30 days`}
                        onClick={() => act(`/api/v1/alerts/${a.id}/mute`, "POST", { days: 30 })}
                      >
                        Mute 30 days
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.mutes.length > 0 && (
        <>
          <h3>Muted</h3>
          <ul>
            {props.mutes.map((m) => (
              <li key={m.id}>
                {m.kind} alerts for {m.scopeType} {m.scopeKey || "(organization)"}{" "}
                {m.until ? `until ${m.until.slice(0, 10)}` : "until unmuted"}{" "}
                {props.canAct && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => act(`/api/v1/alerts/mutes/${m.id}`, "DELETE")}
                  >
                    Unmute
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
