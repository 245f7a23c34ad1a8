import type { PoolClient } from "pg";
import { open, seal, webhookSecretAad, type Keyring } from "../credentials";
import { parseAlertDetails, type AlertKindDetails } from "../json/alert-details";
import { deliveryLogSchema, type DeliveryAttempt } from "../json/alert-delivery-log";
import { parseStoredJson } from "../json/parse";
import type { EmissionBasis, SeriesScopeType } from "./emission-series";

/**
 * Alerts (spikes and budgets), mutes, webhooks and the delivery log. All run in the caller's tenant
 * transaction (withTenantClient): row-level security keeps every statement to one organization.
 */

export type AlertKind = AlertKindDetails["kind"];
export type AlertStatus = "open" | "acknowledged" | "muted";

/** What every alert has, whatever its kind. */
export type AlertFields = {
  scopeType: SeriesScopeType;
  scopeKey: string;
  scopeLabel: string;
  basis: EmissionBasis;
  day: string;
  co2eKg: number;
  baselineCo2eKg: number;
  budgetId?: string | null;
  /** One alert per key: detection can run again without repeating it. */
  dedupeKey: string;
};

/** An alert to store: its fields, its kind and that kind's details (alerts.details). */
export type NewAlert = AlertFields & AlertKindDetails;

export type AlertRow = NewAlert & {
  id: string;
  status: AlertStatus;
  acknowledgedAt: string | null;
  acknowledgedByUserId: string | null;
  createdAt: string;
  deliveries: { channel: string; target: string; status: string; attempts: number }[];
};

/**
 * Inserts the alerts not stored yet (by dedupe key) and returns the new ones. An alert whose scope is
 * muted (now) is stored as `muted`: kept, listed, never delivered.
 */
export async function insertAlerts(
  client: PoolClient,
  tenantId: string,
  alerts: readonly NewAlert[],
  now: Date = new Date(),
): Promise<(NewAlert & { id: string; status: AlertStatus })[]> {
  if (!alerts.length) return [];
  const mutes = await activeMutes(client, now);
  const created: (NewAlert & { id: string; status: AlertStatus })[] = [];
  for (const alert of alerts) {
    const muted = mutes.some(
      (m) =>
        m.kind === alert.kind && m.scopeType === alert.scopeType && m.scopeKey === alert.scopeKey,
    );
    const status: AlertStatus = muted ? "muted" : "open";
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO alerts (tenant_id, kind, scope_type, scope_key, scope_label, basis, day, co2e_kg,
                           baseline_co2e_kg, budget_id, details, status, dedupe_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING id`,
      [
        tenantId,
        alert.kind,
        alert.scopeType,
        alert.scopeKey,
        alert.scopeLabel,
        alert.basis,
        alert.day,
        alert.co2eKg,
        alert.baselineCo2eKg,
        alert.budgetId ?? null,
        JSON.stringify(alert.details),
        status,
        alert.dedupeKey,
      ],
    );
    if (rows[0]) created.push({ ...alert, id: rows[0].id, status });
  }
  return created;
}

type AlertDbRow = {
  id: string;
  kind: AlertKind;
  scope_type: SeriesScopeType;
  scope_key: string;
  scope_label: string;
  basis: EmissionBasis;
  day: string;
  co2e_kg: number;
  baseline_co2e_kg: number;
  budget_id: string | null;
  details: unknown;
  status: AlertStatus;
  dedupe_key: string;
  acknowledged_at: Date | null;
  acknowledged_by_user_id: string | null;
  created_at: Date;
  deliveries: AlertRow["deliveries"] | null;
};

const toAlert = (r: AlertDbRow): AlertRow => ({
  id: r.id,
  ...parseAlertDetails(r.kind, r.details, r.id),
  scopeType: r.scope_type,
  scopeKey: r.scope_key,
  scopeLabel: r.scope_label,
  basis: r.basis,
  day: r.day,
  co2eKg: r.co2e_kg,
  baselineCo2eKg: r.baseline_co2e_kg,
  budgetId: r.budget_id,
  status: r.status,
  dedupeKey: r.dedupe_key,
  acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
  acknowledgedByUserId: r.acknowledged_by_user_id,
  createdAt: r.created_at.toISOString(),
  deliveries: r.deliveries ?? [],
});

const alertSelect = `SELECT a.id, a.kind, a.scope_type, a.scope_key, a.scope_label, a.basis,
    to_char(a.day, 'YYYY-MM-DD') AS day, a.co2e_kg, a.baseline_co2e_kg, a.budget_id, a.details, a.status,
    a.dedupe_key, a.acknowledged_at, a.acknowledged_by_user_id, a.created_at,
    (SELECT json_agg(json_build_object('channel', d.channel, 'target', d.target, 'status', d.status,
            'attempts', d.attempts) ORDER BY d.created_at)
       FROM alert_deliveries d WHERE d.alert_id = a.id) AS deliveries
  FROM alerts a`;

/** Newest first; `status` filters, `limit` at most 500. */
export async function listAlerts(
  client: PoolClient,
  options: { status?: AlertStatus; kind?: AlertKind; limit?: number } = {},
): Promise<AlertRow[]> {
  const { rows } = await client.query<AlertDbRow>(
    `${alertSelect}
     WHERE ($1::text IS NULL OR a.status = $1) AND ($2::text IS NULL OR a.kind = $2)
     ORDER BY a.day DESC, a.created_at DESC LIMIT $3`,
    [options.status ?? null, options.kind ?? null, Math.min(500, options.limit ?? 100)],
  );
  return rows.map(toAlert);
}

export async function getAlert(client: PoolClient, id: string): Promise<AlertRow | null> {
  const { rows } = await client.query<AlertDbRow>(`${alertSelect} WHERE a.id = $1`, [id]);
  return rows[0] ? toAlert(rows[0]) : null;
}

/** Marks an alert acknowledged by a user (or an API key: null); returns it, or null if not found. */
export async function acknowledgeAlert(
  client: PoolClient,
  id: string,
  userId: string | null,
): Promise<AlertRow | null> {
  const { rowCount } = await client.query(
    `UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by_user_id = $2,
            updated_at = now() WHERE id = $1`,
    [id, userId],
  );
  return rowCount ? getAlert(client, id) : null;
}

export type AlertMute = {
  id: string;
  kind: AlertKind;
  scopeType: SeriesScopeType;
  scopeKey: string;
  until: string | null;
  createdAt: string;
};

/**
 * Mutes the alert's kind and scope until `until` (null: until unmuted), and marks that alert muted.
 * Returns the mute.
 */
export async function muteAlertScope(
  client: PoolClient,
  tenantId: string,
  alertId: string,
  until: Date | null,
  userId: string | null,
): Promise<AlertMute | null> {
  const alert = await getAlert(client, alertId);
  if (!alert) return null;
  const { rows } = await client.query<MuteDbRow>(
    `INSERT INTO alert_mutes (tenant_id, kind, scope_type, scope_key, until, created_by_user_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, kind, scope_type, scope_key) DO UPDATE SET until = EXCLUDED.until
     RETURNING id, kind, scope_type, scope_key, until, created_at`,
    [tenantId, alert.kind, alert.scopeType, alert.scopeKey, until, userId],
  );
  await client.query(
    "UPDATE alerts SET status = 'muted', updated_at = now() WHERE id = $1 AND status = 'open'",
    [alertId],
  );
  return toMute(rows[0]!);
}

type MuteDbRow = {
  id: string;
  kind: AlertKind;
  scope_type: SeriesScopeType;
  scope_key: string;
  until: Date | null;
  created_at: Date;
};
const toMute = (r: MuteDbRow): AlertMute => ({
  id: r.id,
  kind: r.kind,
  scopeType: r.scope_type,
  scopeKey: r.scope_key,
  until: r.until?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

export async function listMutes(client: PoolClient): Promise<AlertMute[]> {
  const { rows } = await client.query<MuteDbRow>(
    "SELECT id, kind, scope_type, scope_key, until, created_at FROM alert_mutes ORDER BY created_at DESC",
  );
  return rows.map(toMute);
}

export async function activeMutes(
  client: PoolClient,
  now: Date = new Date(),
): Promise<AlertMute[]> {
  return (await listMutes(client)).filter(
    (m) => m.until === null || Date.parse(m.until) > now.getTime(),
  );
}

export async function deleteMute(client: PoolClient, id: string): Promise<boolean> {
  const { rowCount } = await client.query("DELETE FROM alert_mutes WHERE id = $1", [id]);
  return (rowCount ?? 0) > 0;
}

// --- Webhooks -----------------------------------------------------------------------------------

export type AlertWebhook = {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  createdAt: string;
};

/** Only https URLs, or http to loopback (a local receiver); never credentials in the URL. */
export function checkWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError("url: not a URL");
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw new RangeError("url: must be https:// (http:// only to localhost)");
  if (url.username || url.password) throw new RangeError("url: must not contain credentials");
  return url.toString();
}

export async function createWebhook(
  client: PoolClient,
  keyring: Keyring,
  tenantId: string,
  input: { name: string; url: string; secret: string },
): Promise<AlertWebhook> {
  const url = checkWebhookUrl(input.url);
  const { rows: ids } = await client.query<{ id: string }>("SELECT gen_random_uuid() AS id");
  const id = ids[0]!.id;
  const sealed = seal(keyring, input.secret, webhookSecretAad(tenantId, id));
  const { rows } = await client.query<WebhookDbRow>(
    `INSERT INTO alert_webhooks (id, tenant_id, name, url, secret_ciphertext, secret_key_id)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, url, enabled, created_at`,
    [id, tenantId, input.name, url, sealed.ciphertext, sealed.keyId],
  );
  return toWebhook(rows[0]!);
}

type WebhookDbRow = { id: string; name: string; url: string; enabled: boolean; created_at: Date };
const toWebhook = (r: WebhookDbRow): AlertWebhook => ({
  id: r.id,
  name: r.name,
  url: r.url,
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
});

export async function listWebhooks(client: PoolClient): Promise<AlertWebhook[]> {
  const { rows } = await client.query<WebhookDbRow>(
    "SELECT id, name, url, enabled, created_at FROM alert_webhooks ORDER BY created_at",
  );
  return rows.map(toWebhook);
}

export async function updateWebhook(
  client: PoolClient,
  id: string,
  patch: { name?: string; url?: string; enabled?: boolean },
): Promise<AlertWebhook | null> {
  const url = patch.url === undefined ? null : checkWebhookUrl(patch.url);
  const { rows } = await client.query<WebhookDbRow>(
    `UPDATE alert_webhooks SET name = coalesce($2, name), url = coalesce($3, url),
            enabled = coalesce($4, enabled), updated_at = now()
     WHERE id = $1 RETURNING id, name, url, enabled, created_at`,
    [id, patch.name ?? null, url, patch.enabled ?? null],
  );
  return rows[0] ? toWebhook(rows[0]) : null;
}

export async function deleteWebhook(client: PoolClient, id: string): Promise<boolean> {
  const { rowCount } = await client.query("DELETE FROM alert_webhooks WHERE id = $1", [id]);
  return (rowCount ?? 0) > 0;
}

/** A webhook with its secret opened, for the delivery job only. */
export async function webhookWithSecret(
  client: PoolClient,
  keyring: Keyring,
  tenantId: string,
  id: string,
): Promise<(AlertWebhook & { secret: string }) | null> {
  const { rows } = await client.query<
    WebhookDbRow & { secret_ciphertext: string; secret_key_id: string }
  >(
    "SELECT id, name, url, enabled, created_at, secret_ciphertext, secret_key_id FROM alert_webhooks WHERE id = $1",
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  const secret = open(
    keyring,
    { keyId: row.secret_key_id, ciphertext: row.secret_ciphertext },
    webhookSecretAad(tenantId, id),
  );
  return { ...toWebhook(row), secret };
}

// --- Delivery log -------------------------------------------------------------------------------

export type AlertDelivery = {
  id: string;
  alertId: string;
  channel: "email" | "webhook";
  webhookId: string | null;
  target: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  log: DeliveryAttempt[];
  deliveredAt: string | null;
  createdAt: string;
};

type DeliveryDbRow = {
  id: string;
  alert_id: string;
  channel: AlertDelivery["channel"];
  webhook_id: string | null;
  target: string;
  status: AlertDelivery["status"];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  log: unknown;
  delivered_at: Date | null;
  created_at: Date;
};
const toDelivery = (r: DeliveryDbRow): AlertDelivery => ({
  id: r.id,
  alertId: r.alert_id,
  channel: r.channel,
  webhookId: r.webhook_id,
  target: r.target,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  log: parseStoredJson(deliveryLogSchema, r.log, `alert_deliveries.log of ${r.id}`),
  deliveredAt: r.delivered_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});
const deliveryColumns = `id, alert_id, channel, webhook_id, target, status, attempts, last_status_code,
  last_error, log, delivered_at, created_at`;

/** Queues one delivery per channel of an alert: email (if recipients) and each enabled webhook. */
export async function createDeliveries(
  client: PoolClient,
  tenantId: string,
  alertId: string,
  emailRecipients: readonly string[],
): Promise<AlertDelivery[]> {
  const out: AlertDelivery[] = [];
  if (emailRecipients.length) {
    const { rows } = await client.query<DeliveryDbRow>(
      `INSERT INTO alert_deliveries (tenant_id, alert_id, channel, target) VALUES ($1, $2, 'email', $3)
       RETURNING ${deliveryColumns}`,
      [tenantId, alertId, emailRecipients.join(", ")],
    );
    out.push(toDelivery(rows[0]!));
  }
  for (const webhook of (await listWebhooks(client)).filter((w) => w.enabled)) {
    const { rows } = await client.query<DeliveryDbRow>(
      `INSERT INTO alert_deliveries (tenant_id, alert_id, channel, webhook_id, target)
       VALUES ($1, $2, 'webhook', $3, $4) RETURNING ${deliveryColumns}`,
      [tenantId, alertId, webhook.id, new URL(webhook.url).origin],
    );
    out.push(toDelivery(rows[0]!));
  }
  return out;
}

export async function getDelivery(client: PoolClient, id: string): Promise<AlertDelivery | null> {
  const { rows } = await client.query<DeliveryDbRow>(
    `SELECT ${deliveryColumns} FROM alert_deliveries WHERE id = $1`,
    [id],
  );
  return rows[0] ? toDelivery(rows[0]) : null;
}

export async function listDeliveries(
  client: PoolClient,
  options: { alertId?: string; status?: AlertDelivery["status"]; limit?: number } = {},
): Promise<AlertDelivery[]> {
  const { rows } = await client.query<DeliveryDbRow>(
    `SELECT ${deliveryColumns} FROM alert_deliveries
     WHERE ($1::uuid IS NULL OR alert_id = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC LIMIT $3`,
    [options.alertId ?? null, options.status ?? null, Math.min(500, options.limit ?? 100)],
  );
  return rows.map(toDelivery);
}

/** Appends one attempt to the log; `final` sets the outcome (delivered, or failed after the last try). */
export async function recordDeliveryAttempt(
  client: PoolClient,
  id: string,
  attempt: DeliveryAttempt,
  outcome: "delivered" | "failed" | "pending",
): Promise<void> {
  await client.query(
    `UPDATE alert_deliveries SET attempts = attempts + 1, log = log || $2::jsonb, status = $3,
            last_status_code = $4, last_error = $5,
            delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END, updated_at = now()
     WHERE id = $1`,
    [
      id,
      JSON.stringify([attempt]),
      outcome,
      attempt.statusCode ?? null,
      attempt.ok ? null : (attempt.error ?? null),
    ],
  );
}
