import { existsSync } from "node:fs";
import path from "node:path";
import { envSchema, type Env } from "./env";

export { envSchema, type Env };
export { developmentSecret } from "./dev-secret";

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
      const missing = productionRequirement(env);
      if (missing) throw new ConfigError(`${missing} is required when NODE_ENV=production`);
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
 * What production refuses to default: the database location, the credential key and the session
 * secret. (The login-role password is checked by `canopy migrate`, the only thing that sets it.)
 */
function productionRequirement(env: Env): string | undefined {
  if (!env.DATABASE_URL && !(env.DATABASE_APP_URL && env.DATABASE_AUTH_URL)) return "DATABASE_URL";
  if (!env.CANOPY_ENCRYPTION_KEY) return "CANOPY_ENCRYPTION_KEY";
  if (!env.BETTER_AUTH_SECRET) return "BETTER_AUTH_SECRET";
  return undefined;
}
