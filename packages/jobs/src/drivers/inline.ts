import { randomUUID } from "node:crypto";
import {
  attemptContext,
  type DriverDeps,
  type EnqueueOptions,
  type JobDeps,
  type JobEnqueue,
  type JobEvents,
  type QueueDriver,
  type Schedule,
} from "../contract";
import { PermanentJobError } from "../errors";
import { jobDefinition, jobs, parsePayload, type JobPayloads, type JobRegistry } from "../registry";
import { backoffDelayMs, runJobAttempt } from "./run-job";
import { failRunsOfJob, finalFailureReason } from "../watchdog";

type Pending = { id: string; name: string; payload: unknown };

/**
 * Runs jobs in this process, one at a time in the order they were enqueued, with the same retry
 * options as BullMQ. Used when REDIS_URL is unset: same processors, no Redis.
 */
export function createInlineDriver<Payloads = JobPayloads>(
  driverDeps: DriverDeps,
  events?: JobEvents,
  registry: JobRegistry<Payloads> = jobs as JobRegistry<never>,
): QueueDriver<Payloads> {
  const pending: Pending[] = [];
  const failed = new Map<string, number>();
  const timers: NodeJS.Timeout[] = [];
  let active: Pending | undefined;
  let loop: Promise<void> | undefined;
  let started = false;
  let closing = false;

  const kick = () => {
    if (!started || closing || loop) return;
    loop = (async () => {
      for (let job = pending.shift(); job && !closing; job = pending.shift()) {
        active = job;
        await runWithRetries(job).catch(() =>
          failed.set(job.name, (failed.get(job.name) ?? 0) + 1),
        );
        active = undefined;
      }
    })().finally(() => {
      loop = undefined;
      if (pending.length) kick();
    });
  };

  async function runWithRetries(job: Pending): Promise<void> {
    const { attempts, backoffMs } = jobDefinition(job.name, registry).options;
    for (let attempt = 1; ; attempt++) {
      const context = attemptContext({ attempts }, job.id, attempt);
      try {
        await runJobAttempt(job.name, job.payload, deps, context, events, registry);
        return;
      } catch (error) {
        if (attempt >= attempts || closing || error instanceof PermanentJobError) {
          // A run its processor left queued or running (it did not get to mark it) ends failed.
          const message = (error as Error).message;
          await failRunsOfJob(deps.app, job.name, job.payload, (kind) =>
            finalFailureReason(kind, { message, attemptsMade: attempt, attemptsStarted: attempt }),
          ).catch((markError: Error) =>
            deps.log(
              `job ${job.name} (${job.id}): could not mark its run failed: ${markError.message}`,
            ),
          );
          throw error;
        }
        deps.log(
          `job ${job.name} (${job.id}) failed on attempt ${attempt}: ${(error as Error).message}; retrying`,
        );
        await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(backoffMs, attempt)));
      }
    }
  }

  const delayed = new Set<string>();
  // Names and payloads are checked where they are written (QueueDriver<Payloads>) and parsed here.
  const enqueue = async (name: string, payload: unknown, options: EnqueueOptions = {}) => {
    const parsed = parsePayload(name, payload, registry);
    const id = options.jobId ?? randomUUID();
    if (
      options.jobId &&
      (active?.id === id || delayed.has(id) || pending.some((job) => job.id === id))
    )
      return id;
    const add = () => {
      delayed.delete(id);
      pending.push({ id, name, payload: parsed });
      kick();
    };
    if (options.delayMs) {
      // A delayed job is waiting too: the same id queued again before it starts is not added twice.
      if (options.jobId) delayed.add(id);
      timers.push(setTimeout(add, options.delayMs));
    } else add();
    return id;
  };
  const driver: QueueDriver<Payloads> = {
    kind: "inline",
    enqueue,
    async schedule(scheduleId: string, name: string, payload: unknown, schedule: Schedule) {
      parsePayload(name, payload, registry);
      const run = () => void enqueue(name, payload, { jobId: `${scheduleId}:${Date.now()}` });
      timers.push(setInterval(run, schedule.everyMs));
      run();
    },
    async startWorkers() {
      started = true;
      kick();
    },
    async drain() {
      while (loop || pending.length)
        await (loop ?? new Promise((resolve) => setImmediate(resolve)));
    },
    async stats() {
      const counts: Record<string, { waiting: number; active: number; failed: number }> = {};
      const entry = (name: string) =>
        (counts[name] ??= { waiting: 0, active: 0, failed: failed.get(name) ?? 0 });
      for (const name of failed.keys()) entry(name);
      for (const job of pending) entry(job.name).waiting++;
      if (active) entry(active.name).active++;
      return counts;
    },
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      await loop;
    },
  };
  const deps: JobDeps = { ...driverDeps, enqueue: enqueue as JobEnqueue };
  return driver;
}
