import "server-only";
import path from "node:path";
import { canopyHome } from "@canopy/config";
import { loadKeyring, type Keyring } from "@canopy/db";
import {
  createJobHost,
  localFileStore,
  type FileStore,
  type JobServices,
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
  return (holder.canopyQueue ??= webQueue());
}

/**
 * Composes the web process's job host; `services` override its defaults (tests point the connectors
 * at the contract fakes and install the result as the process's queue).
 */
export function webQueue(services: JobServices = {}): QueueDriver {
  const env = serverEnv();
  const { driver } = createJobHost({
    redisUrl: env.REDIS_URL,
    prefix: env.CANOPY_QUEUE_PREFIX,
    // A producer-only process (REDIS_URL set) runs no job, so it never opens an owner connection.
    owner: env.REDIS_URL ? appDb() : inlineJobsOwnerDb(),
    app: appDb(),
    keyring: keyring(),
    log: (line) => console.log(`canopy-web jobs: ${line}`),
    fileStore: fileStore(),
    ...services,
  });
  if (driver.kind === "inline") void driver.startWorkers();
  return driver;
}
