import Link from "next/link";
import {
  listReports,
  periodChoices,
  periodKey,
  reportDataSpan,
  reportTagKeys,
} from "@canopy/reports";
import { GenerateReportForm } from "@/components/reports/generate-report-form";
import { formatKg, formatMoney } from "@/lib/format";
import { appDb } from "@/lib/server/db";
import { serverEnv } from "@/lib/server/env";
import { requireMember } from "@/lib/server/page-context";
import { boundaryAccounts, reportActor, reportCall, reportListTotals } from "@/lib/server/reports";

export const dynamic = "force-dynamic";

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");

export default async function ReportsPage() {
  const scope = await requireMember();
  const { principal } = scope;
  const reports = await reportCall(() =>
    listReports(appDb(), principal.tenantId, reportActor(principal)),
  );
  const actor = reportActor(principal);
  const [totals, accounts, span, tagKeys] = await Promise.all([
    scope.sql((client) =>
      reportListTotals(
        client,
        reports.map((r) => r.id),
      ),
    ),
    scope.sql((client) => boundaryAccounts(client)),
    reportCall(() => reportDataSpan(appDb(), principal.tenantId, actor)),
    reportCall(() => reportTagKeys(appDb(), principal.tenantId, actor)),
  ]);
  // The pickers follow the organization's data: back to its first month, not a fixed start.
  const periods = periodChoices(span, new Date());
  const accountNames = new Map(accounts.map((a) => [a.id, a.displayName]));
  const dayOfMonth = serverEnv().CANOPY_REPORT_DAY_OF_MONTH;
  return (
    <main className="stack-lg">
      <div>
        <h1>Reports</h1>
        <p className="muted">
          Monthly, quarterly and yearly Scope 2/3 cloud emissions reports for finance and auditors,
          as PDF, XLSX and CSV rendered from one model. A draft recomputes until an owner, admin or
          finance member finalizes it, which locks its figures and files with a content SHA-256.
        </p>
      </div>
      <section className="card stack-lg">
        <h2>Generate a report</h2>
        <GenerateReportForm
          periods={periods}
          tagKeys={tagKeys}
          accounts={accounts.map((a) => ({
            id: a.id,
            label: `${a.displayName} (${a.provider.toUpperCase()} ${a.providerAccountId})`,
          }))}
        />
      </section>
      {reports.length === 0 ? (
        <section className="card stack" data-testid="reports-empty">
          <h2>No reports yet</h2>
          <p>A report covers one calendar month, quarter or year and shows:</p>
          <ul>
            <li>
              your cloud emissions as <strong>Scope 3 Category 1</strong> (purchased goods and
              services), location- and market-based, and the provider-side split: electricity (the
              provider&apos;s Scope 2), embodied hardware, kWh and water;
            </li>
            <li>
              breakdowns by provider, account, service and region, and by the tag keys you choose
              (cost centre, team…), and spend;
            </li>
            <li>
              comparisons with the previous period, the same period last year and year to date;
            </li>
            <li>
              data quality (share on default factors, coverage of spend) and the methodology version
              behind every figure.
            </li>
          </ul>
          <p className="muted small">
            The worker generates last month&apos;s report on day {dayOfMonth} of each month
            (CANOPY_REPORT_DAY_OF_MONTH) and emails owners, admins and finance members a link. You
            can generate any period above at any time.
          </p>
        </section>
      ) : (
        <section className="card table-wrap">
          <h2>Report versions</h2>
          <table className="data" data-testid="reports">
            <thead>
              <tr>
                <th>Period</th>
                <th>Accounts</th>
                <th className="num">Version</th>
                <th>Status</th>
                <th className="num">Scope 3 Cat. 1 (location)</th>
                <th className="num">Scope 3 Cat. 1 (market)</th>
                <th className="num">Spend</th>
                <th>Generated</th>
                <th>Finalized</th>
              </tr>
            </thead>
            <tbody>
              {reports.map((report) => {
                const t = totals.get(report.id);
                return (
                  <tr
                    key={report.id}
                    data-report-id={report.id}
                    data-period={periodKey(report.period)}
                  >
                    <td>
                      <Link href={`/reports/${report.id}`}>{report.period.label}</Link>
                    </td>
                    <td className="small">
                      {report.boundaryAccountIds
                        ? report.boundaryAccountIds
                            .map((id) => accountNames.get(id) ?? id.slice(0, 8))
                            .join(", ")
                        : "All accounts"}
                    </td>
                    <td className="num">v{report.version}</td>
                    <td>
                      <span className={`badge ${report.status === "final" ? "ok" : ""}`}>
                        {report.status}
                      </span>
                    </td>
                    <td className="num" data-value={t?.scope3LocationKg ?? ""}>
                      {t?.scope3LocationKg != null ? formatKg(t.scope3LocationKg) : "—"}
                    </td>
                    <td className="num">
                      {t?.scope3MarketKg != null ? formatKg(t.scope3MarketKg) : "—"}
                    </td>
                    <td className="num">
                      {t?.spend.length
                        ? t.spend.map((s) => formatMoney(s.amount, s.currency)).join(" + ")
                        : "—"}
                    </td>
                    <td className="small">{when(report.computedAt ?? report.createdAt)}</td>
                    <td className="small">{when(report.finalizedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}
