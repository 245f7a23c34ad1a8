import type { DriverDeps, JobEvents, QueueDriver } from "./contract";
import type { JobPayloads, JobRegistry } from "./registry";
import { createBullmqDriver } from "./drivers/bullmq";
import { createInlineDriver } from "./drivers/inline";

/** BullMQ when a Redis URL is configured, the inline driver otherwise. */
export function createQueueDriver<Payloads = JobPayloads>(options: {
  redisUrl: string | undefined;
  deps: DriverDeps;
  events?: JobEvents;
  prefix?: string;
  registry?: JobRegistry<Payloads>;
  lockDurationMs?: number;
}): QueueDriver<Payloads> {
  if (!options.redisUrl) return createInlineDriver(options.deps, options.events, options.registry);
  return createBullmqDriver({ ...options, redisUrl: options.redisUrl });
}
