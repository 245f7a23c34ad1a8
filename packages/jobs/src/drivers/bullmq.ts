import {
  DelayedError,
  Job,
  Queue,
  QueueEvents,
  UnrecoverableError,
  Worker,
  type ConnectionOptions,
  type JobsOptions,
} from "bullmq";
import IORedis from "ioredis";
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
import {
  jobDefinition,
  jobs as defaultJobs,
  parsePayload,
  type JobPayloads,
  type JobRegistry,
} from "../registry";
import { runJobAttempt } from "./run-job";
import { createTenantSlots } from "./tenant-slots";
import { failRunsOfJob, finalFailureReason, jobsWithRuns } from "../watchdog";

/**
 * Jobs on Redis with BullMQ: one queue per job name, workers with the job's concurrency, retries with
 * exponential backoff, job schedulers for recurring work. A worker killed mid-job leaves the job
 * stalled; another worker picks it up after the lock expires, so processors must be idempotent.
 * The key prefix is wrapped in {} so every key hashes to one Redis Cluster slot.
 */
export function createBullmqDriver<Payloads = JobPayloads>(options: {
  redisUrl: string;
  prefix?: string;
  deps: DriverDeps;
  events?: JobEvents;
  registry?: JobRegistry<Payloads>;
  /** Lock a worker holds on a job; a job whose worker died is taken over after it lapses. */
  lockDurationMs?: number;
  /** How long a job over its organization's slots (perTenantConcurrency) waits before trying again. */
  tenantSlotRetryMs?: number;
}): QueueDriver<Payloads> {
  const jobs: JobRegistry<unknown> = options.registry ?? defaultJobs;
  const prefix = options.prefix ?? "{canopy}";
  const connection = new IORedis(options.redisUrl, {
    maxRetriesPerRequest: null,
    lazyConnect: false,
  });
  connection.on("error", (error) => options.deps.log(`redis: ${error.message}`));
  const bullConnection = connection as unknown as ConnectionOptions;
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  // A slot's lease is the job lock's: both lapse together when a worker dies.
  const tenantSlots = createTenantSlots(connection, prefix, lockDurationMs);
  const tenantSlotRetryMs = options.tenantSlotRetryMs ?? 2_000;
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const queueEvents: QueueEvents[] = [];

  const queueFor = (name: string) => {
    jobDefinition(name, jobs);
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: bullConnection, prefix });
      queues.set(name, queue);
    }
    return queue;
  };

  const jobOptions = (name: string): JobsOptions => {
    const { attempts, backoffMs } = jobDefinition(name, jobs).options;
    return {
      attempts,
      backoff: { type: "exponential", delay: backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  };

  // Names and payloads are checked where they are written (QueueDriver<Payloads>) and parsed here.
  const enqueue = async (name: string, payload: unknown, enqueueOptions: EnqueueOptions = {}) => {
    const parsed = parsePayload(name, payload, jobs);
    const job = await queueFor(name).add(name, parsed, {
      ...jobOptions(name),
      // BullMQ reserves ":" in ids (it separates key parts).
      ...(enqueueOptions.jobId ? { jobId: enqueueOptions.jobId.replaceAll(":", "_") } : {}),
      ...(enqueueOptions.delayMs ? { delay: enqueueOptions.delayMs } : {}),
    });
    return job.id ?? "";
  };
  const driver: QueueDriver<Payloads> = {
    kind: "bullmq",
    enqueue,
    async schedule(scheduleId: string, name: string, payload: unknown, schedule: Schedule) {
      const parsed = parsePayload(name, payload, jobs);
      await queueFor(name).upsertJobScheduler(
        scheduleId,
        { every: schedule.everyMs },
        { name, data: parsed, opts: jobOptions(name) },
      );
    },
    async startWorkers() {
      for (const job of jobs.values()) {
        const worker = new Worker(
          job.name,
          async (bullJob, token) => {
            const attempt = bullJob.attemptsMade + 1;
            // The attempts the job was queued with (its definition's, unless changed since).
            const attempts = bullJob.opts.attempts ?? job.options.attempts;
            const context = attemptContext({ attempts }, bullJob.id ?? "", attempt, (progress) =>
              bullJob.updateProgress(progress),
            );
            const run = async () => {
              try {
                return await runJobAttempt(
                  job.name,
                  bullJob.data,
                  deps,
                  context,
                  options.events,
                  jobs,
                );
              } catch (error) {
                // BullMQ does not retry an UnrecoverableError.
                if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
                throw error;
              }
            };
            const limit = job.options.perTenantConcurrency;
            const tenantId = (bullJob.data as { tenantId?: unknown }).tenantId;
            if (!limit || typeof tenantId !== "string") return run();
            const holder = bullJob.id ?? "";
            if (!(await tenantSlots.acquire(job.name, tenantId, holder, limit))) {
              // Back in line without using an attempt; the free slots go to other organizations.
              await bullJob.moveToDelayed(Date.now() + tenantSlotRetryMs, token);
              throw new DelayedError();
            }
            const renew = setInterval(() => {
              void tenantSlots
                .acquire(job.name, tenantId, holder, limit)
                .catch((error: Error) => options.deps.log(`tenant slots: ${error.message}`));
            }, lockDurationMs / 3);
            try {
              return await run();
            } finally {
              clearInterval(renew);
              await tenantSlots.release(job.name, tenantId, holder);
            }
          },
          {
            connection: bullConnection,
            prefix,
            concurrency: job.options.concurrency,
            ...(job.options.rateLimit
              ? {
                  limiter: {
                    max: job.options.rateLimit.max,
                    duration: job.options.rateLimit.durationMs,
                  },
                }
              : {}),
            lockDuration: lockDurationMs,
            stalledInterval: lockDurationMs,
          },
        );
        worker.on("error", (error) => options.deps.log(`worker ${job.name}: ${error.message}`));
        workers.push(worker);
        if (jobsWithRuns.has(job.name)) watchFinalFailures(job.name);
      }
    },
    async drain() {
      for (;;) {
        let busy = 0;
        for (const name of jobs.keys()) {
          const queue = queueFor(name);
          const counts = await queue.getJobCounts("waiting", "active", "prioritized");
          busy += Object.values(counts).reduce((sum, n) => sum + n, 0);
          // Delayed jobs count (retries waiting out their backoff), except the schedulers' next runs.
          const delayed = await queue.getDelayed();
          busy += delayed.filter((job) => !job.repeatJobKey).length;
        }
        if (busy === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stats() {
      const result: Record<string, { waiting: number; active: number; failed: number }> = {};
      for (const name of jobs.keys()) {
        const counts = await queueFor(name).getJobCounts("waiting", "active", "failed", "delayed");
        result[name] = {
          waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0),
          active: counts.active ?? 0,
          failed: counts.failed ?? 0,
        };
      }
      return result;
    },
    async close() {
      // Worker.close() waits for in-flight jobs to finish before resolving.
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all(
        queueEvents.map(async (events) => {
          const redis = await events.client;
          await events.close();
          redis.disconnect();
        }),
      );
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
  /**
   * A job that failed for good (attempts used up, or stalled too often: its worker died with it,
   * twice) must not leave its sync run "running". QueueEvents sees every final failure, including
   * those BullMQ's stalled-job check decides without any worker running the job.
   */
  function watchFinalFailures(name: string) {
    // QueueEvents blocks on its connection (XREAD): one of its own.
    const eventsConnection = new IORedis(options.redisUrl, { maxRetriesPerRequest: null });
    eventsConnection.on("error", (error) =>
      options.deps.log(`redis (queue events ${name}): ${error.message}`),
    );
    const events = new QueueEvents(name, {
      connection: eventsConnection as unknown as ConnectionOptions,
      prefix,
    });
    events.on("error", (error) => options.deps.log(`queue events ${name}: ${error.message}`));
    events.on("failed", ({ jobId, failedReason }) => {
      void (async () => {
        const bullJob = await Job.fromId(queueFor(name), jobId);
        if (!bullJob) return;
        const marked = await failRunsOfJob(options.deps.app, name, bullJob.data, (kind) =>
          finalFailureReason(kind, {
            message: failedReason,
            attemptsMade: bullJob.attemptsMade,
            attemptsStarted: bullJob.attemptsStarted,
          }),
        );
        if (marked)
          options.deps.log(
            `job ${name} (${jobId}) failed for good: ${failedReason}; run marked failed`,
          );
      })().catch((error: Error) =>
        options.deps.log(`job ${name} (${jobId}): could not mark its run failed: ${error.message}`),
      );
    });
    queueEvents.push(events);
  }

  const deps: JobDeps = { ...options.deps, enqueue: enqueue as JobEnqueue };
  return driver;
}
