import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "../tenant";
import { createTestDatabase, type TestDatabase } from "../testing";
import { writeUsageRecords, type StagedUsage } from "./usage";

const vm = (overrides: Partial<StagedUsage> = {}): StagedUsage => ({
  provider: "aws",
  accountId: "111122223333",
  periodStart: "2026-03-01T10:00:00.000Z",
  periodHours: 1,
  service: "AmazonEC2",
  region: "us-east-1",
  kind: "compute",
  unit: "vcpu-hours",
  usageType: "BoxUsage:m5.large",
  instanceType: "m5.large",
  vcpus: 2,
  memoryGb: 8,
  quantity: 1,
  costAmount: 0.096,
  currency: "USD",
  ...overrides,
});

async function* stream(records: StagedUsage[]) {
  yield records.slice(0, 1);
  yield records.slice(1);
}

async function* oneByOne(records: StagedUsage[]) {
  for (const record of records) yield [record];
}

describe("writeUsageRecords", () => {
  let database: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (
      await database.owner.pool.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('Usage', 'usage') RETURNING id",
      )
    ).rows[0]!.id;
  });
  afterAll(async () => database?.drop());

  const write = (records: StagedUsage[], maxDimensionsInMemory?: number) =>
    withTenantClient(database.app, tenantId, (client) =>
      writeUsageRecords(
        client,
        tenantId,
        null,
        maxDimensionsInMemory === undefined ? stream(records) : oneByOne(records),
        {
          sourceKind: "usage",
          ...(maxDimensionsInMemory === undefined ? {} : { maxDimensionsInMemory }),
        },
      ),
    );
  const rows = () =>
    database.owner.pool.query<{
      hour: Date;
      quantity: number;
      cost: string;
      tags: Record<string, string>;
      vcpus: number;
      cpu: number | null;
      shapeKey: string;
      expectedShapeKey: string;
    }>(
      `SELECT hour, quantity, cost_amount::text AS cost, tags, vcpus, cpu_utilization AS cpu, shape_key AS "shapeKey",
         usage_shape_key(provider, region, period_hours, kind, unit, service, usage_type, instance_type, vcpus,
           memory_gb, storage_class, replication_hint, gpu_model, gpu_count, cpu_utilization) AS "expectedShapeKey"
       FROM usage_hourly ORDER BY hour, vcpus, quantity`,
    );

  it("sums records of the same hour and dimensions, whatever order their tags come in", async () => {
    const result = await write([
      vm({ quantity: 1, costAmount: 0.1, tags: { team: "a", env: "prod" } }),
      vm({ quantity: 2, costAmount: 0.2, tags: { env: "prod", team: "a" } }),
      vm({ quantity: 4, costAmount: 0.4, tags: { env: "dev", team: "a" } }),
      vm({ quantity: 8, periodStart: "2026-03-01T11:00:00.000Z" }),
    ]);
    expect(result.recordsStaged).toBe(4);
    expect(result.rowsWritten).toBe(3);
    expect(result.windows).toEqual([
      {
        cloudAccountId: expect.any(String),
        // A source claims whole UTC days (precedence is decided per account and day).
        start: new Date("2026-03-01T00:00:00Z"),
        end: new Date("2026-03-02T00:00:00Z"),
      },
    ]);
    const stored = (await rows()).rows;
    expect(stored.map((r) => [r.hour.toISOString(), r.quantity, r.cost, r.tags])).toEqual([
      ["2026-03-01T10:00:00.000Z", 3, "0.30000000", { env: "prod", team: "a" }],
      ["2026-03-01T10:00:00.000Z", 4, "0.40000000", { env: "dev", team: "a" }],
      ["2026-03-01T11:00:00.000Z", 8, "0.09600000", {}],
    ]);
    for (const row of stored) expect(row.shapeKey).toBe(row.expectedShapeKey);
  });

  it("keeps records whose estimate differs apart, and weights CPU utilization by quantity", async () => {
    await write([
      vm({ quantity: 1, cpuUtilization: 0.2 }),
      vm({ quantity: 3, cpuUtilization: 0.6 }),
      vm({ quantity: 5, vcpus: 4 }),
    ]);
    const stored = (await rows()).rows;
    expect(stored.map((r) => [r.vcpus, r.quantity, r.cpu])).toEqual([
      [2, 4, expect.closeTo(0.5, 6)],
      [4, 5, null],
      // 11:00 of the same day is gone: the write claimed the whole day (kept in usage_superseded)
    ]);
    for (const row of stored) expect(row.shapeKey).toBe(row.expectedShapeKey);
  });

  it("replaces the window it covers: writing the same records again changes nothing", async () => {
    const records = [vm({ quantity: 2 }), vm({ quantity: 3, region: "eu-west-1" })];
    await write(records);
    const first = (await rows()).rows;
    await write(records);
    expect((await rows()).rows).toEqual(first);
  });

  it("gives the same rows when the distinct dimensions outgrow memory and are spilled", async () => {
    const hour = (h: number) => `2026-03-02T${String(h).padStart(2, "0")}:00:00.000Z`;
    // Three sets of dimensions, met again after each spill (one set in memory at a time).
    const records = [0, 1, 2, 0, 1, 2, 0, 1, 2].flatMap((h, i) => [
      vm({ periodStart: hour(h), quantity: i + 1, tags: { team: "a" } }),
      vm({ periodStart: hour(h), quantity: 10, region: "eu-west-1" }),
      vm({ periodStart: hour(h), quantity: 100, tags: { team: "b" }, costAmount: 1 }),
    ]);
    await write(records);
    const inMemory = (await rows()).rows;
    const spilled = await write(records, 1);
    expect((await rows()).rows).toEqual(inMemory);
    expect(spilled.rowsWritten).toBe(9);
    expect(spilled.recordsStaged).toBe(27);
  });

  it("refuses a record with an unreadable period start and leaves nothing behind", async () => {
    const before = (await rows()).rows;
    await expect(write([vm(), vm({ periodStart: "yesterday-ish" })])).rejects.toThrow(
      /Invalid usage period start: yesterday-ish/,
    );
    expect((await rows()).rows).toEqual(before);
  });
});
