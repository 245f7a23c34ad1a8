import Link from "next/link";
import { formatKg, formatNumber } from "@/lib/format";
import { efficiency, targets } from "@/lib/server/alerts";
import type { TenantScope } from "@/lib/server/tenant-scope";

const statusLabel = {
  on_track: "on track",
  at_risk: "at risk",
  off_track: "off track",
  no_base_year_data: "no data for the base year",
} as const;

/**
 * Reduction targets: this year's progress and the forecast to year end with its 95 % interval, from
 * @canopy/db targetReports (the API's and the monthly report's function).
 */
export async function TargetsSection(props: { scope: TenantScope; canEdit: boolean }) {
  const { items } = await props.scope.sql((client) => targets(client));
  if (items.length === 0)
    return (
      <p className="muted">
        No reduction target set.{" "}
        {props.canEdit
          ? "Set one with POST /api/v1/targets: base year, target year and a reduction, or the science-based preset (4.2 % of the base year per year, linear)."
          : "An admin can set one (base year, target year, reduction)."}
      </p>
    );
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Target</th>
            <th>Base year</th>
            <th>Allowed this year</th>
            <th>Year to date</th>
            <th>Forecast to year end (95 %)</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map(({ target, progress }) => (
            <tr key={target.id}>
              <td>
                −{formatNumber(target.reductionPercent, 1)} % by {target.targetYear} against{" "}
                {target.baseYear}, {target.basis}-based{target.preset ? " (SBTi 4.2 %/year)" : ""}
              </td>
              <td>{formatKg(progress.baseYearKg)}</td>
              <td>{formatKg(progress.pathwayKg)}</td>
              <td>{formatKg(progress.yearToDateKg)}</td>
              <td>
                {formatKg(progress.forecastKg)} ({formatKg(progress.forecastLowKg)} –{" "}
                {formatKg(progress.forecastHighKg)})
              </td>
              <td>{statusLabel[progress.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Allowed this year: the straight line from the base year to the target. Forecast: this
        year&apos;s daily trend (least squares) extended to 31 December, with its 95 % prediction
        interval.
      </p>
    </div>
  );
}

/** kg CO2e per 1,000 of spend per month and currency, and SCI per workload where units are posted. */
export async function EfficiencySection(props: { scope: TenantScope }) {
  const data = await props.scope.sql((client) => efficiency(client, {}));
  return (
    <div className="stack-lg">
      {data.months.length === 0 ? (
        <p className="muted">No spend was billed with the usage in the last 12 months.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Month</th>
                <th>kg CO2e per 1,000 of spend</th>
                <th>Spend covered</th>
              </tr>
            </thead>
            <tbody>
              {data.months.map((m) => (
                <tr key={`${m.month}-${m.currency}`}>
                  <td>{m.month}</td>
                  <td>
                    {m.kgCo2ePer1000 === null ? "n/a" : formatNumber(m.kgCo2ePer1000, 2)} per 1,000{" "}
                    {m.currency}
                  </td>
                  <td>
                    {formatNumber(m.costCoveredAmount, 0)} {m.currency}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.sci.length === 0 ? (
        <p className="muted small">
          SCI per workload appears here once functional units are posted:{" "}
          <code>POST /api/v1/functional-units</code> with a tag (the workload), a period, a unit
          name (requests, users, tokens…) and a count. See the API at{" "}
          <Link href="/api/v1/openapi.json">/api/v1/openapi.json</Link>.
        </p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Workload</th>
                <th>Period</th>
                <th>SCI</th>
              </tr>
            </thead>
            <tbody>
              {data.sci.map((p) => (
                <tr key={p.id}>
                  <td>
                    {p.tagKey}={p.tagValue}
                  </td>
                  <td>
                    {p.periodStart} – {p.periodEnd}
                  </td>
                  <td>
                    {formatNumber(p.sciKgPerUnit * 1000, 4)} g CO2e per {p.unitName}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
