import Link from "next/link";
import { notFound } from "next/navigation";
import {
  boundarySummary,
  breakdownCells,
  canFinalize,
  comparisonCells,
  comparisonLines,
  diffGroupCells,
  diffTotalCells,
  formatSpend,
  ZERO_ROWS_KEY,
  getReport,
  periodKey,
  ReportNotFoundError,
  scope3Category1LocationKg,
  periodMarketQualifier,
  type Breakdown,
  type ReportModel,
  type Spend,
} from "@canopy/reports";
import { hourlyCoverageLabels } from "@canopy/methodology";
import { Kpi } from "@/components/kpi";
import { FinalizeReportButton, RecomputeReportButton } from "@/components/reports/report-actions";
import { formatKg, formatMoney, formatNumber, formatPercent } from "@/lib/format";
import { appDb } from "@/lib/server/db";
import { requireMember } from "@/lib/server/page-context";
import { isReportId, reportActor } from "@/lib/server/reports";

export const dynamic = "force-dynamic";

const BREAKDOWN_ROWS = 15;

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—");
/** Money as every report table and format writes it ("EUR 1,234.50"). */
const money = (spend: Spend[]) => formatSpend(spend);

function BreakdownTable(props: { breakdown: Breakdown; total: number }) {
  const { breakdown } = props;
  // The folded row of groups with 0 kg always shows, after the largest groups.
  const zero = breakdown.rows.find((row) => row.key === ZERO_ROWS_KEY);
  const largest = breakdown.rows.filter((row) => row !== zero);
  const rows = [...largest.slice(0, BREAKDOWN_ROWS), ...(zero ? [zero] : [])];
  return (
    <section className="card table-wrap" data-testid={`breakdown-${breakdown.dimension}`}>
      <h3>{breakdown.title}</h3>
      <table className="data">
        <thead>
          <tr>
            <th>{breakdown.title.replace(/^By /i, "")}</th>
            <th className="num">Scope 3 Cat. 1, location (kg CO2e)</th>
            <th className="num">Scope 3 Cat. 1, market (kg CO2e)</th>
            <th className="num">Share</th>
            <th className="num">Energy, facility (kWh)</th>
            <th className="num">Spend</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const cells = breakdownCells(row, props.total);
            return (
              <tr key={row.key} data-key={row.key}>
                <td>{cells.label}</td>
                <td className="num" data-value={scope3Category1LocationKg(row.measures)}>
                  {cells.locationKg}
                </td>
                <td className="num">{cells.marketKg}</td>
                <td className="num">{cells.share}</td>
                <td className="num">{cells.kwhFacility}</td>
                <td className="num">{cells.spend}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {breakdown.rows.length > rows.length && (
        <p className="muted small">
          {breakdown.rows.length - rows.length} more in the XLSX and CSV downloads.
        </p>
      )}
      {breakdown.rows.length === 0 && <p className="muted small">No emissions in the period.</p>}
    </section>
  );
}

function DiffSection({ diff }: { diff: NonNullable<ReportModel["diff"]> }) {
  return (
    <section className="card stack" data-testid="report-diff">
      <h2>Changes against the locked version {diff.against.version}</h2>
      <p className="muted small">
        Version {diff.against.version} was finalized {when(diff.against.finalizedAt)} (content{" "}
        <code>{diff.against.contentSha256.slice(0, 12)}…</code>) and stays as it was locked. This
        draft reflects the emissions as they are now
        {diff.changed ? "" : ": no figure has changed"}.
      </p>
      {diff.changed && (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th>Figure</th>
                <th className="num">Locked</th>
                <th className="num">Now</th>
                <th className="num">Change</th>
                <th className="num">%</th>
              </tr>
            </thead>
            <tbody>
              {diff.totals.map((line) => {
                const cells = diffTotalCells(line);
                return (
                  <tr key={line.metric}>
                    <td>
                      {line.metric} <span className="muted small">{line.unit}</span>
                    </td>
                    <td className="num">{cells.locked}</td>
                    <td className="num">{cells.current}</td>
                    <td className="num">{cells.delta}</td>
                    <td className="num">{cells.change}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {diff.breakdown.length > 0 && (
        <div className="table-wrap">
          <h3>Largest changes by group (electricity, location-based, kg CO2e)</h3>
          <table className="data">
            <thead>
              <tr>
                <th>Group</th>
                <th className="num">Locked</th>
                <th className="num">Now</th>
                <th className="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {diff.breakdown.map((line) => {
                const cells = diffGroupCells(line);
                return (
                  <tr key={`${line.dimension}:${line.key}`}>
                    <td>
                      {line.label} <span className="muted small">{line.dimension}</span>
                    </td>
                    <td className="num">{cells.locked}</td>
                    <td className="num">{cells.current}</td>
                    <td className="num">{cells.delta}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {diff.methodologyVersions.locked.join() !== diff.methodologyVersions.current.join() && (
        <p className="small">
          Methodology: {diff.methodologyVersions.locked.join(", ") || "—"} when locked,{" "}
          {diff.methodologyVersions.current.join(", ") || "—"} now.
        </p>
      )}
    </section>
  );
}

export default async function ReportPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  const scope = await requireMember();
  const { principal } = scope;
  if (!isReportId(id)) notFound();
  let loaded;
  try {
    loaded = await getReport(appDb(), principal.tenantId, id, reportActor(principal));
  } catch (error) {
    if (error instanceof ReportNotFoundError) notFound();
    throw error;
  }
  const { report, model } = loaded;
  const { header, content } = model;
  const quality = content.dataQuality;
  const total = content.customerView.scope3Category1LocationKg;
  const partial = content.dataDays.daysWithData < content.dataDays.daysInPeriod;
  const mayFinalize = canFinalize(reportActor(principal));
  const boundary = boundarySummary(content);
  // Finalizing refuses a period without emissions (@canopy/reports ReportNoDataError): say so up front.
  const noData =
    content.lineage.inputRowCounts.emissionsMonthly === 0 &&
    content.lineage.inputRowCounts.emissionsHourly === 0;
  const download = (format: string) => `/reports/${report.id}/download?format=${format}`;

  return (
    <main
      className="stack-lg"
      data-testid="report"
      data-report-id={report.id}
      data-status={header.status}
    >
      <div className="stack">
        <p className="small">
          <Link href="/reports">← Reports</Link>
        </p>
        <div className="row between" style={{ alignItems: "start" }}>
          <div>
            <h1>
              Cloud emissions report: {content.period.label}{" "}
              <span
                className={`badge ${header.status === "final" ? "ok" : ""}`}
                data-testid="report-status"
              >
                {header.status}
              </span>
            </h1>
            <p className="muted">
              {content.organization.name} · version {header.version} · {content.period.start} to{" "}
              {content.period.end} (exclusive, UTC)
            </p>
            <p className="small" data-testid="report-boundary">
              Boundary: {boundary.text}
            </p>
            <p className="small muted">
              Generated {when(header.generatedAt)}
              {header.finalizedAt ? ` · finalized ${when(header.finalizedAt)}` : ""} ·{" "}
              <span title="SHA-256 of the report's figures, boundary, parameters, lineage and method as canonical JSON: the same in every download (X-Report-Content-Sha256), printed in the files and in the API (contentSha256).">
                content SHA-256
              </span>{" "}
              <code data-testid="report-sha256">{header.contentSha256}</code>
            </p>
          </div>
          <div className="row">
            <a
              className="button secondary"
              href={download("csv")}
              download
              data-testid="download-csv"
            >
              Download CSV
            </a>
            <a
              className="button secondary"
              href={download("xlsx")}
              download
              data-testid="download-xlsx"
            >
              Download XLSX
            </a>
            <a className="button" href={download("pdf")} download data-testid="download-pdf">
              Download PDF
            </a>
          </div>
        </div>
        {header.status === "draft" && (
          <div className="notice row between">
            <p style={{ margin: 0 }}>
              This is a draft: it shows the figures as computed {when(header.generatedAt)} and
              recomputes with new usage or re-estimations.{" "}
              {mayFinalize
                ? "Finalizing locks these figures, the methodology version and the three files."
                : "An owner, admin or finance member can finalize it."}
            </p>
            <div className="row" style={{ alignItems: "start" }}>
              <RecomputeReportButton
                period={periodKey(report.period)}
                cloudAccountIds={report.boundaryAccountIds}
              />
              {mayFinalize && !noData && (
                <FinalizeReportButton
                  reportId={report.id}
                  contentSha256={header.contentSha256}
                  periodLabel={content.period.label}
                />
              )}
            </div>
          </div>
        )}
        {noData && (
          <p className="notice warn" data-testid="report-no-data">
            No emissions in {content.period.label} for{" "}
            {content.boundary.allAccounts ? "this organization" : "the accounts in this report"}:
            there is nothing to finalize. Import the billing data for the period (Imports), or
            generate a report for a period with data from the Reports page.
          </p>
        )}
        {partial && !noData && (
          <p className="notice warn">
            Partial data: {content.dataDays.daysWithData} of {content.dataDays.daysInPeriod} days of
            the period have emissions.
          </p>
        )}
      </div>

      <div className="kpis" data-testid="report-figures">
        <Kpi
          label="Scope 3 Cat. 1, location-based (lifecycle grid factors)"
          value={formatKg(total)}
          raw={total}
          testId="figure-scope3-location"
          note="electricity (location) + embodied + spend-based"
        >
          {/* Versions locked before ranges existed have none. */}
          {content.totals.co2eLowKg !== undefined && (
            <div
              className="small muted"
              data-testid="figure-scope3-range"
              data-low={content.totals.co2eLowKg}
              data-high={content.totals.co2eHighKg}
            >
              Range {formatKg(content.totals.co2eLowKg)} – {formatKg(content.totals.co2eHighKg)}{" "}
              (input quality; methodology §8.1)
            </div>
          )}
        </Kpi>
        <Kpi
          label={`Scope 3 Cat. 1, market-based (${periodMarketQualifier(content)})`}
          value={formatKg(content.customerView.scope3Category1MarketKg)}
          raw={content.customerView.scope3Category1MarketKg}
          testId="figure-scope3-market"
          note="electricity (market) + embodied + spend-based"
        />
        <Kpi
          label="Electricity"
          value={`${formatNumber(content.providerView.kwhFacility)} kWh`}
          raw={content.providerView.kwhFacility}
          testId="figure-kwh"
          note={`${formatNumber(content.providerView.kwhIt)} kWh at the servers; provider's Scope 2: ${formatKg(content.providerView.electricityLocationKg)} location, ${formatKg(content.providerView.electricityMarketKg)} market`}
        />
        <Kpi
          label="Embodied hardware"
          value={formatKg(content.providerView.embodiedKg)}
          raw={content.providerView.embodiedKg}
          testId="figure-embodied"
          note="provider's Scope 3 (server manufacturing)"
        />
        <Kpi
          label="Water"
          value={`${formatNumber(content.providerView.waterL)} L`}
          raw={content.providerView.waterL}
          testId="figure-water"
        />
        <Kpi
          label="Cost covered by the estimate"
          value={money(content.spend)}
          raw={content.spend.reduce((sum, s) => sum + s.amount, 0)}
          testId="figure-spend"
          note={content.intensity.spend
            .filter((s) => s.co2eLocationKgPer1000 !== null)
            .map((s) => `${formatNumber(s.co2eLocationKgPer1000!, 2)} kg per 1,000 ${s.currency}`)
            .join(" · ")}
        />
      </div>

      {content.costCoverage && (
        <section className="card table-wrap" data-testid="report-cost-coverage">
          <h2>Cost coverage by service</h2>
          <p className="muted small">
            {content.costCoverage.definition} {content.costCoverage.intensityBasis}
          </p>
          <table className="data">
            <thead>
              <tr>
                <th>Service</th>
                <th className="num">Cost covered by the estimate</th>
                <th className="num">Cost not modelled</th>
                <th className="num">Total cost</th>
              </tr>
            </thead>
            <tbody>
              {content.costCoverage.byService.map((row) => (
                <tr key={row.key}>
                  <td>{row.label}</td>
                  <td className="num">{money(row.covered)}</td>
                  <td className="num">{money(row.notModelled)}</td>
                  <td className="num">{money(row.total)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th>All services</th>
                <th className="num">{money(content.costCoverage.covered)}</th>
                <th className="num">{money(content.costCoverage.notModelled)}</th>
                <th className="num">{money(content.costCoverage.total)}</th>
              </tr>
              <tr>
                <td>Tax (part of the cost not modelled)</td>
                <td />
                <td className="num" data-testid="report-tax">
                  {money(content.costCoverage.tax)}
                </td>
                <td />
              </tr>
              <tr>
                <td>Credits, refunds and discounts (part of the cost not modelled)</td>
                <td />
                <td className="num" data-testid="report-credits">
                  {money(content.costCoverage.credits)}
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        </section>
      )}

      {model.diff && <DiffSection diff={model.diff} />}

      <section className="card table-wrap" data-testid="report-comparisons">
        <h2>Comparisons</h2>
        <table className="data">
          <thead>
            <tr>
              <th>Against</th>
              <th>Period</th>
              <th className="num">Scope 3 Cat. 1, location (kg CO2e)</th>
              <th className="num">Scope 3 Cat. 1, market (kg CO2e)</th>
              <th className="num">Change</th>
              <th className="num">Days with data</th>
            </tr>
          </thead>
          <tbody>
            {comparisonLines(content).map((line) => {
              const cells = comparisonCells(line);
              return (
                <tr key={line.comparison.key} data-comparable={line.comparable}>
                  <td>{line.title}</td>
                  <td>{line.comparison.period.label}</td>
                  <td className="num">{cells.locationKg}</td>
                  <td className="num">{cells.marketKg}</td>
                  <td className="num" title={line.changeNote}>
                    {cells.change}
                    {line.notComparableReason && (
                      <div className="small muted">
                        {line.notComparableReason.replace(/^not comparable: /, "")}
                      </div>
                    )}
                  </td>
                  <td className="num">{cells.days}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <section className="stack-lg">
        <h2>Breakdown</h2>
        {content.breakdowns.map((breakdown) => (
          <BreakdownTable key={breakdown.dimension} breakdown={breakdown} total={total} />
        ))}
      </section>

      <section className="card stack" data-testid="report-quality">
        <h2>Data quality</h2>
        <div className="row" style={{ gap: "2rem" }}>
          <div>
            <div className="muted">Share on default factors</div>
            <div
              className="figure"
              data-testid="quality-defaults"
              data-value={quality.shareOnDefaults ?? ""}
            >
              {quality.shareOnDefaults !== null ? formatPercent(quality.shareOnDefaults) : "—"}
            </div>
            <div className="small muted">
              {formatKg(quality.co2eOnDefaultsKg)} of the location-based total
            </div>
          </div>
          {quality.shareSpendBased !== undefined && (
            <div>
              <div className="muted">Share spend-based</div>
              <div
                className="figure"
                data-testid="quality-spend-based"
                data-value={quality.shareSpendBased ?? ""}
              >
                {quality.shareSpendBased !== null ? formatPercent(quality.shareSpendBased) : "—"}
              </div>
              <div className="small muted">
                {formatKg(content.totals.co2eSpendBasedKg)} estimated from the cost of usage without
                an energy model
              </div>
            </div>
          )}
          {quality.hourlyCoverage && (
            <div>
              <div className="muted">{hourlyCoverageLabels.shareHourlyGrid}</div>
              <div
                className="figure"
                data-testid="quality-hourly-grid-share"
                data-value={quality.hourlyCoverage.shareHourlyGrid ?? ""}
              >
                {quality.hourlyCoverage.shareHourlyGrid !== null
                  ? formatPercent(quality.hourlyCoverage.shareHourlyGrid)
                  : "—"}
              </div>
              <div className="small muted">
                {hourlyCoverageLabels.shareDisaggregated}:{" "}
                <span
                  data-testid="quality-disaggregated-share"
                  data-value={quality.hourlyCoverage.shareDisaggregated ?? ""}
                >
                  {quality.hourlyCoverage.shareDisaggregated !== null
                    ? formatPercent(quality.hourlyCoverage.shareDisaggregated)
                    : "—"}
                </span>
              </div>
            </div>
          )}
          <div>
            <div className="muted">Spend covered by the method</div>
            <div
              className="figure"
              data-testid="quality-coverage"
              data-value={quality.coverage.shareEstimated ?? ""}
            >
              {quality.coverage.shareEstimated !== null
                ? formatPercent(quality.coverage.shareEstimated)
                : "—"}
            </div>
            <div className="small muted">
              {formatMoney(quality.coverage.spendUnsupported, quality.coverage.currency)} without an
              estimate; {formatMoney(quality.coverage.spendFinancial, quality.coverage.currency)}{" "}
              out of scope (tax, credits, fees, support…) outside the share
            </div>
          </div>
          <div>
            <div className="muted">Methodology version</div>
            <div className="figure small" data-testid="quality-methodology">
              {content.lineage.methodologyVersion ?? "—"}
            </div>
            <div className="small muted">
              data pack {content.lineage.dataPackChecksum?.slice(0, 12) ?? "—"}
            </div>
          </div>
        </div>
        {quality.methodologies.length > 1 && (
          <p className="small">
            Methodology versions in this period:{" "}
            {quality.methodologies
              .map(
                (m) =>
                  `${m.methodologyVersion} (${formatKg(m.co2eLocationKg)}, ${m.hourlyRows.toLocaleString("en")} hourly rows)`,
              )
              .join("; ")}
          </p>
        )}
        {quality.coverage.lines.length > 0 && (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Spend without an estimate</caption>
              <thead>
                <tr>
                  <th>Spend without an estimate</th>
                  <th>Kind</th>
                  <th className="num">Lines</th>
                  <th className="num">Spend</th>
                </tr>
              </thead>
              <tbody>
                {quality.coverage.lines.map((line) => (
                  <tr key={`${line.category}:${line.reason}:${line.currency ?? ""}`}>
                    <td>{line.reason}</td>
                    <td>{line.category}</td>
                    <td className="num">
                      {line.lines !== null ? formatNumber(line.lines, 0) : "—"}
                    </td>
                    <td className="num">
                      {line.currency
                        ? money([{ currency: line.currency, amount: line.spendAmount }])
                        : formatNumber(line.spendAmount, 2)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="small muted">
          {quality.coverage.note} Provider-reported figures: {quality.reconciliation.note} Rows
          read: {content.lineage.inputRowCounts.emissionsMonthly.toLocaleString("en")} monthly,{" "}
          {content.lineage.inputRowCounts.emissionsHourly.toLocaleString("en")} hourly
          {content.lineage.hourlyCheck.agrees
            ? "; the monthly totals agree with the hourly emissions."
            : "; the monthly totals do not yet agree with the hourly emissions (estimation running)."}{" "}
          The method is in the appendix of the PDF.
        </p>
      </section>
    </main>
  );
}
