import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FindingStateError,
  listFindings,
  seedDemoOrganization,
  updateFindingState,
  withTenantClient,
  writeGridIntensity,
  writeRecommendationSettings,
  type Finding,
} from "@canopy/db";
import { createEstimator, resolveDataPack, type UsageRecord } from "@canopy/methodology";
import { createImportHarness } from "../import/testing";
import { basisPeriod } from "./compute";
import { sizeDownOf } from "./rules/rightsizing";

// Real exports (see /work/shared/reference/samples/README.md): the anonymized AWS CUR (daily rows,
// Nov 2023, S3 with Standard and Glacier storage) and Microsoft's EA amortized cost sample (VMs,
// managed disks in regions without VMs).
const awsSample = readFileSync(
  "/work/shared/reference/samples/aws/sample-anonymous-aws-export-dataset.csv",
  "utf8",
);
const azureSample = readFileSync(
  "/work/shared/reference/samples/azure/EA_AmortizedCost_Small.csv",
  "utf8",
);
// AWS's workshop CUR (hourly, Nov 2018): EC2 on older families and a Spot batch.
const workshopCur = readFileSync(
  "/work/shared/reference/samples/aws/Nov2018-WorkshopCUR-00001.snappy.parquet",
);

// The FinOps Foundation's FOCUS 1.0 sample (Sep 2024, AWS): EBS snapshot storage on 30 days only.
const focusSample = readFileSync("/work/shared/reference/samples/focus/focus_sample.csv", "utf8");

type Harness = Awaited<ReturnType<typeof createImportHarness>>;

describe("recommendations on real sample bills", () => {
  let h: Harness;
  let aws: string;
  let azure: string;
  let workshop: string;
  let focus: string;
  const findingsOf = (tenantId: string, filter: Parameters<typeof listFindings>[1] = {}) =>
    withTenantClient(h.database.app, tenantId, (client) => listFindings(client, filter));
  const recompute = async (tenantId: string) => {
    await h.driver.enqueue("compute-recommendations", { tenantId });
    await h.driver.drain();
  };

  beforeAll(async () => {
    h = await createImportHarness();
    aws = await h.newTenant();
    azure = await h.newTenant();
    expect((await h.importText(aws, awsSample, { fileName: "cur.csv" })).status).toBe("succeeded");
    expect(
      (await h.importText(azure, azureSample, { fileName: "EA_AmortizedCost_Small.csv" })).status,
    ).toBe("succeeded");
    workshop = await h.newTenant();
    const run = await h.importText(workshop, workshopCur, {
      fileName: "Nov2018-WorkshopCUR-00001.snappy.parquet",
    });
    expect(run.status).toBe("succeeded");
    focus = await h.newTenant();
    expect((await h.importText(focus, focusSample, { fileName: "focus_sample.csv" })).status).toBe(
      "succeeded",
    );
  }, 120_000);
  afterAll(async () => h?.close());

  /** The basis period the job used, from the tenant's stored usage. */
  const basisOf = async (tenantId: string) => {
    const { rows } = await h.database.owner.pool.query<{ first: Date; end: Date }>(
      "SELECT min(hour) AS first, max(hour + make_interval(secs => period_hours * 3600)) AS end FROM usage_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    return basisPeriod({ firstHour: rows[0]!.first, endHour: rows[0]!.end });
  };

  it("measured CPU of the workshop's EC2 instances: an idle VM and an oversized one get their findings", async () => {
    const basis = await basisOf(workshop);
    const pool = h.database.owner.pool;
    // The workshop bill's most used EC2 type in the basis month that has a smaller size in the pack.
    const { rows: types } = await pool.query<{ account: string; region: string; type: string }>(
      `SELECT cloud_account_id AS account, region, instance_type AS type FROM usage_hourly
       WHERE tenant_id = $1 AND kind = 'compute' AND unit IN ('instance-hours', 'vcpu-hours') AND instance_type <> ''
         AND hour >= $2 AND hour < $3
       GROUP BY 1, 2, 3 ORDER BY sum(quantity) DESC`,
      [workshop, basis.start, basis.end],
    );
    const pack = resolveDataPack();
    const rows = types.filter((t) => sizeDownOf(pack, "aws", t.type) !== undefined);
    const vm = rows[0]!;
    expect(vm).toBeDefined();
    const hours = Math.min(240, basis.hours);
    expect(hours).toBeGreaterThanOrEqual(168);
    for (const [resourceId, cpu] of [
      ["i-0idle00000000001", 0.01],
      ["i-0over00000000001", 0.05],
    ] as const)
      await pool.query(
        `INSERT INTO resource_utilization_hourly (tenant_id, cloud_account_id, hour, resource_id, region, instance_type,
           cpu_utilization, source)
         SELECT $1, $2, $3::timestamptz + g * interval '1 hour', $4, $5, $6, $7, 'aws-cloudwatch'
         FROM generate_series(0, $8 - 1) AS g`,
        [workshop, vm.account, basis.start, resourceId, vm.region, vm.type, cpu, hours],
      );
    await recompute(workshop);
    const idle = await findingsOf(workshop, { ruleId: "idle-instances" });
    expect(idle.map((f) => f.resourceKey)).toEqual([`${vm.account}|i-0idle00000000001`]);
    expect(idle[0]!.co2eLocationSavedKgPerMonth).toBeGreaterThan(0);
    expect(idle[0]!.costDeltaAmountPerMonth).toBeLessThan(0);
    const resized = await findingsOf(workshop, { ruleId: "rightsizing" });
    expect(resized.map((f) => f.resourceKey)).toEqual([`${vm.account}|i-0over00000000001`]);
    expect(resized[0]!.co2eLocationSavedKgPerMonth).toBeGreaterThan(0);
    expect(resized[0]!.details).toMatchObject({ measuredHours: hours, p95Cpu: 0.05 });
  });

  it("queues the job after the import's rollups: the AWS bill's S3 Standard storage gets a lifecycle finding priced from its own Glacier line", async () => {
    const findings = await findingsOf(aws);
    const lifecycle = findings.find((f) => f.ruleId === "storage-lifecycle");
    expect(lifecycle?.resources).toMatchObject({
      service: "AmazonS3",
      region: "us-west-2",
      usageTypes: ["USW2-TimedStorage-ByteHrs"],
    });
    const basis = await basisOf(aws);
    const { rows } = await h.database.owner.pool.query<{ usageType: string; q: number; c: number }>(
      `SELECT usage_type AS "usageType", sum(quantity)::float8 AS q, sum(cost_amount)::float8 AS c FROM usage_hourly
       WHERE tenant_id = $1 AND service = 'AmazonS3' AND region = 'us-west-2' AND usage_type IN ('USW2-TimedStorage-ByteHrs', 'USW2-TimedStorage-GlacierByteHrs')
         AND hour >= $2 AND hour < $3 GROUP BY 1`,
      [aws, basis.start, basis.end],
    );
    const standard = rows.find((r) => r.usageType === "USW2-TimedStorage-ByteHrs")!;
    const glacier = rows.find((r) => r.usageType === "USW2-TimedStorage-GlacierByteHrs")!;
    const expected =
      standard.q * (glacier.c / glacier.q - standard.c / standard.q) * basis.monthScale;
    expect(lifecycle!.costDeltaAmountPerMonth).toBeCloseTo(expected, 4);
    expect(lifecycle!.costCurrency).toBe("USD");
    expect(lifecycle!.details.targetClass).toBe("S3 Glacier Flexible Retrieval");
    // The bill has no EC2, so no rule about instances or volumes fires on it.
    expect(
      findings.filter((f) => ["previous-generation", "unattached-volumes"].includes(f.ruleId)),
    ).toEqual([]);
  });

  it("finds the Azure sample's older VM sizes, its disks in regions without VMs, and region moves re-estimated from the stored rows", async () => {
    const findings = await findingsOf(azure);
    const older = findings
      .filter((f) => f.ruleId === "previous-generation")
      .map((f) => f.resources.instanceType);
    expect(older.sort()).toEqual(["Standard_D2s_v3", "Standard_DS2_v2"]);
    const unattached = findings
      .filter((f) => f.ruleId === "unattached-volumes")
      .map((f) => f.resources.region);
    expect(unattached.sort()).toEqual(["ukwest", "westus", "westus2"]);

    // The D2s v3 move, recomputed from the stored usage rows with the same estimator.
    const move = findings.find(
      (f) =>
        f.ruleId === "region-move-same-provider" && f.resources.instanceType === "Standard_D2s_v3",
    )!;
    const target = (move.details.to as { region: string }).region;
    const basis = await basisOf(azure);
    const { rows } = await h.database.owner.pool.query<{
      quantity: number;
      unit: string;
      usageType: string;
      instanceType: string;
      region: string;
      service: string;
    }>(
      `SELECT quantity, unit, usage_type AS "usageType", instance_type AS "instanceType", region, service FROM usage_hourly
       WHERE tenant_id = $1 AND instance_type = 'Standard_D2s_v3' AND hour >= $2 AND hour < $3`,
      [azure, basis.start, basis.end],
    );
    const estimator = createEstimator();
    const sum = (region?: string) =>
      rows.reduce((s, row) => {
        const record: UsageRecord = {
          provider: "azure",
          accountId: "a",
          periodStart: basis.start.toISOString(),
          periodHours: 1,
          kind: "compute",
          service: row.service,
          region: region ?? row.region,
          quantity: row.quantity,
          unit: row.unit as UsageRecord["unit"],
          usageType: row.usageType,
          instanceType: row.instanceType,
        };
        return s + estimator.estimate(record).co2eLocationKg;
      }, 0);
    expect(move.co2eLocationSavedKgPerMonth).toBeCloseTo(
      (sum() - sum(target)) * basis.monthScale,
      5,
    );
    expect(move.costDeltaAmountPerMonth).toBeNull();
    expect(move.costNote).toBe(`no price for Standard_D2s_v3 in region ${target}`);
  });

  it("finds the workshop CUR's older EC2 families, no unattached volume, and time shifting once hourly grid data exists", async () => {
    const findings = await findingsOf(workshop);
    const older = new Set(
      findings
        .filter((f) => f.ruleId === "previous-generation")
        .map((f) => f.resources.instanceType),
    );
    for (const type of ["m4.xlarge", "t2.large", "t2.micro", "c5.large", "m5.large"])
      expect(older.has(type), type).toBe(true);
    const unattached = findings
      .filter((f) => f.ruleId === "unattached-volumes")
      .map((f) => f.resources.region);
    // Every EBS volume of this bill is in an account and region where an EC2 instance ran (even the
    // ap-southeast-2 one, beside a 13-minute t2.micro): nothing is provably unattached.
    expect(unattached).toEqual([]);
    // No hourly grid data yet: no time shifting.
    expect(findings.filter((f) => f.ruleId === "time-shifting")).toEqual([]);

    // Hourly intensity for us-east-1's zone in Nov 2018 (lifecycle, as estimation reads it): a daily
    // cycle with clean nights. The Spot m5.large batch (77 of 720 hours) then gets a finding.
    const points = [];
    for (
      let t = Date.parse("2018-11-01T00:00:00Z");
      t < Date.parse("2018-12-01T00:00:00Z");
      t += 3_600_000
    ) {
      const hour = new Date(t).getUTCHours();
      points.push({
        zone: "US-MIDA-PJM",
        hour: new Date(t),
        boundary: "lifecycle" as const,
        estimated: false,
        gCo2ePerKwh: 380 + 120 * Math.sin(((hour - 6) * Math.PI) / 12),
      });
    }
    await writeGridIntensity(h.database.owner, {
      source: "electricitymaps-dataset",
      sourceVersion: "test",
      label: "test",
      points,
    });
    await recompute(workshop);
    const shift = (await findingsOf(workshop)).find(
      (f) => f.ruleId === "time-shifting" && f.resources.instanceType === "m5.large",
    );
    expect(shift).toBeDefined();
    expect(shift!.co2eLocationSavedKgPerMonth).toBeGreaterThan(0);
    expect(shift!.details.zone).toBe("US-MIDA-PJM");
    // Σ kWh × g over the batch's hours (stored hourly usage × the estimator's kWh per vCPU-hour).
    const { rows } = await h.database.owner.pool.query<{ hour: Date; q: number }>(
      `SELECT hour, sum(quantity)::float8 AS q FROM usage_hourly WHERE tenant_id = $1 AND usage_type = 'SpotUsage:m5.large' GROUP BY hour`,
      [workshop],
    );
    const kwh = createEstimator().estimate({
      provider: "aws",
      accountId: "a",
      periodStart: "2018-11-01T00:00:00Z",
      periodHours: 1,
      service: "AmazonEC2",
      region: "us-east-1",
      kind: "compute",
      quantity: 1,
      unit: "vcpu-hours",
      usageType: "SpotUsage:m5.large",
      instanceType: "m5.large",
    }).kwhFacility;
    const g = (d: Date) => 380 + 120 * Math.sin(((d.getUTCHours() - 6) * Math.PI) / 12);
    const actual = rows.reduce((s, r) => s + (r.q * kwh * g(r.hour)) / 1000, 0);
    expect(shift!.details.actualCo2eLocationKg as number).toBeCloseTo(actual, 4);
  });

  it("proposes nothing about the FOCUS sample's EBS storage: its rows carry no usage type to tell snapshots from volumes", async () => {
    // The sample has no x_ usage-type column, so EC2 storage lands with usage_type "" (snapshot
    // storage is named only in ChargeDescription); the rules never guess from free text.
    const { rows } = await h.database.owner.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM usage_hourly
       WHERE tenant_id = $1 AND service = 'AmazonEC2' AND kind = 'storage' AND usage_type = ''`,
      [focus],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    const findings = await findingsOf(focus);
    expect(
      findings.filter((f) => ["old-snapshots", "unattached-volumes"].includes(f.ruleId)),
    ).toEqual([]);
  });

  it("keeps states across recomputation, never duplicates, and refuses a dismissal without a reason", async () => {
    const before = await findingsOf(azure);
    const [a, b, c] = before;
    await withTenantClient(h.database.app, azure, async (client) => {
      await updateFindingState(client, a!.id, { state: "accepted", by: "lead@example.com" });
      await updateFindingState(client, b!.id, {
        state: "dismissed",
        reason: "data must stay in the US",
        by: "lead@example.com",
      });
      await updateFindingState(client, c!.id, {
        state: "done",
        doneAt: new Date("2023-09-10T00:00:00Z"),
        by: "lead@example.com",
      });
      await expect(
        updateFindingState(client, a!.id, { state: "dismissed", reason: " ", by: "x" }),
      ).rejects.toThrow(FindingStateError);
    });
    await recompute(azure);
    await recompute(azure);
    const after = await findingsOf(azure);
    expect(after.map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort());
    const byId = new Map(after.map((f) => [f.id, f]));
    expect(byId.get(a!.id)!.state).toBe("accepted");
    expect(byId.get(b!.id)).toMatchObject({
      state: "dismissed",
      stateReason: "data must stay in the US",
    });
    expect(byId.get(c!.id)!.state).toBe("done");
    const { rows } = await h.database.owner.pool.query(
      "SELECT count(*)::int AS n FROM recommendation_findings WHERE tenant_id = $1",
      [azure],
    );
    expect(rows[0].n).toBe(before.length);
  });

  it("measures a done finding's realized saving from stored emissions after done_at", async () => {
    const done = (await findingsOf(azure, { state: "done" }))[0]! as Finding;
    const realized = done.realized as Record<string, number | string>;
    const scope = done.measureScope;
    const sumOf = async (from: Date, to: Date) => {
      const { rows } = await h.database.owner.pool.query<{ kg: number; last: Date | null }>(
        `SELECT coalesce(sum(co2e_location_kg) FILTER (WHERE cloud_account_id = ANY($4) AND service = ANY($5) AND lower(replace(region, ' ', '')) = ANY($6)
                  AND kind = ANY($7) AND (cardinality($8::text[]) = 0 OR instance_type = ANY($8))), 0)::float8 AS kg,
                max(hour) + interval '1 hour' AS last
         FROM emissions_hourly WHERE tenant_id = $1 AND hour >= $2 AND hour < $3`,
        [
          azure,
          from,
          to,
          scope.cloudAccountIds,
          scope.services,
          scope.regions.map((r) => r.toLowerCase()),
          scope.kinds,
          scope.instanceTypes,
        ],
      );
      return rows[0]!;
    };
    const basisStart = new Date(`${done.basisMonth}T00:00:00Z`);
    const before = await sumOf(basisStart, new Date("2023-10-01T00:00:00Z"));
    const after = await sumOf(new Date("2023-09-10T00:00:00Z"), new Date("2030-01-01T00:00:00Z"));
    const hoursBefore = (before.last!.getTime() - basisStart.getTime()) / 3_600_000;
    const hoursAfter = (after.last!.getTime() - Date.parse("2023-09-10T00:00:00Z")) / 3_600_000;
    expect(realized.status).toBe("measured");
    expect(realized.hoursAfter).toBe(hoursAfter);
    expect(realized.co2eLocationSavedKgPerMonth as number).toBeCloseTo(
      (before.kg / hoursBefore - after.kg / hoursAfter) * 730.5,
      5,
    );
  });

  it("applies the organization's constraint set on the next run, and isolates tenants", async () => {
    await withTenantClient(h.database.app, azure, (client) =>
      writeRecommendationSettings(client, azure, {
        allowedContinents: ["NA"],
        allowedJurisdictions: null,
        residencyTagKey: null,
      }),
    );
    await recompute(azure);
    const moves = (await findingsOf(azure)).filter((f) => f.ruleId.startsWith("region-move"));
    expect(moves.length).toBeGreaterThan(0);
    for (const move of moves)
      expect((move.details.to as { continent: string }).continent).toBe("NA");
    const awsIds = new Set((await findingsOf(aws, { includeRetired: true })).map((f) => f.id));
    for (const f of await findingsOf(azure, { includeRetired: true }))
      expect(awsIds.has(f.id)).toBe(false);
  });
});

describe("recommendations for the demo organization", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createImportHarness();
  });
  afterAll(async () => h?.close());

  it("get findings through the same job once the seeded usage is estimated", async () => {
    const seeded = await seedDemoOrganization(h.database.owner, new Date("2026-03-10T12:00:00Z"));
    const { rows } = await h.database.owner.pool.query<{ id: string }>(
      "SELECT id FROM cloud_accounts WHERE tenant_id = $1",
      [seeded.tenantId],
    );
    const start = new Date(
      Date.UTC(
        seeded.windowStart.getUTCFullYear(),
        seeded.windowStart.getUTCMonth(),
        seeded.windowStart.getUTCDate(),
      ),
    );
    for (const { id } of rows)
      await h.driver.enqueue("estimate-window", {
        tenantId: seeded.tenantId,
        cloudAccountId: id,
        windowStart: start.toISOString(),
        windowEnd: seeded.windowEnd.toISOString(),
      });
    await h.driver.drain();
    const findings = await withTenantClient(h.database.app, seeded.tenantId, (client) =>
      listFindings(client),
    );
    const rules = new Set(findings.map((f) => f.ruleId));
    expect([...rules].sort()).toEqual(
      expect.arrayContaining([
        "previous-generation",
        "region-move-cross-provider",
        "region-move-same-provider",
      ]),
    );
    const m5 = findings.find(
      (f) => f.ruleId === "previous-generation" && f.resources.instanceType === "m5.xlarge",
    );
    expect(m5?.action).toMatch(/m7[gi]\.xlarge/);
    expect(findings.every((f) => f.basisMonth === "2026-02-01")).toBe(true);

    // An organization estimated before recommendations existed gets them from the worker's
    // refresh-stale-estimates (at start and daily), without a new import.
    await h.database.owner.pool.query("DELETE FROM recommendation_findings WHERE tenant_id = $1", [
      seeded.tenantId,
    ]);
    await h.driver.enqueue("refresh-stale-estimates", {});
    await h.driver.drain();
    const again = await withTenantClient(h.database.app, seeded.tenantId, (client) =>
      listFindings(client),
    );
    expect(again.map((f) => f.resourceKey).sort()).toEqual(
      findings.map((f) => f.resourceKey).sort(),
    );
  }, 300_000);
});
