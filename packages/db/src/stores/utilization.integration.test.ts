import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withTenantClient } from "../tenant";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  applyMeasuredUtilization,
  applyStoredUtilization,
  summarizeResourceUtilization,
  writeUtilizationHours,
  type UtilizationHour,
} from "./utilization";

/**
 * The rules of docs/methodology.md §2.1.1 that turn measured VM-hours into a usage row's utilization:
 * the mean of the VMs of the row's account, region and instance type inside its period, only with at
 * least 90 % of its instance-hours measured, vCPU-hour rows by their vCPUs, daily rows over their
 * 24 hours, sizes compared without case, usage files left alone; writes upsert by key.
 */
describe("measured utilization onto usage rows", () => {
  let database: TestDatabase;
  const tenantId = randomUUID();
  let accountId: string;
  const day = new Date("2026-03-02T00:00:00Z");
  const hour = (h: number) => new Date(day.getTime() + h * 3_600_000);
  const scoped = <T>(run: Parameters<typeof withTenantClient<T>>[2]) =>
    withTenantClient(database.app, tenantId, run);

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)", [
      tenantId,
      `t-${tenantId}`,
    ]);
    const { rows } = await database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id, status)
       VALUES ($1, 'aws', 'A', '111111111111', 'active') RETURNING id`,
      [tenantId],
    );
    accountId = rows[0]!.id;
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    await database.owner.pool.query("DELETE FROM usage_hourly WHERE tenant_id = $1", [tenantId]);
    await database.owner.pool.query(
      "DELETE FROM resource_utilization_hourly WHERE tenant_id = $1",
      [tenantId],
    );
  });

  /** One compute usage row (the shape key is a placeholder: applying recomputes it). */
  async function usageRow(fields: {
    key: string;
    hour: Date;
    instanceType: string;
    quantity: number;
    unit?: string;
    vcpus?: number | null;
    periodHours?: number;
    sourceKind?: string;
    cpu?: number | null;
    region?: string;
  }) {
    await database.owner.pool.query(
      `INSERT INTO usage_hourly (tenant_id, cloud_account_id, hour, dims_key, period_hours, provider, service, region,
         kind, unit, instance_type, vcpus, quantity, cpu_utilization, source_kind, shape_key)
       VALUES ($1, $2, $3, $4, $5, 'aws', 'AmazonEC2', $6, 'compute', $7, $8, $9, $10, $11, $12, 'placeholder')`,
      [
        tenantId,
        accountId,
        fields.hour,
        fields.key,
        fields.periodHours ?? 1,
        fields.region ?? "us-east-1",
        fields.unit ?? "instance-hours",
        fields.instanceType,
        fields.vcpus ?? null,
        fields.quantity,
        fields.cpu ?? null,
        fields.sourceKind ?? "aws-athena",
      ],
    );
  }
  const measured = (
    resourceId: string,
    h: Date,
    cpu: number,
    instanceType = "m5.large",
  ): UtilizationHour => ({
    cloudAccountId: accountId,
    resourceId,
    hour: h,
    region: "us-east-1",
    instanceType,
    cpuUtilization: cpu,
  });
  const cpuOf = async (key: string) =>
    (
      await database.owner.pool.query<{ cpu: number | null; shape: string }>(
        "SELECT cpu_utilization AS cpu, shape_key AS shape FROM usage_hourly WHERE tenant_id = $1 AND dims_key = $2",
        [tenantId, key],
      )
    ).rows[0]!;
  const window = { start: day, end: new Date(day.getTime() + 86_400_000) };

  it("takes the mean of the VMs of the row's type and region, with at least 90 % of its instance-hours", async () => {
    await usageRow({ key: "two", hour: hour(0), instanceType: "m5.large", quantity: 2 });
    await usageRow({ key: "ten", hour: hour(1), instanceType: "m5.large", quantity: 10 });
    await usageRow({
      key: "other-region",
      hour: hour(0),
      instanceType: "m5.large",
      quantity: 1,
      region: "eu-west-1",
    });
    const hours = [
      measured("i-1", hour(0), 0.1),
      measured("i-2", hour(0), 0.3),
      // Hour 1: 9 of 10 instance-hours measured (exactly 90 %).
      ...Array.from({ length: 9 }, (_, i) => measured(`i-${i + 10}`, hour(1), 0.5)),
    ];
    expect(
      await scoped((c) => writeUtilizationHours(c, tenantId, null, "aws-cloudwatch", hours)),
    ).toBe(11);
    expect(await scoped((c) => applyMeasuredUtilization(c, [accountId], window))).toBe(2);
    expect((await cpuOf("two")).cpu).toBeCloseTo(0.2, 6);
    expect((await cpuOf("ten")).cpu).toBeCloseTo(0.5, 6);
    expect((await cpuOf("two")).shape).not.toBe("placeholder");
    expect((await cpuOf("other-region")).cpu).toBeNull();
    // Nothing changed since: applying again updates no row.
    expect(await scoped((c) => applyMeasuredUtilization(c, [accountId], window))).toBe(0);
  });

  it("keeps the default below 90 % coverage and keeps a usage file's own value", async () => {
    await usageRow({ key: "few", hour: hour(2), instanceType: "m5.large", quantity: 3 });
    await usageRow({
      key: "file",
      hour: hour(3),
      instanceType: "m5.large",
      quantity: 1,
      sourceKind: "usage",
      cpu: 0.7,
    });
    await scoped((c) =>
      writeUtilizationHours(c, tenantId, null, "aws-cloudwatch", [
        measured("i-1", hour(2), 0.1),
        measured("i-2", hour(2), 0.1),
        measured("i-1", hour(3), 0.1),
      ]),
    );
    expect(await scoped((c) => applyMeasuredUtilization(c, [accountId], window))).toBe(0);
    expect((await cpuOf("few")).cpu).toBeNull();
    expect((await cpuOf("file")).cpu).toBeCloseTo(0.7, 6);
  });

  it("vCPU-hour rows count instances by their vCPUs; daily rows take their day's hours; sizes match without case", async () => {
    // 8 vCPU-hours of a 4-vCPU type = 2 instance-hours, both measured.
    await usageRow({
      key: "vcpu",
      hour: hour(5),
      instanceType: "n2-standard-4",
      unit: "vcpu-hours",
      vcpus: 4,
      quantity: 8,
    });
    // A daily Azure-style row: 48 instance-hours over 24 hours, two VMs measured all day.
    await usageRow({
      key: "daily",
      hour: day,
      periodHours: 24,
      instanceType: "Standard_D2s_v3",
      quantity: 48,
    });
    await scoped((c) =>
      writeUtilizationHours(c, tenantId, null, "azure-monitor", [
        measured("vm-a", hour(5), 0.2, "n2-standard-4"),
        measured("vm-b", hour(5), 0.4, "n2-standard-4"),
        ...Array.from({ length: 24 }, (_, h) => measured("vm-x", hour(h), 0.1, "standard_d2s_v3")),
        ...Array.from({ length: 24 }, (_, h) => measured("vm-y", hour(h), 0.3, "standard_d2s_v3")),
      ]),
    );
    expect(
      await scoped((c) => applyStoredUtilization(c, { cloudAccountId: accountId, ...window })),
    ).toBe(2);
    expect((await cpuOf("vcpu")).cpu).toBeCloseTo(0.3, 6);
    expect((await cpuOf("daily")).cpu).toBeCloseTo(0.2, 6);
  });

  it("upserts by account, hour and resource, and summarizes per VM", async () => {
    const first = Array.from({ length: 20 }, (_, h) => measured("i-9", hour(h), h / 100));
    await scoped((c) => writeUtilizationHours(c, tenantId, null, "aws-cloudwatch", first));
    await scoped((c) =>
      writeUtilizationHours(c, tenantId, null, "aws-cloudwatch", [measured("i-9", hour(19), 0.5)]),
    );
    const [summary, ...rest] = await scoped((c) => summarizeResourceUtilization(c, window));
    expect(rest).toEqual([]);
    expect(summary).toMatchObject({ resourceId: "i-9", hours: 20, instanceType: "m5.large" });
    expect(summary!.maxCpu).toBeCloseTo(0.5, 6);
    expect(summary!.meanCpu).toBeCloseTo(
      (0.5 + Array.from({ length: 19 }, (_, h) => h / 100).reduce((a, b) => a + b, 0)) / 20,
      6,
    );
    // With nothing stored for a window, the estimate's probe changes nothing.
    const empty = {
      cloudAccountId: accountId,
      start: new Date("2026-01-01T00:00:00Z"),
      end: new Date("2026-01-02T00:00:00Z"),
    };
    expect(await scoped((c) => applyStoredUtilization(c, empty))).toBe(0);
  });
});
