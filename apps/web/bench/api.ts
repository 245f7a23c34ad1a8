/**
 * `pnpm bench:api`: seeds one organization with a year of hourly emissions across 20 accounts, 40
 * services and 15 regions (~10 million hourly rows) on a throwaway database, starts the built web app
 * (`next start`, building first if stale) and measures the dashboard's API calls over loopback with
 * the read cache off (every call computed): p50 and p95 per call, against the targets (12-month
 * overview < 150 ms, any filtered breakdown < 300 ms). Then throughput: `--clients` concurrent clients
 * (default 50) cycle through the overview calls for `--seconds` (default 20) on the one web process,
 * with the read cache off and then on (the default): requests/s, p50, p95 and errors (target ≥ 200
 * req/s, p95 < 300 ms, no errors), beside the floor: /api/health under the same load. Then the
 * dashboard page's first-load JavaScript: every script the page loads, gzipped.
 *
 * Options (env-free): --hours N (default 8760), --combos N (default 1140), --runs N (default 40),
 * --clients N, --seconds N, --keep.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { parseEnv } from "@canopy/config";
import { connect, databaseUrls, dropLoginRoles, migrate } from "@canopy/db";
import { generateApiKey } from "../lib/server/api-keys";
import { admin, buildIfStale, measure, percentile, startWeb } from "./web-server";
import { seedEmissions } from "./seed-emissions";

const { values: args } = parseArgs({
  options: {
    hours: { type: "string", default: "8760" },
    combos: { type: "string", default: "1140" },
    runs: { type: "string", default: "40" },
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    keep: { type: "boolean", default: false },
    /** Re-measure on a database a previous `--keep` run left (its name and role prefix are printed). */
    database: { type: "string" },
    prefix: { type: "string" },
  },
});
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const env = parseEnv();
  const server = env.CANOPY_TEST_DATABASE_URL;
  const suffix = randomBytes(4).toString("hex");
  const reuse = Boolean(args.database && args.prefix);
  const name = args.database ?? `canopy_bench_${suffix}`;
  const rolePrefix = args.prefix ?? `canopy_b${suffix}`;
  const password = "canopy-bench-password";
  if (!reuse) await admin(server, (c) => c.query(`CREATE DATABASE ${name}`));
  const ownerUrl = new URL(server);
  ownerUrl.pathname = `/${name}`;
  let web: Awaited<ReturnType<typeof startWeb>> | undefined;
  try {
    await migrate({ ownerUrl: ownerUrl.toString(), rolePrefix, appPassword: password });
    const urls = databaseUrls({ ownerUrl: ownerUrl.toString(), rolePrefix, appPassword: password });
    const owner = connect(urls.owner, { max: 2 });
    const tenantId = reuse
      ? (await owner.pool.query<{ id: string }>("SELECT id FROM tenants WHERE slug = 'bench-corp'"))
          .rows[0]!.id
      : (
          await owner.pool.query<{ id: string }>(
            "INSERT INTO tenants (name, slug) VALUES ('Bench Corp', 'bench-corp') RETURNING id",
          )
        ).rows[0]!.id;
    const key = generateApiKey();
    await owner.pool.query(
      "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role) VALUES ($1, 'bench', $2, $3, 'viewer')",
      [tenantId, key.prefix, key.hash],
    );

    const hours = Number(args.hours);
    const end = reuse
      ? new Date(
          (
            await owner.pool.query<{ end: Date }>(
              "SELECT max(hour) + interval '1 hour' AS end FROM emissions_hourly",
            )
          ).rows[0]!.end,
        )
      : new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const start = new Date(end.getTime() - hours * 3_600_000);
    const t = performance.now();
    log(
      `Seeding ${Number(args.combos) * hours} hourly rows (${args.combos} series × ${hours} h, 20 accounts, 40 services, 15 regions)…`,
    );
    const accountIds = reuse
      ? (
          await owner.pool.query<{ id: string }>(
            "SELECT id FROM cloud_accounts ORDER BY created_at, id",
          )
        ).rows.map((r) => r.id)
      : await seedEmissions(owner.pool, {
          tenantId,
          accounts: 20,
          services: 40,
          combos: Number(args.combos),
          start,
          hours,
        });
    const counts = (
      await owner.pool.query<{ hourly: number; daily: number; monthly: number }>(
        `SELECT (SELECT count(*) FROM emissions_hourly)::int AS hourly, (SELECT count(*) FROM emissions_daily)::int AS daily,
                (SELECT count(*) FROM emissions_monthly)::int AS monthly`,
      )
    ).rows[0]!;
    log(
      `Seeded in ${((performance.now() - t) / 1000).toFixed(1)} s: ${counts.hourly.toLocaleString("en")} hourly, ${counts.daily.toLocaleString("en")} daily, ${counts.monthly.toLocaleString("en")} monthly rows.`,
    );
    if (!reuse)
      for (const table of ["emissions_daily", "emissions_monthly", "emissions_hourly"])
        await owner.pool.query(`VACUUM ANALYZE ${table}`);

    await buildIfStale(log);
    // One web process at a time; `cacheMb` 0 measures every call computed afresh.
    const restartWeb = async (cacheMb: number) => {
      web?.stop();
      web = await startWeb({ appUrl: urls.app, authUrl: urls.auth, cacheMb });
      return web.base;
    };
    let base = await restartWeb(0);
    const headers = { authorization: `Bearer ${key.key}` };

    const to = new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
    const q3from = new Date(end.getTime() - 90 * 86_400_000).toISOString().slice(0, 10);
    const week = new Date(end.getTime() - 7 * 86_400_000).toISOString().slice(0, 10);
    const overview: [string, string][] = [
      ["summary (12 months)", "/api/v1/emissions/summary"],
      ["series by month × provider", "/api/v1/emissions?granularity=month&groupBy=provider"],
      ["breakdown by service", "/api/v1/emissions/breakdown?groupBy=service&limit=1000"],
      ["breakdown by region (+ factors)", "/api/v1/emissions/breakdown?groupBy=region&limit=1000"],
    ];
    const filtered: [string, string][] = [
      [
        "breakdown service | provider=aws",
        "/api/v1/emissions/breakdown?groupBy=service&provider=aws&limit=1000",
      ],
      [
        "breakdown account | region=eu-west-1,westeurope",
        "/api/v1/emissions/breakdown?groupBy=account&region=eu-west-1,westeurope&limit=1000",
      ],
      [
        "breakdown region | 3 services",
        "/api/v1/emissions/breakdown?groupBy=region&service=service-01,service-07,service-19&limit=1000",
      ],
      [
        `breakdown service | account, ${q3from}..${to}`,
        `/api/v1/emissions/breakdown?groupBy=service&account=${accountIds[3]}&from=${q3from}&to=${to}`,
      ],
      ["summary | provider=gcp", "/api/v1/emissions/summary?provider=gcp"],
      [
        "series by day × region | 90 days",
        `/api/v1/emissions?granularity=day&groupBy=region&from=${q3from}&to=${to}`,
      ],
      [
        "series by hour × provider | 7 days",
        `/api/v1/emissions?granularity=hour&groupBy=provider&from=${week}&to=${to}`,
      ],
      [
        "breakdown scope | 7 days, tag team=team-1",
        `/api/v1/emissions/breakdown?groupBy=scope&from=${week}&to=${to}&tag=team=team-1`,
      ],
    ];
    // Not a breakdown: a year of daily points (365 × 40 series), reported without a stated target.
    const other: [string, string][] = [
      [
        "series by day × service, 12 months | provider=azure",
        "/api/v1/emissions?granularity=day&groupBy=service&provider=azure",
      ],
    ];
    const runs = Number(args.runs);
    const results: { group: string; name: string; p50: number; p95: number; target: number }[] = [];
    for (const [group, calls, target] of [
      ["overview", overview, 150],
      ["filtered", filtered, 300],
      ["other", other, Infinity],
    ] as const) {
      for (const [label, url] of calls) {
        const times = await measure(`${base}${url}`, headers, runs);
        results.push({
          group,
          name: label,
          p50: percentile(times, 50),
          p95: percentile(times, 95),
          target,
        });
      }
    }

    log("");
    log(
      `API latency over loopback, read cache off (${runs} sequential requests per call after 3 warm-ups, API key, viewer role):`,
    );
    log(`${"call".padEnd(52)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}  target`);
    for (const r of results) {
      log(
        `${`[${r.group}] ${r.name}`.padEnd(52)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)}  ${r.target === Infinity ? "(no target)" : `< ${r.target} ${r.p95 < r.target ? "ok" : "MISSED"}`}`,
      );
    }
    const worst = (group: string) =>
      Math.max(...results.filter((r) => r.group === group).map((r) => r.p95));
    log(`12-month overview: worst p95 ${worst("overview").toFixed(1)} ms (target < 150 ms)`);
    log(`Filtered breakdowns: worst p95 ${worst("filtered").toFixed(1)} ms (target < 300 ms)`);

    const clients = Number(args.clients);
    const seconds = Number(args.seconds);
    const overviewUrls = () => overview.map(([, url]) => `${base}${url}`);
    const uncached = await load(overviewUrls(), headers, clients, seconds);
    base = await restartWeb(64);
    const health = await load([`${base}/api/health`], {}, clients, Math.min(seconds, 5));
    const cached = await load(overviewUrls(), headers, clients, seconds);
    log("");
    log(
      `Overview API under load (${clients} concurrent clients, ${seconds} s, the ${overview.length} overview calls in turn, one web process):`,
    );
    const line = (label: string, r: Awaited<ReturnType<typeof load>>) =>
      `  ${label.padEnd(28)} ${r.perSecond.toFixed(0).padStart(5)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, ${r.errors} errors`;
    log(line("floor, /api/health:", health));
    log(line("read cache off:", uncached));
    const meets = cached.perSecond >= 200 && cached.p95 < 300 && cached.errors === 0;
    log(
      `${line("read cache on (default):", cached)} (target ≥ 200 req/s, p95 < 300 ms, no errors) ${meets ? "ok" : "MISSED"}`,
    );

    const js = await firstLoadJs(base, owner, tenantId);
    log("");
    log(
      `Dashboard first-load JavaScript: ${js.files} files, ${(js.raw / 1024).toFixed(1)} kB raw, ${(js.gzip / 1024).toFixed(1)} kB gzipped (target < 300 kB gzipped) ${js.gzip < 300 * 1024 ? "ok" : "MISSED"}`,
    );
    await owner.close();
  } finally {
    web?.stop();
    if (!args.keep && !reuse) {
      await admin(server, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropLoginRoles(c, rolePrefix);
      });
    } else log(`Kept database ${name}: re-measure with --database ${name} --prefix ${rolePrefix}`);
  }
}

/**
 * `clients` concurrent loops, each requesting `urls` in turn (starting at its own offset) for
 * `seconds`: completed requests per second, p50/p95 latency and non-2xx or failed requests.
 */
async function load(
  urls: string[],
  headers: Record<string, string>,
  clients: number,
  seconds: number,
) {
  const times: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = client; performance.now() < until; i++) {
        const t = performance.now();
        try {
          const response = await fetch(urls[i % urls.length]!, { headers });
          await response.arrayBuffer();
          if (!response.ok) errors++;
        } catch {
          errors++;
        }
        times.push(performance.now() - t);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  return {
    perSecond: times.length / elapsedS,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    errors,
  };
}

/** Signs a member in, loads the dashboard HTML and sums every script it loads, raw and gzipped. */
async function firstLoadJs(base: string, owner: ReturnType<typeof connect>, tenantId: string) {
  const email = `bench-${randomBytes(3).toString("hex")}@canopy.local`;
  const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ email, password: "bench-password-123", name: "Bench" }),
  });
  const cookie = signUp.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const userId = ((await signUp.json()) as { user: { id: string } }).user.id;
  await owner.pool.query(
    "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'viewer')",
    [tenantId, userId],
  );
  const html = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  if (!html.includes("Bench Corp"))
    throw new Error("the dashboard did not render for the bench member");
  const scripts = [...new Set([...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!))];
  let raw = 0;
  let gzip = 0;
  for (const src of scripts) {
    const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { files: scripts.length, raw, gzip };
}

main().catch((error: Error) => {
  process.stderr.write(`bench:api: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
