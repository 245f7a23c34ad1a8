import { redirect } from "next/navigation";
import { sql } from "drizzle-orm";
import { currentMember, forMember } from "@/lib/server/tenant-context";

export const dynamic = "force-dynamic";

type Overview = {
  usageRows: number;
  accounts: number;
  emissionsRows: number;
  firstHour: string | null;
  lastHour: string | null;
};

export default async function HomePage() {
  const member = await currentMember();
  if (!member) redirect("/sign-in");
  const overview = await forMember(member, async (tx) => {
    const result = await tx.execute(sql`
      SELECT (SELECT count(*) FROM usage_hourly)::int AS "usageRows",
             (SELECT count(*) FROM cloud_accounts)::int AS "accounts",
             (SELECT count(*) FROM emissions_daily)::int AS "emissionsRows",
             (SELECT min(hour) FROM usage_hourly)::text AS "firstHour",
             (SELECT max(hour) FROM usage_hourly)::text AS "lastHour"`);
    return result.rows[0] as Overview;
  });

  return (
    <>
      <header className="top">
        <a className="brand" href="/">
          Canopy
        </a>
        <span className="muted">
          {member.tenantName} · {member.email} ({member.role})
        </span>
      </header>
      <main>
        <h1>{member.tenantName}</h1>
        <div className="grid">
          <section className="card" aria-label="Cloud accounts">
            <div className="muted">Cloud accounts</div>
            <div className="figure">{overview.accounts}</div>
          </section>
          <section className="card" aria-label="Stored usage">
            <div className="muted">Usage rows stored</div>
            <div className="figure">{overview.usageRows.toLocaleString("en")}</div>
            {overview.firstHour && (
              <div className="muted">
                {overview.firstHour.slice(0, 10)} to {overview.lastHour?.slice(0, 10)}
              </div>
            )}
          </section>
        </div>
        {overview.emissionsRows === 0 && (
          <section className="card" style={{ marginTop: "1rem" }}>
            <h2>No emissions yet</h2>
            <p className="muted">
              {overview.usageRows > 0
                ? "Usage is stored. Emissions appear here once the estimation jobs have processed it."
                : "Connect a cloud account or import a billing file to see your cloud's carbon footprint."}
            </p>
          </section>
        )}
      </main>
    </>
  );
}
