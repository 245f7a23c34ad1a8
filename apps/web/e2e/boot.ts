import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { inheritedEnvironment } from "@canopy/config";
import type { TestDatabase } from "@canopy/db/testing";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type RunningCanopy = { baseUrl: string; output: () => string; stop(): Promise<void> };

/**
 * Starts Canopy the way `pnpm start` does (apps/cli/src/start.ts: migrations, worker, `next start`,
 * building the web app first if it is stale) on free ports, against a test database.
 */
export async function startCanopy(
  db: TestDatabase,
  extraEnv: Record<string, string> = {},
): Promise<RunningCanopy> {
  const home = mkdtempSync(path.join(os.tmpdir(), "canopy-e2e-"));
  chmodSync(home, 0o755);
  const port = await freePort();
  const {
    REDIS_URL: _r,
    DATABASE_APP_URL: _a,
    DATABASE_AUTH_URL: _u,
    ...inherited
  } = inheritedEnvironment();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/start.ts"], {
    cwd: path.resolve(import.meta.dirname, "../../cli"),
    env: {
      ...inherited,
      NODE_ENV: "development",
      CANOPY_HOME: home,
      CANOPY_GRID_NESO: "false",
      DATABASE_URL: db.urls.owner,
      CANOPY_DB_ROLE_PREFIX: db.rolePrefix,
      CANOPY_DB_APP_PASSWORD: "canopy-test-password",
      CANOPY_SEED_DEMO: "false",
      PORT: String(port),
      CANOPY_WORKER_PORT: String(await freePort()),
      CANOPY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 300_000;
  while (!output.includes("Canopy is running")) {
    if (child.exitCode !== null) throw new Error(`canopy start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`canopy start timed out:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
