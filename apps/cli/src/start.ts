// `pnpm start`: database (embedded when DATABASE_URL is unset) → migrations → demo data → worker → web app.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  canopyHome,
  developmentSecret,
  guardProcess,
  inheritedEnvironment,
  loadConfig,
  seedDemoDecision,
} from "@canopy/config";
import {
  DEMO_EMAIL,
  DEMO_ORG_NAME,
  DEMO_PASSWORD,
  connect,
  migrate,
  resolveDatabase,
  seedDemoOrganization,
} from "@canopy/db";
import { seedDemoProviderCarbon } from "@canopy/jobs";
import { assertPortFree, startWorkerFromEnv } from "@canopy/jobs/host";
import { webBuildState } from "../../../scripts/freshness.mjs";
import { keyringFor, log } from "./runtime";

// The in-process worker's lost connections and poison inputs fail their job, never the server.
guardProcess({ name: "canopy", log });

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");

/** What has been started, stopped in reverse order on Ctrl+C, SIGTERM or a failed start. */
const running: (() => unknown)[] = [];
let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const step of running.reverse()) await Promise.resolve(step()).catch(() => undefined);
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

async function main() {
  const env = loadConfig();
  await assertPortFree(env.PORT, "PORT");
  await assertPortFree(env.CANOPY_WORKER_PORT, "CANOPY_WORKER_PORT");
  if (!env.DATABASE_URL)
    await assertPortFree(env.CANOPY_EMBEDDED_PG_PORT, "CANOPY_EMBEDDED_PG_PORT");

  const database = await resolveDatabase(env, log);
  if (database.embedded) running.push(() => database.embedded?.stop());
  await migrate({
    ownerUrl: database.urls.owner,
    rolePrefix: env.CANOPY_DB_ROLE_PREFIX,
    appPassword: database.appPassword,
  });
  log("Database migrated.");
  const keyring = keyringFor(env);

  const demo = seedDemoDecision(env, {
    embedded: Boolean(database.embedded),
    ownerUrl: database.urls.owner,
  });
  if (!demo.seed) log(`Demo data not seeded: ${demo.reason}.`);
  if (demo.seed) {
    const owner = connect(database.urls.owner, { max: 2 });
    const app = connect(database.urls.app, { max: 2 });
    try {
      const seeded = await seedDemoOrganization(owner);
      log(
        seeded.created
          ? `Seeded "${DEMO_ORG_NAME}" with ${seeded.usageRows.toLocaleString("en")} usage rows.`
          : `"${DEMO_ORG_NAME}" already exists; demo data left as it is.`,
      );
      // Provider-reported figures through the carbon export importer (once; an older demo gets them too).
      const carbon = await seedDemoProviderCarbon(app, seeded.tenantId);
      if (!carbon.skipped)
        log(
          `Imported the demo's provider carbon exports: ${carbon.aws.stored} AWS and ${carbon.gcp.stored} GCP figures (synthetic, for /reconciliation).`,
        );
    } finally {
      await app.close();
      await owner.close();
    }
  }

  const worker = await startWorkerFromEnv(env, database.urls, log);
  running.push(() => worker.stop());

  await buildWebIfStale();
  const authSecret =
    env.BETTER_AUTH_SECRET ?? developmentSecret(path.join(canopyHome(env), "auth-secret"));
  const web = spawn(process.execPath, [nextBin(), "start", "-p", String(env.PORT)], {
    cwd: webDir,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...childEnv(),
      // Without Redis the web process runs the jobs it queues, whose partition DDL needs the owner.
      ...(env.REDIS_URL ? {} : { DATABASE_URL: database.urls.owner }),
      DATABASE_APP_URL: database.urls.app,
      DATABASE_AUTH_URL: database.urls.auth,
      BETTER_AUTH_SECRET: authSecret,
      CANOPY_ENCRYPTION_KEY: keyring.current.key.toString("base64"),
      PORT: String(env.PORT),
    },
  });
  running.push(() => web.kill("SIGTERM"));
  await waitForHealth(`http://127.0.0.1:${env.PORT}/api/health`, web);
  log("");
  log(`Canopy is running at http://localhost:${env.PORT}`);
  if (demo.seed) log(`Sign in as ${DEMO_EMAIL} with password ${DEMO_PASSWORD}`);
  log("Press Ctrl+C to stop.");

  web.on("exit", (code) => void stop(code ?? 1));
}

/** The environment for the web process, without anything the parent resolved differently. */
function childEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ownerUrl, ...rest } = inheritedEnvironment();
  return { ...rest, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
}

function nextBin(): string {
  return path.join(webDir, "node_modules", "next", "dist", "bin", "next");
}

/** Builds the web app when there is no build, or when any source is newer than it. */
async function buildWebIfStale() {
  const state = webBuildState();
  if (state === "fresh") return;
  log(
    state === "stale"
      ? "Sources changed since the last build: rebuilding the web app…"
      : "Building the web app (first start only, about a minute)…",
  );
  await new Promise<void>((resolve, reject) => {
    const build = spawn(process.execPath, [nextBin(), "build"], {
      cwd: webDir,
      stdio: "inherit",
      env: childEnv(),
    });
    running.push(() => build.kill("SIGTERM"));
    build.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}`)),
    );
  });
}

async function waitForHealth(url: string, web: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (web.exitCode !== null) throw new Error("The web app exited during start-up");
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The web app did not become healthy at ${url}`);
}

main().catch((error: Error) => {
  process.stderr.write(`canopy: ${error.message}\n`);
  void stop(1);
});
