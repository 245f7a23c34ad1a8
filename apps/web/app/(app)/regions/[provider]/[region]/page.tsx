import Link from "next/link";
import { notFound } from "next/navigation";
import { providerNames } from "@canopy/methodology/providers";
import { LazyIntensityHeatmap } from "@/components/regions/lazy-intensity-heatmap";
import { intensityProfileQuerySchema, regionParamsSchema } from "@/lib/api/region-schemas";
import { searchParamsToObject } from "@/lib/emissions/params";
import { formatNumber, formatPercent } from "@/lib/format";
import { defaultWindowHours, maxWindowHours, windowLabel } from "@/lib/regions/profile";
import { requireMember } from "@/lib/server/page-context";
import { loadIntensityProfile } from "@/lib/server/regions";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ provider: string; region: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const hoursOfDay = Array.from({ length: 24 }, (_, h) => h);

export default async function RegionPage({ params, searchParams }: Props) {
  const scope = await requireMember();
  const parsed = regionParamsSchema.safeParse(await params);
  if (!parsed.success) notFound();
  const { provider } = parsed.data;
  const { region } = parsed.data;
  const query = intensityProfileQuerySchema.safeParse(searchParamsToObject(await searchParams));
  const hours = query.success ? query.data.hours : defaultWindowHours;
  const profile = await scope.sql((client) =>
    loadIntensityProfile(client, provider, region, hours),
  );
  if (!profile) notFound();
  const months = [...new Set(profile.cells.map((c) => c.month))];
  const cell = new Map(profile.cells.map((c) => [`${c.month}|${c.hourOfDay}`, c]));

  return (
    <main className="stack-lg">
      <div>
        <p className="small">
          <Link href="/regions">Regions</Link>
        </p>
        <h1>
          {providerNames[provider]} {region}
        </h1>
        <p className="muted">
          Grid zone{" "}
          <strong data-testid="grid-zone">{profile.gridZone ?? "none (provider mean)"}</strong>.
          Annual factor {formatNumber(profile.annual.gCo2ePerKwh, 0)} gCO2e/kWh (
          {profile.annual.boundary}, {profile.annual.source}).
        </p>
      </div>

      {profile.failingSources.length > 0 && (
        <section className="card stack" data-testid="grid-source-failing">
          <h2>Source unavailable</h2>
          <ul>
            {profile.failingSources.map((s) => (
              <li key={s.source} data-source={s.source} data-retryable={String(s.retryable)}>
                <strong>{s.source}</strong>: the last sync ({s.at.slice(0, 16).replace("T", " ")}{" "}
                UTC) failed: {s.message}.{" "}
                {s.retryable
                  ? "It is retried every hour."
                  : "Retrying will not help: check the key or access set for this source."}{" "}
                Hours without an hourly value keep the annual factor.
              </li>
            ))}
          </ul>
        </section>
      )}

      {profile.cells.length === 0 ? (
        <section className="card stack" data-testid="intensity-profile-empty">
          <h2>No hourly data</h2>
          <p>
            {profile.gridZone
              ? `No hourly grid intensity is stored for zone ${profile.gridZone} yet, so every hour of this region is estimated with the annual factor (${formatNumber(profile.annual.gCo2ePerKwh, 0)} gCO2e/kWh).`
              : "This region has no grid zone in the data pack, so every hour is estimated with the provider's mean annual factor."}{" "}
            There is no hourly profile or best window to show.
          </p>
        </section>
      ) : (
        <>
          <section className="card stack">
            <h2>Hourly intensity profile</h2>
            <p className="muted small">
              Mean {profile.boundary} grid intensity (gCO2e/kWh) of zone {profile.gridZone} by UTC
              hour of day and month, {profile.from} to {profile.to}: the value of the
              highest-precedence source in each hour, as estimation uses it.
            </p>
            <LazyIntensityHeatmap months={months} cells={profile.cells} />
            <div className="table-wrap">
              <table className="data small" data-testid="intensity-profile">
                <thead>
                  <tr>
                    <th>Month</th>
                    {hoursOfDay.map((h) => (
                      <th key={h} className="num">
                        {String(h).padStart(2, "0")}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {months.map((month) => (
                    <tr key={month} data-month={month}>
                      <td>{month}</td>
                      {hoursOfDay.map((h) => {
                        const c = cell.get(`${month}|${h}`);
                        return (
                          <td
                            key={h}
                            className="num"
                            data-hour={h}
                            data-value={c?.meanGPerKwh ?? ""}
                          >
                            {c ? formatNumber(c.meanGPerKwh, 0) : "–"}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <section className="card stack">
            <h2>Best window for shiftable work</h2>
            <form method="get" className="row">
              <label>
                Window length{" "}
                <select name="hours" defaultValue={String(hours)}>
                  {Array.from({ length: maxWindowHours }, (_, i) => i + 1).map((n) => (
                    <option key={n} value={n}>
                      {n} h
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" className="button small">
                Show
              </button>
            </form>
            <p className="muted small">
              The {hours} consecutive hours of the day with the lowest mean intensity, per month
              (UTC, wrapping past midnight). Months missing an hour of the day have no advice.
            </p>
            <table className="data" data-testid="best-window" data-hours={hours}>
              <thead>
                <tr>
                  <th>Month</th>
                  <th>Window</th>
                  <th className="num">Mean (gCO2e/kWh)</th>
                  <th className="num">Day mean</th>
                  <th className="num">Lower by</th>
                </tr>
              </thead>
              <tbody>
                {profile.bestWindows.map((w) => (
                  <tr
                    key={w.month}
                    data-month={w.month}
                    data-start-hour={w.startHour}
                    data-value={w.meanGPerKwh}
                  >
                    <td>{w.month}</td>
                    <td>{windowLabel(w)}</td>
                    <td className="num">{formatNumber(w.meanGPerKwh, 0)}</td>
                    <td className="num">{formatNumber(w.dayMeanGPerKwh, 0)}</td>
                    <td className="num">{formatPercent(w.reductionShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <section className="card stack small" data-testid="grid-source-notices">
            <h2>Sources</h2>
            <ul>
              {profile.sources.map((s) => (
                <li key={s.source} data-source={s.source}>
                  {s.attribution ?? s.source} ({s.hours.toLocaleString("en")} hours).{" "}
                  {s.licence && <>Licence: {s.licence}. </>}
                  {s.url && <a href={s.url}>{s.url}</a>}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}

      {profile.marginal && (
        <section className="card stack" data-testid="marginal-best-window">
          <h2>Best window by marginal emissions</h2>
          <p className="muted small">
            The {hours} consecutive hours (UTC) with the lowest mean marginal operating emission
            rate of WattTime region {profile.marginal.region} (gCO2/kWh, CO2 only; model{" "}
            {profile.marginal.modelVersion}): when one more kWh of shiftable work emits least. It is
            advice only and never enters the figures above or any report, which use average factors
            as the GHG Protocol requires.
          </p>
          {profile.marginal.bestWindows.length === 0 ? (
            <p className="muted small">
              No month has marginal rates for every hour of the day yet.
            </p>
          ) : (
            <table className="data" data-hours={hours}>
              <thead>
                <tr>
                  <th>Month</th>
                  <th>Window</th>
                  <th className="num">Mean (gCO2/kWh)</th>
                  <th className="num">Day mean</th>
                  <th className="num">Lower by</th>
                </tr>
              </thead>
              <tbody>
                {profile.marginal.bestWindows.map((w) => (
                  <tr key={w.month} data-month={w.month} data-start-hour={w.startHour}>
                    <td>{w.month}</td>
                    <td>{windowLabel(w)}</td>
                    <td className="num">{formatNumber(w.meanGPerKwh, 0)}</td>
                    <td className="num">{formatNumber(w.dayMeanGPerKwh, 0)}</td>
                    <td className="num">{formatPercent(w.reductionShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted small" data-source={profile.marginal.source}>
            {profile.marginal.attribution}.{" "}
            {profile.marginal.licence && <>Licence: {profile.marginal.licence}. </>}
            {profile.marginal.url && <a href={profile.marginal.url}>{profile.marginal.url}</a>}
          </p>
        </section>
      )}
    </main>
  );
}
