// Whether a build is older than its sources: `pnpm start` builds the web app first when it is, and the
// compiled CLI and worker (node-bundle.mjs) rebuild themselves.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

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

/** Whether a source file under `dir` (tests, benchmarks and builds aside) changed after `timeMs`. */
export function newerThan(dir, timeMs) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (notSource.has(entry.name) || entry.name.startsWith(".")) continue;
    if (entry.name.endsWith(".test.ts")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? newerThan(full, timeMs) : statSync(full).mtimeMs > timeMs)
      return true;
  }
  return false;
}

/** The state of a build marked by the file `stamp`, made from the folders `sources`. */
export function buildState(stamp, sources) {
  if (!existsSync(stamp)) return "missing";
  const builtAt = statSync(stamp).mtimeMs;
  return sources.some((dir) => newerThan(dir, builtAt)) ? "stale" : "fresh";
}

/**
 * Whether the web app's production build (.next) is missing, or older than a source of the app or
 * of the packages it bundles.
 */
export function webBuildState() {
  const webDir = path.join(repoRoot, "apps/web");
  return buildState(path.join(webDir, ".next", "BUILD_ID"), [
    webDir,
    path.join(repoRoot, "packages"),
  ]);
}
