import type { DriverDeps, JobEvents, QueueDriver } from "./contract";
import type { JobRegistry } from "./registry";
import { createBullmqDriver } from "./drivers/bullmq";
import { createInlineDriver } from "./drivers/inline";

/** BullMQ when a Redis URL is configured, the inline driver otherwise. */
export function createQueueDriver(options: {
  redisUrl: string | undefined;
  deps: DriverDeps;
  events?: JobEvents;
  prefix?: string;
  registry?: JobRegistry;
  lockDurationMs?: number;
}): QueueDriver {
  if (!options.redisUrl) return createInlineDriver(options.deps, options.events, options.registry);
  return createBullmqDriver({ ...options, redisUrl: options.redisUrl });
}
