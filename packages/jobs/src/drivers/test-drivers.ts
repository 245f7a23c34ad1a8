import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import { testServices } from "@canopy/db/testing";
import type { DriverDeps, JobEvents, QueueDriver } from "../contract";
import type { JobRegistry } from "../registry";
import { createBullmqDriver } from "./bullmq";
import { createInlineDriver } from "./inline";

export type TestDriverFactory = <Payloads>(
  deps: DriverDeps,
  registry: JobRegistry<Payloads>,
  events?: JobEvents,
) => QueueDriver<Payloads>;

/**
 * The drivers a test runs against: inline always, BullMQ when a test Redis answers (test-server.ts
 * leaves the URL empty outside CI otherwise). Each BullMQ driver gets a key prefix of its own;
 * `removeKeys` (for afterAll) deletes them, leaving Redis as it was found.
 */
export function testDrivers(): {
  factories: [string, TestDriverFactory][];
  removeKeys(): Promise<void>;
} {
  const redisUrl = testServices().testRedisUrl;
  const prefixes: string[] = [];
  const factories: [string, TestDriverFactory][] = [
    ["inline", (deps, registry, events) => createInlineDriver(deps, events, registry)],
  ];
  if (redisUrl)
    factories.push([
      "bullmq",
      (deps, registry, events) => {
        const prefix = `{canopy-test-${randomBytes(4).toString("hex")}}`;
        prefixes.push(prefix);
        return createBullmqDriver({
          redisUrl,
          prefix,
          deps,
          registry,
          ...(events ? { events } : {}),
        });
      },
    ]);
  return {
    factories,
    async removeKeys() {
      if (!redisUrl) return;
      const redis = new IORedis(redisUrl);
      for (const prefix of prefixes) {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
      }
      await redis.quit();
    },
  };
}
