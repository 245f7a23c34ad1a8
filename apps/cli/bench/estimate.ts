/**
 * `pnpm bench:estimate [--lines N] [--dir DIR] [--regenerate] [--runner compiled|tsx]`
 *
 * Generates realistic legacy CUR CSV files (1M and 5M lines by default; see generate-cur.ts for the
 * mix) into a temp directory, runs `canopy estimate <file>` on each in a child process (compiled, as
 * `pnpm canopy` runs it, by default; `--runner tsx` from the sources) and prints
 * lines/s, wall seconds and the child's peak RSS (from /usr/bin/time when present, else from
 * process.resourceUsage() reported by a tiny wrapper). Generated files are kept and reused.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, stat, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateCurCsv } from "./generate-cur";

const GENERATOR_VERSION = "3";
const here = dirname(fileURLToPath(import.meta.url));
const entries = {
  compiled: [join(here, "..", "bin", "canopy.mjs")],
  tsx: ["--import", "tsx", join(here, "..", "src", "main.ts")],
};
type Runner = keyof typeof entries;

type Measurement = {
  lines: number;
  bytes: number;
  seconds: number;
  maxRssMb: number | undefined;
  exitCode: number;
  totalLine: string;
};

async function ensureFile(dir: string, lines: number, regenerate: boolean): Promise<string> {
  const path = join(dir, `cur-${lines}.csv`);
  const stamp = `${path}.version`;
  const upToDate =
    existsSync(path) && existsSync(stamp) && (await readFile(stamp, "utf8")) === GENERATOR_VERSION;
  if (!upToDate || regenerate) {
    process.stdout.write(`generating ${lines.toLocaleString("en-US")} CUR lines into ${path} … `);
    const started = performance.now();
    await generateCurCsv(path, lines);
    await writeFile(stamp, GENERATOR_VERSION);
    process.stdout.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  return path;
}

function runEstimate(
  runner: Runner,
  cliArgs: string[],
): Promise<{
  seconds: number;
  maxRssMb: number | undefined;
  exitCode: number;
  stdout: string;
  stderr: string;
}> {
  const useTime = existsSync("/usr/bin/time");
  const nodeArgs = [...entries[runner], ...cliArgs];
  const command = useTime ? "/usr/bin/time" : process.execPath;
  const args = useTime ? ["-f", "__bench_rss_kb=%M", process.execPath, ...nodeArgs] : nodeArgs;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: join(here, ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /__bench_rss_kb=(\d+)/.exec(stderr);
      resolve({
        seconds,
        maxRssMb: rss?.[1] ? Number(rss[1]) / 1024 : undefined,
        exitCode: code ?? 1,
        stdout,
        stderr,
      });
    });
  });
}

async function measure(
  runner: Runner,
  dir: string,
  lines: number,
  regenerate: boolean,
): Promise<Measurement> {
  const path = await ensureFile(dir, lines, regenerate);
  const bytes = (await stat(path)).size;
  const result = await runEstimate(runner, ["estimate", path]);
  if (result.exitCode !== 0) process.stderr.write(result.stderr);
  const totalLine = result.stdout.split("\n").find((line) => line.startsWith("total")) ?? "";
  return {
    lines,
    bytes,
    seconds: result.seconds,
    maxRssMb: result.maxRssMb,
    exitCode: result.exitCode,
    totalLine,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lines: { type: "string" },
      dir: { type: "string" },
      regenerate: { type: "boolean" },
      runner: { type: "string", default: "compiled" },
    },
  });
  const runner = values.runner as Runner;
  if (!(runner in entries)) throw new Error("--runner must be compiled or tsx");
  // A first run builds the bundle if a source changed, so that no measured run includes the build.
  await runEstimate(runner, ["--help"]);
  const sizes = values.lines ? [Number(values.lines)] : [1_000_000, 5_000_000];
  if (sizes.some((size) => !Number.isInteger(size) || size <= 0))
    throw new Error("--lines must be a positive integer");
  const dir = values.dir ?? join(tmpdir(), "canopy-bench");
  await mkdir(dir, { recursive: true });
  const results: Measurement[] = [];
  for (const lines of sizes) {
    const result = await measure(runner, dir, lines, values.regenerate ?? false);
    results.push(result);
    process.stdout.write(
      `${runner.padEnd(8)} ${lines.toLocaleString("en-US").padStart(10)} lines  ${(result.bytes / 1e6).toFixed(0).padStart(5)} MB  ` +
        `${result.seconds.toFixed(2).padStart(6)} s  ${Math.round(lines / result.seconds)
          .toLocaleString("en-US")
          .padStart(9)} lines/s  ` +
        `peak RSS ${result.maxRssMb === undefined ? "n/a" : `${result.maxRssMb.toFixed(0)} MB`}  exit ${result.exitCode}\n`,
    );
    if (result.totalLine)
      process.stdout.write(`           ${result.totalLine.replace(/\s+/g, " ")}\n`);
  }
  if (results.some((result) => result.exitCode !== 0)) process.exitCode = 1;
}

await main();
