import Link from "next/link";
import { usageRowCount } from "@canopy/db";
import type { Filters, SeriesQuery, BreakdownQuery } from "@/lib/emissions/params";
import {
  formatDelta,
  formatKg,
  formatMoney,
  formatNumber,
  formatPercent,
  monthLabel,
  periodLabel,
  providerLabel,
} from "@/lib/format";
import { partialPeriods, toDay } from "@/lib/emissions/params";
import { listJobRuns, listAccountsByIds } from "@/lib/server/accounts";
import {
  costCoverageLabels,
  costCoverageDefinition,
  headlineLabels,
  hourlyCoverageDefinition,
  hourlyCoverageLabels,
  marketBasedLabels,
} from "@canopy/methodology";
import {
  costCoverageByService,
  dataQualityDetail,
  dataSources,
  emissionsBreakdown,
  emissionsSeries,
  emissionsSummary,
  measuredUtilizationDetail,
  methodologyVersions,
} from "@/lib/server/emissions";
import type { TenantScope } from "@/lib/server/tenant-scope";
import { Kpi } from "@/components/kpi";
import { BreakdownTable } from "./breakdown-table";
import type { ChartSeries, ChartShare } from "./emissions-chart";
import { LazyEmissionsChart } from "./lazy-chart";

function Delta(props: { current: number; base: number; against: string }) {
  const delta = formatDelta(props.current, props.base);
  return (
    <div className="small">
      <span
        className={
          delta.direction === "up"
            ? "delta-up"
            : delta.direction === "down"
              ? "delta-down"
              : "muted"
        }
      >
        {delta.text}
      </span>{" "}
      <span className="muted">vs {props.against}</span>
    </div>
  );
}

/** The method version(s) behind the figures shown, linking to the method. */
export async function MethodStamp(props: { scope: TenantScope; filters: Filters }) {
  const versions = await methodologyVersions(props.scope, props.filters);
  return (
    <p
      className="small muted method-stamp"
      data-testid="method-stamp"
      data-versions={versions.join(" ")}
    >
      {versions.length === 0
        ? "No figures in this range."
        : `Estimated with method ${versions.join(", ")}`}
      {versions.length > 1 && " (the range mixes versions: re-estimate to align them)"}
      {" · "}
      <Link href="/methodology">How these figures are computed</Link>
    </p>
  );
}

export async function KpiSection(props: { scope: TenantScope; filters: Filters }) {
  const s = await emissionsSummary(props.scope, props.filters);
  const t = s.totals;
  // A month in progress is compared over the same days of the other months.
  const days = s.months.throughDay ? ` (days 1–${s.months.throughDay})` : "";
  return (
    <div className="kpis" data-testid="kpis" data-range={`${s.range.from}..${s.range.to}`}>
      <Kpi
        label={`CO2e in ${monthLabel(s.months.current.month)}${days}`}
        value={formatKg(s.months.current.co2eTotalKg)}
        raw={s.months.current.co2eTotalKg}
      >
        <Delta
          current={s.months.current.co2eTotalKg}
          base={s.months.previous.co2eTotalKg}
          against={`${monthLabel(s.months.previous.month)}${days}`}
        />
        <Delta
          current={s.months.current.co2eTotalKg}
          base={s.months.yearAgo.co2eTotalKg}
          against={`${monthLabel(s.months.yearAgo.month)}${days}`}
        />
      </Kpi>
      <Kpi
        label={`${headlineLabels.totalKg}, in range`}
        value={formatKg(t.co2eTotalKg)}
        raw={t.co2eTotalKg}
        testId="kpi-total"
      >
        <div className="small muted">
          {headlineLabels.totalRange}:{" "}
          <span
            data-testid="kpi-total-range"
            data-low={t.co2eTotalLowKg}
            data-high={t.co2eTotalHighKg}
          >
            {formatKg(t.co2eTotalLowKg)} – {formatKg(t.co2eTotalHighKg)}
          </span>
        </div>
        <div className="small muted">
          {marketBasedLabels(t.marketBasis).totalMarketBasedKg}:{" "}
          <span
            data-testid="kpi-total-market"
            data-value={t.co2eTotalMarketBasedKg}
            data-basis={t.marketBasis}
          >
            {formatKg(t.co2eTotalMarketBasedKg)}
          </span>
        </div>
      </Kpi>
      <Kpi
        label={headlineLabels.electricityLocationKg}
        value={formatKg(t.co2eLocationKg)}
        raw={t.co2eLocationKg}
        testId="kpi-location"
      >
        <div className="small muted">
          {marketBasedLabels(t.marketBasis).electricityMarketKg}:{" "}
          <span data-testid="kpi-market" data-value={t.co2eMarketKg} data-basis={t.marketBasis}>
            {formatKg(t.co2eMarketKg)}
          </span>
        </div>
      </Kpi>
      <Kpi
        label="Energy (facility)"
        value={`${formatNumber(t.kwhFacility)} kWh`}
        raw={t.kwhFacility}
        testId="kpi-kwh"
      >
        <HourlyShares
          shareHourlyGrid={s.hourlyGridShare}
          shareDisaggregated={s.disaggregatedShare}
        />
      </Kpi>
      <Kpi
        label={headlineLabels.embodiedKg}
        value={formatKg(t.co2eEmbodiedKg)}
        raw={t.co2eEmbodiedKg}
        testId="kpi-embodied"
      />
      <Kpi
        label={headlineLabels.spendBasedKg}
        value={formatKg(t.co2eSpendBasedKg)}
        raw={t.co2eSpendBasedKg}
        testId="kpi-spend-based"
      />
      <Kpi label="Water" value={`${formatNumber(t.waterL)} L`} raw={t.waterL} testId="kpi-water" />
      <Kpi
        label={costCoverageLabels.covered}
        value={formatMoney(t.costCoveredAmount, s.currency)}
        raw={t.costCoveredAmount}
        testId="kpi-cost-covered"
      >
        <div className="small muted">
          {costCoverageLabels.outOfScope}:{" "}
          <span data-testid="kpi-cost-out-of-scope" data-value={t.costOutOfScopeAmount}>
            {formatMoney(t.costOutOfScopeAmount, s.currency)}
          </span>
        </div>
        <div className="small muted">
          {costCoverageLabels.notModelled}:{" "}
          <span data-testid="kpi-cost-not-modelled" data-value={t.costNotModelledAmount}>
            {formatMoney(t.costNotModelledAmount, s.currency)}
          </span>
        </div>
        <div className="small muted">
          {costCoverageLabels.total}:{" "}
          <span data-testid="kpi-cost" data-value={t.costAmount}>
            {formatMoney(t.costAmount, s.currency)}
          </span>
        </div>
      </Kpi>
      <Kpi
        label={`kg CO2e per 1,000 ${s.currency ?? "currency"} of cost covered`}
        value={s.kgCo2ePer1000Currency === null ? "n/a" : formatNumber(s.kgCo2ePer1000Currency, 2)}
        {...(s.kgCo2ePer1000Currency === null ? {} : { raw: s.kgCo2ePer1000Currency })}
      />
    </div>
  );
}

/** The two coverage figures that go beside every "hourly" in the product. */
function HourlyShares(props: {
  shareHourlyGrid: number | null;
  shareDisaggregated: number | null;
}) {
  const pct = (share: number | null) => (share === null ? "–" : formatPercent(share));
  return (
    <>
      <div className="small muted">
        {hourlyCoverageLabels.shareHourlyGrid}:{" "}
        <span data-testid="hourly-grid-share" data-value={props.shareHourlyGrid ?? ""}>
          {pct(props.shareHourlyGrid)}
        </span>
      </div>
      <div className="small muted">
        {hourlyCoverageLabels.shareDisaggregated}:{" "}
        <span data-testid="disaggregated-share" data-value={props.shareDisaggregated ?? ""}>
          {pct(props.shareDisaggregated)}
        </span>
      </div>
    </>
  );
}

const MAX_SERIES = 8;

export async function ChartSection(props: { scope: TenantScope; query: SeriesQuery }) {
  const data = await emissionsSeries(props.scope, props.query);
  const periods = [...new Set(data.points.map((p) => p.period))].sort();
  const index = new Map(periods.map((p, i) => [p, i]));
  const totals = new Map<string, number>();
  for (const p of data.points) totals.set(p.group, (totals.get(p.group) ?? 0) + p.co2eTotalKg);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([key]) => key);
  const shown = new Set(ranked.slice(0, ranked.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES));
  const labels = new Map(data.groups.map((g) => [g.key, g.label]));
  const series = new Map<string, ChartSeries>();
  for (const p of data.points) {
    const key = shown.has(p.group) ? p.group : "__other";
    const name = key === "__other" ? "Other" : (labels.get(key) ?? key) || "Total";
    const entry = series.get(key) ?? {
      name,
      // "Other" and the total are not one group: they cannot be drilled into.
      key: key === "__other" || props.query.groupBy === "none" ? null : key,
      values: new Array<number>(periods.length).fill(0),
    };
    entry.values[index.get(p.period)!]! += p.co2eTotalKg;
    series.set(key, entry);
  }
  const ordered = [...ranked.filter((k) => shown.has(k)), "__other"].flatMap((k) =>
    series.has(k) ? [series.get(k)!] : [],
  );
  if (periods.length === 0) {
    return (
      <p className="muted">
        No emissions in this range for these filters. Widen the date range or clear a filter.
      </p>
    );
  }
  // Hourly points: say how much of them rests on hourly grid factors and how much is daily or
  // monthly usage spread over its hours (not measured hourly usage).
  let hourly: { kwh: number; grid: number; disaggregated: number } | null = null;
  let share: ChartShare | undefined;
  if (data.granularity === "hour") {
    hourly = { kwh: 0, grid: 0, disaggregated: 0 };
    const perPeriod = periods.map(() => ({ kwh: 0, disaggregated: 0 }));
    for (const p of data.points) {
      hourly.kwh += p.kwhFacility;
      hourly.grid += p.kwhHourlyGrid;
      hourly.disaggregated += p.kwhDisaggregated;
      const at = perPeriod[index.get(p.period)!]!;
      at.kwh += p.kwhFacility;
      at.disaggregated += p.kwhDisaggregated;
    }
    // Each hour's disaggregated share, so spread daily or monthly usage is never read as measured.
    if (hourly.disaggregated > 0)
      share = {
        name: "Disaggregated from daily or monthly usage (% of kWh)",
        values: perPeriod.map((at) => (at.kwh > 0 ? at.disaggregated / at.kwh : null)),
      };
  }
  const shareOfKwh = (part: number) => (hourly && hourly.kwh > 0 ? part / hourly.kwh : null);
  const partial = partialPeriods(periods, data.granularity, data.range, toDay(new Date()));
  return (
    <div
      data-testid="chart"
      data-granularity={data.granularity}
      data-points={periods.length}
      data-source={data.source}
    >
      {hourly && (
        <p
          className="small muted"
          data-testid="chart-hourly-coverage"
          data-hourly-grid={shareOfKwh(hourly.grid) ?? ""}
          data-disaggregated={shareOfKwh(hourly.disaggregated) ?? ""}
        >
          Hourly points: {formatPercent(shareOfKwh(hourly.grid) ?? 0)} of their kWh is estimated
          with hourly grid factors, the rest with annual factors;{" "}
          {formatPercent(shareOfKwh(hourly.disaggregated) ?? 0)} is daily or monthly usage spread
          over its hours (disaggregated, not measured hourly usage).
        </p>
      )}
      <LazyEmissionsChart
        periods={periods}
        series={ordered}
        granularity={data.granularity}
        groupBy={data.groupBy}
        partial={partial}
        unit="kg CO2e"
        {...(share ? { share } : {})}
      />
      {partial.some(Boolean) && (
        <p className="small muted" data-testid="chart-partial">
          Partial {data.granularity === "month" ? "months" : "days"} (faded, marked *):{" "}
          {periods
            .filter((_, i) => partial[i])
            .map((p) => periodLabel(p, data.granularity))
            .join(", ")}
          . The range is {data.range.from} to {data.range.to}; a period it covers only in part, or
          that is still being billed, is not comparable with whole ones.
        </p>
      )}
    </div>
  );
}

const groupLabels: Record<string, string> = {
  provider: "Provider",
  account: "Account",
  service: "Service",
  region: "Region",
  scope: "Scope",
  payer: "Payer",
  instanceType: "Instance type",
};

/** Cost covered by the estimate and cost not modelled, by service (one definition: @canopy/methodology). */
export async function CostCoverageSection(props: {
  scope: TenantScope;
  filters: Filters;
  currency: string | null;
}) {
  const data = await costCoverageByService(props.scope, props.filters);
  if (!data.items.length) return <p className="muted">No cost in this range.</p>;
  const money = (v: number) => formatMoney(v, props.currency);
  return (
    <div className="stack-lg">
      <p className="muted small">{costCoverageDefinition}</p>
      <div className="table-wrap">
        <table className="data" data-testid="cost-coverage">
          <caption className="sr-only">Cost coverage by service</caption>
          <thead>
            <tr>
              <th>Service</th>
              <th className="num">{costCoverageLabels.covered}</th>
              <th className="num">{costCoverageLabels.outOfScope}</th>
              <th className="num">{costCoverageLabels.notModelled}</th>
              <th className="num">{costCoverageLabels.total}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((row) => (
              <tr key={row.service} data-service={row.service}>
                <td>{row.service}</td>
                <td className="num" data-value={row.costCoveredAmount}>
                  {money(row.costCoveredAmount)}
                </td>
                <td className="num" data-value={row.costOutOfScopeAmount}>
                  {money(row.costOutOfScopeAmount)}
                </td>
                <td className="num" data-value={row.costNotModelledAmount}>
                  {money(row.costNotModelledAmount)}
                </td>
                <td className="num" data-value={row.costAmount}>
                  {money(row.costAmount)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th>All services</th>
              <th
                className="num"
                data-testid="coverage-covered"
                data-value={data.totals.costCoveredAmount}
              >
                {money(data.totals.costCoveredAmount)}
              </th>
              <th
                className="num"
                data-testid="coverage-out-of-scope"
                data-value={data.totals.costOutOfScopeAmount}
              >
                {money(data.totals.costOutOfScopeAmount)}
              </th>
              <th
                className="num"
                data-testid="coverage-not-modelled"
                data-value={data.totals.costNotModelledAmount}
              >
                {money(data.totals.costNotModelledAmount)}
              </th>
              <th className="num" data-testid="coverage-total" data-value={data.totals.costAmount}>
                {money(data.totals.costAmount)}
              </th>
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

/** Which imports and syncs the range's usage comes from (one source per account and day counts). */
export async function DataSourcesSection(props: {
  scope: TenantScope;
  filters: Filters;
  currency: string | null;
}) {
  const data = await dataSources(props.scope, props.filters);
  if (!data.items.length) return <p className="muted">No usage in this range.</p>;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="data-sources">
        <caption className="sr-only">Imports and syncs behind these figures</caption>
        <thead>
          <tr>
            <th>Import or sync</th>
            <th>Kind of source</th>
            <th>When (UTC)</th>
            <th className="num">Usage rows</th>
            <th className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((source) => (
            <tr key={`${source.syncRunId}:${source.sourceKind}`}>
              <td>
                {source.runKind ?? "unrecorded"}: {source.label || "–"}
              </td>
              <td>{source.sourceKind}</td>
              <td className="small">
                {source.createdAt ? source.createdAt.slice(0, 16).replace("T", " ") : "–"}
              </td>
              <td className="num">{formatNumber(source.rows, 0)}</td>
              <td className="num">{formatMoney(source.costAmount, props.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export async function BreakdownSection(props: {
  scope: TenantScope;
  query: BreakdownQuery;
  currency: string | null;
}) {
  const data = await emissionsBreakdown(props.scope, props.query);
  if (!data.items.length) return <p className="muted">Nothing to break down for these filters.</p>;
  return (
    <BreakdownTable
      rows={data.items}
      kind="breakdown"
      groupLabel={groupLabels[props.query.groupBy] ?? "Group"}
      currency={props.currency}
      marketLabel={marketBasedLabels(data.marketBasis).electricityMarketKg}
      fileName={`canopy-emissions-by-${props.query.groupBy}-${data.range.from}-${data.range.to}.csv`}
      caption={`Emissions by ${props.query.groupBy}`}
      drillLevel={props.query.groupBy}
      comparison={data.comparison}
    />
  );
}

export async function RegionSection(props: { scope: TenantScope; filters: Filters }) {
  const data = await emissionsBreakdown(props.scope, {
    ...props.filters,
    groupBy: "region",
    page: 1,
    limit: 1000,
  });
  if (!data.items.length) return <p className="muted">No regions in this range.</p>;
  return (
    <BreakdownTable
      rows={data.items}
      kind="regions"
      groupLabel="Region"
      currency={null}
      initialSort="grid"
      fileName={`canopy-regions-${data.range.from}-${data.range.to}.csv`}
      drillLevel="region"
      comparison={data.comparison}
      caption="Regions ranked by grid intensity, PUE and carbon-free share"
    />
  );
}

export async function DataQualitySection(props: {
  scope: TenantScope;
  filters: Filters;
  canSeeJobs: boolean;
}) {
  const [summary, detail, failed, usage, utilization] = await Promise.all([
    emissionsSummary(props.scope, props.filters),
    dataQualityDetail(props.scope, props.filters),
    props.scope.sql((client) => listJobRuns(client, { limit: 5, offset: 0, status: "failed" })),
    props.scope.sql((client) => usageRowCount(client)),
    measuredUtilizationDetail(props.scope, props.filters),
  ]);
  return (
    <div className="stack-lg">
      <div className="row" style={{ gap: "2rem" }}>
        <div>
          <div className="muted">{headlineLabels.shareOnDefaults}</div>
          <div
            className="figure"
            data-testid="defaults-share"
            data-value={summary.defaultsShare ?? ""}
          >
            {summary.defaultsShare === null ? "–" : formatPercent(summary.defaultsShare)}
          </div>
          <div className="small muted">
            of the total rests on a default (not regional or measured) factor
          </div>
        </div>
        <div>
          <div className="muted">{headlineLabels.shareSpendBased}</div>
          <div
            className="figure"
            data-testid="spend-based-share"
            data-value={summary.spendBasedShare ?? ""}
          >
            {summary.spendBasedShare === null ? "–" : formatPercent(summary.spendBasedShare)}
          </div>
          <div className="small muted">of the total is estimated from spend</div>
        </div>
        <div>
          <div className="muted">{hourlyCoverageLabels.shareHourlyGrid}</div>
          <div
            className="figure"
            data-testid="quality-hourly-grid-share"
            data-value={summary.hourlyGridShare ?? ""}
          >
            {summary.hourlyGridShare === null ? "–" : formatPercent(summary.hourlyGridShare)}
          </div>
          <div className="small muted">
            {hourlyCoverageLabels.shareDisaggregated}:{" "}
            {summary.disaggregatedShare === null ? "–" : formatPercent(summary.disaggregatedShare)}
          </div>
        </div>
        <div>
          <div className="muted">Compute energy on measured utilization</div>
          <div
            className="figure"
            data-testid="measured-utilization-share"
            data-value={utilization.measuredShare ?? ""}
          >
            {utilization.measuredShare === null ? "–" : formatPercent(utilization.measuredShare)}
          </div>
          <div className="small muted">
            of compute kWh uses the VMs&apos; measured CPU, the rest the default utilization (
            <Link href="/methodology#211-measured-utilization">method §2.1.1</Link>)
          </div>
        </div>
        <div>
          <div className="muted">Usage rows stored</div>
          <div className="figure">{usage.toLocaleString("en")}</div>
        </div>
      </div>
      <OnDefaultsTables services={detail.services} lines={detail.lines} />
      <HourlyCoverageTable rows={summary.hourlyCoverage} />
      <AccountSyncTable ids={detail.accountIds} scope={props.scope} />
      <UtilizationRunsTable runs={utilization.runs} scope={props.scope} />
      <div>
        <h3 className="small">Failed jobs</h3>
        {failed.items.length === 0 ? (
          <p className="muted small">No failed imports or syncs.</p>
        ) : (
          <ul className="small">
            {failed.items.map((run) => (
              <li key={run.id}>
                {run.kind} {run.fileName ? `of ${run.fileName}` : ""} on{" "}
                {run.createdAt.slice(0, 10)}: <span className="error">{run.error ?? "failed"}</span>
                {props.canSeeJobs && (
                  <>
                    {" "}
                    <Link href="/imports">details</Link>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

export function Skeleton(props: { height?: number; count?: number }) {
  return (
    <div className="stack-lg" aria-busy="true" aria-label="Loading">
      {Array.from({ length: props.count ?? 1 }, (_, i) => (
        <div key={i} className="skeleton" style={{ height: props.height ?? 40 }} />
      ))}
    </div>
  );
}

export function KpiSkeleton() {
  return (
    <div className="kpis" aria-busy="true" aria-label="Loading figures">
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="skeleton" style={{ height: 92 }} />
      ))}
    </div>
  );
}

type CoverageRow = Awaited<ReturnType<typeof emissionsSummary>>["hourlyCoverage"][number];

/** Share of kWh on hourly grid factors (and disaggregated) per provider, region and month. */
function HourlyCoverageTable(props: { rows: CoverageRow[] }) {
  if (!props.rows.length) return null;
  const pct = (share: number | null) => (share === null ? "–" : formatPercent(share));
  return (
    <div className="stack">
      <h3 className="small">Hourly coverage by provider, region and month</h3>
      <p className="muted small">{hourlyCoverageDefinition}</p>
      <div className="table-wrap">
        <table className="data" data-testid="hourly-coverage">
          <caption className="sr-only">Hourly coverage by provider, region and month</caption>
          <thead>
            <tr>
              <th>Month</th>
              <th>Provider</th>
              <th>Region</th>
              <th className="num">Facility kWh</th>
              <th className="num">{hourlyCoverageLabels.shareHourlyGrid}</th>
              <th className="num">{hourlyCoverageLabels.shareDisaggregated}</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr
                key={`${r.month}|${r.provider}|${r.region}`}
                data-month={r.month}
                data-provider={r.provider}
                data-region={r.region}
              >
                <td>{r.month.slice(0, 7)}</td>
                <td>{providerLabel(r.provider)}</td>
                <td>{r.region}</td>
                <td className="num">{formatNumber(r.kwhFacility)}</td>
                <td className="num" data-value={r.shareHourlyGrid ?? ""}>
                  {pct(r.shareHourlyGrid)}
                </td>
                <td className="num" data-value={r.shareDisaggregated ?? ""}>
                  {pct(r.shareDisaggregated)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type DefaultsDetail = Awaited<ReturnType<typeof dataQualityDetail>>;

/** The services and usage lines whose CO2e rests on a default factor, under the filters. */
function OnDefaultsTables(props: {
  services: DefaultsDetail["services"];
  lines: DefaultsDetail["lines"];
}) {
  if (!props.services.length)
    return (
      <p className="muted small" data-testid="defaults-services-none">
        No service in this range rests on a default factor.
      </p>
    );
  const pct = (share: number | null) => (share === null ? "–" : formatPercent(share));
  return (
    <div className="stack">
      <h3 className="small">Resting on default factors</h3>
      <p className="muted small">
        A default is a factor used when no regional or measured one applies (an unknown instance
        type, a region without a grid factor…); these figures are the least certain. See{" "}
        <Link href="/methodology#8-quality">the method, section 8</Link>.
      </p>
      <div className="table-wrap">
        <table className="data" data-testid="defaults-services">
          <caption className="sr-only">Services resting on default factors</caption>
          <thead>
            <tr>
              <th>Service</th>
              <th>Provider</th>
              <th className="num">CO2e on defaults</th>
              <th className="num">Share of the service</th>
            </tr>
          </thead>
          <tbody>
            {props.services.map((r) => (
              <tr key={r.key} data-service={r.service} data-value={r.co2eOnDefaultsKg}>
                <td>{r.service}</td>
                <td>{providerLabel(r.provider)}</td>
                <td className="num">{formatKg(r.co2eOnDefaultsKg)}</td>
                <td className="num">{pct(r.shareOnDefaults)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table className="data" data-testid="defaults-lines">
          <caption className="sr-only">Usage lines resting on default factors</caption>
          <thead>
            <tr>
              <th>Line (provider, service, region, kind)</th>
              <th className="num">CO2e on defaults</th>
              <th className="num">Share of the line</th>
            </tr>
          </thead>
          <tbody>
            {props.lines.map((r) => (
              <tr key={r.key} data-service={r.service} data-region={r.region} data-kind={r.kind}>
                <td>
                  {providerLabel(r.provider)} · {r.service} · {r.region || "no region"} · {r.kind}
                </td>
                <td className="num" data-value={r.co2eOnDefaultsKg}>
                  {formatKg(r.co2eOnDefaultsKg)}
                </td>
                <td className="num">{pct(r.shareOnDefaults)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type UtilizationRun = Awaited<ReturnType<typeof measuredUtilizationDetail>>["runs"][number];

const utilizationSourceLabels: Record<UtilizationRun["source"], string> = {
  "aws-cloudwatch": "CloudWatch",
  "azure-monitor": "Azure Monitor",
  "gcp-monitoring": "Cloud Monitoring",
};

/** Each account's latest measured-utilization read; a failed one says the default stays in place. */
async function UtilizationRunsTable(props: { runs: UtilizationRun[]; scope: TenantScope }) {
  if (!props.runs.length) return null;
  const accounts = await props.scope.sql((client) =>
    listAccountsByIds(
      client,
      props.runs.map((r) => r.cloudAccountId),
    ),
  );
  const nameOf = new Map(accounts.map((a) => [a.id, a.displayName]));
  return (
    <div className="table-wrap">
      <table className="data" data-testid="utilization-runs">
        <caption className="sr-only">Latest measured-utilization read per account</caption>
        <thead>
          <tr>
            <th>Account</th>
            <th>Source</th>
            <th>Status</th>
            <th className="num">VMs</th>
            <th className="num">Hours stored</th>
            <th>Window</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((r) => (
            <tr key={r.cloudAccountId} data-account={r.cloudAccountId} data-status={r.status}>
              <td>{nameOf.get(r.cloudAccountId) ?? r.cloudAccountId}</td>
              <td>{utilizationSourceLabels[r.source]}</td>
              <td>
                <span
                  className={`badge ${r.status === "succeeded" ? "ok" : r.status === "failed" ? "bad" : ""}`}
                >
                  {r.status}
                </span>
              </td>
              <td className="num">{formatNumber(r.resources)}</td>
              <td className="num">{formatNumber(r.hoursStored)}</td>
              <td>
                {r.windowStart.slice(0, 10)} – {r.windowEnd.slice(0, 10)}
              </td>
              <td className="small">{r.error ? <span className="error">{r.error}</span> : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Sync status of the accounts with figures under the filters (not every account of the org). */
async function AccountSyncTable(props: { ids: string[]; scope: TenantScope }) {
  const accounts = await props.scope.sql((client) => listAccountsByIds(client, props.ids));
  if (!accounts.length) return null;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="quality-accounts">
        <caption className="sr-only">Last sync per account with figures in range</caption>
        <thead>
          <tr>
            <th>Account (with figures in range)</th>
            <th>Status</th>
            <th>Last sync or import</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.id} data-account={a.id}>
              <td>
                {a.displayName} <span className="muted small">{providerLabel(a.provider)}</span>
              </td>
              <td>
                <span
                  className={`badge ${a.status === "active" ? "ok" : a.status === "needs_attention" ? "bad" : ""}`}
                >
                  {a.status}
                </span>
              </td>
              <td>
                {a.lastSyncAt
                  ? new Date(a.lastSyncAt).toISOString().slice(0, 16).replace("T", " ") + " UTC"
                  : "never"}
              </td>
              <td className="small">{a.lastError ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
