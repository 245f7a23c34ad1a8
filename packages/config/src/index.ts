import { existsSync } from "node:fs";
import path from "node:path";
import { envSchema, type Env } from "./env";

export { envSchema, type Env };
export { developmentSecret } from "./dev-secret";
export { guardProcess } from "./process-guard";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses an environment (the process's by default). Throws a ConfigError whose message is one line
 * naming the first bad variable and the expected format.
 */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) {
    const env = result.data;
    if (env.NODE_ENV === "production") {
      const missing = productionRequirements(env);
      if (missing.length)
        throw new ConfigError(
          `${listed(missing)} ${missing.length === 1 ? "is" : "are"} required when NODE_ENV=production (not set)`,
        );
    }
    return env;
  }
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? "environment");
  const shown = source[name] === undefined ? "it is not set" : "got an invalid value";
  throw new ConfigError(`${name} must be ${issue.message} (${shown})`);
}

let cached: Env | undefined;

/** The process configuration, parsed once. On a bad variable it prints one line and exits. */
export function loadConfig(): Env {
  if (cached) return cached;
  try {
    cached = parseEnv();
    return cached;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`canopy: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Absolute path of the local state directory (embedded database, dev keys, uploaded files). */
export function canopyHome(env: Env = loadConfig()): string {
  return path.resolve(findRepoRoot(), env.CANOPY_HOME);
}

function findRepoRoot(): string {
  // The workspace root holds pnpm-workspace.yaml; fall back to the working directory outside a checkout.
  let dir = process.cwd();
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** A copy of the process environment, for passing through to a child process. */
export function inheritedEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/**
 * What production refuses to default, all of it at once: the database location, the credential key,
 * the session secret, and the login roles' password when the app and auth URLs are derived from
 * DATABASE_URL. Every entry point (pnpm start, the worker, the CLI, the web app) parses its
 * configuration before it listens or connects, so a production process missing one never starts.
 */
export function productionRequirements(env: Env): string[] {
  const missing: string[] = [];
  const derivedUrls = !(env.DATABASE_APP_URL && env.DATABASE_AUTH_URL);
  if (!env.DATABASE_URL && derivedUrls) missing.push("DATABASE_URL");
  if (!env.CANOPY_ENCRYPTION_KEY) missing.push("CANOPY_ENCRYPTION_KEY");
  if (!env.BETTER_AUTH_SECRET) missing.push("BETTER_AUTH_SECRET");
  if (derivedUrls && !env.CANOPY_DB_APP_PASSWORD) missing.push("CANOPY_DB_APP_PASSWORD");
  return missing;
}

const listed = (names: string[]) =>
  names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

/** Whether PostgreSQL at `url` is on this machine (loopback or a Unix socket). */
export function isLocalDatabaseUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    const host = decodeURIComponent(parsed.hostname).replace(/^\[|\]$/g, "");
    const socketHost = parsed.searchParams.get("host");
    if (!host) return socketHost === null || socketHost.startsWith("/");
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/**
 * Whether `pnpm start` seeds the demo organization, whose sign-in is public. CANOPY_SEED_DEMO=true
 * or false decides; unset, only a development start on the embedded or a local PostgreSQL seeds, so
 * the zero-setup start has data and no real deployment ever gets a known login.
 */
export function seedDemoDecision(
  env: Pick<Env, "CANOPY_SEED_DEMO" | "NODE_ENV">,
  database: { embedded: boolean; ownerUrl: string },
): { seed: boolean; reason: string } {
  if (env.CANOPY_SEED_DEMO === true) return { seed: true, reason: "CANOPY_SEED_DEMO=true" };
  if (env.CANOPY_SEED_DEMO === false) return { seed: false, reason: "CANOPY_SEED_DEMO=false" };
  if (env.NODE_ENV === "production")
    return {
      seed: false,
      reason: "NODE_ENV=production (set CANOPY_SEED_DEMO=true to seed anyway)",
    };
  if (!database.embedded && !isLocalDatabaseUrl(database.ownerUrl))
    return {
      seed: false,
      reason: "DATABASE_URL is not a local database (set CANOPY_SEED_DEMO=true to seed anyway)",
    };
  return { seed: true, reason: database.embedded ? "embedded database" : "local database" };
}
