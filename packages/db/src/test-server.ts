/**
 * Vitest global setup for suites that need PostgreSQL (and Redis). Uses CANOPY_TEST_DATABASE_URL when
 * that server answers; otherwise, outside CI, starts a throwaway embedded PostgreSQL so the suite runs
 * on a machine with only Node. Test files reach the server through `inject("testDatabaseUrl")`.
 */
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { parseEnv } from "@canopy/config";
import { guardClient } from "./client";
import { startEmbeddedPostgres } from "./embedded";

/** What the setup provides to test files; read it with `testServices()` from ./testing. */
export type TestServices = {
  testDatabaseUrl: string;
  /** Empty when no Redis answers (only allowed outside CI). */
  testRedisUrl: string;
};

export default async function setup(project: TestProject) {
  const provide = project.provide as unknown as <K extends keyof TestServices>(
    key: K,
    value: TestServices[K],
  ) => void;
  const env = parseEnv();
  const inCi = Boolean(env.CI);
  let teardown = async () => undefined as void;

  let databaseUrl = env.CANOPY_TEST_DATABASE_URL;
  if (!(await postgresAnswers(databaseUrl))) {
    if (inCi)
      throw new Error(
        `CANOPY_TEST_DATABASE_URL (${redact(databaseUrl)}) does not answer, and CI requires it`,
      );
    const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-test-pg-"));
    chmodSync(dir, 0o755);
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(dir, "data"),
      port: await freePort(),
    });
    const url = new URL(embedded.url);
    url.pathname = "/postgres";
    databaseUrl = url.toString();
    process.stderr.write(
      `[tests] no PostgreSQL at ${redact(env.CANOPY_TEST_DATABASE_URL)}: using an embedded one\n`,
    );
    teardown = async () => {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  provide("testDatabaseUrl", databaseUrl);

  const redisUrl = env.CANOPY_TEST_REDIS_URL;
  const redisUp = await tcpAnswers(new URL(redisUrl));
  if (!redisUp && inCi)
    throw new Error(`CANOPY_TEST_REDIS_URL (${redisUrl}) does not answer, and CI requires it`);
  if (!redisUp)
    process.stderr.write(`[tests] no Redis at ${redisUrl}: BullMQ suites will not run\n`);
  provide("testRedisUrl", redisUp ? redisUrl : "");

  return teardown;
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = guardClient(
    new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 }),
  );
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function tcpAnswers(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({
      host: url.hostname,
      port: Number(url.port || 6379),
      timeout: 2000,
    });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const redact = (url: string) => url.replace(/:[^:@/]*@/, ":***@");
