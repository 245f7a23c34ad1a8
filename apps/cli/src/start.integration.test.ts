import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inheritedEnvironment } from "@canopy/config";
import { DEMO_EMAIL, DEMO_PASSWORD } from "@canopy/db";

/**
 * `pnpm start` with no DATABASE_URL and no REDIS_URL: an embedded PostgreSQL, the demo organization,
 * the inline worker and the web app, run compiled as `pnpm start` runs it. Builds the web app first if
 * no build exists (CI builds before testing).
 */
const home = mkdtempSync(path.join(os.tmpdir(), "canopy-start-"));
// As root the embedded PostgreSQL runs as the "postgres" user, which must reach its data directory.
chmodSync(home, 0o755);
const cliDir = path.resolve(__dirname, "..");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

type Started = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startCanopy(env: Record<string, string>): Started {
  const {
    DATABASE_URL: _d,
    REDIS_URL: _r,
    DATABASE_APP_URL: _a,
    DATABASE_AUTH_URL: _u,
    ...inherited
  } = inheritedEnvironment();
  // As `pnpm start` runs it: the compiled bundle (rebuilt by the launcher if a source is newer).
  const child = spawn(process.execPath, ["bin/start.mjs"], {
    cwd: cliDir,
    env: {
      ...inherited,
      NODE_ENV: "development",
      CANOPY_HOME: home,
      CANOPY_GRID_NESO: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(started: Started, text: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (started.child.exitCode !== null)
      throw new Error(`start exited early:\n${started.output()}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for "${text}":\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The CLI from its sources (tsx), or compiled (bin/canopy.mjs: the bundle `pnpm canopy` runs). */
async function runCli(
  env: Record<string, string>,
  args: string[],
  runner: "tsx" | "compiled" = "tsx",
): Promise<{ code: number | null; output: string }> {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = inheritedEnvironment();
  const entry = runner === "tsx" ? ["--import", "tsx", "src/main.ts"] : ["bin/canopy.mjs"];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: cliDir,
    env: {
      ...inherited,
      NODE_ENV: "development",
      CANOPY_HOME: home,
      CANOPY_GRID_NESO: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, output };
}

async function stop(started: Started) {
  started.child.kill("SIGTERM");
  return started.exited;
}

describe("pnpm start (embedded PostgreSQL, inline jobs)", () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("serves /api/health, lets the demo user sign in, and does not duplicate data on restart", async () => {
    const ports = {
      PORT: await freePort(),
      CANOPY_WORKER_PORT: await freePort(),
      CANOPY_EMBEDDED_PG_PORT: await freePort(),
    };
    const env = Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]));
    const base = `http://127.0.0.1:${ports.PORT}`;

    const first = startCanopy(env);
    await waitFor(first, "Canopy is running", 280_000);
    expect(first.output()).toMatch(/Seeded "Demo Corp" with [\d,]+ usage rows/);
    // Provider-reported figures for /reconciliation, through the carbon export importer.
    expect(first.output()).toMatch(
      /Imported the demo's provider carbon exports: \d+ AWS and \d+ GCP figures/,
    );
    expect(first.output()).toContain(`Sign in as ${DEMO_EMAIL} with password ${DEMO_PASSWORD}`);

    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const icon = await fetch(`${base}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);

    const wrong = await signIn(base, "not-the-password");
    expect(wrong.status).toBe(401);
    const signedIn = await signIn(base, DEMO_PASSWORD);
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const home1 = await (
      await fetch(`${base}/`, { headers: { cookie: cookie.split(";")[0]! } })
    ).text();
    expect(home1).toContain("<h1>Demo Corp</h1>");
    const rows1 = usageRowsShown(home1);
    expect(rows1).toBeGreaterThan(90_000);

    const worker = await fetch(`http://127.0.0.1:${ports.CANOPY_WORKER_PORT}/healthz`);
    expect(await worker.json()).toEqual({ status: "ok", queue: "inline" });

    // The CLI beside the running app: it uses the app's embedded PostgreSQL instead of failing.
    const accounts = await runCli(env, ["accounts", "list", "--org", "demo-corp"]);
    expect(accounts.output).toContain("Using the embedded PostgreSQL already running");
    expect(accounts.output).toContain("123456789012");
    expect(accounts.code).toBe(0);

    expect(await stop(first)).toBe(0);

    const second = startCanopy(env);
    await waitFor(second, "Canopy is running", 120_000);
    expect(second.output()).toContain('"Demo Corp" already exists; demo data left as it is.');
    expect(second.output()).not.toContain("Imported the demo's provider carbon exports");
    const again = await signIn(base, DEMO_PASSWORD);
    const home2 = await (
      await fetch(`${base}/`, {
        headers: { cookie: (again.headers.get("set-cookie") ?? "").split(";")[0]! },
      })
    ).text();
    expect(usageRowsShown(home2)).toBe(rows1);
    expect(await stop(second)).toBe(0);
  }, 420_000);

  it("names the port and the variable when a port is taken", async () => {
    const blocker = net.createServer().listen(0, "0.0.0.0");
    await new Promise((resolve) => blocker.once("listening", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const started = startCanopy({ PORT: String(port) });
    expect(await started.exited).toBe(1);
    expect(started.output().trim()).toBe(
      `canopy: Port ${port} is already in use; set PORT to another port.`,
    );
    blocker.close();
  });

  it("keeps a failed command's exit code when it started the embedded PostgreSQL itself, compiled or not", async () => {
    const env = { CANOPY_EMBEDDED_PG_PORT: String(await freePort()) };
    for (const runner of ["tsx", "compiled"] as const) {
      const result = await runCli(env, ["accounts", "list", "--org", "no-such-org"], runner);
      expect(result.output).toContain("DATABASE_URL is not set: starting embedded PostgreSQL");
      expect(result.output).toContain('no organization with slug "no-such-org"');
      expect(result.code, runner).toBe(1);
    }
  }, 180_000);
});

function signIn(base: string, password: string) {
  return fetch(`${base}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ email: DEMO_EMAIL, password }),
  });
}

function usageRowsShown(html: string): number {
  const match = /Usage rows stored<\/div><div class="figure">([\d,]+)</.exec(html);
  if (!match) throw new Error("usage figure not found on the page");
  return Number(match[1]!.replaceAll(",", ""));
}
