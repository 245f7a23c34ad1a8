import Link from "next/link";
import { providerNames } from "@canopy/methodology/providers";
import { regionParamsSchema } from "@/lib/api/region-schemas";
import { formatNumber } from "@/lib/format";
import { requireMember } from "@/lib/server/page-context";
import { listUsedRegions } from "@/lib/server/regions";

export const dynamic = "force-dynamic";

export default async function RegionsPage() {
  const scope = await requireMember();
  const regions = await scope.sql((client) => listUsedRegions(client));
  return (
    <main className="stack-lg">
      <div>
        <h1>Regions</h1>
        <p className="muted">
          The cloud regions your organization has emissions in, with the grid zone whose intensity
          they are estimated with. Open a region for its hourly intensity profile and the best
          window of the day for work that can wait.
        </p>
      </div>
      {regions.length === 0 ? (
        <section className="card" data-testid="regions-empty">
          <p className="muted">No emissions yet, so no regions.</p>
        </section>
      ) : (
        <section className="card table-wrap">
          <table className="data" data-testid="regions">
            <thead>
              <tr>
                <th>Provider</th>
                <th>Region</th>
                <th>Grid zone</th>
                <th className="num">Annual factor (gCO2e/kWh)</th>
                <th className="num">Facility energy (kWh)</th>
                <th>Months</th>
              </tr>
            </thead>
            <tbody>
              {regions.map((r) => (
                <tr
                  key={`${r.provider}/${r.region}`}
                  data-provider={r.provider}
                  data-region={r.region}
                  data-zone={r.gridZone ?? ""}
                >
                  <td>{providerNames[r.provider]}</td>
                  <td>
                    {regionParamsSchema.safeParse(r).success ? (
                      <Link href={`/regions/${r.provider}/${r.region}`} data-testid="region-link">
                        {r.region}
                      </Link>
                    ) : (
                      // Global services and unnamed regions have no grid zone to profile.
                      <span className="muted">{r.region || "(no region)"}</span>
                    )}
                  </td>
                  <td>{r.gridZone ?? <span className="muted">no zone (provider mean)</span>}</td>
                  <td className="num" data-value={r.annualGCo2ePerKwh}>
                    {formatNumber(r.annualGCo2ePerKwh, 0)}
                    <div className="muted small">{r.annualBoundary}</div>
                  </td>
                  <td className="num" data-value={r.kwhFacility}>
                    {formatNumber(r.kwhFacility, 0)}
                  </td>
                  <td className="small">
                    {r.firstMonth === r.lastMonth
                      ? r.firstMonth
                      : `${r.firstMonth} – ${r.lastMonth}`}
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
