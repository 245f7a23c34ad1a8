import Link from "next/link";
import { Forbidden } from "@/components/forbidden";
import { StartConnectionForm } from "@/components/wizard/start-connection-form";
import { allowed, requireMember } from "@/lib/server/page-context";
import { WIZARD_STEPS, stepTitles } from "@/lib/wizard/providers";

export const dynamic = "force-dynamic";

export default async function NewAccountPage() {
  const { principal } = await requireMember();
  if (!allowed(principal, "accounts.manage"))
    return <Forbidden role={principal.role} needs="accounts.manage" />;
  return (
    <main className="stack-lg">
      <h1>Connect a cloud account</h1>
      <ol className="steps" aria-label="Wizard steps">
        <li aria-current="step">Provider</li>
        {WIZARD_STEPS.map((step) => (
          <li key={step}>{stepTitles[step]}</li>
        ))}
      </ol>
      <section className="card">
        <StartConnectionForm />
      </section>
      <section className="card stack-lg" data-testid="file-only-providers">
        <h2>Other clouds: import their FOCUS export</h2>
        <p className="muted">
          OCI, IBM Cloud, Alibaba Cloud and any other provider that writes FOCUS (1.0 to 1.4) have
          no live connector yet. Import their exports on <Link href="/imports">Imports</Link>: each
          account the file names appears under Cloud accounts. A service hosted on AWS, Azure or
          Google Cloud (FOCUS 1.3 <code>HostProviderName</code>) is estimated in its host&apos;s
          region; one without a host is estimated from its spend, flagged.
        </p>
        <ul className="small">
          <li>
            <strong>OCI</strong>: FOCUS reports are written to Oracle&apos;s cost-report bucket
            (object storage namespace <code>bling</code>, bucket = your tenancy OCID, prefix{" "}
            <code>FOCUS Reports/YYYY/MM/DD/</code>). With the usage-report read policy from
            Oracle&apos;s Cost and Usage Reports guide in place:{" "}
            <code>
              oci os object bulk-download --namespace bling --bucket-name &lt;tenancy OCID&gt;
              --prefix &quot;FOCUS Reports/2026/11&quot; --download-dir .
            </code>
          </li>
          <li>
            <strong>IBM Cloud, Alibaba Cloud, Vercel, Cloudflare and others</strong>: export the
            billing period as FOCUS CSV from the provider&apos;s billing console and import the
            file.
          </li>
        </ul>
      </section>
    </main>
  );
}
