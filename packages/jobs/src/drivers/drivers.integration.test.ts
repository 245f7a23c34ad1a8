import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, type DriverDeps, type JobEvents } from "../contract";
import { createRegistry } from "../registry";
import { testDrivers } from "./test-drivers";

/** Test jobs record what they saw; their I/O is this in-memory log, so no database is involved. */
function testJobs() {
  const seen: number[] = [];
  const attemptsByKey = new Map<string, number>();
  let releaseSlow: () => void = () => undefined;
  const slowStarted = new Promise<void>((resolve) => {
    releaseSlow = resolve;
  });
  let finishSlow: () => void = () => undefined;
  const slowGate = new Promise<void>((resolve) => {
    finishSlow = resolve;
  });
  const record = defineJob({
    name: "record",
    payload: z.object({ n: z.number().int() }),
    options: { attempts: 1, backoffMs: 10, concurrency: 1 },
    async process({ n }) {
      seen.push(n);
      return { rowsWritten: 1 };
    },
  });
  const flaky = defineJob({
    name: "flaky",
    payload: z.object({ key: z.string(), failures: z.number().int() }),
    options: { attempts: 4, backoffMs: 20, concurrency: 1 },
    async process({ key, failures }, _deps, context) {
      attemptsByKey.set(key, context.attempt);
      if (context.attempt <= failures) throw new Error(`transient failure ${context.attempt}`);
      return { attempt: context.attempt };
    },
  });
  const slow = defineJob({
    name: "slow",
    payload: z.object({}),
    options: { attempts: 1, backoffMs: 10, concurrency: 1 },
    async process() {
      releaseSlow();
      await slowGate;
      seen.push(-1);
      return {};
    },
  });
  const registry = createRegistry([record, flaky, slow]);
  return { registry, seen, attemptsByKey, slowStarted, finishSlow };
}

const deps = { log: () => undefined } as unknown as DriverDeps;

// The BullMQ cases run only where a test Redis answers.
const { factories, removeKeys } = testDrivers();
afterAll(removeKeys);

describe.each(factories)("%s driver", (_kind, factory) => {
  const createDriver = (registry: ReturnType<typeof testJobs>["registry"], events?: JobEvents) =>
    factory(deps, registry, events);
  it("runs every job once, in order for one queue", async () => {
    const jobs = testJobs();
    const driver = createDriver(jobs.registry, undefined);
    await driver.startWorkers();
    for (let n = 1; n <= 20; n++) await driver.enqueue("record", { n });
    await driver.drain();
    await driver.close();
    expect(jobs.seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("rejects an invalid payload before it is queued", async () => {
    const jobs = testJobs();
    const driver = createDriver(jobs.registry, undefined);
    // Neither compiles (the driver's registry types both); the driver refuses them at run time too.
    // @ts-expect-error n is a number in the job's payload schema
    await expect(driver.enqueue("record", { n: "one" })).rejects.toThrow(
      /Invalid payload for job "record": n /,
    );
    // @ts-expect-error no job of this registry is called "nope"
    await expect(driver.enqueue("nope", {})).rejects.toThrow(/Unknown job "nope"/);
    await driver.close();
  });

  it("retries a failing job with backoff until it succeeds", async () => {
    const jobs = testJobs();
    const failures: boolean[] = [];
    const completed: string[] = [];
    const driver = createDriver(jobs.registry, {
      onFailed: (_name, _ms, _error, willRetry) => failures.push(willRetry),
      onCompleted: (name) => completed.push(name),
    });
    await driver.startWorkers();
    await driver.enqueue("flaky", { key: "a", failures: 2 });
    await driver.drain();
    await driver.close();
    expect(jobs.attemptsByKey.get("a")).toBe(3);
    expect(failures).toEqual([true, true]);
    expect(completed).toEqual(["flaky"]);
  });

  it("gives up after the job's attempts, reporting the final failure", async () => {
    const jobs = testJobs();
    const failures: boolean[] = [];
    const driver = createDriver(jobs.registry, {
      onFailed: (_n, _ms, _e, willRetry) => failures.push(willRetry),
    });
    await driver.startWorkers();
    await driver.enqueue("flaky", { key: "b", failures: 10 });
    await driver.drain();
    expect(jobs.attemptsByKey.get("b")).toBe(4);
    expect(failures).toEqual([true, true, true, false]);
    expect((await driver.stats()).flaky?.failed).toBe(1);
    await driver.close();
  });

  it("does not queue a job whose id is already waiting", async () => {
    const jobs = testJobs();
    const driver = createDriver(jobs.registry, undefined);
    await driver.enqueue("record", { n: 1 }, { jobId: "same" });
    await driver.enqueue("record", { n: 2 }, { jobId: "same" });
    expect((await driver.stats()).record?.waiting).toBe(1);
    await driver.startWorkers();
    await driver.drain();
    await driver.close();
    expect(jobs.seen).toEqual([1]);
  });

  it("lets the in-flight job finish on close", async () => {
    const jobs = testJobs();
    const driver = createDriver(jobs.registry, undefined);
    await driver.startWorkers();
    await driver.enqueue("slow", {});
    await jobs.slowStarted;
    const closed = driver.close();
    setTimeout(jobs.finishSlow, 100);
    await closed;
    expect(jobs.seen).toEqual([-1]);
  });
});
