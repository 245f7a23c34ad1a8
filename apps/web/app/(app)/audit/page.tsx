import Link from "next/link";
import { listAuditLog } from "@canopy/db";
import { Forbidden } from "@/components/forbidden";
import { allowed, requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

const PAGE = 50;

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<{ before?: string }>;
}) {
  const scope = await requireMember();
  if (!allowed(scope.principal, "audit.read"))
    return <Forbidden role={scope.principal.role} needs="audit.read" />;
  const before = Number((await searchParams).before);
  const entries = await scope.sql((client) =>
    listAuditLog(client, {
      beforeId: Number.isSafeInteger(before) && before > 0 ? before : null,
      limit: PAGE,
    }),
  );
  return (
    <main className="stack-lg">
      <h1>Audit log</h1>
      <p className="muted">
        Organization, member, invitation, role, cloud account, credential, API key and import
        changes in this organization. Secrets are never recorded.
      </p>
      <section className="card table-wrap">
        {entries.length === 0 ? (
          <p className="muted">Nothing recorded yet.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Who</th>
                <th>Action</th>
                <th>Target</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td className="small">
                    {e.createdAt.toISOString().slice(0, 19).replace("T", " ")}
                  </td>
                  <td className="small">{e.actorLabel}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td className="small">
                    {e.targetType}{" "}
                    {e.targetId ? <span className="muted">{e.targetId.slice(0, 8)}</span> : null}
                  </td>
                  <td className="small">
                    <code>{JSON.stringify(e.details ?? {})}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {entries.length === PAGE && (
        <Link href={`/audit?before=${entries.at(-1)!.id}`}>Older entries</Link>
      )}
    </main>
  );
}
