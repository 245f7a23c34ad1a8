import { FindingActions, RecomputeButton } from "@/components/recommendations/finding-actions";
import { recommendationQuerySchema } from "@/lib/api/recommendation-schemas";
import { formatKg, formatMoney, formatNumber, monthLabel } from "@/lib/format";
import { allowed, requireMember } from "@/lib/server/page-context";
import { listRecommendations, type FindingView } from "@/lib/server/recommendations";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const stateLabels = {
  open: "Open",
  accepted: "Accepted",
  dismissed: "Dismissed",
  done: "Done",
} as const;

function costCell(f: FindingView) {
  if (f.costDeltaAmountPerMonth === null)
    return (
      <span className="muted small" title={f.costNote ?? undefined}>
        unknown
      </span>
    );
  const v = f.costDeltaAmountPerMonth;
  return (
    <span title={f.costNote ?? undefined}>
      {v > 0 ? "+" : v < 0 ? "−" : ""}
      {formatMoney(Math.abs(v), f.costCurrency)}
    </span>
  );
}

function realizedText(f: FindingView) {
  const r = f.realized as {
    status?: string;
    co2eLocationSavedKgPerMonth?: number;
    reason?: string;
  } | null;
  if (f.state !== "done" || !r) return null;
  if (r.status !== "measured")
    return <span className="muted small">Realized: {r.reason ?? "waiting for data"}</span>;
  return (
    <span className="small">
      Realized: {formatKg(r.co2eLocationSavedKgPerMonth ?? 0)}/month (location)
    </span>
  );
}

export default async function RecommendationsPage({ searchParams }: Props) {
  const scope = await requireMember();
  const raw = await searchParams;
  const parsed = recommendationQuerySchema.safeParse({
    state: typeof raw.state === "string" && raw.state !== "" ? raw.state : undefined,
    rule: typeof raw.rule === "string" && raw.rule !== "" ? raw.rule : undefined,
  });
  const query = parsed.success ? parsed.data : { includeRetired: false as const };
  const list = await scope.sql((client) =>
    listRecommendations(client, {
      ...("state" in query && query.state ? { state: query.state } : {}),
      ...("rule" in query && query.rule ? { ruleId: query.rule } : {}),
    }),
  );
  const canAct = allowed(scope.principal, "recommendations.triage");
  const ruleLabel = new Map<string, string>(list.rules.map((r) => [r.id, r.label]));
  const totals = list.items
    .filter((f) => f.state !== "dismissed")
    .reduce(
      (t, f) => ({
        location: t.location + f.co2eLocationSavedKgPerMonth,
        market: t.market + f.co2eMarketSavedKgPerMonth,
      }),
      { location: 0, market: 0 },
    );
  return (
    <main className="stack-lg">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "start" }}>
        <div>
          <h1>Recommendations</h1>
          <p className="muted">
            Each finding carries its CO2e (location- and market-based), water and cost on the same
            line, per average month, from the usage of its basis month. Figures come from the same
            estimation method as your emissions (see the methodology, section 20); a cost is shown
            only where your own bill prices it.
          </p>
        </div>
        {canAct && <RecomputeButton />}
      </div>
      <form className="row" method="get" aria-label="Filters">
        <label>
          State
          <select name="state" defaultValue={"state" in query ? (query.state ?? "") : ""}>
            <option value="">Any</option>
            {Object.entries(stateLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rule
          <select name="rule" defaultValue={"rule" in query ? (query.rule ?? "") : ""}>
            <option value="">Any</option>
            {list.rules.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="secondary" style={{ marginTop: "1.3rem" }}>
          Filter
        </button>
      </form>
      {list.items.length === 0 ? (
        <section className="card stack" data-testid="recommendations-empty">
          <h2>
            No recommendations
            {parsed.success && (raw.state || raw.rule) ? " match these filters" : " yet"}
          </h2>
          <p>
            Canopy computes recommendations from your stored usage after every import or sync
            finishes. To get some:
          </p>
          <ul>
            <li>
              connect a cloud account or import a billing file (<a href="/imports">Imports</a>);
            </li>
            <li>
              wait for its estimate to finish, or press <strong>Recompute</strong> above;
            </li>
            <li>
              region moves honour your organization&apos;s constraints (
              <a href="/settings/recommendations">settings</a>): a very strict set can leave none.
            </li>
          </ul>
        </section>
      ) : (
        <section className="card table-wrap">
          <p className="muted small">
            {list.items.length} findings; not dismissed: {formatKg(totals.location)} location-based
            and {formatKg(totals.market)} market-based CO2e per month. Basis:{" "}
            {monthLabel(list.items[0]!.basisMonth)}.
          </p>
          <table>
            <thead>
              <tr>
                <th>Action</th>
                <th>CO2e saved / month (location)</th>
                <th>CO2e saved / month (market)</th>
                <th>Water saved / month</th>
                <th>Cost / month</th>
                <th>Confidence</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((f) => (
                <tr key={f.id} data-testid="finding">
                  <td>
                    <div>{f.action}</div>
                    <div className="muted small">
                      {ruleLabel.get(f.ruleId) ?? f.ruleId} · {f.howTo}
                    </div>
                    {realizedText(f)}
                  </td>
                  <td>{formatKg(f.co2eLocationSavedKgPerMonth)}</td>
                  <td>{formatKg(f.co2eMarketSavedKgPerMonth)}</td>
                  <td>{formatNumber(f.waterSavedLPerMonth, 1)} L</td>
                  <td>{costCell(f)}</td>
                  <td>
                    <span className="badge" title={f.confidenceReason}>
                      {f.confidence}
                    </span>
                  </td>
                  <td>
                    <div>{stateLabels[f.state]}</div>
                    {f.stateReason && <div className="muted small">{f.stateReason}</div>}
                    {canAct && <FindingActions id={f.id} state={f.state} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}
