import Link from "next/link";
import { providerNames } from "@canopy/methodology/providers";
import { Forbidden } from "@/components/forbidden";
import { DeleteAccountButton } from "@/components/wizard/delete-account-button";
import { listAccounts } from "@/lib/server/accounts";
import { allowed, requireMember } from "@/lib/server/page-context";
import { resumeStep, stepTitles } from "@/lib/wizard/providers";

export const dynamic = "force-dynamic";

export default async function AccountsPage() {
  const scope = await requireMember();
  if (!allowed(scope.principal, "accounts.manage"))
    return <Forbidden role={scope.principal.role} needs="accounts.manage" />;
  const { items } = await scope.sql((client) => listAccounts(client, { limit: 200, offset: 0 }));
  return (
    <main className="stack-lg">
      <div className="row between">
        <h1>Cloud accounts</h1>
        <Link className="button" href="/accounts/new">
          Connect a cloud account
        </Link>
      </div>
      {items.length === 0 ? (
        <section className="card">
          <h2>No cloud accounts yet</h2>
          <p className="muted">
            Connect an AWS account, Azure subscription or GCP billing account. The wizard lists
            exactly what Canopy reads, and ends with importing a billing file. Accounts also appear
            here when a billing file names them: OCI, IBM Cloud, Alibaba Cloud and any other
            provider's FOCUS export can be imported on Imports.
          </p>
        </section>
      ) : (
        <section className="card table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th>Account</th>
                <th>Provider id</th>
                <th>Payer / billing account</th>
                <th>Source order</th>
                <th>Status</th>
                <th>Credentials</th>
                <th>Last sync or import</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => {
                const step = resumeStep(a);
                return (
                  <tr key={a.id}>
                    <td>
                      {a.displayName}{" "}
                      <span className="muted small">{providerNames[a.provider]}</span>
                    </td>
                    <td className="small">{a.providerAccountId}</td>
                    <td className="small">{a.parentAccountId ?? "—"}</td>
                    <td
                      className="small"
                      title="Which import or sync counts when several cover a day"
                    >
                      {a.sourcePrecedence ? a.sourcePrecedence.join(" › ") : "default"}
                    </td>
                    <td>
                      <span
                        className={`badge ${a.status === "active" ? "ok" : a.status === "needs_attention" ? "bad" : ""}`}
                      >
                        {a.status}
                      </span>
                      {a.lastError && (
                        <div className="small error" data-testid="account-last-error">
                          {a.lastError}
                        </div>
                      )}
                    </td>
                    <td className="small">{a.hasCredentials ? "stored (encrypted)" : "none"}</td>
                    <td className="small">
                      {a.lastSyncAt
                        ? a.lastSyncAt.slice(0, 16).replace("T", " ") + " UTC"
                        : "never"}
                    </td>
                    <td className="row">
                      {a.status === "needs_attention" && (
                        <Link className="button small" href={`/accounts/${a.id}/test`}>
                          Fix: test connection
                        </Link>
                      )}
                      {a.status === "pending" && (
                        <Link className="button small secondary" href={`/accounts/${a.id}/${step}`}>
                          Resume: {stepTitles[step]}
                        </Link>
                      )}
                      <DeleteAccountButton accountId={a.id} name={a.displayName} />
                    </td>
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
