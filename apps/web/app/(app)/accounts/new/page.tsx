import { Forbidden } from "@/components/forbidden";
import { StartConnectionForm } from "@/components/wizard/start-connection-form";
import { isAdmin } from "@/lib/role-rank";
import { requireMember } from "@/lib/server/page-context";
import { WIZARD_STEPS, stepTitles } from "@/lib/wizard/providers";

export const dynamic = "force-dynamic";

export default async function NewAccountPage() {
  const { principal } = await requireMember();
  if (!isAdmin(principal.role)) return <Forbidden role={principal.role} needs="admin" />;
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
