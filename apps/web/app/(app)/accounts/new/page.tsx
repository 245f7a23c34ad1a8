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
    </main>
  );
}
