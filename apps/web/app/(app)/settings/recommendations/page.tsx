import { Forbidden } from "@/components/forbidden";
import { RecommendationSettingsForm } from "@/components/recommendations/settings-form";
import { allowed, requireMember } from "@/lib/server/page-context";
import { readSettings } from "@/lib/server/recommendations";

export const dynamic = "force-dynamic";

export default async function RecommendationSettingsPage() {
  const scope = await requireMember();
  if (!allowed(scope.principal, "recommendations.configure"))
    return <Forbidden role={scope.principal.role} needs="recommendations.configure" />;
  const settings = await scope.sql(readSettings);
  return (
    <main className="stack-lg">
      <h1>Recommendation constraints</h1>
      <p className="muted">
        Region moves propose only regions these constraints allow. A region&apos;s country comes
        from the data pack&apos;s grid zone, its continent from the country. Leave a list empty to
        allow any. Changes apply on the next computation (after the next import or sync, or{" "}
        <a href="/recommendations">Recompute</a>).
      </p>
      <RecommendationSettingsForm settings={settings} />
    </main>
  );
}
