import Link from "next/link";
import { Suspense } from "react";
import {
  breakdownQuerySchema,
  MAX_HOURLY_DAYS,
  rangeProblems,
  resolveRange,
  searchParamsToObject,
  seriesQuerySchema,
  toDay,
} from "@/lib/emissions/params";
import { zodFields } from "@/lib/server/api-error";
import { lastDataDay } from "@/lib/server/emissions";
import { filterOptions } from "@/lib/server/filter-options";
import { allowed, requireMember } from "@/lib/server/page-context";
import { DashboardFilters } from "@/components/dashboard/filters";
import { DrillBreadcrumb } from "@/components/dashboard/drill-breadcrumb";
import { SavedViews } from "@/components/dashboard/saved-views";
import { listSavedViews, usageRowCount } from "@canopy/db";
import {
  BreakdownSection,
  ChartSection,
  CostCoverageSection,
  DataSourcesSection,
  DataQualitySection,
  KpiSection,
  KpiSkeleton,
  MethodStamp,
  RegionSection,
  Skeleton,
} from "@/components/dashboard/sections";
import { TableGroupPicker } from "@/components/dashboard/table-group-picker";
import { EfficiencySection, TargetsSection } from "@/components/dashboard/goals";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function DashboardPage({ searchParams }: Props) {
  const scope = await requireMember();
  const { principal } = scope;
  const raw = searchParamsToObject(await searchParams);
  const lastDay = await scope.sql((client) => lastDataDay(client));

  if (!lastDay) {
    const usageRows = await scope.sql((client) => usageRowCount(client));
    return (
      <main>
        <h1>{principal.tenantName}</h1>
        <section className="card stack-lg" style={{ marginTop: "1rem" }}>
          <h2>No emissions yet</h2>
          <p className="muted">
            {usageRows > 0
              ? "Usage is stored. Emissions appear here once the estimation jobs have processed it (usually within seconds)."
              : allowed(principal, "accounts.manage")
                ? "Connect a cloud account, or import a billing file (AWS CUR, Azure cost export, GCP billing export or FOCUS), to see your cloud's carbon footprint."
                : "An admin of this organization has not connected a cloud account or imported billing data yet."}
          </p>
          <div className="muted">Usage rows stored</div>
          <div className="figure">{usageRows.toLocaleString("en")}</div>
          {allowed(principal, "accounts.manage") && (
            <div className="row">
              <Link className="button" href="/accounts/new">
                Connect a cloud account
              </Link>
              <Link className="button secondary" href="/imports">
                Import a billing file
              </Link>
            </div>
          )}
        </section>
      </main>
    );
  }

  const parsed = seriesQuerySchema.safeParse(raw);
  const table = breakdownQuerySchema.safeParse({
    ...raw,
    groupBy: raw.table ?? "service",
    page: 1,
    limit: 1000,
  });
  const query = parsed.success ? parsed.data : null;
  const range = query ? resolveRange(query, lastDay, toDay(new Date())) : null;
  const options = await scope.sql((client) =>
    filterOptions(
      client,
      query ?? { provider: [], account: [], service: [], region: [], tag: [] },
      range && !rangeProblems(range) ? range : { from: lastDay, to: lastDay },
    ),
  );
  const views = principal.userId
    ? await scope.sql((client) => listSavedViews(client, principal.userId!))
    : [];
  const problems = !parsed.success
    ? zodFields(parsed.error)
    : !table.success
      ? zodFields(table.error)
      : range && rangeProblems(range, query!.granularity);

  return (
    <main className="wide stack-lg">
      <div className="row between">
        <h1>{principal.tenantName}</h1>
        {range && (
          <span className="muted" data-testid="range">
            {range.from} to {range.to} (UTC)
          </span>
        )}
      </div>
      <DashboardFilters
        options={options}
        range={range ?? { from: "", to: "" }}
        hourAllowed={!!range && range.days <= MAX_HOURLY_DAYS}
      />
      <div className="row between">
        <DrillBreadcrumb
          accountNames={Object.fromEntries(options.accounts.map((a) => [a.value, a.label]))}
        />
        <SavedViews views={views} />
      </div>
      {problems || !query || !table.success ? (
        <section className="card" role="alert">
          <h2>These filters cannot be shown</h2>
          <ul>
            {Object.entries(problems ?? {}).map(([field, messages]) => (
              <li key={field}>
                <strong>{field || "filters"}</strong>: {messages.join(" ")}
              </li>
            ))}
          </ul>
          <Link href="/">Reset the filters</Link>
        </section>
      ) : (
        <>
          <Suspense fallback={<KpiSkeleton />}>
            <KpiSection scope={scope} filters={query} />
          </Suspense>
          <Suspense fallback={null}>
            <MethodStamp scope={scope} filters={query} />
          </Suspense>
          <section className="card">
            <h2>Emissions over time</h2>
            <Suspense fallback={<Skeleton height={360} />}>
              <ChartSection scope={scope} query={query} />
            </Suspense>
          </section>
          <section className="card">
            <div className="row between">
              <h2>Breakdown</h2>
              <TableGroupPicker value={table.data.groupBy} />
            </div>
            <Suspense fallback={<Skeleton height={32} count={6} />}>
              <BreakdownSection scope={scope} query={table.data} currency={options.currency} />
            </Suspense>
          </section>
          <section className="card">
            <h2>Reduction targets</h2>
            <Suspense fallback={<Skeleton height={32} count={2} />}>
              <TargetsSection scope={scope} canEdit={allowed(principal, "alerts.configure")} />
            </Suspense>
          </section>
          <section className="card">
            <h2>Carbon efficiency over time</h2>
            <Suspense fallback={<Skeleton height={32} count={4} />}>
              <EfficiencySection scope={scope} />
            </Suspense>
          </section>
          <section className="card">
            <h2>Cost coverage</h2>
            <Suspense fallback={<Skeleton height={32} count={4} />}>
              <CostCoverageSection scope={scope} filters={query} currency={options.currency} />
            </Suspense>
          </section>
          <section className="card">
            <h2>Data sources</h2>
            <p className="muted small">
              The imports and syncs these figures come from. For each account and day only one
              source counts: hourly line items over FOCUS over daily aggregates, the newest among
              equals.
            </p>
            <Suspense fallback={<Skeleton height={32} count={3} />}>
              <DataSourcesSection scope={scope} filters={query} currency={options.currency} />
            </Suspense>
          </section>
          <section className="card">
            <h2>Regions</h2>
            <p className="muted small">
              Ranked by grid intensity; sort by PUE or carbon-free share.
            </p>
            <Suspense fallback={<Skeleton height={32} count={5} />}>
              <RegionSection scope={scope} filters={query} />
            </Suspense>
          </section>
          <section className="card">
            <h2>Data quality</h2>
            <Suspense fallback={<Skeleton height={32} count={4} />}>
              <DataQualitySection
                scope={scope}
                filters={query}
                canSeeJobs={allowed(principal, "imports.read")}
              />
            </Suspense>
          </section>
        </>
      )}
    </main>
  );
}
