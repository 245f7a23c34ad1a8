/**
 * A worker process for the fairness test (tenant-slots.integration.test.ts): `node --import tsx
 * fairness-worker.fixture.ts <redisUrl> <prefix>` runs one BullMQ worker for the job "tenant-work"
 * (3 at a time per worker, 1 per organization) and logs each run's start and end to Redis; it prints
 * "ready" once its workers listen and exits on SIGTERM.
 */
import IORedis from "ioredis";
import { z } from "zod";
import { defineJob, type DriverDeps } from "../contract";
import { createRegistry } from "../registry";
import { createBullmqDriver } from "./bullmq";

const [redisUrl, prefix] = process.argv.slice(2) as [string, string];
const redis = new IORedis(redisUrl);
const record = (event: object) => redis.rpush(`${prefix}:log`, JSON.stringify(event));

const tenantWork = defineJob({
  name: "tenant-work",
  payload: z.object({ tenantId: z.string(), n: z.number().int(), ms: z.number().int() }),
  options: { attempts: 3, backoffMs: 50, concurrency: 3, perTenantConcurrency: 1 },
  async process({ tenantId, n, ms }) {
    const id = `${tenantId}:${n}`;
    await record({ id, tenantId, event: "start", pid: process.pid, at: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, ms));
    await record({ id, tenantId, event: "end", pid: process.pid, at: Date.now() });
    await redis.hincrby(`${prefix}:completed`, id, 1);
    return {};
  },
});

const driver = createBullmqDriver({
  redisUrl,
  prefix,
  deps: { log: () => undefined } as unknown as DriverDeps,
  registry: createRegistry([tenantWork]),
  // Short, so the test sees a dead worker's job and slot taken over in seconds; long enough that a
  // live worker on a loaded machine renews its locks in time (at 1.5 s a finished job ran twice).
  lockDurationMs: 5_000,
  tenantSlotRetryMs: 50,
});
await driver.startWorkers();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void driver
    .close()
    .then(() => redis.quit())
    .then(() => process.exit(0));
});
