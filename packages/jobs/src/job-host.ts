import type { GridSourcesConfig } from "@canopy/connectors";
import type { DriverDeps, JobEvents, QueueDriver } from "./contract";
import type { JobPayloads, JobRegistry } from "./registry";
import { createBullmqDriver } from "./drivers/bullmq";
import { createInlineDriver } from "./drivers/inline";
import { gridSourcesFrom } from "./jobs/sync-grid-intensity";

export type JobHostOptions<Payloads = JobPayloads> = DriverDeps & {
  /** BullMQ on this Redis; unset: the inline driver runs the jobs in this process. */
  redisUrl: string | undefined;
  prefix?: string;
  lockDurationMs?: number;
  events?: JobEvents;
  registry?: JobRegistry<Payloads>;
  /** The admin's grid-source keys, made into `gridSources` here (ignored when those are given). */
  gridSourceKeys?: GridSourcesConfig;
};

export type JobHost<Payloads = JobPayloads> = {
  driver: QueueDriver<Payloads>;
  /** What every processor of this host gets besides `enqueue`: connections and services. */
  deps: DriverDeps;
};

/**
 * Composes a host of jobs: the worker, the web app's inline driver and the CLI all start here. The
 * connections, file store, connector settings, grid sources, report delivery and webhook policy
 * travel in the deps to every processor (no process-wide setters); BullMQ when a Redis URL is
 * configured, the inline driver otherwise.
 */
export function createJobHost<Payloads = JobPayloads>(
  options: JobHostOptions<Payloads>,
): JobHost<Payloads> {
  const { redisUrl, prefix, lockDurationMs, events, registry, gridSourceKeys, ...services } =
    options;
  const deps: DriverDeps = {
    ...services,
    ...(!services.gridSources && gridSourceKeys
      ? { gridSources: gridSourcesFrom(gridSourceKeys) }
      : {}),
  };
  const driver = redisUrl
    ? createBullmqDriver({
        redisUrl,
        deps,
        ...(prefix ? { prefix } : {}),
        ...(lockDurationMs ? { lockDurationMs } : {}),
        ...(events ? { events } : {}),
        ...(registry ? { registry } : {}),
      })
    : createInlineDriver(deps, events, registry);
  return { driver, deps };
}
