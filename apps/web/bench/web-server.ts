import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inheritedEnvironment } from "@canopy/config";
import { webBuildState } from "../../../scripts/freshness.mjs";

/** What the web benchmarks share: the production build, its start-up, a port, admin SQL, percentiles. */

export const webDir = path.resolve(import.meta.dirname, "..");

/** Runs `next build` when there is no build or a source is newer (the same rule as `pnpm start`). */
export async function buildIfStale(log: (line: string) => void) {
  if (webBuildState() === "fresh") return;
  log("Building the web app (next build)…");
  await new Promise<void>((resolve, reject) => {
    const build = spawn(
      process.execPath,
      [path.join(webDir, "node_modules/next/dist/bin/next"), "build"],
      {
        cwd: webDir,
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...inheritedEnvironment(), NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      },
    );
    build.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (${code})`)),
    );
  });
}

/** Waits up to a minute for `url` to answer 2xx; fails at once if `web` exits meanwhile. */
export async function waitForHealth(url: string, web?: ChildProcess) {
  for (let i = 0; i < 240; i++) {
    if (web && web.exitCode !== null) throw new Error("the web app exited during start-up");
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the web app did not become healthy at ${url}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the built web app (`next start`) on a free port with the app and sign-in roles' URLs and
 * fresh secrets, without Redis (inline jobs), and resolves once /api/health answers. `cacheMb` is
 * CANOPY_READ_CACHE_MB (0: every emission read computed afresh).
 */
export async function startWeb(options: {
  appUrl: string;
  authUrl: string;
  cacheMb: number;
}): Promise<{ base: string; stop(): void }> {
  const port = await freePort();
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = inheritedEnvironment();
  const web = spawn(
    process.execPath,
    [path.join(webDir, "node_modules/next/dist/bin/next"), "start", "-p", String(port)],
    {
      cwd: webDir,
      env: {
        ...inherited,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        DATABASE_APP_URL: options.appUrl,
        DATABASE_AUTH_URL: options.authUrl,
        BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
        CANOPY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        CANOPY_HOME: mkdtempSync(path.join(os.tmpdir(), "canopy-bench-")),
        CANOPY_PUBLIC_URL: `http://127.0.0.1:${port}`,
        CANOPY_READ_CACHE_MB: String(options.cacheMb),
        PORT: String(port),
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(`${base}/api/health`, web);
  return { base, stop: () => web.kill("SIGTERM") };
}

/** `runs` sequential GETs of `url` after 3 warm-ups: each one's milliseconds. */
export async function measure(
  url: string,
  headers: Record<string, string>,
  runs: number,
): Promise<number[]> {
  const once = async () => {
    const t = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 3; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return times;
}

/** Runs `fn` on one connection to `url` (CREATE/DROP DATABASE, roles). */
export async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The p-th percentile (nearest rank); NaN without values. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
