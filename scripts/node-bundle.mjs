// Compiled entry points for the CLI, `pnpm start` and the worker: their TypeScript and the workspace
// packages they use are bundled by esbuild into `<app>/dist/*.js` and run with plain `node`, which
// starts in a fraction of the time `tsx` needs to compile the sources at launch. npm packages stay
// outside the bundle (native addons, files they read next to themselves); each is imported by the
// absolute path esbuild resolves from the workspace package that depends on it, so pnpm's strict
// node_modules layout needs no change. `tsx` remains for development and the tests.
//
//   node scripts/node-bundle.mjs cli|worker   build one app's bundle (its package's `build` script)
//   import { runBundled } from ".../node-bundle.mjs"   used by the apps' bin/ launchers: rebuild when
//                                                       a source is newer than the bundle, then run it
import { builtinModules } from "node:module";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildState, repoRoot } from "./freshness.mjs";

const root = repoRoot;

/** Each app's entry points: output name → source. */
export const apps = {
  cli: {
    dir: path.join(root, "apps/cli"),
    entryPoints: {
      canopy: "src/main.ts",
      start: "src/start.ts",
      // Loaded by `canopy estimate` as a worker thread, next to the chunk that starts it.
      "estimate-worker": "src/commands/estimate-worker.ts",
    },
  },
  worker: { dir: path.join(root, "apps/worker"), entryPoints: { worker: "src/main.ts" } },
};

/** Source folders a bundle is built from: the app itself, every package and these scripts. */
const sourceDirs = (app) => [app.dir, path.join(root, "packages"), path.join(root, "scripts")];

const stampOf = (app) => path.join(app.dir, "dist", ".built");

export const bundleState = (app) => buildState(stampOf(app), sourceDirs(app));

/**
 * Pure-JS packages bundled in: loading one file beats resolving and loading their dozens of modules
 * at start-up. Nothing else in a bundle imports them, so there is one copy of each.
 */
const bundledPackages = ["zod"];

/** npm packages (and Node built-ins) stay external, imported by their resolved absolute path. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData?.resolving) return undefined;
      if (args.path.startsWith("node:") || builtinModules.includes(args.path))
        return { external: true };
      if (args.path.startsWith("@canopy/")) return undefined; // workspace sources: bundled
      if (bundledPackages.some((name) => args.path === name || args.path.startsWith(`${name}/`)))
        return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { resolving: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

/**
 * Workspace packages and these scripts find their own files (migrations, fonts, the methodology
 * document, the repository) relative to `import.meta.url`: in the bundle that expression keeps naming
 * the source file.
 */
const packageFileUrls = {
  name: "package-file-urls",
  setup(build) {
    const dirs = ["packages", "scripts"].map((dir) => path.join(root, dir) + path.sep);
    build.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      if (!dirs.some((dir) => args.path.startsWith(dir))) return undefined;
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const loader = args.path.endsWith(".ts") ? "ts" : "js";
      return { contents: source.replaceAll("import.meta.url", url), loader };
    });
  },
};

export async function bundle(app) {
  const { build } = await import("esbuild");
  const outdir = path.join(app.dir, "dist");
  const started = performance.now();
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: app.dir,
    entryPoints: app.entryPoints,
    outdir,
    bundle: true,
    splitting: true, // commands load lazily: `canopy estimate` parses only its own chunks
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    minify: true, // less to parse at start-up; stack traces map back through the source maps
    keepNames: true,
    entryNames: "[name]",
    // Flat, so `new URL("./estimate-worker.js", import.meta.url)` in a chunk finds the worker entry.
    chunkNames: "[name]-[hash]",
    plugins: [externalPackages, packageFileUrls],
    logLevel: "warning",
  });
  mkdirSync(outdir, { recursive: true });
  writeFileSync(stampOf(app), new Date().toISOString());
  return performance.now() - started;
}

/** Runs an app's bundled entry point, rebuilding it first when it is missing or older than a source. */
export async function runBundled(appName, entry) {
  const app = apps[appName];
  const state = bundleState(app);
  if (state !== "fresh") {
    const ms = await bundle(app);
    process.stderr.write(
      `${appName}: ${state === "missing" ? "built" : "rebuilt"} dist/ from the sources in ${Math.round(ms)} ms\n`,
    );
  }
  await import(pathToFileURL(path.join(app.dir, "dist", `${entry}.js`)).href);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  if (!(name in apps)) {
    process.stderr.write(`usage: node scripts/node-bundle.mjs ${Object.keys(apps).join("|")}\n`);
    process.exit(2);
  }
  const ms = await bundle(apps[name]);
  process.stdout.write(
    `${name}: bundled into ${path.relative(root, path.join(apps[name].dir, "dist"))} in ${Math.round(ms)} ms\n`,
  );
}
