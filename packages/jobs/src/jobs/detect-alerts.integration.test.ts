import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acknowledgeAlert,
  createBudget,
  createWebhook,
  evaluateBudget,
  insertAlerts,
  listAlerts,
  listDeliveries,
  listWebhooks,
  muteAlertScope,
  refreshRollups,
  withTenantClient,
  createKeyring,
  denseDays,
  dailyTotals,
} from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { forecastLinearTrend } from "@canopy/methodology";
import type { EmailMessage } from "@canopy/reports";
import { verifyWebhookSignature } from "../alerts/webhook";
import type { JobEvents, QueueDriver } from "../contract";
import { createInlineDriver } from "../drivers/inline";
import { rollupDays } from "./rollup-days";
import { createRegistry } from "../registry";
import { attemptContext, defineJob } from "../contract";
import { z } from "zod";

/**
 * The daily alert job on real PostgreSQL: 17 weeks of emissions with one injected spike (a service,
 * its account, its tag and so the organization), a monthly budget its forecast passes, and delivery
 * to email and to three local webhook receivers: one that fails once then answers, one that verifies
 * the signature, one that is down.
 */
const asOf = new Date("2026-05-20T06:00:00Z");
const spikeDay = "2026-05-18";
const firstDay = Date.UTC(2026, 0, 20);
const days = 120; // 2026-01-20 … 2026-05-19
const dayAt = (i: number) => new Date(firstDay + i * 86_400_000).toISOString().slice(0, 10);

type Received = { headers: http.IncomingHttpHeaders; body: string };

function receiver(answer: (request: Received, count: number) => number) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const entry = { headers: request.headers, body };
      received.push(entry);
      response.writeHead(answer(entry, received.length));
      response.end();
    });
  });
  return {
    received,
    server,
    url: async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/canopy`;
    },
  };
}

describe("detect-alerts and deliver-alert", () => {
  let database: TestDatabase;
  let driver: QueueDriver;
  const tenantId = randomUUID();
  const accountId = randomUUID();
  const userId = randomUUID();
  const keyring = createKeyring(Buffer.alloc(32, 7).toString("base64"));
  const failures: string[] = [];
  const emails: EmailMessage[] = [];
  const secret = "whsec_test_0123456789";
  const flaky = receiver((_r, count) => (count === 1 ? 503 : 200));
  const verifying = receiver((r) =>
    verifyWebhookSignature({
      secret,
      timestamp: r.headers["x-canopy-timestamp"] as string,
      body: r.body,
      signature: r.headers["x-canopy-signature"] as string,
    })
      ? 204
      : 401,
  );
  const scoped = <T>(fn: Parameters<typeof withTenantClient<T>>[2]) =>
    withTenantClient(database.app, tenantId, fn);

  beforeAll(async () => {
    database = await createTestDatabase();
    const owner = database.owner.pool;
    await owner.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'Acme', $2)", [
      tenantId,
      `acme-${tenantId}`,
    ]);
    await owner.query(
      "INSERT INTO users (id, name, email) VALUES ($1, 'Olivia', 'olivia@acme.test')",
      [userId],
    );
    await owner.query(
      "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')",
      [tenantId, userId],
    );
    await owner.query(
      `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id)
       VALUES ($1, $2, 'aws', 'Prod', '123456789012')`,
      [accountId, tenantId],
    );
    await owner.query("SELECT ensure_emissions_partitions('2026-01-01', 6)");
    await scoped(async (client) => {
      for (let i = 0; i < days; i++) {
        const day = dayAt(i);
        const weekday = new Date(`${day}T00:00:00Z`).getUTCDay() % 6 !== 0;
        const wobble = ((i * 37) % 11) - 5; // ±5 kg, deterministic
        const ec2 = day === spikeDay ? 450 : (weekday ? 100 : 50) + wobble;
        for (const [service, kg, team] of [
          ["AmazonEC2", ec2, "search"],
          ["AmazonS3", 20 + (i % 3), "data"],
        ] as const) {
          await client.query(
            `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
               tags, pue, grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg,
               co2e_embodied_kg, water_l, cost_amount, currency, methodology_version)
             VALUES ($1, $2, $3, $4, 'aws', $5, 'us-east-1', 'compute', $6, 1.1, 400, $7::float8 / 1.1, $7, $8::float8, $8::float8 * 0.5,
                     0, 0, $8::float8 * 3, 'USD', 'test')`,
            [
              tenantId,
              accountId,
              `${day}T12:00:00Z`,
              service,
              service,
              JSON.stringify({ team }),
              (kg * 1000) / 400,
              kg,
            ],
          );
        }
      }
      await refreshRollups(client, tenantId, accountId, new Date(firstDay), asOf);
      await createBudget(client, tenantId, {
        name: "Org monthly",
        tagKey: null,
        tagValue: null,
        period: "month",
        basis: "location",
        budgetCo2eKg: 3500,
      });
      await createWebhook(client, keyring, tenantId, {
        name: "Flaky",
        url: await flaky.url(),
        secret,
      });
      await createWebhook(client, keyring, tenantId, {
        name: "Verifying",
        url: await verifying.url(),
        secret,
      });
      await createWebhook(client, keyring, tenantId, {
        name: "Down",
        url: "http://127.0.0.1:9/hooks/nobody-listens",
        secret,
      });
    });
    const events: JobEvents = {
      onFailed: (job, _ms, error) => failures.push(`${job}: ${error.message}`),
    };
    driver = createInlineDriver(
      {
        owner: database.owner,
        app: database.app,
        keyring,
        log: () => undefined,
        webhookRetryPolicy: { attempts: 3, backoffMs: 20, timeoutMs: 2_000 },
        reportDelivery: {
          transport: { kind: "capture", send: async (message) => void emails.push(message) },
          from: "Canopy <alerts@example.com>",
          publicUrl: "https://canopy.example.com",
        },
      },
      events,
    );
    await driver.startWorkers();
  }, 120_000);

  afterAll(async () => {
    await driver?.close();
    flaky.server.close();
    verifying.server.close();
    await database?.drop();
  });

  it("finds the spike in its service, account, tag and the organization, and the budget's forecast crossing", async () => {
    await driver.enqueue("detect-alerts", { tenantId, asOf: asOf.toISOString() });
    await driver.drain();
    expect(failures).toEqual([]);
    const alerts = await scoped((client) => listAlerts(client));
    const spikes = alerts.filter((a) => a.kind === "spike");
    expect(spikes.map((a) => [a.scopeType, a.scopeKey, a.day]).sort()).toEqual(
      [
        ["account", accountId, spikeDay],
        ["organization", "", spikeDay],
        ["service", "AmazonEC2", spikeDay],
        ["tag", "team=search", spikeDay],
      ].sort(),
    );
    const service = spikes.find((a) => a.scopeType === "service")!;
    expect(service.co2eKg).toBeCloseTo(450, 6);
    expect(service.baselineCo2eKg).toBeGreaterThan(90);
    expect(service.baselineCo2eKg).toBeLessThan(110);

    // The budget: May 1–19 observed, forecast to May 31 with the linear trend (same function here).
    const [budget] = alerts.filter((a) => a.kind === "budget");
    const expected = await scoped(async (client) => {
      const points = await dailyTotals(
        client,
        { from: "2026-05-01", to: "2026-05-20" },
        "location",
      );
      return forecastLinearTrend(denseDays(points, "2026-05-01", "2026-05-20"), 12);
    });
    expect(expected.actualKg).toBeLessThan(3500);
    expect(expected.forecastKg).toBeGreaterThan(3500);
    expect(budget).toMatchObject({ scopeType: "organization", baselineCo2eKg: 3500 });
    expect(budget!.co2eKg).toBeCloseTo(expected.forecastKg, 6);
    expect(budget!.details).toMatchObject({
      status: "forecast_over",
      daysElapsed: 19,
      daysInPeriod: 31,
    });
  });

  it("delivers by email and signed webhook, retries a failing receiver and logs one that is down", async () => {
    const alerts = await scoped((client) => listAlerts(client));
    expect(emails).toHaveLength(alerts.length);
    expect(emails[0]!.to).toEqual(["olivia@acme.test"]);
    expect(emails.map((e) => e.subject).join("\n")).toContain(
      "Emission spike: AmazonEC2 on 2026-05-18",
    );

    // Flaky: 503 on its first request, then 200: every alert delivered, the first on its 2nd attempt.
    expect(flaky.received).toHaveLength(alerts.length + 1);
    // Verifying: every request's signature checks out (it answers 401 otherwise).
    expect(verifying.received).toHaveLength(alerts.length);
    const body = JSON.parse(verifying.received[0]!.body) as Record<string, unknown>;
    expect(body.text).toMatch(/^\[Acme\] /);
    expect(body).toHaveProperty("blocks");
    expect(verifying.received[0]!.headers["x-canopy-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    // A changed body or another secret does not verify.
    const r = verifying.received[0]!;
    const check = (s: string, b: string) =>
      verifyWebhookSignature({
        secret: s,
        timestamp: r.headers["x-canopy-timestamp"] as string,
        body: b,
        signature: r.headers["x-canopy-signature"] as string,
      });
    expect(check(secret, r.body)).toBe(true);
    expect(check(secret, `${r.body} `)).toBe(false);
    expect(check("another", r.body)).toBe(false);

    const deliveries = await scoped((client) => listDeliveries(client));
    const byTarget = (origin: string) => deliveries.filter((d) => d.target === origin);
    const email = deliveries.filter((d) => d.channel === "email");
    expect(email.every((d) => d.status === "delivered")).toBe(true);
    const down = byTarget("http://127.0.0.1:9");
    expect(down).toHaveLength(alerts.length);
    for (const d of down) {
      expect(d.status).toBe("failed");
      expect(d.attempts).toBe(3);
      expect(d.log).toHaveLength(3);
      expect(d.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    }
    const webhooks = deliveries.filter(
      (d) => d.channel === "webhook" && d.target !== "http://127.0.0.1:9",
    );
    expect(webhooks).toHaveLength(alerts.length * 2);
    expect(webhooks.every((d) => d.status === "delivered")).toBe(true);
    const retried = webhooks.filter((d) => d.attempts === 2);
    expect(retried).toHaveLength(1);
    expect(retried[0]!.log.map((a) => a.statusCode)).toEqual([503, 200]);
    // Nothing lost: every alert is still listed, open.
    expect(alerts.every((a) => a.status === "open")).toBe(true);
  });

  it("running again adds nothing; acknowledge and mute", async () => {
    const before = await scoped((client) => listAlerts(client));
    await driver.enqueue("detect-alerts", { tenantId, asOf: asOf.toISOString() });
    await driver.drain();
    expect(await scoped((client) => listAlerts(client))).toHaveLength(before.length);
    expect(emails).toHaveLength(before.length);

    const tagAlert = before.find((a) => a.scopeType === "tag")!;
    const serviceAlert = before.find((a) => a.scopeType === "service")!;
    const acknowledged = await scoped((client) =>
      acknowledgeAlert(client, serviceAlert.id, userId),
    );
    expect(acknowledged).toMatchObject({ status: "acknowledged", acknowledgedByUserId: userId });
    const mute = await scoped((client) =>
      muteAlertScope(client, tenantId, tagAlert.id, null, userId),
    );
    expect(mute).toMatchObject({
      kind: "spike",
      scopeType: "tag",
      scopeKey: "team=search",
      until: null,
    });
    // A later spike in the muted scope is kept as muted (not delivered); another scope is open.
    const created = await scoped((client) =>
      insertAlerts(client, tenantId, [
        { ...tagAlert, day: "2026-05-19", dedupeKey: "spike:location:tag:team=search:2026-05-19" },
        {
          ...serviceAlert,
          day: "2026-05-19",
          dedupeKey: "spike:location:service:AmazonEC2:2026-05-19",
        },
      ]),
    );
    expect(created.map((a) => [a.scopeType, a.status])).toEqual([
      ["tag", "muted"],
      ["service", "open"],
    ]);
  });

  it("never returns a webhook secret and stores it encrypted", async () => {
    const listed = await scoped((client) => listWebhooks(client));
    expect(listed).toHaveLength(3);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const { rows } = await database.owner.pool.query<{ secret_ciphertext: string }>(
      "SELECT secret_ciphertext FROM alert_webhooks",
    );
    for (const row of rows) expect(row.secret_ciphertext).not.toContain(secret);
  });

  it("evaluates a budget that is already over", async () => {
    const evaluation = await scoped(async (client) => {
      const budget = await createBudget(client, tenantId, {
        name: "Search team",
        tagKey: "team",
        tagValue: "search",
        period: "month",
        basis: "location",
        budgetCo2eKg: 500,
      });
      return evaluateBudget(client, budget, asOf);
    });
    expect(evaluation.status).toBe("over");
    expect(evaluation.forecast.actualKg).toBeGreaterThan(500);
    // Market-based reads the market-based column (no provider figures here: the estimate, half).
    const market = await scoped(async (client) => {
      const budget = await createBudget(client, tenantId, {
        name: "Search team, market",
        tagKey: "team",
        tagValue: "search",
        period: "month",
        basis: "market",
        budgetCo2eKg: 500,
      });
      return evaluateBudget(client, budget, asOf);
    });
    expect(market.forecast.actualKg).toBeCloseTo(evaluation.forecast.actualKg / 2, 6);
  });

  it("rollups of recent days queue one detection a minute later; older windows none", async () => {
    const queued: { name: string; payload: unknown; options: unknown }[] = [];
    const deps = {
      owner: database.owner,
      app: database.app,
      keyring,
      log: () => undefined,
      enqueue: async (name: string, payload: unknown, options?: unknown) => {
        queued.push({ name, payload, options });
        return "id";
      },
    };
    const context = attemptContext(rollupDays.options, "j");
    const month = (start: Date) => ({
      tenantId,
      cloudAccountId: accountId,
      windowStart: start.toISOString(),
      windowEnd: new Date(
        Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1),
      ).toISOString(),
    });
    // (rollup-days also queues compute-recommendations; only the detection is looked at here.)
    const detections = () => queued.filter((job) => job.name !== "compute-recommendations");
    await rollupDays.process(month(new Date("2026-02-01T00:00:00Z")), deps, context);
    expect(detections()).toEqual([]);
    const now = new Date();
    await rollupDays.process(
      month(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
      deps,
      context,
    );
    expect(detections()).toEqual([
      {
        name: "detect-alerts",
        payload: { tenantId },
        options: { jobId: `detect-alerts:${tenantId}:after-rollup`, delayMs: 60_000 },
      },
    ]);
  });

  it("rollups stand when a follow-up cannot be queued: logged, not retried", async () => {
    const logs: string[] = [];
    const deps = {
      owner: database.owner,
      app: database.app,
      keyring,
      log: (line: string) => logs.push(line),
      enqueue: async (name: string): Promise<string> => {
        throw new Error(`Unknown job "${name}"`);
      },
    };
    const now = new Date();
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    await expect(
      rollupDays.process(
        {
          tenantId,
          cloudAccountId: accountId,
          windowStart: start.toISOString(),
          windowEnd: new Date(
            Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1),
          ).toISOString(),
        },
        deps,
        attemptContext(rollupDays.options, "j"),
      ),
    ).resolves.toMatchObject({ months: expect.any(Number) });
    expect(logs).toEqual([
      expect.stringMatching(
        /^rollup-days: detect-alerts not queued \(Unknown job "detect-alerts"\)/,
      ),
      expect.stringMatching(/^rollup-days: compute-recommendations not queued/),
    ]);
  });

  it("the inline driver adds a delayed job once per job id", async () => {
    const runs: string[] = [];
    const probe = defineJob({
      name: "probe",
      payload: z.object({ n: z.number() }),
      options: { attempts: 1, backoffMs: 1, concurrency: 1 },
      async process(payload) {
        runs.push(String(payload.n));
      },
    });
    const inline = createInlineDriver(
      { owner: database.owner, app: database.app, keyring, log: () => undefined },
      {},
      createRegistry([probe]),
    );
    await inline.startWorkers();
    await inline.enqueue("probe", { n: 1 }, { jobId: "same", delayMs: 30 });
    await inline.enqueue("probe", { n: 2 }, { jobId: "same", delayMs: 30 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await inline.drain();
    expect(runs).toEqual(["1"]);
    // Once it has run, the id may be queued again.
    await inline.enqueue("probe", { n: 3 }, { jobId: "same", delayMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await inline.drain();
    expect(runs).toEqual(["1", "3"]);
    await inline.close();
  });
});
