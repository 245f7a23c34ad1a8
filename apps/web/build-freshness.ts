import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** Folders whose changes never require a rebuild. */
const notSource = new Set([
  "node_modules",
  "test-artifacts",
  "e2e",
  "test",
  "bench",
  "coverage",
  "dist",
]);

/**
 * Whether the web app's production build (.next) is missing, or older than a source of the app or
 * of the packages it bundles: `pnpm start` and the web benchmarks build first then.
 */
export function webBuildState(): "missing" | "stale" | "fresh" {
  const webDir = import.meta.dirname;
  const buildId = path.join(webDir, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return "missing";
  const builtAt = statSync(buildId).mtimeMs;
  const sources = [webDir, path.resolve(webDir, "../../packages")];
  return sources.some((dir) => newerThan(dir, builtAt)) ? "stale" : "fresh";
}

function newerThan(dir: string, timeMs: number): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (notSource.has(entry.name) || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? newerThan(full, timeMs) : statSync(full).mtimeMs > timeMs)
      return true;
  }
  return false;
}
