// Standalone worker process: `pnpm --filter @canopy/worker start`.
import path from "node:path";
import { canopyHome, loadConfig } from "@canopy/config";
import { loadKeyring, migrate, resolveDatabase } from "@canopy/db";
import { startWorker } from "./worker";

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main() {
  const env = loadConfig();
  const database = await resolveDatabase(env, log);
  await migrate({
    ownerUrl: database.urls.owner,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword: database.appPassword,
  });
  const keyring = loadKeyring({
    currentKey: env.CANOPY_ENCRYPTION_KEY,
    previousKeys: env.CANOPY_PREVIOUS_ENCRYPTION_KEYS,
    homeDir: canopyHome(env),
    production: env.NODE_ENV === "production",
    warn: log,
  });
  const worker = await startWorker({
    urls: database.urls,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.CANOPY_QUEUE_PREFIX,
    jobLockMs: env.CANOPY_JOB_LOCK_MS,
    reportDayOfMonth: env.CANOPY_REPORT_DAY_OF_MONTH,
    keyring,
    port: env.CANOPY_WORKER_PORT,
    filesDir: path.join(canopyHome(env), "files"),
    log,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`worker: ${signal} received, finishing in-flight jobs`);
    await worker.stop();
    await database.embedded?.stop();
    log("worker: stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: Error) => {
  process.stderr.write(`canopy worker: ${error.message}\n`);
  process.exit(1);
});
