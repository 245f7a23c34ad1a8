import { z } from "zod";
import {
  alertRecipientEmails,
  createDeliveries,
  evaluateBudget,
  getAlert,
  getDelivery,
  insertAlerts,
  listBudgets,
  loadOrganization,
  recordDeliveryAttempt,
  scopeSeries,
  tenantsWithRecentEmissions,
  webhookWithSecret,
  withTenantClient,
  type NewAlert,
} from "@canopy/db";
import { detectSpikes } from "@canopy/methodology";
import { EmailDeliveryError } from "@canopy/reports";
import { alertEmail, webhookBody } from "../alerts/messages";
import { defaultWebhookRetry, postSignedWebhook } from "../alerts/webhook";
import { defineJob, type JobDeps, type QueueDriver } from "../contract";
import { PermanentJobError } from "../errors";
import { deliveryFor } from "./generate-report";

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Days of history read for spike detection: 8 weeks of baseline behind 8 weeks of residuals. */
export const spikeHistoryDays = 112;
/** Days judged by each run (older days were judged by earlier runs; dedupe keeps one alert each). */
export const spikeJudgedDays = 7;

/**
 * Detects spikes (location-based headline total, docs/methodology.md §19.1) over the last
 * `spikeJudgedDays` complete UTC days before `asOf`, evaluates every budget, stores the alerts not
 * stored yet and queues their deliveries. Idempotent: running it again for the same day adds nothing.
 */
export async function detectAlerts(
  deps: Pick<JobDeps, "app" | "owner" | "enqueue">,
  tenantId: string,
  asOf: Date = new Date(),
): Promise<{ spikes: number; budgets: number; created: number; deliveries: number }> {
  const today = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate());
  const to = isoDay(today);
  const from = isoDay(today - (spikeHistoryDays + spikeJudgedDays) * DAY_MS);
  const onlyFrom = isoDay(today - spikeJudgedDays * DAY_MS);
  const recipients = await alertRecipientEmails(deps.owner, tenantId);
  const result = await withTenantClient(deps.app, tenantId, async (client) => {
    const candidates: NewAlert[] = [];
    for (const series of await scopeSeries(client, { from, to }, "location")) {
      for (const spike of detectSpikes(series.points, { onlyFrom })) {
        candidates.push({
          kind: "spike",
          scopeType: series.scopeType,
          scopeKey: series.scopeKey,
          scopeLabel: series.scopeLabel,
          basis: "location",
          day: spike.day,
          co2eKg: spike.co2eKg,
          baselineCo2eKg: spike.baselineKg,
          details: { score: spike.score, spreadKg: spike.spreadKg, excessKg: spike.excessKg },
          dedupeKey: `spike:location:${series.scopeType}:${series.scopeKey}:${spike.day}`,
        });
      }
    }
    const spikes = candidates.length;
    let budgets = 0;
    for (const budget of await listBudgets(client)) {
      const evaluation = await evaluateBudget(client, budget, asOf);
      if (evaluation.status === "within") continue;
      budgets++;
      const tagged = budget.tagKey !== null;
      candidates.push({
        kind: "budget",
        scopeType: tagged ? "tag" : "organization",
        scopeKey: tagged ? `${budget.tagKey}=${budget.tagValue}` : "",
        scopeLabel: tagged ? `tag ${budget.tagKey}=${budget.tagValue}` : "Organization",
        basis: budget.basis,
        day: isoDay(today - DAY_MS),
        co2eKg:
          evaluation.status === "over"
            ? evaluation.forecast.actualKg
            : evaluation.forecast.forecastKg,
        baselineCo2eKg: budget.budgetCo2eKg,
        budgetId: budget.id,
        details: {
          status: evaluation.status,
          budgetName: budget.name,
          periodStart: evaluation.periodStart,
          periodEnd: evaluation.periodEnd,
          actualKg: evaluation.forecast.actualKg,
          forecastKg: evaluation.forecast.forecastKg,
          forecastLowKg: evaluation.forecast.lowKg,
          forecastHighKg: evaluation.forecast.highKg,
          daysElapsed: evaluation.daysElapsed,
          daysInPeriod: evaluation.daysInPeriod,
        },
        // One alert per budget, period and state: "forecast over" once, "over" once.
        dedupeKey: `budget:${budget.id}:${evaluation.periodStart}:${evaluation.status}`,
      });
    }
    const created = await insertAlerts(client, tenantId, candidates, asOf);
    const deliveryIds: string[] = [];
    for (const alert of created.filter((a) => a.status === "open")) {
      for (const delivery of await createDeliveries(client, tenantId, alert.id, recipients))
        deliveryIds.push(delivery.id);
    }
    return { spikes, budgets, created: created.length, deliveryIds };
  });
  for (const deliveryId of result.deliveryIds)
    await deps.enqueue(
      "deliver-alert",
      { tenantId, deliveryId },
      { jobId: `alert-delivery:${deliveryId}` },
    );
  return {
    spikes: result.spikes,
    budgets: result.budgets,
    created: result.created,
    deliveries: result.deliveryIds.length,
  };
}

export const detectAlertsJob = defineJob({
  name: "detect-alerts",
  payload: z.object({ tenantId: z.uuid(), asOf: z.iso.datetime().optional() }),
  options: { attempts: 3, backoffMs: 30_000, concurrency: 1 },
  async process(payload, deps) {
    const organization = await withTenantClient(deps.app, payload.tenantId, loadOrganization);
    if (!organization)
      throw new PermanentJobError(`Organization ${payload.tenantId} does not exist`);
    return detectAlerts(deps, payload.tenantId, payload.asOf ? new Date(payload.asOf) : new Date());
  },
});

/** Daily: queues detect-alerts for every organization with emissions in the last 120 days. */
export const scheduleAlertDetection = defineJob({
  name: "schedule-alert-detection",
  payload: z.object({}),
  options: { attempts: 3, backoffMs: 60_000, concurrency: 1 },
  async process(_payload, deps) {
    const tenantIds = await tenantsWithRecentEmissions(deps.owner);
    const day = isoDay(Date.now());
    for (const tenantId of tenantIds)
      await deps.enqueue(
        "detect-alerts",
        { tenantId },
        { jobId: `detect-alerts:${tenantId}:${day}` },
      );
    return { scheduled: tenantIds.length };
  },
});

/** Queues a tenant's alert detection a minute after its rollups (rollups of one import coalesce). */
export async function queueAlertDetection(
  deps: Pick<JobDeps, "enqueue">,
  tenantId: string,
): Promise<void> {
  await deps.enqueue(
    "detect-alerts",
    { tenantId },
    { jobId: `detect-alerts:${tenantId}:after-rollup`, delayMs: 60_000 },
  );
}

/**
 * Sends one delivery (email or webhook), logging every attempt on its row. A receiver that stays down
 * ends the delivery as `failed` with the reason; the job itself succeeds (nothing to retry, nothing
 * lost: the alert stays on the page and the log says what happened).
 */
export const deliverAlertJob = defineJob({
  name: "deliver-alert",
  payload: z.object({ tenantId: z.uuid(), deliveryId: z.uuid() }),
  options: { attempts: 2, backoffMs: 60_000, concurrency: 4 },
  async process(payload, deps, context) {
    const { tenantId, deliveryId } = payload;
    const loaded = await withTenantClient(deps.app, tenantId, async (client) => {
      const delivery = await getDelivery(client, deliveryId);
      if (!delivery) return null;
      const alert = await getAlert(client, delivery.alertId);
      const organization = await loadOrganization(client);
      const webhook =
        delivery.channel === "webhook" && delivery.webhookId
          ? await webhookWithSecret(client, deps.keyring, tenantId, delivery.webhookId)
          : null;
      return { delivery, alert, organizationName: organization?.name ?? "", webhook };
    });
    if (!loaded?.alert) throw new PermanentJobError(`Alert delivery ${deliveryId} does not exist`);
    const { delivery, alert, organizationName, webhook } = loaded;
    if (delivery.status !== "pending") return { status: delivery.status, skipped: true };
    const settings = deliveryFor(deps);
    const record = (
      attempt: { attempt: number; ok: boolean; statusCode?: number; error?: string },
      outcome: "delivered" | "failed" | "pending",
    ) =>
      withTenantClient(deps.app, tenantId, (client) =>
        recordDeliveryAttempt(
          client,
          deliveryId,
          { at: new Date().toISOString(), ...attempt },
          outcome,
        ),
      );

    if (delivery.channel === "webhook") {
      if (!webhook || !webhook.enabled) {
        await record({ attempt: 1, ok: false, error: "webhook deleted or disabled" }, "failed");
        return { status: "failed" };
      }
      // Tests shorten the backoff (createJobHost's webhookRetryPolicy); production keeps the defaults.
      const policy = { ...deps.webhookRetryPolicy };
      const attempts = policy.attempts ?? defaultWebhookRetry.attempts;
      const last = await postSignedWebhook({
        url: webhook.url,
        secret: webhook.secret,
        body: webhookBody(alert, organizationName, settings.publicUrl),
        deliveryId,
        policy,
        onAttempt: (a) =>
          record(
            {
              attempt: a.attempt,
              ok: a.ok,
              ...(a.statusCode === undefined ? {} : { statusCode: a.statusCode }),
              ...(a.error === undefined ? {} : { error: a.error }),
            },
            a.ok ? "delivered" : a.permanent || a.attempt >= attempts ? "failed" : "pending",
          ),
      });
      if (!last.ok)
        deps.log(`deliver-alert ${deliveryId}: webhook ${delivery.target} failed: ${last.error}`);
      return { status: last.ok ? "delivered" : "failed", attempts: last.attempt };
    }

    const to = delivery.target.split(", ").filter(Boolean);
    try {
      await settings.transport.send(
        alertEmail({
          from: settings.from,
          to,
          organizationName,
          alert,
          publicUrl: settings.publicUrl,
        }),
      );
      await record({ attempt: delivery.attempts + 1, ok: true }, "delivered");
      return { status: "delivered" };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof EmailDeliveryError && error.permanent;
      // The driver counts the job's tries; the delivery row numbers its log entries.
      const lastTry = context.isLastAttempt;
      await record(
        { attempt: delivery.attempts + 1, ok: false, error: reason },
        permanent || lastTry ? "failed" : "pending",
      );
      deps.log(`deliver-alert ${deliveryId}: email (${settings.transport.kind}) failed: ${reason}`);
      // A temporary mail failure retries the job (its backoff); a permanent one or the last try ends here.
      if (!permanent && !lastTry) throw error;
      return { status: "failed" };
    }
  },
});

const DAY = 24 * 3600 * 1000;

/** Registers the daily alert detection on a driver (worker start, after startWorkers). */
export async function registerAlertSchedule(driver: QueueDriver): Promise<void> {
  await driver.schedule("alerts-daily", "schedule-alert-detection", {}, { everyMs: DAY });
}
