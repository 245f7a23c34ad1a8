import { AlertList } from "@/components/alerts/alert-list";
import { BudgetSettings, WebhookSettings } from "@/components/alerts/alert-settings";
import { hasRole, isAdmin } from "@/lib/role-rank";
import { alertsPage, budgetsWithBurnDown, webhooks } from "@/lib/server/alerts";
import { requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

export default async function AlertsPage() {
  const scope = await requireMember();
  const admin = isAdmin(scope.principal.role);
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
        canAct={hasRole(scope.principal.role, "analyst")}
      />
      <BudgetSettings budgets={budgets.items} canEdit={admin} />
      {hooks && <WebhookSettings webhooks={hooks.items} />}
    </main>
  );
}
