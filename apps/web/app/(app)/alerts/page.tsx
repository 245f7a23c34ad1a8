import { AlertList } from "@/components/alerts/alert-list";
import { BudgetSettings, WebhookSettings } from "@/components/alerts/alert-settings";
import { alertsPage, budgetsWithBurnDown, webhooks } from "@/lib/server/alerts";
import { allowed, requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

export default async function AlertsPage() {
  const scope = await requireMember();
  const admin = allowed(scope.principal, "alerts.configure");
  const { alerts, budgets, hooks } = await scope.sql(async (client) => ({
    alerts: await alertsPage(client, { limit: 200 }),
    budgets: await budgetsWithBurnDown(client),
    hooks: admin ? await webhooks(client) : null,
  }));
  return (
    <main className="stack-lg">
      <h1>Alerts</h1>
      <p className="muted">
        Emission spikes and carbon budgets. The method is in docs/methodology.md §19; the same list
        is at <code>GET /api/v1/alerts</code>.
      </p>
      <AlertList
        alerts={alerts.items}
        mutes={alerts.mutes}
        canAct={allowed(scope.principal, "alerts.triage")}
      />
      <BudgetSettings budgets={budgets.items} canEdit={admin} />
      {hooks && <WebhookSettings webhooks={hooks.items} />}
    </main>
  );
}
