import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createReadStream } from "node:fs";
import IORedis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inheritedEnvironment } from "@canopy/config";
import { createKeyring } from "@canopy/db";
import { createTestDatabase, testServices, type TestDatabase } from "@canopy/db/testing";
import {
  createBullmqDriver,
  createInlineDriver,
  localFileStore,
  submitImport,
  type QueueDriver,
} from "@canopy/jobs";

/**
 * A real worker process on real Redis is killed with SIGKILL in the middle of an import; a second
 * worker takes the job over. Totals must equal those of an uninterrupted import of the same file.
 */
const services = testServices();
const workerDir = path.resolve(__dirname, "..");
const home = mkdtempSync(path.join(os.tmpdir(), "canopy-crash-"));
chmodSync(home, 0o755);
const filePath = path.join(home, "cur.csv");
const prefix = `{canopy-crash-${randomBytes(4).toString("hex")}}`;
const keyring = createKeyring(Buffer.alloc(32, 9).toString("base64"));

async function writeCur(lines: number) {
  const out = createWriteStream(filePath);
  out.write(
    "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/instanceType,product/region\n",
  );
  const types = ["m5.large", "c5.xlarge", "r5.2xlarge", "t3.medium"];
  const regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
  const start = Date.parse("2026-01-01T00:00:00Z");
  let chunk = "";
  for (let i = 0; i < lines; i++) {
    const hour = new Date(start + (i % (24 * 60)) * 3_600_000).toISOString();
    const type = types[i % types.length]!;
    // Every line distinct (the amount grows with each pass over the hours): a repeated line would be
    // counted once, as a duplicate.
    const amount = 1 + Math.floor(i / (24 * 60)) / 1000;
    chunk += `Usage,${hour},${100000000000 + (i % 3)},AmazonEC2,BoxUsage:${type},${amount},0.1,USD,${type},${regions[i % regions.length]}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.on("finish", () => resolve()));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe.runIf(services.testRedisUrl)("a worker killed mid-import", () => {
  let database: TestDatabase;
  let producer: QueueDriver;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await writeCur(600_000);
    producer = createBullmqDriver({
      redisUrl: services.testRedisUrl,
      prefix,
      deps: { owner: database.owner, app: database.app, keyring, log: () => undefined },
    });
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill("SIGKILL");
    await producer?.close();
    const redis = new IORedis(services.testRedisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  async function startWorker(port: number) {
    const { DATABASE_APP_URL: _a, DATABASE_AUTH_URL: _b, ...inherited } = inheritedEnvironment();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: workerDir,
      env: {
        ...inherited,
        NODE_ENV: "development",
        DATABASE_URL: database.urls.owner,
        CANOPY_DB_ROLE_PREFIX: database.rolePrefix,
        CANOPY_DB_APP_PASSWORD: "canopy-test-password",
        REDIS_URL: services.testRedisUrl,
        CANOPY_QUEUE_PREFIX: prefix,
        CANOPY_JOB_LOCK_MS: "3000",
        CANOPY_HOME: home,
        // No test reaches the internet: the keyless NESO grid source is on by default.
        CANOPY_GRID_NESO: "false",
        CANOPY_WORKER_PORT: String(port),
        CANOPY_ENCRYPTION_KEY: Buffer.from(keyring.current.key).toString("base64"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    workers.push(child);
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    for (let i = 0; i < 300 && !output.includes("worker: BullMQ on Redis"); i++) {
      if (child.exitCode !== null) throw new Error(`worker exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { child, exited, output: () => output };
  }

  async function run(syncRunId: string) {
    const { rows } = await database.owner.pool.query(
      "SELECT status, details, rows_written FROM sync_runs WHERE id = $1",
      [syncRunId],
    );
    return rows[0] as {
      status: string;
      details: { progress: { linesRead: number } };
      rows_written: number;
    };
  }

  async function totals(tenantId: string) {
    const { rows } = await database.owner.pool.query(
      `SELECT (SELECT count(*)::int FROM usage_hourly WHERE tenant_id = $1) AS "usageRows",
              (SELECT sum(quantity) FROM usage_hourly WHERE tenant_id = $1) AS quantity,
              (SELECT count(*)::int FROM emissions_hourly WHERE tenant_id = $1) AS "emissionRows",
              (SELECT sum(co2e_location_kg) FROM emissions_hourly WHERE tenant_id = $1) AS co2e,
              (SELECT sum(co2e_location_kg) FROM emissions_monthly WHERE tenant_id = $1) AS "monthlyCo2e"`,
      [tenantId],
    );
    return rows[0] as {
      usageRows: number;
      quantity: number;
      emissionRows: number;
      co2e: number;
      monthlyCo2e: number;
    };
  }

  async function newTenant() {
    const id = randomUUID();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      id,
      `t-${id}`,
    ]);
    return id;
  }

  it("is finished by another worker with the totals of an uninterrupted import", async () => {
    const store = localFileStore(path.join(home, "files"));
    const killedTenant = await newTenant();
    const { syncRunId } = await submitImport({
      app: database.app,
      store,
      driver: producer,
      tenantId: killedTenant,
      fileName: "cur.csv",
      source: createReadStream(filePath),
      maxBytes: 1e10,
    });

    const first = await startWorker(await freePort());
    for (let i = 0; i < 600; i++) {
      const current = await run(syncRunId);
      if (current.status === "running" && current.details.progress.linesRead > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await run(syncRunId)).status).toBe("running");
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull();

    const second = await startWorker(await freePort());
    for (let i = 0; i < 1200 && (await run(syncRunId)).status !== "succeeded"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await run(syncRunId)).status).toBe("succeeded");
    await producer.drain();

    // The same file imported without interruption, in-process, into another organization.
    const referenceTenant = await newTenant();
    const inline = createInlineDriver({
      fileStore: store,
      owner: database.owner,
      app: database.app,
      keyring,
      log: () => undefined,
    });
    await inline.startWorkers();
    await submitImport({
      app: database.app,
      store,
      driver: inline,
      tenantId: referenceTenant,
      fileName: "cur.csv",
      source: createReadStream(filePath),
      maxBytes: 1e10,
    });
    await inline.drain();
    await inline.close();

    const recovered = await totals(killedTenant);
    const reference = await totals(referenceTenant);
    expect(recovered.usageRows).toBe(reference.usageRows);
    expect(recovered.emissionRows).toBe(reference.emissionRows);
    expect(recovered.quantity).toBeCloseTo(reference.quantity, 6);
    expect(recovered.co2e).toBeCloseTo(reference.co2e, 6);
    expect(recovered.monthlyCo2e).toBeCloseTo(reference.co2e, 6);
    expect(recovered.usageRows).toBeGreaterThan(0);

    // The surviving worker reports health and metrics, and stops cleanly on SIGTERM.
    const port = Number(/health on http:\/\/127\.0\.0\.1:(\d+)/.exec(second.output())?.[1]);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({
      status: "ok",
      queue: "bullmq",
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/canopy_jobs_processed_total\{job="import-file"\} 1/);
    expect(metrics).toMatch(/canopy_rows_written_total\{job="estimate-window"\} \d+/);
    expect(metrics).toMatch(/canopy_queue_depth\{job="import-file",state="waiting"\} 0/);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain("worker: stopped");
  });
});
