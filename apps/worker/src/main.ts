// Standalone worker process: `pnpm --filter @canopy/worker start`.
import { guardProcess, loadConfig } from "@canopy/config";
import { migrate, resolveDatabase } from "@canopy/db";
import { startWorkerFromEnv } from "@canopy/jobs/host";

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

// A lost database connection or a poison input fails the job it broke, never the process.
guardProcess({ name: "worker", log });

/** What has been started, stopped in reverse order on SIGTERM/SIGINT or a failed start. */
const running: (() => unknown)[] = [];
let stopping = false;
async function stop(code: number, reason: string) {
  if (stopping) return;
  stopping = true;
  log(`worker: ${reason}, finishing in-flight jobs`);
  for (const step of running.reverse()) await Promise.resolve(step()).catch(() => undefined);
  log("worker: stopped");
  process.exit(code);
}
process.on("SIGTERM", () => void stop(0, "SIGTERM received"));
process.on("SIGINT", () => void stop(0, "SIGINT received"));

async function main() {
  const env = loadConfig();
  const database = await resolveDatabase(env, log);
  if (database.embedded) running.push(() => database.embedded?.stop());
  await migrate({
    ownerUrl: database.urls.owner,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword: database.appPassword,
  });
  const worker = await startWorkerFromEnv(env, database.urls, log);
  running.push(() => worker.stop());
}

main().catch((error: Error) => {
  process.stderr.write(`canopy worker: ${error.message}\n`);
  void stop(1, "start failed");
});
