import http from "node:http";
import path from "node:path";
import { canopyHome, type Env } from "@canopy/config";
import { connect, keyringFromEnv, pingDatabase, type DatabaseUrls, type Keyring } from "@canopy/db";
import type { GridSourcesConfig } from "@canopy/connectors";
import {
  createJobHost,
  gridSourceNames,
  localFileStore,
  registerAlertSchedule,
  registerGridIntensitySchedule,
  registerReportSchedule,
  registerSyncSchedule,
  type QueueDriver,
} from "../index";
import { createWorkerMetrics } from "./metrics";
import { listenOrExplain } from "./listen";

export type RunningWorker = { driver: QueueDriver; stop(): Promise<void> };

const DAY_MS = 24 * 3600 * 1000;

/**
 * Starts the job processors (BullMQ when redisUrl is set, inline otherwise), the recurring
 * schedules, and an HTTP server with /healthz and /metrics on `port`.
 */
export async function startWorker(options: {
  urls: DatabaseUrls;
  redisUrl: string | undefined;
  queuePrefix?: string;
  jobLockMs?: number;
  /** Day of the month on which last month's reports are generated and sent. */
  reportDayOfMonth?: number;
  /** CANOPY_RUN_STALL_TIMEOUT_MS: a run "running" without progress this long is marked failed. */
  runStallTimeoutMs?: number;
  /** CANOPY_SUPERSEDED_RETENTION_DAYS: how long previous versions of usage are kept (0: forever). */
  supersededRetentionDays?: number;
  /** CANOPY_IMPORT_FILE_RETENTION_DAYS: days a finished import's uploaded file is kept (0: forever). */
  importFileRetentionDays?: number;
  keyring: Keyring;
  port: number;
  /** Folder of stored billing files (CANOPY_HOME/files). */
  filesDir: string;
  /** Keys of the hourly grid-intensity sources (CANOPY_ELECTRICITYMAPS_API_KEY, …); unset: no source. */
  gridSources?: GridSourcesConfig;
  log: (line: string) => void;
}): Promise<RunningWorker> {
  const owner = connect(options.urls.owner, { max: 2, applicationName: "canopy-worker-owner" });
  const app = connect(options.urls.app, { max: 8, applicationName: "canopy-worker" });
  const metrics = createWorkerMetrics();
  const { driver, deps } = createJobHost({
    redisUrl: options.redisUrl,
    ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
    ...(options.jobLockMs ? { lockDurationMs: options.jobLockMs } : {}),
    owner,
    app,
    keyring: options.keyring,
    log: options.log,
    fileStore: localFileStore(options.filesDir),
    gridSourceKeys: options.gridSources ?? { neso: false },
    events: metrics.events,
  });
  const gridSources = gridSourceNames(deps.gridSources);

  const server = http.createServer((request, response) => {
    if (request.url === "/healthz") {
      pingDatabase(app)
        .then(() => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ status: "ok", queue: driver.kind }));
        })
        .catch((error: Error) => {
          response.writeHead(503, { "content-type": "application/json" });
          response.end(JSON.stringify({ status: "unavailable", error: error.message }));
        });
    } else if (request.url === "/metrics") {
      metrics.render(driver).then(
        (body) => {
          response.writeHead(200, { "content-type": metrics.contentType });
          response.end(body);
        },
        (error: Error) => {
          response.writeHead(500);
          response.end(error.message);
        },
      );
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await listenOrExplain(server, options.port, "CANOPY_WORKER_PORT");

  await driver.startWorkers();
  await driver.schedule(
    "refresh-stale-estimates-daily",
    "refresh-stale-estimates",
    {},
    { everyMs: DAY_MS },
  );
  if (options.reportDayOfMonth)
    await registerReportSchedule(driver, { dayOfMonth: options.reportDayOfMonth });
  // Live cloud syncs: backfill on connect, then every hour (Azure: daily) per connected account.
  await registerSyncSchedule(driver);
  await driver.schedule(
    "maintain-partitions-daily",
    "maintain-partitions",
    { monthsAhead: 3 },
    { everyMs: DAY_MS },
  );
  await driver.schedule(
    "canonicalize-services-daily",
    "canonicalize-services",
    {},
    { everyMs: DAY_MS },
  );
  // The watchdog: imports and syncs left "running" by a worker that died are marked failed.
  const staleAfterMs = options.runStallTimeoutMs ?? 15 * 60_000;
  await driver.schedule(
    "sweep-stalled-runs",
    "sweep-stalled-runs",
    { staleAfterMs },
    { everyMs: Math.min(60_000, Math.max(1_000, Math.floor(staleAfterMs / 4))) },
  );
  await driver.schedule(
    "prune-superseded-usage-daily",
    "prune-superseded-usage",
    { retentionDays: options.supersededRetentionDays ?? 0 },
    { everyMs: DAY_MS },
  );
  // Uploaded billing files of imports finished longer ago than the retention (the usage stays).
  await driver.schedule(
    "prune-import-files-daily",
    "prune-import-files",
    { retentionDays: options.importFileRetentionDays ?? 0 },
    { everyMs: DAY_MS },
  );
  // Emission spikes and budget crossings, daily (and a minute after each tenant's rollups).
  await registerAlertSchedule(driver);
  // Hourly grid intensity: refresh every hour, backfill every day; a source that is down only logs.
  if (gridSources.length) await registerGridIntensitySchedule(driver);
  options.log(
    `worker: grid intensity sources: ${gridSources.join(", ") || "none (annual factors only)"}`,
  );
  options.log(
    `worker: ${driver.kind === "bullmq" ? "BullMQ on Redis" : "inline driver (REDIS_URL unset)"}, health on http://127.0.0.1:${options.port}/healthz`,
  );

  return {
    driver,
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      await closed;
      await driver.close();
      await Promise.all([owner.close(), app.close()]);
    },
  };
}

/** startWorker with every setting taken from the environment. */
export function startWorkerFromEnv(
  env: Env,
  urls: DatabaseUrls,
  log: (line: string) => void,
): Promise<RunningWorker> {
  return startWorker({
    urls,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.CANOPY_QUEUE_PREFIX,
    jobLockMs: env.CANOPY_JOB_LOCK_MS,
    reportDayOfMonth: env.CANOPY_REPORT_DAY_OF_MONTH,
    supersededRetentionDays: env.CANOPY_SUPERSEDED_RETENTION_DAYS,
    importFileRetentionDays: env.CANOPY_IMPORT_FILE_RETENTION_DAYS,
    runStallTimeoutMs: env.CANOPY_RUN_STALL_TIMEOUT_MS,
    keyring: keyringFromEnv(env, log),
    port: env.CANOPY_WORKER_PORT,
    filesDir: path.join(canopyHome(env), "files"),
    gridSources: {
      electricityMapsApiKey: env.CANOPY_ELECTRICITYMAPS_API_KEY,
      eiaApiKey: env.CANOPY_EIA_API_KEY,
      entsoeSecurityToken: env.CANOPY_ENTSOE_TOKEN,
      neso: env.CANOPY_GRID_NESO,
      wattTime:
        env.CANOPY_WATTTIME_USERNAME && env.CANOPY_WATTTIME_PASSWORD
          ? { username: env.CANOPY_WATTTIME_USERNAME, password: env.CANOPY_WATTTIME_PASSWORD }
          : undefined,
    },
    log,
  });
}
