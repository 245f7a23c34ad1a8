import { providerNames } from "@canopy/methodology/providers";
import { CarbonImportForm } from "@/components/reconciliation/carbon-import-form";
import { formatKg, formatPercent, monthLabel } from "@/lib/format";
import { allowed, requireMember } from "@/lib/server/page-context";
import { loadReconciliation } from "@/lib/server/reconciliation";

export const dynamic = "force-dynamic";

const signedKg = (kg: number) => `${kg > 0 ? "+" : kg < 0 ? "−" : "±"}${formatKg(Math.abs(kg))}`;
const signedPercent = (ratio: number) =>
  `${ratio > 0 ? "+" : ratio < 0 ? "−" : "±"}${formatPercent(Math.abs(ratio))}`;
const basisNames = { location: "location-based", market: "market-based", embodied: "embodied" };

type HistoryPoint = Awaited<ReturnType<typeof loadReconciliation>>["history"][number];

/** The factor history as one line per provider and basis, one cell per month. */
function historyLines(history: HistoryPoint[]) {
  const months = [...new Set(history.map((p) => p.month))].sort();
  const lines = new Map<
    string,
    {
      provider: HistoryPoint["provider"];
      basis: HistoryPoint["basis"];
      label: string;
      points: Map<string, HistoryPoint>;
    }
  >();
  for (const point of history) {
    const key = `${point.provider}|${point.basis}`;
    const line = lines.get(key) ?? {
      provider: point.provider,
      basis: point.basis,
      label: point.label,
      points: new Map(),
    };
    line.points.set(point.month, point);
    lines.set(key, line);
  }
  return { months, lines: [...lines.values()] };
}

export default async function ReconciliationPage() {
  const scope = await requireMember();
  const view = await scope.sql((client) => loadReconciliation(client));
  return (
    <main className="stack-lg">
      <div>
        <h1>Reconciliation</h1>
        <p className="muted">
          Canopy&apos;s estimate beside the figure each provider publishes for your accounts, per
          month, on the closest common basis. They are not expected to match: the reasons below say
          why they differ. {monthLabel(view.from)} to {monthLabel(view.rows[0]?.month ?? view.from)}
          .
        </p>
      </div>
      {!view.hasProviderFigures ? (
        <section className="card stack" data-testid="reconciliation-empty">
          <h2>No provider figures yet</h2>
          <p>
            Providers publish their carbon figures for a month only after it ends, and Canopy
            fetches them after each sync of a connected account:
          </p>
          <ul>
            <li>
              <strong>AWS</strong> publishes month M between the 15th and 21st of M+1, through the
              CARBON_EMISSIONS data export (give its Athena table in the account&apos;s
              credentials).
            </li>
            <li>
              <strong>Azure</strong> publishes the previous month by the 19th (Carbon Optimization;
              the service principal needs the Carbon Optimization Reader role).
            </li>
            <li>
              <strong>Google Cloud</strong> publishes month M around the 15th of M+1, through the
              Carbon Footprint BigQuery export (give its table in the account&apos;s credentials).
            </li>
          </ul>
          <p className="muted small">
            Accounts that only import billing files have no provider figures to compare with until
            an admin imports the provider&apos;s carbon export below (or with{" "}
            <code>pnpm canopy import-carbon</code>).
          </p>
        </section>
      ) : (
        <section className="card table-wrap">
          <table className="data" data-testid="reconciliation">
            <thead>
              <tr>
                <th>Month</th>
                <th>Provider</th>
                <th className="num">Canopy</th>
                <th className="num">Provider</th>
                <th className="num">Difference</th>
                <th className="num">%</th>
                <th>Known reasons</th>
                <th className="num">Market-based</th>
              </tr>
            </thead>
            <tbody>
              {view.rows.map((row) => (
                <tr
                  key={`${row.month}-${row.provider}`}
                  data-provider={row.provider}
                  data-month={row.month}
                >
                  <td>{monthLabel(row.month)}</td>
                  <td>{providerNames[row.provider]}</td>
                  <td className="num" data-value={row.canopyComparableKg ?? ""}>
                    {row.canopyComparableKg !== null
                      ? formatKg(row.canopyComparableKg)
                      : row.canopy && (
                          <>
                            {formatKg(row.canopy.co2eLocationKg + row.canopy.co2eEmbodiedKg)}
                            <div className="muted small">location-based + embodied</div>
                          </>
                        )}
                    {!row.canopy && "—"}
                  </td>
                  <td className="num" data-value={row.reported?.co2eKg ?? ""}>
                    {row.reported ? (
                      <>
                        {formatKg(row.reported.co2eKg)}
                        <div className="muted small">
                          {row.reported.basis}
                          {row.reported.modelVersion ? `, model ${row.reported.modelVersion}` : ""}
                        </div>
                      </>
                    ) : (
                      <span className="muted">not published yet</span>
                    )}
                  </td>
                  <td className="num" data-value={row.differenceKg ?? ""}>
                    {row.differenceKg !== null ? signedKg(row.differenceKg) : "—"}
                  </td>
                  <td className="num">
                    {row.differenceRatio !== null ? signedPercent(row.differenceRatio) : "—"}
                  </td>
                  <td className="small">
                    <ul className="reasons">
                      {row.reasons.map((reason) => (
                        <li key={reason}>{reason}</li>
                      ))}
                    </ul>
                  </td>
                  <td
                    className="num"
                    data-value={row.marketBased?.co2eMarketKg ?? ""}
                    data-basis={row.marketBased?.basis ?? ""}
                  >
                    {row.marketBased ? (
                      <>
                        {formatKg(row.marketBased.co2eMarketKg)}
                        <div className="muted small">{row.marketBased.basis}</div>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {view.hasProviderFigures && <CalibrationHistory history={view.history} />}
      {allowed(scope.principal, "imports.create") && (
        <section className="card">
          <CarbonImportForm />
        </section>
      )}
    </main>
  );
}

function CalibrationHistory({ history }: { history: HistoryPoint[] }) {
  const { months, lines } = historyLines(history);
  return (
    <section className="card stack table-wrap">
      <h2>Calibration factors</h2>
      <p className="muted small">
        The calibrated view keeps Canopy&apos;s shape over hours and services and scales its level
        to the provider&apos;s figure: factor = provider total ÷ Canopy total for the same scope
        (account, region, service where the provider gives them) and basis. Months without a
        provider figure stay uncalibrated; no month borrows another month&apos;s factor. Reports use
        the estimated view and say so.
      </p>
      <table className="data" data-testid="calibration-history">
        <thead>
          <tr>
            <th>Provider</th>
            <th>Basis</th>
            {months.map((month) => (
              <th key={month} className="num">
                {monthLabel(month)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr
              key={`${line.provider}-${line.basis}`}
              data-provider={line.provider}
              data-basis={line.basis}
            >
              <td>{providerNames[line.provider]}</td>
              <td>
                {basisNames[line.basis]}
                <div className="muted small">{line.label}</div>
              </td>
              {months.map((month) => {
                const point = line.points.get(month);
                return (
                  <td
                    key={month}
                    className="num"
                    data-month={month}
                    data-factor={point?.factor ?? ""}
                    title={point?.reason ?? undefined}
                  >
                    {point?.factor != null ? (
                      `×${point.factor.toFixed(3)}`
                    ) : (
                      <span className="muted small">uncalibrated</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
