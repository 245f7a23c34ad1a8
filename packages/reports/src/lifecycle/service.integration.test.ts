import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshRollups, withTenantClient, type Connection } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { parsePeriod } from "../period";
import { ReportPermissionError, type ReportActor } from "./permissions";
import {
  downloadReport,
  finalizeReport,
  generateReport,
  getReport,
  listReports,
  ReportChangedError,
  ReportLockedError,
  ReportNotFoundError,
  ReportNoDataError,
  ReportNotReadyError,
  reportDataSpan,
  reportTagKeys,
} from "./service";
import { dueMonthlyReports, staleLockedSeries } from "./housekeeping";

/** The lifecycle on synthetic emissions (the estimated demo organization is covered in @canopy/jobs). */
const finance: ReportActor = { userId: null, role: "finance" };
const analyst: ReportActor = { userId: null, role: "analyst" };
const march = parsePeriod("2026-03");

type Org = { tenantId: string; accounts: string[] };

async function createOrg(owner: Connection, slug: string): Promise<Org> {
  const tenantId = randomUUID();
  await owner.pool.query("INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)", [
    tenantId,
    `Org ${slug}`,
    slug,
  ]);
  const accounts: string[] = [];
  for (const provider of ["aws", "gcp"]) {
    const id = randomUUID();
    await owner.pool.query(
      "INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id) VALUES ($1, $2, $3, $4, $5)",
      [id, tenantId, provider, `${provider} main`, `${provider}-${slug}`],
    );
    accounts.push(id);
  }
  await owner.pool.query("SELECT ensure_emissions_partitions('2025-01-01', 24)");
  return { tenantId, accounts };
}

/** Hourly rows for every hour of [start, end) per account, then the rollups, as the estimate jobs leave them. */
async function writeEmissions(
  app: Connection,
  org: Org,
  start: string,
  end: string,
  kwh: number,
  version = "canopy-1.0.0+pack.2025.1",
  rollup = true,
) {
  await withTenantClient(app, org.tenantId, async (client) => {
    for (const [i, accountId] of org.accounts.entries()) {
      await client.query(
        "DELETE FROM emissions_hourly WHERE cloud_account_id = $1 AND hour >= $2 AND hour < $3",
        [accountId, start, end],
      );
      await client.query(
        `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind, tags, pue,
           grid_intensity_g_per_kwh, kwh_it, kwh_facility, co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l,
           co2e_on_defaults_kg, cost_amount, currency, methodology_version)
         SELECT $1, $2, h, 'dims', $3::cloud_provider, 'svc', 'region-1', 'compute', '{"team":"core"}', 1.2, 400, $4::float8, $4::float8 * 1.2, $4::float8 * 0.48,
                $4::float8 * 0.2, $4::float8 * 0.05, $4::float8 * 0.3, 0, ($4::float8 * 0.1)::numeric, 'USD', $7
         FROM generate_series($5::timestamptz, $6::timestamptz - interval '1 hour', interval '1 hour') h`,
        [org.tenantId, accountId, i === 0 ? "aws" : "gcp", kwh * (i + 1), start, end, version],
      );
      if (rollup)
        await refreshRollups(client, org.tenantId, accountId, new Date(start), new Date(end));
    }
  });
}

describe("report lifecycle", () => {
  let database: TestDatabase;
  let org: Org;
  let other: Org;

  beforeAll(async () => {
    database = await createTestDatabase();
    org = await createOrg(database.owner, "acme");
    other = await createOrg(database.owner, "other");
    await writeEmissions(database.app, org, "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z", 1);
    await writeEmissions(database.app, other, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", 5);
  });
  afterAll(async () => database?.drop());

  it("generates a draft that recomputes in place, readable by every member and no other organization", async () => {
    const first = await generateReport(
      database.app,
      org.tenantId,
      { period: march, tagKeys: ["team"] },
      analyst,
    );
    expect(first).toMatchObject({
      created: true,
      report: { version: 1, status: "draft", boundaryKey: "all" },
    });
    const { model } = await getReport(database.app, org.tenantId, first.report.id, {
      userId: null,
      role: "viewer",
    });
    expect(model.content.totals.kwhIt).toBeCloseTo(744 * 3, 6);
    expect(model.content.comparisons[0]).toMatchObject({
      key: "previous_period",
      daysWithData: 28,
      daysInPeriod: 28,
    });

    const again = await generateReport(database.app, org.tenantId, { period: march }, analyst);
    expect(again).toMatchObject({ created: false, report: { id: first.report.id, version: 1 } });
    expect(again.report.parameters.tagKeys).toEqual(["team"]);

    await expect(getReport(database.app, other.tenantId, first.report.id, analyst)).rejects.toThrow(
      ReportNotFoundError,
    );
    expect(await listReports(database.app, other.tenantId, analyst)).toEqual([]);
  });

  it("lets only owner, admin and finance finalize, and refuses figures that changed since review", async () => {
    const [draft] = await listReports(database.app, org.tenantId, analyst);
    for (const role of ["analyst", "viewer", "system"] as const) {
      await expect(
        finalizeReport(database.app, org.tenantId, draft!.id, { userId: null, role }),
      ).rejects.toThrow(ReportPermissionError);
    }
    await expect(
      finalizeReport(database.app, org.tenantId, draft!.id, finance, {
        expectedContentSha256: "0".repeat(64),
      }),
    ).rejects.toThrow(ReportChangedError);
  });

  it("refuses to lock while the rollups disagree with the hourly rows", async () => {
    const april = parsePeriod("2026-04");
    await writeEmissions(
      database.app,
      org,
      "2026-04-01T00:00:00Z",
      "2026-04-03T00:00:00Z",
      1,
      undefined,
      false,
    );
    const { report } = await generateReport(database.app, org.tenantId, { period: april }, analyst);
    await expect(finalizeReport(database.app, org.tenantId, report.id, finance)).rejects.toThrow(
      ReportNotReadyError,
    );
  });

  it("refuses to finalize a period without data, saying which months have data", async () => {
    const { report } = await generateReport(
      database.app,
      org.tenantId,
      { period: parsePeriod("2025-06") },
      analyst,
    );
    const error = await finalizeReport(database.app, org.tenantId, report.id, finance).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReportNoDataError);
    expect((error as Error).message).toMatch(/^June 2025 has no emissions for this organization/);
    expect((error as Error).message).toContain("from Feb 2026 to Mar 2026");
    const [row] = await listReports(database.app, org.tenantId, analyst, {
      period: parsePeriod("2025-06"),
    });
    expect(row!.status).toBe("draft");
    // The form's tag keys, from the organization's data (an organization without data has none).
    expect(await reportTagKeys(database.app, org.tenantId, analyst)).toEqual(["team"]);
    const empty = await createOrg(database.owner, "empty");
    expect(await reportTagKeys(database.app, empty.tenantId, analyst)).toEqual([]);
    expect(await reportDataSpan(database.app, empty.tenantId, analyst)).toBeNull();
    expect(await reportDataSpan(database.app, org.tenantId, analyst)).toEqual({
      firstMonth: "2026-02-01",
      lastMonth: "2026-03-01",
    });
  });

  it("locks numbers, lineage, hash and files; the database refuses later changes", async () => {
    const [draft] = await listReports(database.app, org.tenantId, analyst, { period: march });
    const locked = await finalizeReport(database.app, org.tenantId, draft!.id, {
      userId: null,
      role: "admin",
      label: "admin@acme",
    });
    expect(locked).toMatchObject({
      status: "final",
      version: 1,
      methodologyVersion: "canopy-1.0.0+pack.2025.1",
    });
    expect(locked.inputRowCounts).toMatchObject({ emissionsHourly: 744 * 2, emissionsMonthly: 2 });
    await expect(finalizeReport(database.app, org.tenantId, locked.id, finance)).rejects.toThrow(
      ReportLockedError,
    );

    for (const format of ["csv", "xlsx", "pdf"] as const) {
      const file = await downloadReport(database.app, org.tenantId, locked.id, format, analyst);
      expect(file.status).toBe("final");
      // One hash, named once: the download carries the content SHA-256 the page and API show.
      expect(file.contentSha256).toBe(locked.contentSha256);
      expect(file).not.toHaveProperty("sha256");
    }
    const csv = (
      await downloadReport(database.app, org.tenantId, locked.id, "csv", analyst)
    ).body.toString();
    expect(csv).toContain(locked.contentSha256!);

    await expect(
      withTenantClient(database.app, org.tenantId, (c) =>
        c.query("UPDATE reports SET model = '{}' WHERE id = $1", [locked.id]),
      ),
    ).rejects.toThrow(/final and cannot be changed/);
    await expect(
      withTenantClient(database.app, org.tenantId, (c) =>
        c.query("UPDATE report_files SET content = '\\x00' WHERE report_id = $1", [locked.id]),
      ),
    ).rejects.toThrow(/written once/);
    const audit = await database.owner.pool.query(
      "SELECT action, actor_label FROM audit_log WHERE target_id = $1",
      [locked.id],
    );
    expect(audit.rows).toEqual([{ action: "report.finalize", actor_label: "admin@acme" }]);
  });

  it("makes no new version while the figures are unchanged, and a new draft with the diff when they change", async () => {
    const [locked] = await listReports(database.app, org.tenantId, analyst, { period: march });
    const same = await generateReport(database.app, org.tenantId, { period: march }, analyst);
    expect(same).toMatchObject({ created: false, report: { id: locked!.id, status: "final" } });
    expect(await staleLockedSeries(database.owner)).toEqual([]);

    await writeEmissions(
      database.app,
      org,
      "2026-03-01T00:00:00Z",
      "2026-04-01T00:00:00Z",
      1.5,
      "ccf-1.0.0+pack.2025.1",
    );
    expect(await staleLockedSeries(database.owner)).toEqual([
      { tenantId: org.tenantId, period: "2026-03", cloudAccountIds: null },
    ]);
    const next = await generateReport(database.app, org.tenantId, { period: march }, analyst);
    expect(next).toMatchObject({
      created: true,
      report: { version: 2, status: "draft", parentReportId: locked!.id },
    });
    const { model } = await getReport(database.app, org.tenantId, next.report.id, analyst);
    expect(model.diff).toMatchObject({
      changed: true,
      against: { version: 1, contentSha256: locked!.contentSha256 },
    });
    const kwh = model.diff!.totals.find((line) => line.metric === "IT energy")!;
    expect(kwh.locked).toBeCloseTo(744 * 3, 6);
    expect(kwh.current).toBeCloseTo(744 * 4.5, 6);
    expect(model.diff!.methodologyVersions).toEqual({
      locked: ["canopy-1.0.0+pack.2025.1"],
      current: ["ccf-1.0.0+pack.2025.1"],
    });

    const lockedAfter = await getReport(database.app, org.tenantId, locked!.id, analyst);
    expect(lockedAfter.model.content.totals.kwhIt).toBeCloseTo(744 * 3, 6);
    expect(lockedAfter.report.contentSha256).toBe(locked!.contentSha256);
  });

  it("keeps boundaries apart and schedules last month's report for organizations without one", async () => {
    const awsOnly = await generateReport(
      database.app,
      org.tenantId,
      { period: march, cloudAccountIds: [org.accounts[0]!] },
      analyst,
    );
    expect(awsOnly.report).toMatchObject({ version: 1, boundaryAccountIds: [org.accounts[0]] });
    const { model } = await getReport(database.app, org.tenantId, awsOnly.report.id, analyst);
    expect(model.content.totals.kwhIt).toBeCloseTo(744 * 1.5, 6);
    await expect(
      generateReport(
        database.app,
        org.tenantId,
        { period: march, cloudAccountIds: [other.accounts[0]!] },
        analyst,
      ),
    ).rejects.toThrow(/not in this organization/);

    expect(await dueMonthlyReports(database.owner, new Date("2026-04-04T00:00:00Z"), 5)).toEqual(
      [],
    );
    const due = await dueMonthlyReports(database.owner, new Date("2026-04-05T00:00:00Z"), 5);
    expect(due).toEqual([{ tenantId: other.tenantId, period: "2026-03" }]);
  });

  it("lists in the boundary the accounts with data in the period", async () => {
    const quiet = randomUUID();
    await database.owner.pool.query(
      "INSERT INTO cloud_accounts (id, tenant_id, provider, display_name, provider_account_id) VALUES ($1, $2, 'azure', 'quiet', 'quiet-sub')",
      [quiet, other.tenantId],
    );
    const { report } = await generateReport(
      database.app,
      other.tenantId,
      { period: march },
      analyst,
    );
    const { model } = await getReport(database.app, other.tenantId, report.id, analyst);
    expect(model.content.boundary.accounts).toHaveLength(3);
    expect([...model.content.boundary.accountIdsWithData!].sort()).toEqual(
      [...other.accounts].sort(),
    );
  });
});
