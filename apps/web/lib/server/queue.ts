import "server-only";
import path from "node:path";
import { canopyHome } from "@canopy/config";
import { loadKeyring, type Keyring } from "@canopy/db";
import {
  createQueueDriver,
  localFileStore,
  useFileStore,
  type FileStore,
  type QueueDriver,
} from "@canopy/jobs";
import { appDb, inlineJobsOwnerDb } from "./db";
import { once, serverEnv } from "./env";

export const keyring = once((): Keyring =>
  loadKeyring({
    currentKey: serverEnv().CANOPY_ENCRYPTION_KEY,
    previousKeys: serverEnv().CANOPY_PREVIOUS_ENCRYPTION_KEYS,
    homeDir: canopyHome(serverEnv()),
    production: serverEnv().NODE_ENV === "production",
    warn: (message) => console.warn(`canopy-web: ${message}`),
  }),
);

export const fileStore = once((): FileStore =>
  localFileStore(path.join(canopyHome(serverEnv()), "files")),
);

const holder = globalThis as unknown as { canopyQueue?: QueueDriver };

/**
 * The web process's queue. With REDIS_URL it only enqueues (the worker process runs the jobs); without
 * it, the inline driver runs imports, estimates and rollups here, in order, with the owner connection
 * their partition DDL needs. The web app never schedules recurring work: maintenance jobs belong to
 * the worker.
 */
export function queue(): QueueDriver {
  if (holder.canopyQueue) return holder.canopyQueue;
  const env = serverEnv();
  const driver = createQueueDriver({
    redisUrl: env.REDIS_URL,
    prefix: env.CANOPY_QUEUE_PREFIX,
    deps: {
      owner: env.REDIS_URL ? appDb() : inlineJobsOwnerDb(),
      app: appDb(),
      keyring: keyring(),
      log: (line) => console.log(`canopy-web jobs: ${line}`),
    },
  });
  if (driver.kind === "inline") {
    useFileStore(fileStore());
    void driver.startWorkers();
  }
  holder.canopyQueue = driver;
  return driver;
}
