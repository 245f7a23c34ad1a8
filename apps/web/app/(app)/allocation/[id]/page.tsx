import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { Forbidden } from "@/components/forbidden";
import { allocationQuerySchema } from "@/lib/api/allocation-schemas";
import { searchParamsToObject } from "@/lib/emissions/params";
import { formatKg, formatMoney, formatNumber } from "@/lib/format";
import { ApiError } from "@/lib/server/api-error";
import { costCentreEmissions } from "@/lib/server/allocation";
import { allowed, requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export default async function CostCentrePage({ params, searchParams }: Props) {
  const scope = await requireMember();
  if (!allowed(scope.principal, "emissions.read"))
    return <Forbidden role={scope.principal.role} needs="emissions.read" />;
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const parsed = allocationQuerySchema.safeParse(searchParamsToObject(await searchParams));
  const result = await scope
    .sql((client) => costCentreEmissions(client, id, parsed.success ? parsed.data : {}))
    .catch((error) => {
      if (error instanceof ApiError && error.status === 404) notFound();
      throw error;
    });
  return (
    <main className="stack-lg">
      <div>
        <p className="small">
          <Link href={`/allocation${result.month ? `?month=${result.month}` : ""}`}>Allocation</Link>
        </p>
        <h1>
          {result.costCentre.name}
          {result.month ? `: ${result.month}` : ""}
        </h1>
        <p className="muted">
          Total CO2e, location-based {formatKg(result.measures.co2eTotalKg)} · market-based{" "}
          {formatKg(result.measures.co2eTotalMarketBasedKg)} · cost{" "}
          {formatMoney(result.measures.costAmount, null)}. The same figures are at{" "}
          <code>GET /api/v1/cost-centres/{result.costCentre.id}/emissions</code>.
        </p>
      </div>
      <section className="card table-wrap">
        {result.days.length === 0 ? (
          <p className="muted">No emissions were allocated to this cost centre in the month.</p>
        ) : (
          <table className="data" data-testid="cost-centre-days">
            <thead>
              <tr>
                <th>Day (UTC)</th>
                <th className="num">Total CO2e, location-based</th>
                <th className="num">Total CO2e, market-based</th>
                <th className="num">Facility kWh</th>
                <th className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {result.days.map((d) => (
                <tr key={d.day}>
                  <td>{d.day}</td>
                  <td className="num">{formatKg(d.measures.co2eTotalKg)}</td>
                  <td className="num">{formatKg(d.measures.co2eTotalMarketBasedKg)}</td>
                  <td className="num">{formatNumber(d.measures.kwhFacility, 1)}</td>
                  <td className="num">{formatMoney(d.measures.costAmount, null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
