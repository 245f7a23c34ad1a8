import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshRollups, withTenantClient } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as options from "@/app/api/v1/emissions/options/route";
import * as breakdown from "@/app/api/v1/emissions/breakdown/route";
import * as openapi from "@/app/api/v1/openapi.json/route";
import { breadcrumb, drillInto } from "@/lib/emissions/drill";
import { dataQualityDetail, methodologyVersions } from "@/lib/server/emissions";

/**
 * Dashboard exploration on a real database: the filter options endpoint (options follow the other
 * filters and the range, tenant-isolated), drill-down URL state, period-over-period comparison and
 * the data-quality detail, each checked against SQL sums over emissions_hourly.
 *
 * Organization A: two AWS accounts and one GCP project, usage on 2025-01-15 (so data starts before
 * the previous period of March), in February and in March; tags team and env; one global line with
 * no region; some CO2e on default factors. Organization B: its own provider, service, region and tag,
 * which A must never see.
 */
type Line = {
  account: number;
  day: string;
  service: string;
  region: string;
  kind: string;
  instanceType: string;
  tags: Record<string, string>;
  kg: number;
  onDefaultsKg: number;
};
const accountDefs = [
  { provider: "aws", id: "111111111111", name: "AWS prod" },
  { provider: "aws", id: "222222222222", name: "AWS dev" },
  { provider: "gcp", id: "ml-project", name: "GCP ml" },
];
const lines: Line[] = [
  // January (only so the data starts before the previous period of March)
  {
    account: 0,
    day: "2025-01-15",
    service: "AmazonEC2",
    region: "eu-west-1",
    kind: "compute",
    instanceType: "m5.large",
    tags: { team: "data" },
    kg: 3,
    onDefaultsKg: 0,
  },
  // February (previous period of March: 2025-01-29 .. 2025-02-28)
  {
    account: 0,
    day: "2025-02-10",
    service: "AmazonEC2",
    region: "eu-west-1",
    kind: "compute",
    instanceType: "m5.large",
    tags: { team: "data" },
    kg: 8,
    onDefaultsKg: 0,
  },
  {
    account: 1,
    day: "2025-02-11",
    service: "AmazonS3",
    region: "us-east-1",
    kind: "storage",
    instanceType: "",
    tags: { team: "web" },
    kg: 2,
    onDefaultsKg: 0,
  },
  {
    account: 0,
    day: "2025-02-12",
    service: "AWSLambda",
    region: "eu-west-1",
    kind: "compute",
    instanceType: "",
    tags: {},
    kg: 1,
    onDefaultsKg: 0,
  },
  // March
  {
    account: 0,
    day: "2025-03-10",
    service: "AmazonEC2",
    region: "eu-west-1",
    kind: "compute",
    instanceType: "m5.large",
    tags: { team: "data", env: "prod" },
    kg: 10,
    onDefaultsKg: 0,
  },
  {
    account: 0,
    day: "2025-03-11",
    service: "AmazonEC2",
    region: "eu-west-1",
    kind: "compute",
    instanceType: "x9.weird",
    tags: { team: "data", env: "prod" },
    kg: 4,
    onDefaultsKg: 4,
  },
  {
    account: 1,
    day: "2025-03-12",
    service: "AmazonS3",
    region: "us-east-1",
    kind: "storage",
    instanceType: "",
    tags: { team: "web" },
    kg: 3,
    onDefaultsKg: 0,
  },
  {
    account: 1,
    day: "2025-03-13",
    service: "AWSSupport",
    region: "",
    kind: "other",
    instanceType: "",
    tags: {},
    kg: 0.5,
    onDefaultsKg: 0.5,
  },
  {
    account: 2,
    day: "2025-03-14",
    service: "Compute Engine",
    region: "europe-west4",
    kind: "compute",
    instanceType: "e2-medium",
    tags: { team: "ml", "cost centre": "a,b" },
    kg: 6,
    onDefaultsKg: 1,
  },
];

let db: TestDatabase;
let owner: TestUser;
let other: TestUser;
let tenantId: string;
let otherTenant: string;
const accountIds: string[] = [];

async function insert(tenant: string, account: string, provider: string, line: Line, i: number) {
  await withTenantClient(db.app, tenant, async (client) => {
    await client.query(
      `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
         instance_type, tags, pue, grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg,
         co2e_embodied_kg, water_l, co2e_on_defaults_kg, cost_amount, currency, methodology_version)
       VALUES ($1, $2, ($3::date + time '10:00') AT TIME ZONE 'UTC', $4, $5::cloud_provider, $6, $7, $8, $9, $10::jsonb,
         1.2, 400, 1, 1.2, $11::float8 * 0.8, $11::float8 * 0.5, $11::float8 * 0.2, 0, $12, 1, 'USD',
         'canopy-1.0.0+pack.2025.1')`,
      [
        tenant,
        account,
        line.day,
        `d${i}`,
        provider,
        line.service,
        line.region,
        line.kind,
        line.instanceType,
        JSON.stringify(line.tags),
        line.kg,
        line.onDefaultsKg,
      ],
    );
  });
}

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@explore.test");
  tenantId = await createOrganization(owner, "Explore Org");
  other = await signUp("owner@other-explore.test");
  otherTenant = await createOrganization(other, "Other Explore Org");
  await db.owner.pool.query("SELECT ensure_emissions_partitions('2025-01-01', 12)");
  for (const a of accountDefs) {
    const id = randomUUID();
    await db.owner.pool.query(
      `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, $2, $3, $4, $5, 'active')`,
      [id, tenantId, a.provider, a.name, a.id],
    );
    accountIds.push(id);
  }
  for (const [i, line] of lines.entries())
    await insert(tenantId, accountIds[line.account]!, accountDefs[line.account]!.provider, line, i);
  const otherAccount = randomUUID();
  await db.owner.pool.query(
    `INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id, status)
     VALUES ($1, $2, 'azure', 'Other sub', 'sub-1', 'active')`,
    [otherAccount, otherTenant],
  );
  await insert(
    otherTenant,
    otherAccount,
    "azure",
    {
      account: 0,
      day: "2025-03-10",
      service: "Virtual Machines",
      region: "westeurope",
      kind: "compute",
      instanceType: "Standard_D2s_v5",
      tags: { secret: "other-org" },
      kg: 50,
      onDefaultsKg: 50,
    },
    0,
  );
  const refresh = async (tenant: string, ids: string[]) =>
    withTenantClient(db.app, tenant, async (client) => {
      for (const id of ids)
        await refreshRollups(
          client,
          tenant,
          id,
          new Date("2025-01-01T00:00:00Z"),
          new Date("2025-04-01T00:00:00Z"),
        );
    });
  await refresh(tenantId, accountIds);
  await refresh(otherTenant, [otherAccount]);
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

const march = "from=2025-03-01&to=2025-03-31";
const values = (list: unknown) => (list as { value: string }[]).map((o) => o.value);

async function getOptions(query: string, credential: TestUser = owner) {
  const response = await call(options.GET, {
    path: `/api/v1/emissions/options?${query}`,
    credential,
  });
  expect(response.status).toBe(200);
  return response.body;
}

/** Total CO2e (location-based + embodied + spend-based) per group, straight from the hourly rows. */
async function sqlTotals(expression: string, where: string, params: unknown[]) {
  const { rows } = await db.owner.pool.query<{ grp: string; kg: number }>(
    `SELECT ${expression} AS grp, sum(co2e_location_kg + co2e_embodied_kg + co2e_spend_based_kg)::float8 AS kg
     FROM emissions_hourly WHERE tenant_id = $1 AND ${where} GROUP BY 1`,
    [tenantId, ...params],
  );
  return new Map(rows.map((r) => [r.grp, r.kg]));
}

describe("filter options", () => {
  it("offer what has emissions in the range: no blank region, nothing of another organization", async () => {
    const body = await getOptions(march);
    expect(values(body.providers)).toEqual(["aws", "gcp"]);
    expect((body.providers as { label: string }[]).map((p) => p.label)).toEqual(["AWS", "GCP"]);
    expect(values(body.services).sort()).toEqual(
      ["AmazonEC2", "AmazonS3", "AWSSupport", "Compute Engine"].sort(),
    );
    // AWSLambda has emissions in February only; AWSSupport's line has no region (not offered).
    expect(values(body.regions)).toEqual(["eu-west-1", "europe-west4", "us-east-1"]);
    expect(values(body.accounts).sort()).toEqual([...accountIds].sort());
    expect(body.tagKeys).toBeNull();
    const { rows } = await db.owner.pool.query<{ service: string }>(
      `SELECT DISTINCT service FROM emissions_daily WHERE tenant_id = $1 AND day BETWEEN '2025-03-01' AND '2025-03-31'`,
      [tenantId],
    );
    expect(values(body.services).sort()).toEqual(rows.map((r) => r.service).sort());
  });

  it("follow the date range", async () => {
    const feb = await getOptions("from=2025-02-01&to=2025-02-28");
    expect(values(feb.services).sort()).toEqual(["AmazonEC2", "AmazonS3", "AWSLambda"].sort());
    expect(values(feb.providers)).toEqual(["aws"]);
    expect(values(feb.accounts).sort()).toEqual([accountIds[0], accountIds[1]].sort());
  });

  it("read the days of partial months at the edges, not their whole months", async () => {
    // February whole, 1–12 March by day: AWSSupport (13 March) and Compute Engine (14 March) are out.
    const edge = await getOptions("from=2025-01-20&to=2025-03-12");
    expect(values(edge.providers)).toEqual(["aws"]);
    expect(values(edge.services).sort()).toEqual(["AmazonEC2", "AmazonS3", "AWSLambda"].sort());
    expect(values(edge.regions)).toEqual(["eu-west-1", "us-east-1"]);
  });

  it("follow the other filters, while a filter's own list keeps its alternatives", async () => {
    const gcp = await getOptions(`${march}&provider=gcp`);
    expect(values(gcp.services)).toEqual(["Compute Engine"]);
    expect(values(gcp.regions)).toEqual(["europe-west4"]);
    expect(values(gcp.accounts)).toEqual([accountIds[2]]);
    // The provider list ignores the provider filter itself, so AWS can be added.
    expect(values(gcp.providers)).toEqual(["aws", "gcp"]);
    const s3 = await getOptions(`${march}&service=AmazonS3`);
    expect(values(s3.accounts)).toEqual([accountIds[1]]);
    expect(values(s3.regions)).toEqual(["us-east-1"]);
    // A tag filter narrows every list (hourly rows).
    const ml = await getOptions(`${march}&tag=team=ml`);
    expect(values(ml.services)).toEqual(["Compute Engine"]);
  });

  it("discover tag keys and values from the stored tags, under the filters", async () => {
    const keys = await getOptions(`${march}&tagKeys=true`);
    expect(keys.tagKeys).toEqual(["cost centre", "env", "team"]);
    const team = await getOptions(`${march}&tagKey=team`);
    expect(team.tagValues).toEqual(["data", "ml", "web"]);
    const awsTeam = await getOptions(`${march}&tagKey=team&provider=aws`);
    expect(awsTeam.tagValues).toEqual(["data", "web"]);
    // Another key's filter applies; the key's own filter does not (its alternatives stay listed).
    const prodTeam = await getOptions(`${march}&tagKey=team&tag=env=prod&tag=team=data`);
    expect(prodTeam.tagValues).toEqual(["data"]);
    const commas = await getOptions(`${march}&tagKey=${encodeURIComponent("cost centre")}`);
    expect(commas.tagValues).toEqual(["a,b"]);
    const febKeys = await getOptions("from=2025-02-01&to=2025-02-28&tagKeys=true");
    expect(febKeys.tagKeys).toEqual(["team"]);
  });

  it("are isolated per organization", async () => {
    const body = await getOptions(`${march}&tagKeys=true&tagKey=team`, other);
    expect(values(body.providers)).toEqual(["azure"]);
    expect(values(body.services)).toEqual(["Virtual Machines"]);
    expect(body.tagKeys).toEqual(["secret"]);
    expect(body.tagValues).toEqual([]);
    const mine = await getOptions(`${march}&tagKeys=true`);
    expect(mine.tagKeys).not.toContain("secret");
    expect(values(mine.regions)).not.toContain("westeurope");
    // Another organization's account id as a filter selects nothing of it.
    const unauthenticated = await call(options.GET, { path: `/api/v1/emissions/options?${march}` });
    expect(unauthenticated.status).toBe(401);
  });

  it("refuse a malformed tag and are in the OpenAPI document", async () => {
    const bad = await call(options.GET, {
      path: `/api/v1/emissions/options?${march}&tag=novalue`,
      credential: owner,
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error?.fields ?? {})).toEqual(["tag.0"]);
    const doc = (await (await openapi.GET()).json()) as Record<string, unknown>;
    const paths = doc.paths as Record<string, { get?: { parameters: { name: string }[] } }>;
    expect(paths["/api/v1/emissions/options"]?.get?.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(["from", "to", "provider", "tag", "tagKeys", "tagKey"]),
    );
  });
});

describe("drill-down", () => {
  async function breakdownOf(params: URLSearchParams) {
    const query = new URLSearchParams(params);
    query.set("groupBy", params.get("table") ?? "service");
    query.delete("table");
    const response = await call(breakdown.GET, {
      path: `/api/v1/emissions/breakdown?${query.toString()}`,
      credential: owner,
    });
    expect(response.status).toBe(200);
    return response.body as {
      items: { key: string; label: string; co2eTotalKg: number }[];
      groupBy: string;
    };
  }

  it("each click filters to the group and goes one level down; figures match SQL at each level", async () => {
    let params = new URLSearchParams(`${march}&table=provider`);
    const top = await breakdownOf(params);
    expect(top.items.find((i) => i.key === "aws")?.label).toBe("AWS");

    params = drillInto(params, "provider", "aws")!;
    expect(params.get("provider")).toBe("aws");
    expect(params.get("table")).toBe("account");
    expect(params.get("groupBy")).toBe("account");
    const accounts = await breakdownOf(params);
    const accountSql = await sqlTotals(
      "cloud_account_id::text",
      "hour >= '2025-03-01' AND hour < '2025-04-01' AND provider = 'aws'",
      [],
    );
    expect(accounts.items.map((i) => i.key).sort()).toEqual([...accountSql.keys()].sort());
    for (const item of accounts.items)
      expect(item.co2eTotalKg).toBeCloseTo(accountSql.get(item.key)!, 6);

    params = drillInto(params, "account", accountIds[0]!)!;
    expect(params.get("table")).toBe("service");
    const services = await breakdownOf(params);
    expect(services.items.map((i) => i.key)).toEqual(["AmazonEC2"]);

    params = drillInto(params, "service", "AmazonEC2")!;
    expect(params.get("table")).toBe("region");
    const regions = await breakdownOf(params);
    expect(regions.items.map((i) => i.key)).toEqual(["aws/eu-west-1"]);

    // A region key carries its provider: both become filters.
    params = drillInto(params, "region", "aws/eu-west-1")!;
    expect(params.get("region")).toBe("eu-west-1");
    expect(params.get("provider")).toBe("aws");
    expect(params.get("table")).toBe("instanceType");
    const types = await breakdownOf(params);
    const typeSql = await sqlTotals(
      "instance_type",
      `hour >= '2025-03-01' AND hour < '2025-04-01' AND cloud_account_id = $2 AND service = 'AmazonEC2' AND region = 'eu-west-1'`,
      [accountIds[0]],
    );
    expect(types.items.map((i) => i.key).sort()).toEqual(["m5.large", "x9.weird"]);
    for (const item of types.items) expect(item.co2eTotalKg).toBeCloseTo(typeSql.get(item.key)!, 6);
    // The bottom of the path: nothing further to drill.
    expect(drillInto(params, "instanceType", "m5.large")).toBeNull();
    expect(drillInto(params, "payer", "aws:1")).toBeNull();
    // The range survives every step (the view stays shareable as a URL).
    expect(params.get("from")).toBe("2025-03-01");
    expect(params.get("to")).toBe("2025-03-31");

    const crumbs = breadcrumb(params, "/", (level, v) => `${level}:${v.join(",")}`);
    expect(crumbs.map((c) => c.label)).toEqual([
      "All",
      "provider:aws",
      `account:${accountIds[0]}`,
      "service:AmazonEC2",
      "region:eu-west-1",
    ]);
    expect(crumbs.at(-1)!.current).toBe(true);
    // Back to the account level: the service and region filters go, the table groups by service.
    const back = new URLSearchParams(crumbs[2]!.href.split("?")[1]);
    expect(back.get("account")).toBe(accountIds[0]);
    expect(back.get("service")).toBeNull();
    expect(back.get("region")).toBeNull();
    expect(back.get("table")).toBe("service");
    const all = new URLSearchParams(crumbs[0]!.href.split("?")[1]);
    expect([...all.keys()].sort()).toEqual(["from", "groupBy", "table", "to"]);
  });
});

describe("period-over-period comparison", () => {
  it("compares every group with the previous period of the same length (against SQL)", async () => {
    const response = await call(breakdown.GET, {
      path: `/api/v1/emissions/breakdown?groupBy=service&${march}`,
      credential: owner,
    });
    expect(response.status).toBe(200);
    const body = response.body as {
      comparison: { from: string; to: string; comparable: boolean; reason: string | null };
      items: {
        key: string;
        co2eTotalKg: number;
        previousCo2eTotalKg: number | null;
        changeShare: number | null;
      }[];
    };
    // 31 days before 2025-03-01.
    expect(body.comparison).toEqual({
      from: "2025-01-29",
      to: "2025-02-28",
      comparable: true,
      reason: null,
    });
    const previous = await sqlTotals("service", "hour >= '2025-01-29' AND hour < '2025-03-01'", []);
    const current = await sqlTotals("service", "hour >= '2025-03-01' AND hour < '2025-04-01'", []);
    for (const item of body.items) {
      expect(item.co2eTotalKg).toBeCloseTo(current.get(item.key)!, 6);
      const before = previous.get(item.key) ?? 0;
      expect(item.previousCo2eTotalKg).toBeCloseTo(before, 6);
      if (before === 0) expect(item.changeShare).toBeNull();
      else expect(item.changeShare).toBeCloseTo((current.get(item.key)! - before) / before, 9);
    }
    // EC2: 14 × 1.0 kg now against 8 × 1.0 before (the January day is outside the previous period).
    expect(body.items.find((i) => i.key === "AmazonEC2")!.changeShare).toBeCloseTo(14 / 8 - 1, 9);
    expect(body.items.find((i) => i.key === "Compute Engine")!.previousCo2eTotalKg).toBe(0);
  });

  it("is not comparable when the data starts after the previous period's first day", async () => {
    const response = await call(breakdown.GET, {
      path: "/api/v1/emissions/breakdown?groupBy=provider&from=2025-02-01&to=2025-03-31",
      credential: owner,
    });
    const body = response.body as {
      comparison: { comparable: boolean; reason: string };
      items: { previousCo2eTotalKg: number | null; changeShare: number | null }[];
    };
    expect(body.comparison.comparable).toBe(false);
    expect(body.comparison.reason).toContain("2025-01-15");
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) {
      expect(item.previousCo2eTotalKg).toBeNull();
      expect(item.changeShare).toBeNull();
    }
  });

  it("is not comparable when the previous period has no emissions under the filters", async () => {
    const response = await call(breakdown.GET, {
      path: `/api/v1/emissions/breakdown?groupBy=region&${march}&provider=gcp`,
      credential: owner,
    });
    const body = response.body as {
      comparison: { comparable: boolean; reason: string };
      items: { previousCo2eTotalKg: number | null }[];
    };
    expect(body.comparison.comparable).toBe(false);
    expect(body.comparison.reason).toMatch(/no emissions/);
    expect(body.items.every((i) => i.previousCo2eTotalKg === null)).toBe(true);
  });
});

describe("data quality under the filters", () => {
  const scope = () => ({ sql: (fn: never) => withTenantClient(db.app, tenantId, fn) }) as never;
  const filters = {
    from: "2025-03-01",
    to: "2025-03-31",
    provider: [],
    account: [],
    service: [],
    region: [],
    tag: [],
  };

  it("names the services and lines on defaults and the accounts with figures, as SQL does", async () => {
    const all = await dataQualityDetail(scope(), filters);
    expect(all.accountIds.sort()).toEqual([...accountIds].sort());
    const { rows } = await db.owner.pool.query<{ service: string; kg: number }>(
      `SELECT service, sum(co2e_on_defaults_kg)::float8 AS kg FROM emissions_hourly
       WHERE tenant_id = $1 AND hour >= '2025-03-01' AND hour < '2025-04-01' AND co2e_on_defaults_kg > 0
       GROUP BY service ORDER BY kg DESC, service`,
      [tenantId],
    );
    expect(all.services.map((s) => s.service)).toEqual(rows.map((r) => r.service));
    for (const row of rows)
      expect(all.services.find((s) => s.service === row.service)!.co2eOnDefaultsKg).toBeCloseTo(
        row.kg,
        6,
      );
    const ec2 = all.lines.find((l) => l.service === "AmazonEC2")!;
    expect(ec2).toMatchObject({ provider: "aws", region: "eu-west-1", kind: "compute" });
    expect(ec2.shareOnDefaults).toBeCloseTo(4 / 14, 6);
    expect(all.lines.find((l) => l.service === "AWSSupport")).toMatchObject({ region: "" });

    const gcp = await dataQualityDetail(scope(), { ...filters, provider: ["gcp"] as never });
    expect(gcp.accountIds).toEqual([accountIds[2]]);
    expect(gcp.services.map((s) => s.service)).toEqual(["Compute Engine"]);
    const feb = await dataQualityDetail(scope(), {
      ...filters,
      from: "2025-02-01",
      to: "2025-02-28",
    });
    expect(feb.services).toEqual([]);
    expect(feb.accountIds.sort()).toEqual([accountIds[0], accountIds[1]].sort());
  });

  it("gives the method version of the figures in range", async () => {
    expect(await methodologyVersions(scope(), filters)).toEqual(["canopy-1.0.0+pack.2025.1"]);
  });
});
