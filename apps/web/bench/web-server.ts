import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
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
