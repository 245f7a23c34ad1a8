/**
 * `pnpm bench:tenants`: does a small organization's dashboard get slower as the others' data grows?
 * On a throwaway database, seeds one small organization (20 hourly series), starts the built web app
 * with the read cache off and measures its dashboard API calls (p95 of `--runs` sequential requests);
 * then seeds 99 more organizations of mixed sizes into the same database (89 small, 9 of 200 series,
 * 1 of 1,140 series: about 10M hourly rows in all over the same 90 days by default, 236× the small
 * one's) and measures the same calls again. Target: no call's p95 grows past 1.25× (the noise of this machine).
 *
 * Options: --hours N (default 2160), --runs N (default 50), --keep.
 */
import { parseArgs } from "node:util";
import { parseEnv } from "@canopy/config";
import { createScratchDatabase } from "@canopy/db/scratch";
import { generateApiKey } from "../lib/server/api-keys";
import { seedEmissions } from "./seed-emissions";
import { buildIfStale, measure, percentile, startWeb } from "./web-server";

const { values: args } = parseArgs({
  options: {
    hours: { type: "string", default: "2160" },
    runs: { type: "string", default: "50" },
    keep: { type: "boolean", default: false },
  },
});
const log = (line: string) => process.stdout.write(`${line}\n`);
const others = [
  ...Array.from({ length: 89 }, () => ({ accounts: 2, services: 10, combos: 20 })),
  ...Array.from({ length: 9 }, () => ({ accounts: 5, services: 40, combos: 200 })),
  { accounts: 20, services: 40, combos: 1_140 },
];
// At most accounts × services series, so no two series share an (account, service, region) key.
const small = { accounts: 2, services: 10, combos: 20 };
const growthTarget = 1.25;

async function main() {
  const database = await createScratchDatabase(parseEnv().CANOPY_TEST_DATABASE_URL);
  const { owner, urls } = database;
  let web: Awaited<ReturnType<typeof startWeb>> | undefined;
  try {
    const hours = Number(args.hours);
    const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const start = new Date(end.getTime() - hours * 3_600_000);
    const seed = async (slug: string, size: typeof small) => {
      const { rows } = await owner.pool.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ($1, $1) RETURNING id",
        [slug],
      );
      const tenantId = rows[0]!.id;
      const accountIds = await seedEmissions(owner.pool, { tenantId, ...size, start, hours });
      return { tenantId, accountIds };
    };
    // Statistics fresh, and the seeded pages flushed, so neither measurement runs beside a checkpoint.
    const analyze = async () => {
      for (const table of ["emissions_daily", "emissions_monthly", "emissions_hourly"])
        await owner.pool.query(`VACUUM ANALYZE ${table}`);
      await owner.pool.query("CHECKPOINT");
    };
    const hourlyRows = async () =>
      (await owner.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM emissions_hourly"))
        .rows[0]!.n;

    const target = await seed("small-org", small);
    const key = generateApiKey();
    await owner.pool.query(
      "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, role) VALUES ($1, 'bench', $2, $3, 'viewer')",
      [target.tenantId, key.prefix, key.hash],
    );
    await analyze();
    const alone = await hourlyRows();

    const to = new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
    const week = new Date(end.getTime() - 7 * 86_400_000).toISOString().slice(0, 10);
    const calls: [string, string][] = [
      ["summary", "/api/v1/emissions/summary"],
      ["series by month × provider", "/api/v1/emissions?granularity=month&groupBy=provider"],
      ["breakdown by service", "/api/v1/emissions/breakdown?groupBy=service&limit=1000"],
      ["breakdown by region", "/api/v1/emissions/breakdown?groupBy=region&limit=1000"],
      [
        "breakdown by service | one account",
        `/api/v1/emissions/breakdown?groupBy=service&account=${target.accountIds[0]}`,
      ],
      [
        "series by hour × provider | 7 days",
        `/api/v1/emissions?granularity=hour&groupBy=provider&from=${week}&to=${to}`,
      ],
    ];
    const headers = { authorization: `Bearer ${key.key}` };
    const runs = Number(args.runs);
    await buildIfStale(log);
    const p95s = async () => {
      web = await startWeb({ appUrl: urls.app, authUrl: urls.auth, cacheMb: 0 });
      const result: number[] = [];
      for (const [, url] of calls)
        result.push(percentile(await measure(`${web.base}${url}`, headers, runs), 95));
      web.stop();
      web = undefined;
      return result;
    };
    const before = await p95s();

    const t = performance.now();
    for (const [i, size] of others.entries()) await seed(`org-${i + 1}`, size);
    await analyze();
    const all = await hourlyRows();
    log(
      `Seeded 99 more organizations in ${((performance.now() - t) / 1000).toFixed(1)} s: ` +
        `${all.toLocaleString("en")} hourly rows in all, ${alone.toLocaleString("en")} of them the small organization's.`,
    );
    const after = await p95s();

    log("");
    log(
      `The small organization's dashboard API, read cache off (${runs} sequential requests per call after 3 warm-ups):`,
    );
    log(`${"call".padEnd(40)} ${"alone".padStart(9)} ${"among 100".padStart(10)}  growth`);
    const growths = calls.map(([label], i) => {
      const growth = after[i]! / before[i]!;
      log(
        `${label.padEnd(40)} ${`${before[i]!.toFixed(1)} ms`.padStart(9)} ${`${after[i]!.toFixed(1)} ms`.padStart(10)}  ${growth.toFixed(2)}×`,
      );
      return growth;
    });
    const worst = Math.max(...growths);
    log(
      `Worst p95 growth with 100 organizations' data: ${worst.toFixed(2)}× (target ≤ ${growthTarget}×) ${worst <= growthTarget ? "ok" : "MISSED"}`,
    );
  } finally {
    web?.stop();
    if (!args.keep) await database.drop();
    else log(`Kept database ${database.name} (roles ${database.rolePrefix}_*)`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench:tenants: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
