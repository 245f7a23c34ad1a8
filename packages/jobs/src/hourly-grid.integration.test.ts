import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readHourlyIntensities,
  seededRandom,
  withTenantClient,
  writeGridIntensity,
  writeUsageRecords,
  type GridIntensityPoint,
  type StagedUsage,
  type UsageRow,
} from "@canopy/db";
import { createEstimator, regionFactors, type Provider } from "@canopy/methodology";
import { finalizeReport, generateReport, parsePeriod } from "@canopy/reports";
import { estimateUsagePages, usageRecordOf } from "./estimation";
import { createZoneLookup, estimatorWithHourly } from "./hourly-grid";
import { affectedWindows, queueGridRestatement, type GridRestatement } from "./grid-restatement";
import { createImportHarness } from "./import/testing";

// Real Azure EA cost details (daily rows): Microsoft's sample, see /work/shared/reference/samples/README.md.
const azureSample = readFileSync(
  "/work/shared/reference/samples/azure/EA_AmortizedCost_Small.csv",
  "utf8",
);

type Harness = Awaited<ReturnType<typeof createImportHarness>>;
type EmissionLine = {
  account: string;
  hour: Date;
  region: string;
  provider: Provider;
  dimsKey: string;
  kwh: number;
  grid: number;
  location: number;
  hourlyKwh: number;
  spreadKwh: number;
  mask: number;
};

const zoneOf = (provider: Provider, region: string, year: number) =>
  regionFactors(provider, region, { year }).gridZone;

describe("estimation with hourly grid intensity", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createImportHarness();
  });
  afterAll(async () => h?.close());

  const estimateMonth = async (tenantId: string, month: string) => {
    const { rows } = await h.database.owner.pool.query<{ id: string }>(
      "SELECT id FROM cloud_accounts WHERE tenant_id = $1",
      [tenantId],
    );
    const start = new Date(`${month}-01T00:00:00Z`);
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    for (const { id } of rows) {
      await h.driver.enqueue("estimate-window", {
        tenantId,
        cloudAccountId: id,
        windowStart: start.toISOString(),
        windowEnd: end.toISOString(),
      });
    }
    await h.driver.drain();
  };

  const emissionLines = async (tenantId: string): Promise<EmissionLine[]> => {
    const { rows } = await h.database.owner.pool.query<EmissionLine>(
      `SELECT cloud_account_id AS account, hour, region, provider::text AS provider, dims_key AS "dimsKey", kwh_facility AS kwh,
              grid_intensity_g_per_kwh::float8 AS grid, co2e_location_kg AS location,
              kwh_hourly_grid AS "hourlyKwh", kwh_disaggregated AS "spreadKwh", default_factors_mask AS mask
       FROM emissions_hourly WHERE tenant_id = $1 ORDER BY hour, dims_key`,
      [tenantId],
    );
    return rows;
  };

  const sum = (lines: EmissionLine[], of: (l: EmissionLine) => number) =>
    lines.reduce((s, l) => s + of(l), 0);

  const clearGrid = () =>
    h.database.owner.pool.query(
      "TRUNCATE grid_intensity_hourly, grid_intensity_superseded, grid_intensity_loads",
    );

  const loadPoints = (points: GridIntensityPoint[], source = "electricitymaps-dataset") =>
    writeGridIntensity(h.database.owner, {
      source,
      sourceVersion: "test",
      label: "test points",
      points,
    });

  /**
   * Σ kWh_facility × (hourly − annual) ÷ 1000 over the rows estimated with annual factors that the
   * points give an hourly value (the points' zone and hour, lifecycle).
   */
  const expectedChange = (lines: EmissionLine[], points: GridIntensityPoint[]) => {
    const byZoneHour = new Map(points.map((p) => [`${p.zone}|${p.hour.getTime()}`, p.gCo2ePerKwh]));
    let changeKg = 0;
    let kwh = 0;
    for (const line of lines) {
      const zone = zoneOf(line.provider, line.region, line.hour.getUTCFullYear());
      const g = byZoneHour.get(`${zone}|${line.hour.getTime()}`);
      if (g === undefined || line.kwh === 0) continue;
      changeKg += (line.kwh * (g - line.grid)) / 1000;
      kwh += line.kwh;
    }
    return { changeKg, kwh };
  };

  describe("property: re-estimation changes the location-based total by Σ kWh × (hourly − annual) ÷ 1000", () => {
    const regions = ["us-east-1", "eu-central-1", "eu-west-1"];
    const start = Date.parse("2026-05-01T00:00:00Z");
    const hours = 48;
    let tenantId: string;

    beforeAll(async () => {
      tenantId = await h.newTenant();
      const records: StagedUsage[] = [];
      regions.forEach((region, r) => {
        for (let k = 0; k < hours; k++) {
          records.push({
            provider: "aws",
            accountId: "111122223333",
            periodStart: new Date(start + k * 3_600_000).toISOString(),
            periodHours: 1,
            service: "AmazonEC2",
            region,
            kind: "compute",
            unit: "instance-hours",
            usageType: "BoxUsage:m5.large",
            instanceType: "m5.large",
            vcpus: 2,
            memoryGb: 8,
            quantity: 1 + ((k * 7 + r * 3) % 5),
            costAmount: 0.096,
            currency: "USD",
          });
        }
      });
      // A correction (negative quantity) must move with the hour's intensity too.
      records.push({ ...records[5]!, usageType: "BoxUsage:m5.large:correction", quantity: -2 });
      await withTenantClient(h.database.app, tenantId, (client) =>
        writeUsageRecords(
          client,
          tenantId,
          null,
          (async function* () {
            yield records;
          })(),
          { sourceKind: "usage" },
        ),
      );
    });

    it("holds for random zones, hours and values", async () => {
      const zones = regions.map((region) => zoneOf("aws", region, 2026)!);
      expect(new Set(zones).size).toBe(3);
      // Seeded draws (fast-check is not a dependency of this package): 6 cases of 1–60 zone-hours.
      const random = seededRandom(15);
      for (let run = 0; run < 6; run++) {
        const drawnByKey = new Map<
          string,
          { zone: string; hourIndex: number; gCo2ePerKwh: number }
        >();
        const count = 1 + Math.floor(random() * 60);
        for (let i = 0; i < count; i++) {
          const zone = zones[Math.floor(random() * zones.length)]!;
          const hourIndex = Math.floor(random() * hours);
          // Include the bounds 0 and 2,000 g/kWh now and then.
          const pick = random();
          const gCo2ePerKwh = pick < 0.05 ? 0 : pick > 0.95 ? 2000 : random() * 2000;
          drawnByKey.set(`${zone}|${hourIndex}`, { zone, hourIndex, gCo2ePerKwh });
        }
        const drawn = [...drawnByKey.values()];
        await clearGrid();
        await estimateMonth(tenantId, "2026-05");
        const before = await emissionLines(tenantId);
        expect(sum(before, (l) => l.hourlyKwh)).toBe(0);
        const points: GridIntensityPoint[] = drawn.map((p) => ({
          zone: p.zone,
          hour: new Date(start + p.hourIndex * 3_600_000),
          boundary: "lifecycle",
          gCo2ePerKwh: p.gCo2ePerKwh,
          estimated: false,
        }));
        await loadPoints(points);
        await estimateMonth(tenantId, "2026-05");
        const after = await emissionLines(tenantId);
        const expected = expectedChange(before, points);
        expect(expected.kwh).toBeGreaterThan(0);
        const change = sum(after, (l) => l.location) - sum(before, (l) => l.location);
        const scale = Math.max(
          1e-6,
          sum(before, (l) => Math.abs(l.location)),
        );
        expect(Math.abs(change - expected.changeKg)).toBeLessThan(1e-9 * scale);
        expect(sum(after, (l) => l.hourlyKwh)).toBeCloseTo(expected.kwh, 9);
        // Energy is untouched; each row with an hourly value stores it as its intensity.
        expect(sum(after, (l) => l.kwh)).toBeCloseTo(
          sum(before, (l) => l.kwh),
          9,
        );
        const byZoneHour = new Map(points.map((p) => [`${p.zone}|${p.hour.getTime()}`, p]));
        for (const line of after) {
          const p = byZoneHour.get(`${zoneOf("aws", line.region, 2026)}|${line.hour.getTime()}`);
          expect(line.hourlyKwh).toBe(p ? line.kwh : 0);
          if (p) expect(line.grid).toBeCloseTo(p.gCo2ePerKwh, 2);
        }
      }
    });

    it("uses the source of highest precedence for a zone-hour, and the row-by-row path agrees", async () => {
      await clearGrid();
      // The hour and region of the correction row: it must take the hour's value too.
      const zone = zoneOf("aws", "us-east-1", 2026)!;
      const hour = new Date(start + 5 * 3_600_000);
      const at = (g: number): GridIntensityPoint[] => [
        { zone, hour, boundary: "lifecycle", gCo2ePerKwh: g, estimated: false },
      ];
      await loadPoints(at(900), "eia-930");
      await loadPoints(at(100), "electricitymaps-api");
      await estimateMonth(tenantId, "2026-05");
      const lines = await emissionLines(tenantId);
      const hit = lines.filter(
        (l) => l.region === "us-east-1" && l.hour.getTime() === hour.getTime(),
      );
      expect(hit.length).toBe(2);
      expect(hit.some((l) => l.kwh < 0)).toBe(true);
      for (const line of hit) expect(line.grid).toBe(100);

      // The same usage through the estimator's hourly hook, record by record.
      const estimator = createEstimator({
        hourlyGridIntensity: (z, ms) => (z === zone && ms === hour.getTime() ? 100 : undefined),
      });
      const { rows } = await h.database.owner.pool.query<UsageRow>(
        `SELECT cloud_account_id AS "cloudAccountId", hour, period_hours AS "periodHours", provider, service, region,
                kind, unit, usage_type AS "usageType", instance_type AS "instanceType", vcpus, memory_gb AS "memoryGb",
                gpu_model AS "gpuModel", gpu_count AS "gpuCount", storage_class AS "storageClass",
                replication_hint AS "replicationHint", cpu_utilization AS "cpuUtilization", quantity,
                cost_amount::text AS "costAmount", currency, tags, sync_run_id AS "syncRunId", dims_key AS "dimsKey"
         FROM usage_hourly WHERE tenant_id = $1`,
        [tenantId],
      );
      const expected = rows.reduce(
        (s, row) => s + estimator.estimate(usageRecordOf(row)).co2eLocationKg,
        0,
      );
      expect(sum(lines, (l) => l.location)).toBeCloseTo(expected, 9);
    });
  });

  describe("real Azure daily cost details", () => {
    let tenantId: string;
    let otherTenantId: string;
    let before: EmissionLine[];

    beforeAll(async () => {
      await clearGrid();
      tenantId = await h.newTenant();
      const run = await h.importText(tenantId, azureSample, {
        fileName: "EA_AmortizedCost_Small.csv",
      });
      expect(run.status).toBe("succeeded");
      otherTenantId = await h.newTenant();
      const other = await h.importText(otherTenantId, azureSample, {
        fileName: "EA_AmortizedCost_Small.csv",
      });
      expect(other.status).toBe("succeeded");
      before = await emissionLines(tenantId);
    });

    it("spreads each daily row with energy over its 24 hours with the row's energy and cost", async () => {
      const { rows } = await h.database.owner.pool.query<UsageRow & { costText: string | null }>(
        `SELECT cloud_account_id AS "cloudAccountId", hour, period_hours AS "periodHours", provider, service, region,
                kind, unit, usage_type AS "usageType", instance_type AS "instanceType", vcpus, memory_gb AS "memoryGb",
                gpu_model AS "gpuModel", gpu_count AS "gpuCount", storage_class AS "storageClass",
                replication_hint AS "replicationHint", cpu_utilization AS "cpuUtilization", quantity,
                cost_amount::text AS "costAmount", currency, tags, sync_run_id AS "syncRunId", dims_key AS "dimsKey"
         FROM usage_hourly WHERE tenant_id = $1`,
        [tenantId],
      );
      const estimator = createEstimator();
      let spreadRows = 0;
      for (const row of rows) {
        expect(row.periodHours).toBe(24);
        const whole = estimator.estimate(usageRecordOf(row));
        const key = `${row.dimsKey}/${row.hour.getTime() / 1000}`;
        const parts = before.filter((l) => l.dimsKey === key);
        if (whole.kwhFacility === 0) {
          expect(parts).toEqual([]);
          continue;
        }
        spreadRows++;
        expect(parts.map((p) => p.hour.getTime() - row.hour.getTime())).toEqual(
          Array.from({ length: 24 }, (_, k) => k * 3_600_000),
        );
        expect(sum(parts, (p) => p.kwh)).toBeCloseTo(whole.kwhFacility, 12);
        expect(sum(parts, (p) => p.location)).toBeCloseTo(whole.co2eLocationKg, 12);
        for (const part of parts) {
          expect(part.spreadKwh).toBe(part.kwh);
          expect(part.hourlyKwh).toBe(0);
          expect(part.grid).toBeCloseTo(whole.gridIntensityGPerKwh, 3);
        }
        const cost = await h.database.owner.pool.query<{ same: boolean }>(
          `SELECT sum(cost_amount) = $3::numeric AS same FROM emissions_hourly
           WHERE tenant_id = $1 AND dims_key = $2`,
          [tenantId, key, row.costAmount],
        );
        expect(cost.rows[0]!.same).toBe(true);
      }
      expect(spreadRows).toBeGreaterThanOrEqual(5);
    });

    it("keeps the coverage columns through the rollups", async () => {
      const { rows } = await h.database.owner.pool.query(
        `SELECT (SELECT sum(kwh_disaggregated) FROM emissions_hourly WHERE tenant_id = $1) AS hourly,
                (SELECT sum(kwh_disaggregated) FROM emissions_daily WHERE tenant_id = $1) AS daily,
                (SELECT sum(kwh_disaggregated) FROM emissions_monthly WHERE tenant_id = $1) AS monthly,
                (SELECT sum(kwh_facility) FROM emissions_monthly WHERE tenant_id = $1) AS facility`,
        [tenantId],
      );
      const r = rows[0];
      expect(r.hourly).toBeGreaterThan(0);
      expect(r.daily).toBeCloseTo(r.hourly, 9);
      expect(r.monthly).toBeCloseTo(r.hourly, 9);
      expect(r.monthly).toBeCloseTo(r.facility, 9);
    });

    it("restates exactly the affected windows, records before/after, keeps a locked report and drafts the diff", async () => {
      const month = parsePeriod("2023-09");
      const actor = { userId: null, role: "finance" as const };
      const draft = await generateReport(h.database.app, tenantId, { period: month }, actor);
      const locked = await finalizeReport(h.database.app, tenantId, draft.report.id, actor);
      expect(locked.status).toBe("final");
      const lockedRow = await h.database.owner.pool.query(
        "SELECT content_sha256, model FROM reports WHERE id = $1",
        [draft.report.id],
      );

      // Hourly values for the South Central US zone on the day of its VM line.
      const zone = zoneOf("azure", "southcentralus", 2023)!;
      expect(zone).not.toBeNull();
      const dayStart = Date.parse("2023-09-04T00:00:00Z");
      const points: GridIntensityPoint[] = Array.from({ length: 24 }, (_, k) => ({
        zone,
        hour: new Date(dayStart + k * 3_600_000),
        boundary: "lifecycle",
        gCo2ePerKwh: 150 + 20 * k,
        estimated: false,
      }));
      const load = await loadPoints(points);
      const queued: { name: string; payload: Record<string, string> }[] = [];
      const restatement = await queueGridRestatement(
        {
          owner: h.database.owner,
          enqueue: (name, payload, options) => {
            queued.push({ name, payload: payload as Record<string, string> });
            return h.driver.enqueue(name, payload, options);
          },
        },
        load,
      );
      await h.driver.drain();

      // Expected: the accounts with South Central US usage that month, in both organizations.
      const affected = await h.database.owner.pool.query<{ tenantId: string; account: string }>(
        `SELECT DISTINCT tenant_id AS "tenantId", cloud_account_id AS account FROM usage_hourly
         WHERE region ILIKE 'southcentralus' ORDER BY 1, 2`,
      );
      expect(affected.rows.length).toBe(2);
      expect(
        queued
          .map((q) => ({ tenantId: q.payload.tenantId, account: q.payload.cloudAccountId }))
          .sort((a, b) => `${a.tenantId}${a.account}`.localeCompare(`${b.tenantId}${b.account}`)),
      ).toEqual(affected.rows);
      expect(queued.every((q) => q.name === "estimate-window")).toBe(true);
      expect(queued.every((q) => q.payload.windowStart === "2023-09-01T00:00:00.000Z")).toBe(true);
      expect(restatement.windows).toBe(2);

      const after = await emissionLines(tenantId);
      const expected = expectedChange(before, points);
      expect(expected.kwh).toBeGreaterThan(0);
      const change = sum(after, (l) => l.location) - sum(before, (l) => l.location);
      expect(change).toBeCloseTo(expected.changeKg, 12);
      expect(sum(after, (l) => l.hourlyKwh)).toBeCloseTo(expected.kwh, 12);
      // Zones without hourly data keep the annual factor and its flags.
      const otherZones = (lines: EmissionLine[]) =>
        lines
          .filter((l) => zoneOf("azure", l.region, 2023) !== zone)
          .map(({ hour, dimsKey, grid, location, hourlyKwh, mask }) => ({
            hour,
            dimsKey,
            grid,
            location,
            hourlyKwh,
            mask,
          }));
      expect(otherZones(after)).toEqual(otherZones(before));

      const { rows } = await h.database.owner.pool.query<{ restatement: GridRestatement }>(
        "SELECT details -> 'restatement' AS restatement FROM grid_intensity_loads WHERE id = $1",
        [load.loadId],
      );
      const recorded = rows[0]!.restatement;
      expect(recorded.status).toBe("done");
      expect(recorded.pending).toEqual({});
      expect(Object.keys(recorded.tenants).sort()).toEqual([tenantId, otherTenantId].sort());
      const tenant = recorded.tenants[tenantId]!;
      const accounts = new Set(affected.rows.map((r) => r.account));
      const inWindows = (lines: EmissionLine[]) => lines.filter((l) => accounts.has(l.account));
      expect(tenant.windows).toBe(1);
      expect(tenant.before.co2eLocationKg).toBeCloseTo(
        sum(inWindows(before), (l) => l.location),
        9,
      );
      expect(tenant.after.co2eLocationKg).toBeCloseTo(
        sum(inWindows(after), (l) => l.location),
        9,
      );
      // Both organizations hold the same bill, so the recorded change is twice this one's.
      expect(recorded.after!.co2eLocationKg - recorded.before.co2eLocationKg).toBeCloseTo(
        2 * expected.changeKg,
        9,
      );
      expect(tenant.before.kwhHourlyGrid).toBe(0);
      expect(tenant.after.kwhHourlyGrid).toBeCloseTo(expected.kwh, 9);

      // The locked report is untouched; the next draft of its series carries the diff.
      const lockedNow = await h.database.owner.pool.query(
        "SELECT content_sha256, model FROM reports WHERE id = $1",
        [draft.report.id],
      );
      expect(lockedNow.rows).toEqual(lockedRow.rows);
      const next = await generateReport(h.database.app, tenantId, { period: month }, actor);
      expect(next.created).toBe(true);
      const model = await h.database.owner.pool.query<{
        model: { diff: { changed: boolean; against: { reportId: string } } };
      }>("SELECT model FROM reports WHERE id = $1", [next.report.id]);
      expect(model.rows[0]!.model.diff.changed).toBe(true);
      expect(model.rows[0]!.model.diff.against.reportId).toBe(draft.report.id);
    });

    it("the row-by-row path writes the same rows as the set-based path", async () => {
      const stored = await emissionLines(tenantId);
      expect(sum(stored, (l) => l.hourlyKwh)).toBeGreaterThan(0);
      const { rows } = await h.database.owner.pool.query<UsageRow>(
        `SELECT cloud_account_id AS "cloudAccountId", hour, period_hours AS "periodHours", provider, service, region,
                kind, unit, usage_type AS "usageType", instance_type AS "instanceType", vcpus, memory_gb AS "memoryGb",
                gpu_model AS "gpuModel", gpu_count AS "gpuCount", storage_class AS "storageClass",
                replication_hint AS "replicationHint", cpu_utilization AS "cpuUtilization", quantity,
                cost_amount::text AS "costAmount", currency, tags, sync_run_id AS "syncRunId", dims_key AS "dimsKey"
         FROM usage_hourly WHERE tenant_id = $1`,
        [tenantId],
      );
      const window = {
        cloudAccountId: "",
        start: new Date("2023-09-01T00:00:00Z"),
        end: new Date("2023-10-01T00:00:00Z"),
      };
      const zones = [...new Set(rows.map((r) => zoneOf(r.provider, r.region, 2023)))].filter(
        (z): z is string => z !== null,
      );
      const intensities = await readHourlyIntensities(
        h.database.owner.pool,
        zones,
        window.start,
        window.end,
        "lifecycle",
      );
      const lookup = createZoneLookup();
      const computed = [];
      for await (const row of estimateUsagePages(
        (async function* () {
          yield rows;
        })(),
        estimatorWithHourly("canopy", intensities),
        undefined,
        {
          window,
          hourlyZoneOf: (r) => {
            const zone = lookup(r.provider, r.region, r.hour.getUTCFullYear());
            return zone !== null && intensities.has(zone) ? zone : null;
          },
        },
      ))
        computed.push(row);
      const key = (hour: Date, dimsKey: string) => `${hour.toISOString()}|${dimsKey}`;
      const byKey = new Map(stored.map((l) => [key(l.hour, l.dimsKey), l]));
      expect(computed.length).toBe(stored.length);
      for (const row of computed) {
        const line = byKey.get(key(row.hour, row.dimsKey));
        expect(line).toBeDefined();
        expect(row.kwhFacility).toBeCloseTo(line!.kwh, 12);
        expect(row.co2eLocationKg).toBeCloseTo(line!.location, 12);
        expect(row.kwhHourlyGrid).toBeCloseTo(line!.hourlyKwh, 12);
        expect(row.kwhDisaggregated).toBeCloseTo(line!.spreadKwh, 12);
        expect(row.defaultFactorsMask).toBe(line!.mask);
      }
      const costs = await h.database.owner.pool.query<{
        hour: Date;
        dimsKey: string;
        cost: string | null;
      }>(
        `SELECT hour, dims_key AS "dimsKey", cost_amount::text AS cost FROM emissions_hourly WHERE tenant_id = $1`,
        [tenantId],
      );
      const costByKey = new Map(costs.rows.map((c) => [key(c.hour, c.dimsKey), c.cost]));
      for (const row of computed)
        expect(Number(row.costAmount)).toBe(Number(costByKey.get(key(row.hour, row.dimsKey))));
    });

    it("leaves out windows estimated with the ccf profile (CCF's annual factors stay)", async () => {
      const ccfTenantId = await h.newTenant();
      await h.importText(ccfTenantId, azureSample, { fileName: "EA_AmortizedCost_Small.csv" });
      const { rows: accounts } = await h.database.owner.pool.query<{ id: string }>(
        "SELECT id FROM cloud_accounts WHERE tenant_id = $1",
        [ccfTenantId],
      );
      for (const { id } of accounts)
        await h.driver.enqueue("estimate-window", {
          tenantId: ccfTenantId,
          cloudAccountId: id,
          windowStart: "2023-09-01T00:00:00.000Z",
          windowEnd: "2023-10-01T00:00:00.000Z",
          profile: "ccf",
        });
      await h.driver.drain();
      const zone = zoneOf("azure", "southcentralus", 2023)!;
      const revised = await loadPoints([
        {
          zone,
          hour: new Date("2023-09-04T05:00:00Z"),
          boundary: "lifecycle",
          gCo2ePerKwh: 444,
          estimated: false,
        },
      ]);
      const windows = await affectedWindows({ owner: h.database.owner }, revised);
      expect(windows.map((w) => w.tenantId).sort()).toEqual([tenantId, otherTenantId].sort());
    });

    it("a load that changes nothing restates nothing", async () => {
      const zone = zoneOf("azure", "southcentralus", 2023)!;
      const same = await loadPoints([
        {
          zone,
          hour: new Date("2023-09-04T00:00:00Z"),
          boundary: "lifecycle",
          gCo2ePerKwh: 150,
          estimated: false,
        },
      ]);
      expect(same.rowsWritten).toBe(0);
      const queued: string[] = [];
      const restatement = await queueGridRestatement(
        {
          owner: h.database.owner,
          enqueue: async (name) => {
            queued.push(name);
            return "";
          },
        },
        same,
      );
      expect(restatement.status).toBe("nothing to restate");
      expect(queued).toEqual([]);
    });
  });
});
