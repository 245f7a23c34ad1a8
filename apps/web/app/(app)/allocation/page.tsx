import Link from "next/link";
import { RulesEditor } from "@/components/allocation/rules-editor";
import { Forbidden } from "@/components/forbidden";
import { allocationQuerySchema } from "@/lib/api/allocation-schemas";
import { searchParamsToObject } from "@/lib/emissions/params";
import { formatKg, formatMoney, formatNumber } from "@/lib/format";
import { allocation } from "@/lib/server/allocation";
import { allowed, requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

type Rule = Awaited<ReturnType<typeof allocation>>["rules"][number];

function ruleLabel(rule: Rule, names: Map<string, string>): string {
  const filter =
    [
      rule.tagKey ? `tag ${rule.tagKey} = ${rule.tagValue}` : null,
      rule.service ? `service ${rule.service}` : null,
      rule.cloudAccountId ? `account ${rule.cloudAccountId}` : null,
    ]
      .filter(Boolean)
      .join(", ") || "every row left";
  const targets = rule.targets.map((t) => names.get(t.costCentreId) ?? t.costCentreId).join(", ");
  const split = rule.split === "fixed" ? "by fixed weights" : "by their fixed allocations";
  return `${filter} → ${targets} (${split})${rule.note ? `: ${rule.note}` : ""}`;
}

const share = (part: number, total: number) =>
  total > 0 ? `${formatNumber((part / total) * 100, 1)} %` : "—";

export default async function AllocationPage({ searchParams }: Props) {
  const scope = await requireMember();
  if (!allowed(scope.principal, "emissions.read"))
    return <Forbidden role={scope.principal.role} needs="emissions.read" />;
  const parsed = allocationQuerySchema.safeParse(searchParamsToObject(await searchParams));
  const query = parsed.success ? parsed.data : {};
  const result = await scope.sql((client) => allocation(client, query));
  const total = result.total.co2eTotalKg;
  const rows = [...result.costCentres].sort(
    (a, b) => b.measures.co2eTotalKg - a.measures.co2eTotalKg,
  );
  const monthQuery = result.month ? `?month=${result.month}` : "";
  const names = new Map(result.costCentres.map((c) => [c.id, c.name]));
  const admin = allowed(scope.principal, "allocation.configure");
  return (
    <main className="stack-lg">
      <div>
        <h1>Allocation{result.month ? `: ${result.month}` : ""}</h1>
        <p className="muted">
          Emissions split to cost centres by the organization&apos;s rules (first matching rule
          wins), with what no rule covers shown as unallocated. The figures are the
          dashboard&apos;s: cost centres plus unallocated add up to the month&apos;s total (method,
          section 22).
        </p>
        <form className="row" method="get">
          <label>
            Month <input type="month" name="month" defaultValue={result.month ?? ""} />
          </label>
          <button className="button secondary" type="submit">
            Show
          </button>
        </form>
      </div>
      {result.month === null ? (
        <section className="card">
          <h2>No emissions yet</h2>
          <p className="muted">Import a billing file or connect a cloud account first.</p>
        </section>
      ) : (
        <section className="card table-wrap">
          <table className="data" data-testid="allocation-table">
            <thead>
              <tr>
                <th>Cost centre</th>
                <th className="num">Total CO2e, location-based</th>
                <th className="num">Total CO2e, market-based</th>
                <th className="num">Share</th>
                <th className="num">Facility kWh</th>
                <th className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id} data-cost-centre={c.name}>
                  <td>
                    <Link href={`/allocation/${c.id}${monthQuery}`}>{c.name}</Link>
                  </td>
                  <td className="num">{formatKg(c.measures.co2eTotalKg)}</td>
                  <td className="num">{formatKg(c.measures.co2eTotalMarketBasedKg)}</td>
                  <td className="num">{share(c.measures.co2eTotalKg, total)}</td>
                  <td className="num">{formatNumber(c.measures.kwhFacility, 1)}</td>
                  <td className="num">{formatMoney(c.measures.costAmount, null)}</td>
                </tr>
              ))}
              <tr data-cost-centre="unallocated">
                <td>
                  <strong>Unallocated</strong>
                </td>
                <td className="num">{formatKg(result.unallocated.co2eTotalKg)}</td>
                <td className="num">{formatKg(result.unallocated.co2eTotalMarketBasedKg)}</td>
                <td className="num">{share(result.unallocated.co2eTotalKg, total)}</td>
                <td className="num">{formatNumber(result.unallocated.kwhFacility, 1)}</td>
                <td className="num">{formatMoney(result.unallocated.costAmount, null)}</td>
              </tr>
            </tbody>
            <tfoot>
              <tr>
                <th>Total</th>
                <th className="num">{formatKg(total)}</th>
                <th className="num">{formatKg(result.total.co2eTotalMarketBasedKg)}</th>
                <th className="num">{total > 0 ? "100 %" : "—"}</th>
                <th className="num">{formatNumber(result.total.kwhFacility, 1)}</th>
                <th className="num">{formatMoney(result.total.costAmount, null)}</th>
              </tr>
            </tfoot>
          </table>
        </section>
      )}
      <section className="card stack-lg">
        <h2>Cost centres and rules</h2>
        <p className="muted small">
          Rules are read in order; the first whose filter matches a row takes it. Tag rules are
          added at the end; shared-service rules (service or account filters, proportional splits)
          are set through <code>PUT /api/v1/allocation/rules</code>.
        </p>
        {admin ? (
          <RulesEditor
            costCentres={result.costCentres.map((c) => ({ id: c.id, name: c.name }))}
            rules={result.rules.map((rule) => ({ id: rule.id, label: ruleLabel(rule, names) }))}
          />
        ) : result.rules.length === 0 ? (
          <p className="muted">No rules yet: everything is unallocated.</p>
        ) : (
          <ol className="small">
            {result.rules.map((rule) => (
              <li key={rule.id}>{ruleLabel(rule, names)}</li>
            ))}
          </ol>
        )}
      </section>
    </main>
  );
}
