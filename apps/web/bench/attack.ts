/**
 * `pnpm bench:attack`: the web app's health latency while it is under attack (target: health p95 <
 * 100 ms), in the worst case: one production `next start` with REDIS_URL unset, so imports run inside
 * the web process. On a throwaway database it
 * 1. samples GET /api/health every 50 ms for 10 s (baseline);
 * 2. for ~20 s, still sampling health, uploads a gzip bomb through POST /api/v1/imports (admin API key):
 *    ~200 KB of .csv.gz that unpacks to a CUR header and one 200 MB line, polling GET
 *    /api/v1/imports/{id} until it ends; and at the same time sends 60 sign-ins with a wrong password,
 *    each with its own X-Forwarded-For (ignored: no proxy is trusted) — expected 401s, then 429s;
 * 3. samples the web process tree's RSS every 200 ms throughout, and prints a table.
 * Exits 0 whether or not the targets are met (it is a benchmark); a missed one is printed as MISSED.
 *
 * Options (env-free): --baseline S (default 10), --attack S (default 20), --bomb-mb N (default 200),
 * --signins N (default 60), --only bomb|signins (one half of the attack), --keep.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  createWriteStream,
  mkdtempSync,
  openAsBlob,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createGzip } from "node:zlib";
import { inheritedEnvironment, parseEnv } from "@canopy/config";
import { connect, databaseUrls, dropLoginRoles, migrate } from "@canopy/db";
import { generateApiKey } from "../lib/server/api-keys";
import { admin, buildIfStale, freePort, percentile, waitForHealth, webDir } from "./web-server";

const { values: args } = parseArgs({
  options: {
    baseline: { type: "string", default: "10" },
    attack: { type: "string", default: "20" },
    "bomb-mb": { type: "string", default: "200" },
    signins: { type: "string", default: "60" },
    /** Only one half of the attack (bomb or signins), to tell which one costs what. */
    only: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HEALTH_TARGET_MS = 100;
const HEALTH_EVERY_MS = 50;
const RSS_EVERY_MS = 200;
/** A CUR header the import detects as `cur`: the bomb's one long line comes after it. */
const CUR_HEADER =
  "identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType," +
  "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount," +
  "lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,product/instanceType\n";

async function main() {
  const env = parseEnv();
  const server = env.CANOPY_TEST_DATABASE_URL;
  const suffix = randomBytes(4).toString("hex");
  const name = `canopy_bench_${suffix}`;
  const rolePrefix = `canopy_b${suffix}`;
  const password = "canopy-bench-password";
  const scratch = mkdtempSync(path.join(os.tmpdir(), "canopy-bench-attack-"));
  await admin(server, (c) => c.query(`CREATE DATABASE ${name}`));
  const ownerUrl = new URL(server);
  ownerUrl.pathname = `/${name}`;
  let web: ChildProcess | undefined;
  try {
    await migrate({ ownerUrl: ownerUrl.toString(), rolePrefix, appPassword: password });
    const urls = databaseUrls({ ownerUrl: ownerUrl.toString(), rolePrefix, appPassword: password });
    const owner = connect(urls.owner, { max: 2 });
    const tenantId = (
      await owner.pool.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('Bench Corp', 'bench-corp') RETURNING id",
      )
    ).rows[0]!.id;
    const key = generateApiKey();
    await owner.pool.query(
      "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role) VALUES ($1, 'bench', $2, $3, 'admin')",
      [tenantId, key.prefix, key.hash],
    );
    await owner.close();

    const bombMb = Number(args["bomb-mb"]);
    const bomb = path.join(scratch, "bomb.csv.gz");
    await writeBomb(bomb, bombMb);
    const bombBytes = statSync(bomb).size;

    await buildIfStale(log);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const {
      DATABASE_URL: _d,
      REDIS_URL: _r,
      CANOPY_TRUSTED_PROXIES: _t,
      ...inherited
    } = inheritedEnvironment();
    web = spawn(
      process.execPath,
      [path.join(webDir, "node_modules/next/dist/bin/next"), "start", "-p", String(port)],
      {
        cwd: webDir,
        // Its own process group: stopped as a whole, whatever it forks.
        detached: true,
        env: {
          ...inherited,
          NODE_ENV: "production",
          NEXT_TELEMETRY_DISABLED: "1",
          // No REDIS_URL: the inline driver runs the import in this process, with the owner connection
          // its partition DDL needs (lib/server/db.ts inlineJobsOwnerDb, as apps/cli/src/start.ts).
          DATABASE_URL: urls.owner,
          DATABASE_APP_URL: urls.app,
          DATABASE_AUTH_URL: urls.auth,
          CANOPY_DB_ROLE_PREFIX: rolePrefix,
          CANOPY_DB_APP_PASSWORD: password,
          BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
          CANOPY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
          CANOPY_HOME: path.join(scratch, "home"),
          CANOPY_PUBLIC_URL: base,
          PORT: String(port),
        },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    const webPid = web.pid!;
    // Interrupted: the detached group would outlive this process otherwise.
    for (const sig of ["SIGINT", "SIGTERM"] as const)
      process.once(sig, () => {
        try {
          process.kill(-webPid, "SIGKILL");
        } catch {
          // already gone
        }
        process.exit(130);
      });
    await waitForHealth(`${base}/api/health`, web);
    const headers = { authorization: `Bearer ${key.key}` };

    // Warm-up, so neither phase pays for first-request module loading: health, the imports route, and
    // the auth route (by signing up the account the attack then guesses the password of).
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/api/health`)).arrayBuffer();
    const list = await fetch(`${base}/api/v1/imports`, { headers });
    if (!list.ok) throw new Error(`GET /api/v1/imports: HTTP ${list.status}`);
    await list.arrayBuffer();
    const email = "attacked@canopy.local";
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ email, password: "the-right-password-123", name: "Attacked" }),
    });
    if (!signUp.ok) throw new Error(`sign-up: HTTP ${signUp.status} ${await signUp.text()}`);
    await signUp.arrayBuffer();
    await sleep(1000);

    const baselineMs = Number(args.baseline) * 1000;
    const attackMs = Number(args.attack) * 1000;
    log(`Baseline: GET /api/health every ${HEALTH_EVERY_MS} ms for ${baselineMs / 1000} s…`);
    let rss = sampleRss(webPid);
    let health = sampleHealth(`${base}/api/health`);
    await sleep(baselineMs);
    const baseline = { health: await health.stop(), rss: rss.stop() };

    const bombOn = args.only !== "signins";
    const signInsOn = args.only !== "bomb";
    log(
      `Attack: ${[
        bombOn &&
          `${(bombBytes / 1024).toFixed(0)} KB gzip bomb (${bombMb} MB line) through POST /api/v1/imports`,
        signInsOn && `${args.signins} wrong-password sign-ins`,
      ]
        .filter(Boolean)
        .join(" + ")}, health sampled for ≥ ${attackMs / 1000} s…`,
    );
    // This process's own event-loop delay: a late sample here would be the client's, not the server's.
    const clientDelay = monitorEventLoopDelay({ resolution: 10 });
    clientDelay.enable();
    rss = sampleRss(webPid);
    health = sampleHealth(`${base}/api/health`);
    const [bombResult, signIns] = await Promise.all([
      bombOn ? uploadBomb(base, headers, bomb) : null,
      signInsOn ? signInStorm(base, email, Number(args.signins)) : null,
      sleep(attackMs),
    ]);
    const attack = { health: await health.stop(), rss: rss.stop() };
    clientDelay.disable();
    const during = bombResult
      ? attack.health.filter((s) => s.at >= bombResult.startedAt && s.at <= bombResult.endedAt)
      : [];

    log("");
    log(
      `${"GET /api/health".padEnd(28)} ${"baseline".padStart(10)} ${"attack".padStart(10)} ${"import running".padStart(15)}`,
    );
    const b = stats(baseline.health);
    const a = stats(attack.health);
    const d = stats(during);
    for (const [label, pick] of [
      ["p50 ms", (s: Stats) => s.p50.toFixed(1)],
      ["p95 ms", (s: Stats) => s.p95.toFixed(1)],
      ["max ms", (s: Stats) => s.max.toFixed(1)],
      ["samples (failed)", (s: Stats) => `${s.count} (${s.failed})`],
    ] as const)
      log(
        `${label.padEnd(28)} ${pick(b).padStart(10)} ${pick(a).padStart(10)} ${pick(d).padStart(15)}`,
      );
    log(
      `Target health p95 < ${HEALTH_TARGET_MS} ms under attack: ${a.p95.toFixed(1)} ms ${a.p95 < HEALTH_TARGET_MS && a.failed === 0 ? "ok" : "MISSED"}${a.failed ? ` (${a.failed} failed)` : ""}`,
    );
    log(
      `Slowest attack samples: ${slowest(attack.health, attack.health[0]?.at ?? 0)
        .map((s) => `${s.ms.toFixed(0)} ms at +${(s.offset / 1000).toFixed(2)} s`)
        .join(
          ", ",
        )} (bench client's own event-loop delay: max ${(clientDelay.max / 1e6).toFixed(0)} ms)`,
    );
    if (bombResult) {
      const bombOk = bombResult.status === "failed";
      log(
        `Gzip bomb (${bombBytes.toLocaleString("en")} B → ${bombMb} MB line): upload HTTP ${bombResult.uploadStatus} in ${(bombResult.uploadMs / 1000).toFixed(2)} s; import ${bombResult.status} after ${bombResult.seconds.toFixed(2)} s${bombResult.serverSeconds === null ? "" : ` (server ${bombResult.serverSeconds.toFixed(2)} s)`} ${bombOk ? "ok" : "MISSED (expected failed)"}`,
      );
      log(`  error: ${bombResult.error ?? "(none)"}`);
    }
    if (signIns) {
      const counts = [...signIns.counts.entries()]
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, n]) => `${k} ×${n}`)
        .join(", ");
      const signInOk =
        [...signIns.counts.keys()].every((k) => k === "401" || k.startsWith("429")) &&
        [...signIns.counts.keys()].some((k) => k.startsWith("429"));
      log(
        `Sign-ins (${args.signins}, wrong password, each its own X-Forwarded-For): ${counts} — ${signIns.ms.toFixed(0)} ms in all, p50 ${percentile(signIns.latencies, 50).toFixed(0)} ms, max ${Math.max(...signIns.latencies).toFixed(0)} ms ${signInOk ? "ok" : "MISSED (expected 401s then 429s)"}`,
      );
      log(`  in request order: ${signIns.sequence}`);
    }
    const rssBase = percentile(baseline.rss, 50);
    const rssPeak = Math.max(...attack.rss);
    log(
      `Web RSS (next start + children): baseline ${mb(rssBase)} MB, peak during attack ${mb(rssPeak)} MB (+${mb(rssPeak - rssBase)} MB)`,
    );
  } finally {
    if (web) await stopProcessGroup(web);
    if (!args.keep) {
      await admin(server, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropLoginRoles(c, rolePrefix);
      });
      rmSync(scratch, { recursive: true, force: true });
    } else log(`Kept database ${name} (role prefix ${rolePrefix}) and ${scratch}`);
  }
}

/** gzip (level 9) of CUR_HEADER then `megabytes` MiB of 'a' with no newline, streamed. */
async function writeBomb(file: string, megabytes: number) {
  const chunk = Buffer.alloc(1 << 20, "a");
  async function* parts() {
    yield Buffer.from(CUR_HEADER);
    for (let i = 0; i < megabytes; i++) yield chunk;
  }
  await pipeline(Readable.from(parts()), createGzip({ level: 9 }), createWriteStream(file));
}

type Sample = { at: number; ms: number; ok: boolean };
type Stats = { p50: number; p95: number; max: number; count: number; failed: number };

/**
 * Starts GET `url` every HEALTH_EVERY_MS on a fixed schedule (not waiting for the previous answer, so
 * a stalled server shows as slow samples rather than as fewer samples).
 */
function sampleHealth(url: string) {
  const samples: Sample[] = [];
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const at = performance.now();
    const request = fetch(url, { signal: AbortSignal.timeout(30_000) })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.ok;
      })
      .catch(() => false)
      .then((ok) => {
        samples.push({ at, ms: performance.now() - at, ok });
        inflight.delete(request);
      });
    inflight.add(request);
  }, HEALTH_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inflight);
      return samples.sort((x, y) => x.at - y.at);
    },
  };
}

function stats(samples: Sample[]): Stats {
  const times = samples.map((s) => s.ms);
  if (!times.length) return { p50: NaN, p95: NaN, max: NaN, count: 0, failed: 0 };
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    max: Math.max(...times),
    count: times.length,
    failed: samples.filter((s) => !s.ok).length,
  };
}

const slowest = (samples: Sample[], start: number) =>
  [...samples]
    .sort((x, y) => y.ms - x.ms)
    .slice(0, 5)
    .map((s) => ({ ms: s.ms, offset: s.at - start }));

const mb = (kb: number) => (kb / 1024).toFixed(0);

/** The resident set (kB) of `root` and all its descendants every RSS_EVERY_MS. */
function sampleRss(root: number) {
  const values: number[] = [];
  const take = () => {
    const total = processTree(root).reduce((sum, pid) => sum + vmRssKb(pid), 0);
    if (total > 0) values.push(total);
  };
  take();
  const timer = setInterval(take, RSS_EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      take();
      return values;
    },
  };
}

function processTree(root: number): number[] {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, "utf8");
        for (const child of children.split(" ").filter(Boolean)) pids.push(Number(child));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return pids;
}

function vmRssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Uploads the bomb as multipart `file` and polls the import until it ends (or 5 minutes pass). */
async function uploadBomb(base: string, headers: Record<string, string>, file: string) {
  const startedAt = performance.now();
  const form = new FormData();
  form.append("file", await openAsBlob(file), path.basename(file));
  const upload = await fetch(`${base}/api/v1/imports`, { method: "POST", headers, body: form });
  const uploadMs = performance.now() - startedAt;
  const created = (await upload.json()) as { id?: string; error?: { message?: string } };
  const result = {
    startedAt,
    endedAt: performance.now(),
    uploadStatus: upload.status,
    uploadMs,
    status: "upload refused",
    error: null as string | null,
    seconds: uploadMs / 1000,
    serverSeconds: null as number | null,
  };
  if (!upload.ok || !created.id) {
    result.error = created.error?.message ?? JSON.stringify(created);
    return result;
  }
  for (;;) {
    const response = await fetch(`${base}/api/v1/imports/${created.id}`, { headers });
    const body = (await response.json()) as {
      status?: string;
      error?: string | { message?: string } | null;
      createdAt?: string;
      finishedAt?: string | null;
    };
    // 409 replacement_needs_confirmation carries the import under `import`; anything else is final.
    const status = response.status === 409 ? "awaiting_confirmation" : body.status;
    if (
      !response.ok ||
      status === "succeeded" ||
      status === "failed" ||
      status === "awaiting_confirmation"
    ) {
      result.endedAt = performance.now();
      result.seconds = (result.endedAt - startedAt) / 1000;
      result.status = status ?? `HTTP ${response.status}`;
      result.error = typeof body.error === "string" ? body.error : (body.error?.message ?? null);
      if (body.createdAt && body.finishedAt)
        result.serverSeconds = (Date.parse(body.finishedAt) - Date.parse(body.createdAt)) / 1000;
      return result;
    }
    if (performance.now() - startedAt > 300_000) {
      result.endedAt = performance.now();
      result.seconds = (result.endedAt - startedAt) / 1000;
      result.status = `still ${status} (gave up)`;
      return result;
    }
    await sleep(100);
  }
}

/**
 * `count` wrong-password sign-ins to `email`, 10 at a time, each with its own X-Forwarded-For and the
 * app's Origin. A 429 is labelled by the limit that answered: the per-account one (auth-route.ts) or
 * Better Auth's per-address one.
 */
async function signInStorm(base: string, email: string, count: number) {
  const statuses: string[] = new Array<string>(count);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      const response = await fetch(`${base}/api/auth/sign-in/email`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: base,
          "x-forwarded-for": `198.51.100.${i + 1}`,
        },
        body: JSON.stringify({ email, password: `wrong-password-${i}` }),
      });
      const text = await response.text();
      latencies.push(performance.now() - t);
      statuses[i] =
        response.status === 429
          ? text.includes("for this account")
            ? "429 account"
            : "429 address"
          : String(response.status);
    }
  };
  await Promise.all(Array.from({ length: Math.min(10, count) }, lane));
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  // Runs of equal answers in request order, e.g. "401×5 429 address×5 429 account×50".
  const runs: [string, number][] = [];
  for (const s of statuses) {
    const last = runs.at(-1);
    if (last && last[0] === s) last[1]++;
    else runs.push([s, 1]);
  }
  return {
    counts,
    latencies,
    ms: performance.now() - started,
    sequence: runs.map(([s, n]) => `${s}×${n}`).join(" "),
  };
}

/** SIGTERM to the web app's process group, SIGKILL after 10 s; resolves once the leader has exited. */
async function stopProcessGroup(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
  // Anything it forked that outlived it.
  signal("SIGKILL");
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench:attack: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
