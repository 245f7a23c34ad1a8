// Standalone worker process: `pnpm --filter @canopy/worker start`.
import { loadConfig } from "@canopy/config";
import { migrate, resolveDatabase } from "@canopy/db";
import { startWorkerFromEnv } from "./worker";

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main() {
  const env = loadConfig();
  const database = await resolveDatabase(env, log);
  await migrate({
    ownerUrl: database.urls.owner,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword: database.appPassword,
  });
  const worker = await startWorkerFromEnv(env, database.urls, log);

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
