import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Queue } from "bullmq";
import IORedis from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { testServices } from "@canopy/db/testing";

/**
 * Per-organization slots across worker processes (perTenantConcurrency, tenant-slots.ts): two real
 * worker processes on the test Redis, one killed mid-job. Runs only where a test Redis answers.
 */
const redisUrl = testServices().testRedisUrl;
const prefix = `{canopy-test-${randomBytes(4).toString("hex")}}`;
const workers: ChildProcess[] = [];
const redis = redisUrl ? new IORedis(redisUrl) : undefined;

type Event = { id: string; tenantId: string; event: "start" | "end"; pid: number; at: number };

function startWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(import.meta.dirname, "fairness-worker.fixture.ts"),
      redisUrl!,
      prefix,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

const events = async (): Promise<Event[]> =>
  (await redis!.lrange(`${prefix}:log`, 0, -1)).map((line) => JSON.parse(line) as Event);

async function until(what: string, check: (log: Event[]) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check(await events())) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await events())}`);
}

const started = (log: Event[], id: string) => log.some((e) => e.id === id && e.event === "start");
const ended = (log: Event[], id: string) => log.some((e) => e.id === id && e.event === "end");

afterAll(async () => {
  for (const worker of workers) worker.kill("SIGKILL");
  if (!redis) return;
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe.runIf(redisUrl)("per-organization slots across worker processes", () => {
  it("keeps one organization to its slots, lets another through, and survives a killed worker", async () => {
    const queue = new Queue("tenant-work", { connection: { url: redisUrl! }, prefix });
    const enqueue = (tenantId: string, n: number, ms: number) =>
      queue.add("tenant-work", { tenantId, n, ms }, { attempts: 3 });
    try {
      const first = await startWorker();
      // Long enough for B's two jobs to finish meanwhile on a loaded machine.
      await enqueue("A", 1, 8_000);
      await until("A:1 to start", (log) => started(log, "A:1"));
      await startWorker();

      // A's slot is held by the first process: the second one does not start A's next job…
      await enqueue("A", 2, 200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(started(await events(), "A:2")).toBe(false);
      // …but runs another organization's jobs meanwhile (B's own limit: one after the other).
      await enqueue("B", 1, 200);
      await enqueue("B", 2, 200);
      await until("B's jobs", (log) => ended(log, "B:1") && ended(log, "B:2"), 10_000);
      expect(ended(await events(), "A:1")).toBe(false);

      // The process running A:1 dies: its slot lapses, and the job runs again elsewhere.
      first.kill("SIGKILL");
      await until("every job to end", (log) => ["A:1", "A:2"].every((id) => ended(log, id)));

      const log = await events();
      expect(await redis!.hgetall(`${prefix}:completed`)).toEqual({
        "A:1": "1",
        "A:2": "1",
        "B:1": "1",
        "B:2": "1",
      });
      const a1Starts = log.filter((e) => e.id === "A:1" && e.event === "start");
      expect(a1Starts.map((e) => e.pid === first.pid)).toEqual([true, false]);
      // Never two runs of one organization at once: B's one after the other, A's completed runs too.
      for (const tenant of ["A", "B"]) {
        const runs = log
          .filter((e) => e.tenantId === tenant && e.event === "end")
          .map((end) => ({
            end: end.at,
            start: log.find((e) => e.id === end.id && e.event === "start" && e.pid === end.pid)!.at,
          }))
          .sort((x, y) => x.start - y.start);
        for (let i = 1; i < runs.length; i++)
          expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
      }
    } finally {
      await queue.close();
    }
  }, 60_000);
});
