/**
 * `pnpm bench:sync [--hours 720] [--combos 700]`: one account-month of hourly CUR 2.0 aggregates
 * (720 hours × 700 account/region/instance-type combinations ≈ 504,000 rows, each with a resource id and
 * a tag set) served by the local fake Athena, read through the real AWS SDK clients (STS AssumeRole,
 * StartQueryExecution, GetQueryExecution polls, then one S3 GetObject of the query's result CSV — not
 * GetQueryResults pages of 1,000 rows), classified, and written by the sync-account job into
 * usage_hourly on the local PostgreSQL (DATABASE_URL, else CANOPY_TEST_DATABASE_URL; a scratch
 * database is created and dropped). Prints rows, seconds, rows/s and the API calls by action (from the
 * sync run's details). Target: under 60 s.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { parseEnv } from "@canopy/config";
import { startFakeAws } from "@canopy/connectors/testing";
import { createKeyring, sealCredentials } from "@canopy/db";
import { createScratchDatabase } from "@canopy/db/scratch";
import { attemptContext, jobDefinition, type ConnectorSettings } from "@canopy/jobs";

const { values } = parseArgs({
  options: {
    hours: { type: "string", default: "720" },
    combos: { type: "string", default: "700" },
  },
});
const hours = Number(values.hours);
const combos = Number(values.combos);

const columns = [
  "line_item_usage_start_date",
  "line_item_usage_end_date",
  "line_item_usage_account_id",
  "line_item_line_item_type",
  "line_item_product_code",
  "line_item_usage_type",
  "product_region_code",
  "product_instance_type",
  "product_vcpu",
  "product_memory",
  "pricing_unit",
  "line_item_currency_code",
  "line_item_resource_id",
  "resource_tags",
  "line_item_usage_amount",
  "line_item_unblended_cost",
];
const instanceTypes: [string, string, string][] = [
  ["m5.large", "2", "8 GiB"],
  ["m5.xlarge", "4", "16 GiB"],
  ["m5.2xlarge", "8", "32 GiB"],
  ["c5.large", "2", "4 GiB"],
  ["c5.xlarge", "4", "8 GiB"],
  ["r5.large", "2", "16 GiB"],
  ["r5.xlarge", "4", "32 GiB"],
  ["t3.medium", "2", "4 GiB"],
  ["m6g.large", "2", "8 GiB"],
  ["c6g.xlarge", "4", "8 GiB"],
];
const regions = [
  "us-east-1",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "ap-southeast-1",
  "ap-northeast-1",
  "sa-east-1",
];
const month = new Date("2026-10-01T00:00:00Z");
const athenaTime = (ms: number) =>
  new Date(ms).toISOString().slice(0, 19).replace("T", " ") + ".000";

function* rows() {
  for (let h = 0; h < hours; h++) {
    const start = month.getTime() + h * 3_600_000;
    const from = athenaTime(start);
    const to = athenaTime(start + 3_600_000);
    for (let c = 0; c < combos; c++) {
      const [type, vcpu, memory] = instanceTypes[c % instanceTypes.length]!;
      const region = regions[Math.floor(c / instanceTypes.length) % regions.length]!;
      const account = String(
        100000000000 + Math.floor(c / (instanceTypes.length * regions.length)),
      );
      yield [
        from,
        to,
        account,
        "Usage",
        "AmazonEC2",
        `BoxUsage:${type}`,
        region,
        type,
        vcpu,
        memory,
        "Hrs",
        "USD",
        `i-${String(c).padStart(17, "0")}`,
        `{"user_team":"team-${c % 12}","user_env":"${c % 3 === 0 ? "prod" : "dev"}"}`,
        String(1 + (c % 5)),
        "0.1",
      ];
    }
  }
}

const roleArn = "arn:aws:iam::100000000000:role/CanopyReadOnly";
const externalId = "bench-external-id";
const fake = await startFakeAws({ roleArn, externalId, sourceAccessKeyId: "AKIABENCH" });
fake.setAthenaResult(columns, rows);
const connectors: ConnectorSettings = {
  aws: {
    endpoints: fake.endpoints,
    pollIntervalMs: 50,
  },
};
const env = parseEnv();
const database = await createScratchDatabase(env.DATABASE_URL ?? env.CANOPY_TEST_DATABASE_URL);
const keyring = createKeyring(Buffer.alloc(32, 9).toString("base64"));
try {
  const tenantId = randomUUID();
  await database.owner.pool.query(
    "INSERT INTO tenants (id, name, slug) VALUES ($1, 'Bench', 'bench')",
    [tenantId],
  );
  const { rows: accounts } = await database.owner.pool.query<{ id: string }>(
    `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, external_id, status)
     VALUES ($1, 'aws', 'Payer', '100000000000', $2, 'pending') RETURNING id`,
    [tenantId, externalId],
  );
  const cloudAccountId = accounts[0]!.id;
  const sealed = sealCredentials(keyring, tenantId, cloudAccountId, {
    provider: "aws",
    roleArn,
    accessKeyId: "AKIABENCH",
    secretAccessKey: "bench-secret",
    athenaDatabase: "cur",
    athenaTable: "cur2",
  });
  await database.owner.pool.query(
    "UPDATE cloud_accounts SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1",
    [cloudAccountId, sealed.ciphertext, sealed.keyId],
  );
  const started = performance.now();
  const result = (await jobDefinition("sync-account").process(
    {
      tenantId,
      cloudAccountId,
      windowStart: month.toISOString(),
      windowEnd: "2026-11-01T00:00:00Z",
      mode: "sync",
    },
    {
      owner: database.owner,
      app: database.app,
      keyring,
      log: () => undefined,
      enqueue: async () => randomUUID(),
      connectors,
    },
    attemptContext(jobDefinition("sync-account").options, "bench"),
  )) as { rowsRead: number; rowsWritten: number; syncRunId: string };
  const seconds = (performance.now() - started) / 1000;
  const { rows: count } = await database.owner.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM usage_hourly WHERE tenant_id = $1",
    [tenantId],
  );
  const { rows: run } = await database.owner.pool.query<{
    details: { apiCalls?: Record<string, number> };
  }>("SELECT details FROM sync_runs WHERE id = $1", [result.syncRunId]);
  const apiCalls = run[0]?.details.apiCalls ?? {};
  const totalCalls = Object.values(apiCalls).reduce((n, c) => n + c, 0);
  // What reached the fake, as a cross-check of the run's own count.
  const served = fake.requests.length;
  process.stdout.write(
    `bench:sync  ${result.rowsRead.toLocaleString("en")} Athena rows → ${count[0]!.n.toLocaleString("en")} usage_hourly rows ` +
      `in ${seconds.toFixed(1)} s (${Math.round(result.rowsRead / seconds).toLocaleString("en")} rows/s; target < 60 s) ${seconds < 60 ? "PASS" : "FAIL"}\n` +
      `            ${totalCalls} API calls for the account-month (${served} served by the fake): ${Object.entries(
        apiCalls,
      )
        .map(([action, n]) => `${action} ${n}`)
        .join(", ")}\n`,
  );
} finally {
  await database.drop();
  await fake.close();
}
