import type { z } from "zod";
import type { ConfiguredGridSource, WattTimeMarginalSource } from "@canopy/connectors";
import type { Connection, Keyring } from "@canopy/db";
import type { WebhookRetryPolicy } from "./alerts/webhook";
import type { ConnectorSettings } from "./connector-for";
import type { FileStore } from "./file-store";
import type { ReportDelivery } from "./jobs/generate-report";
// Type-only: the registry imports every job, and every job imports this file.
import type { JobName, JobPayloads } from "./registry";

/** Queues a job by a name its registry knows, with that job's payload; a wrong one does not compile. */
export interface Enqueue<Payloads> {
  <Name extends keyof Payloads & string>(
    jobName: Name,
    payload: Payloads[Name],
    options?: EnqueueOptions,
  ): Promise<string>;
}

/** What every processor gets besides its payload. I/O lives here so processors stay plain functions. */
export type JobDeps = {
  /** Owner connection: maintenance only (partitions, cross-tenant housekeeping). */
  owner: Connection;
  /** App-role connection: all tenant data, always through withTenant. */
  app: Connection;
  keyring: Keyring;
  log: (line: string) => void;
  /** Queues follow-up work on the same driver. */
  enqueue: JobEnqueue;
} & JobServices;

/**
 * What the host wires in besides connections (createJobHost): carried in the deps, never set
 * process-wide, so two drivers in one process (a test's fakes beside the defaults) do not meet.
 */
export type JobServices = {
  /** Stored billing files: import-file and prune-import-files refuse to run without it. */
  fileStore?: FileStore;
  /** Provider endpoint overrides and pacing (tests point them at the contract fakes); unset: none. */
  connectors?: ConnectorSettings;
  /** The hourly grid-intensity sources from the admin's keys; unset: none (annual factors only). */
  gridSources?: GridSources;
  /** How report and alert emails leave; unset: the one the environment describes. */
  reportDelivery?: ReportDelivery;
  /** Webhook retries of alert deliveries; unset: the defaults (2 s, 8 s, 32 s; 10 s timeout). */
  webhookRetryPolicy?: Partial<WebhookRetryPolicy>;
};

export type GridSources = {
  sources: ConfiguredGridSource[];
  /** WattTime's marginal signal: stored as advice only, never in a headline figure. */
  marginal: WattTimeMarginalSource | null;
};

/**
 * `Enqueue` on Canopy's registry, as processors get it. A non-generic interface on purpose: its
 * signature is resolved only where it is called, so the registry's payload types (derived from the
 * jobs, whose processors take these deps) do not depend on themselves.
 */
export interface JobEnqueue {
  <Name extends JobName>(
    jobName: Name,
    payload: JobPayloads[Name],
    options?: EnqueueOptions,
  ): Promise<string>;
}

/** What a driver is given: everything but `enqueue`, which the driver adds for itself. */
export type DriverDeps = Omit<JobDeps, "enqueue">;

export type JobContext = {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** The job's attempts option: how many tries it gets in all. */
  attempts: number;
  /** No retry follows if this attempt fails (the driver's bookkeeping: attempt ≥ attempts). */
  isLastAttempt: boolean;
  reportProgress(progress: Record<string, unknown>): Promise<void>;
};

/** One attempt's context as the drivers build it (tests that call a processor directly use it too). */
export function attemptContext(
  options: Pick<JobOptions, "attempts">,
  jobId: string,
  attempt = 1,
  reportProgress: JobContext["reportProgress"] = async () => undefined,
): JobContext {
  const { attempts } = options;
  return { jobId, attempt, attempts, isLastAttempt: attempt >= attempts, reportProgress };
}

export type JobOptions = {
  attempts: number;
  /** Exponential backoff: delay before retry n is backoffMs × 2^(n-1). */
  backoffMs: number;
  /** Jobs of this kind run at most this many at once per worker. */
  concurrency: number;
  /** At most `max` jobs of this kind start per `durationMs`, across all workers (BullMQ only). */
  rateLimit?: { max: number; durationMs: number };
  /**
   * At most this many jobs of this kind run at once for one organization (a payload's `tenantId`),
   * across all workers (BullMQ; the inline driver runs one job at a time anyway). A job over the limit
   * waits (delayed) while other organizations' jobs take the free slots, so one organization's
   * backlog cannot hold every worker.
   */
  perTenantConcurrency?: number;
};

/** A job is data: a name, a payload schema (ids only), default options and a processor. */
export type JobDefinition<
  Payload = unknown,
  Result = unknown,
  Name extends string = string,
  Input = Payload,
> = {
  name: Name;
  payload: z.ZodType<Payload, Input>;
  options: JobOptions;
  process(payload: Payload, deps: JobDeps, context: JobContext): Promise<Result>;
};

export const defineJob = <const Name extends string, Payload, Result, Input = Payload>(
  definition: JobDefinition<Payload, Result, Name, Input>,
) => definition;

export type EnqueueOptions = {
  /** Deduplicates: a job with the same id that is waiting or running is not added again. */
  jobId?: string;
  delayMs?: number;
};

export type Schedule = { everyMs: number };

export type JobState = "waiting" | "active" | "completed" | "failed" | "unknown";

/** The queue, whichever engine runs it. Producers and consumers use only this. */
export type QueueDriver<Payloads = JobPayloads> = {
  readonly kind: "bullmq" | "inline";
  enqueue: Enqueue<Payloads>;
  /** Recurring work, registered idempotently under `scheduleId`. */
  schedule<Name extends keyof Payloads & string>(
    scheduleId: string,
    jobName: Name,
    payload: Payloads[Name],
    schedule: Schedule,
  ): Promise<void>;
  /** Begins processing (a producer-only process never calls it). */
  startWorkers(): Promise<void>;
  /** Resolves when every job enqueued so far has finished (inline), for tests and the seed. */
  drain(): Promise<void>;
  stats(): Promise<Record<string, { waiting: number; active: number; failed: number }>>;
  /** Stops taking jobs, lets in-flight ones finish (or hands them back), then disconnects. */
  close(): Promise<void>;
};

export type JobEvents = {
  onCompleted?(jobName: string, durationMs: number, result: unknown): void;
  onFailed?(jobName: string, durationMs: number, error: Error, willRetry: boolean): void;
};
