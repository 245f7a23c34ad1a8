import "server-only";
import { randomBytes } from "node:crypto";
import {
  acknowledgeAlert,
  createBudget,
  createWebhook,
  deleteBudget,
  deleteTarget,
  deleteWebhook,
  efficiencyByMonth,
  evaluateBudget,
  listAlerts,
  listBudgets,
  listDeliveries,
  listMutes,
  muteAlertScope,
  sciSeries,
  setTarget,
  targetReports,
  updateBudget,
  updateWebhook,
  upsertFunctionalUnits,
  deleteMute,
  listWebhooks,
  type AlertRow,
  type AlertStatus,
  type BudgetInput,
  type CarbonBudget,
  type EmissionBasis,
  type FunctionalUnitInput,
  type PoolClient,
} from "@canopy/db";
import { alertHeadline } from "@canopy/jobs";
import { badRequest, notFound } from "./api-error";
import { writeAudit } from "./audit";
import type { Principal } from "./principal";
import { keyring } from "./queue";

/**
 * Alerts, budgets, webhooks, targets and carbon efficiency for the API routes and the /alerts page.
 * Every figure comes from the @canopy/db functions the worker and the report use.
 */

const withHeadline = (alert: AlertRow) => ({
  ...alert,
  budgetId: alert.budgetId ?? null,
  headline: alertHeadline(alert),
});

/** A RangeError from a store (a bad URL, years out of order) is the caller's mistake: a 400. */
async function asBadRequest<T>(field: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RangeError) {
      const [name, ...rest] = error.message.split(": ");
      const message = rest.length ? rest.join(": ") : error.message;
      throw badRequest(message, { [rest.length ? name! : field]: [message] });
    }
    throw error;
  }
}

export async function alertsPage(
  client: PoolClient,
  query: {
    status?: AlertStatus | undefined;
    kind?: "spike" | "budget" | undefined;
    limit?: number;
  },
) {
  const items = await listAlerts(client, query);
  return { items: items.map(withHeadline), mutes: await listMutes(client) };
}

export async function acknowledge(client: PoolClient, principal: Principal, id: string) {
  const alert = await acknowledgeAlert(client, id, principal.userId);
  if (!alert) throw notFound("Alert");
  await writeAudit(client, principal, "alert.acknowledge", { type: "alert", id });
  return withHeadline(alert);
}

export async function mute(
  client: PoolClient,
  principal: Principal,
  id: string,
  days: number | null,
) {
  const until = days === null ? null : new Date(Date.now() + days * 86_400_000);
  const muted = await muteAlertScope(client, principal.tenantId, id, until, principal.userId);
  if (!muted) throw notFound("Alert");
  await writeAudit(
    client,
    principal,
    "alert.mute",
    { type: "alert", id },
    {
      scopeType: muted.scopeType,
      scopeKey: muted.scopeKey,
      until: muted.until,
    },
  );
  return muted;
}

export async function unmute(client: PoolClient, principal: Principal, id: string) {
  if (!(await deleteMute(client, id))) throw notFound("Mute");
  await writeAudit(client, principal, "alert.unmute", { type: "alert_mute", id });
  return { id };
}

export const alertDeliveries = (client: PoolClient, alertId: string) =>
  listDeliveries(client, { alertId }).then((items) => ({ items }));

// --- Budgets ---

const withEvaluation = async (client: PoolClient, budget: CarbonBudget) => {
  const e = await evaluateBudget(client, budget);
  return {
    ...budget,
    evaluation: {
      periodStart: e.periodStart,
      periodEnd: e.periodEnd,
      daysElapsed: e.daysElapsed,
      daysInPeriod: e.daysInPeriod,
      status: e.status,
      forecastShare: e.forecastShare,
      forecast: e.forecast,
    },
  };
};

export async function budgetsWithBurnDown(client: PoolClient) {
  const items = [];
  for (const budget of await listBudgets(client)) items.push(await withEvaluation(client, budget));
  return { items };
}

export async function addBudget(client: PoolClient, principal: Principal, input: BudgetInput) {
  const budget = await createBudget(client, principal.tenantId, input);
  await writeAudit(
    client,
    principal,
    "budget.create",
    { type: "carbon_budget", id: budget.id },
    {
      name: budget.name,
      budgetCo2eKg: budget.budgetCo2eKg,
    },
  );
  return withEvaluation(client, budget);
}

export async function changeBudget(
  client: PoolClient,
  principal: Principal,
  id: string,
  patch: Parameters<typeof updateBudget>[2],
) {
  const budget = await updateBudget(client, id, patch);
  if (!budget) throw notFound("Budget");
  await writeAudit(client, principal, "budget.update", { type: "carbon_budget", id }, patch);
  return withEvaluation(client, budget);
}

export async function removeBudget(client: PoolClient, principal: Principal, id: string) {
  if (!(await deleteBudget(client, id))) throw notFound("Budget");
  await writeAudit(client, principal, "budget.delete", { type: "carbon_budget", id });
  return { id };
}

// --- Webhooks ---

export async function addWebhook(
  client: PoolClient,
  principal: Principal,
  input: { name: string; url: string; secret?: string | undefined },
) {
  const secret = input.secret ?? `whsec_${randomBytes(24).toString("base64url")}`;
  const webhook = await asBadRequest("url", () =>
    createWebhook(client, keyring(), principal.tenantId, {
      name: input.name,
      url: input.url,
      secret,
    }),
  );
  await writeAudit(
    client,
    principal,
    "webhook.create",
    { type: "alert_webhook", id: webhook.id },
    {
      name: webhook.name,
      origin: new URL(webhook.url).origin,
    },
  );
  return { ...webhook, secret };
}

export const webhooks = (client: PoolClient) => listWebhooks(client).then((items) => ({ items }));

export async function changeWebhook(
  client: PoolClient,
  principal: Principal,
  id: string,
  patch: { name?: string | undefined; url?: string | undefined; enabled?: boolean | undefined },
) {
  const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const webhook = await asBadRequest("url", () => updateWebhook(client, id, clean));
  if (!webhook) throw notFound("Webhook");
  await writeAudit(
    client,
    principal,
    "webhook.update",
    { type: "alert_webhook", id },
    {
      ...clean,
      ...(clean.url ? { url: new URL(webhook.url).origin } : {}),
    },
  );
  return webhook;
}

export async function removeWebhook(client: PoolClient, principal: Principal, id: string) {
  if (!(await deleteWebhook(client, id))) throw notFound("Webhook");
  await writeAudit(client, principal, "webhook.delete", { type: "alert_webhook", id });
  return { id };
}

// --- Targets and efficiency ---

export const targets = (client: PoolClient, year?: number) =>
  targetReports(client, year === undefined ? {} : { year }).then((items) => ({ items }));

export async function putTarget(
  client: PoolClient,
  principal: Principal,
  input: Parameters<typeof setTarget>[2],
) {
  const target = await asBadRequest("reductionPercent", () =>
    setTarget(client, principal.tenantId, input),
  );
  await writeAudit(
    client,
    principal,
    "target.set",
    { type: "reduction_target", id: target.id },
    {
      basis: target.basis,
      baseYear: target.baseYear,
      targetYear: target.targetYear,
      reductionPercent: target.reductionPercent,
      preset: target.preset,
    },
  );
  const report = (await targetReports(client)).find((r) => r.target.basis === target.basis);
  return report!;
}

export async function removeTarget(client: PoolClient, principal: Principal, basis: EmissionBasis) {
  if (!(await deleteTarget(client, basis))) throw notFound("Target");
  await writeAudit(
    client,
    principal,
    "target.delete",
    { type: "reduction_target", id: null },
    {
      basis,
    },
  );
  return { basis };
}

const monthStart = (month: string) => `${month}-01`;
const nextMonth = (month: string) => {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
};

export async function efficiency(
  client: PoolClient,
  query: { from?: string | undefined; to?: string | undefined },
) {
  const now = new Date();
  const to = query.to ?? now.toISOString().slice(0, 7);
  const fromDefault = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1));
  const from = query.from ?? fromDefault.toISOString().slice(0, 7);
  if (from > to)
    throw badRequest("from must not be after to.", { from: ["Must not be after to."] });
  return {
    months: await efficiencyByMonth(client, { from: monthStart(from), to: nextMonth(to) }),
    sci: await sciSeries(client),
  };
}

export async function postFunctionalUnits(
  client: PoolClient,
  principal: Principal,
  items: FunctionalUnitInput[],
) {
  await asBadRequest("items", () => upsertFunctionalUnits(client, principal.tenantId, items));
  await writeAudit(
    client,
    principal,
    "functional_units.post",
    { type: "functional_units", id: null },
    {
      count: items.length,
    },
  );
  const workloads = new Set(items.map((i) => `${i.tagKey}\u0000${i.tagValue}`));
  const all = await sciSeries(client);
  return { items: all.filter((p) => workloads.has(`${p.tagKey}\u0000${p.tagValue}`)) };
}

export const sci = (
  client: PoolClient,
  filter: { tagKey?: string | undefined; tagValue?: string | undefined },
) =>
  sciSeries(client, {
    ...(filter.tagKey ? { tagKey: filter.tagKey } : {}),
    ...(filter.tagValue ? { tagValue: filter.tagValue } : {}),
  }).then((items) => ({ items }));
