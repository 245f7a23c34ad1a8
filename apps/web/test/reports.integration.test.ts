/**
 * Finance reports in the web app: the generate and finalize actions with roles, the data the /reports
 * page lists, and GET /reports/<id>/download (the worker's emailed link) with real PDF, XLSX and CSV
 * files, another organization's id and a signed-out browser.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "@canopy/db";
import type { TestDatabase } from "@canopy/db/testing";
import {
  generateReport,
  getReport,
  listReports,
  parsePeriod as parsePeriodKey,
  periodChoices,
  reportDataSpan,
  reportDownloadUrl,
  scope3Category1LocationKg,
} from "@canopy/reports";
import { call } from "./call";
import * as reportsApi from "@/app/api/v1/reports/route";
import * as reportApi from "@/app/api/v1/reports/[id]/route";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { seedEmissions } from "../bench/seed-emissions";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, ownerReport, signUp, type TestUser } from "./users";
import { finalizeReportAction, generateReportAction } from "@/app/actions/reports";
import { GET as download } from "@/app/(app)/reports/[id]/download/route";
import { defaultReportMonth, reportListTotals } from "@/lib/server/reports";

let db: TestDatabase;
let owner: TestUser;
let finance: TestUser;
let analyst: TestUser;
let viewer: TestUser;
let ownerB: TestUser;
let tenantA: string;
let tenantB: string;
let accountsA: string[];
let accountsB: string[];
let reportB: string;

/** The raw response of the download route, as a browser following the emailed link gets it. */
async function fetchDownload(reportId: string, format: string | null, cookie?: string) {
  const path = `/reports/${reportId}/download${format === null ? "" : `?format=${format}`}`;
  const response = await download(
    new Request(`http://localhost:3999${path}`, {
      headers: cookie ? { cookie } : {},
    }),
    { params: Promise.resolve({ id: reportId }) },
  );
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

const errorOf = (body: Buffer) =>
  (JSON.parse(body.toString("utf8")) as { error: { code: string; message: string } }).error;

async function reportRow(id: string) {
  const { rows } = await db.owner.pool.query<{
    tenant_id: string;
    status: string;
    version: number;
    content_sha256: string;
  }>("SELECT tenant_id, status::text, version, content_sha256 FROM reports WHERE id = $1", [id]);
  return rows[0];
}

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  owner = await signUp("owner@reports.test");
  finance = await signUp("finance@reports.test");
  analyst = await signUp("analyst@reports.test");
  viewer = await signUp("viewer@reports.test");
  ownerB = await signUp("owner@reports-b.test");
  tenantA = await createOrganization(owner, "Reports A");
  tenantB = await createOrganization(ownerB, "Reports B");
  await addMember(db, tenantA, finance, "finance");
  await addMember(db, tenantA, analyst, "analyst");
  await addMember(db, tenantA, viewer, "viewer");
  // January 2025 and the first 9 days of February, hourly, with daily and monthly rollups.
  const seed = { accounts: 3, services: 2, combos: 6, start: new Date("2025-01-01T00:00:00Z") };
  accountsA = await seedEmissions(db.owner.pool, { ...seed, tenantId: tenantA, hours: 24 * 40 });
  accountsB = await seedEmissions(db.owner.pool, { ...seed, tenantId: tenantB, hours: 24 * 40 });
  reportB = await ownerReport(db, tenantB, ownerB);
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

describe("reports: generate and finalize actions", () => {
  let january: string;
  let sha: string;

  it("defaults the form to the last full month", () => {
    expect(defaultReportMonth(new Date("2026-03-15T10:00:00Z"))).toBe("2026-02");
    expect(defaultReportMonth(new Date("2026-01-01T00:00:00Z"))).toBe("2025-12");
  });

  it("generates a draft for any member, recomputes it in place, and lists it with its totals", async () => {
    actAs({ cookie: viewer.cookie });
    const first = await generateReportAction({ period: "2025-01" });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data).toMatchObject({ version: 1, status: "draft", created: true });
    january = first.data.reportId;

    actAs({ cookie: analyst.cookie });
    const again = await generateReportAction({ period: " 2025-01 ", cloudAccountIds: [] });
    expect(again).toMatchObject({ ok: true, data: { reportId: january, created: false } });

    const row = await reportRow(january);
    expect(row).toMatchObject({ tenant_id: tenantA, status: "draft", version: 1 });
    sha = row!.content_sha256;

    // What the /reports page shows: every version, newest period first, with its headline totals.
    actAs({ cookie: finance.cookie });
    const quarter = await generateReportAction({
      period: "2025-Q1",
      cloudAccountIds: [accountsA[0]!],
    });
    expect(quarter.ok).toBe(true);
    const listed = await listReports(db.app, tenantA, { userId: null, role: "viewer" });
    expect(listed.map((r) => [r.period.label, r.boundaryKey === "all"])).toEqual([
      ["Q1 2025", false],
      ["January 2025", true],
    ]);
    expect(listed.some((r) => r.id === reportB)).toBe(false);
    const totals = await withTenantClient(db.app, tenantA, (client) =>
      reportListTotals(
        client,
        listed.map((r) => r.id),
      ),
    );
    const { rows } = await db.owner.pool.query<{ kg: number; spend: number }>(
      `SELECT sum(co2e_location_kg + co2e_embodied_kg)::float8 AS kg, sum(cost_amount)::float8 AS spend
       FROM emissions_hourly WHERE tenant_id = $1 AND hour >= '2025-01-01' AND hour < '2025-02-01'`,
      [tenantA],
    );
    expect(totals.get(january)!.scope3LocationKg).toBeCloseTo(rows[0]!.kg, 3);
    expect(totals.get(january)!.spend[0]!.amount).toBeCloseTo(rows[0]!.spend, 2);
  });

  it("refuses a malformed period or another organization's account, with a field error", async () => {
    actAs({ cookie: finance.cookie });
    const bad = await generateReportAction({ period: "2025-13" });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe("validation_error");
    expect(bad.error.fields?.period?.[0]).toMatch(/YYYY-MM/);

    const before = await listReports(db.app, tenantA, { userId: null, role: "viewer" });
    const foreign = await generateReportAction({
      period: "2025-01",
      cloudAccountIds: [accountsB[0]!],
    });
    expect(foreign).toMatchObject({ ok: false, error: { code: "validation_error" } });
    expect(await listReports(db.app, tenantA, { userId: null, role: "viewer" })).toHaveLength(
      before.length,
    );
  });

  it("lets only owner, admin and finance finalize, with the hash the page showed", async () => {
    for (const user of [viewer, analyst]) {
      actAs({ cookie: user.cookie });
      const refused = await finalizeReportAction({
        reportId: january,
        expectedContentSha256: sha,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
      if (!refused.ok) expect(refused.error.message).toMatch(/owner, admin, finance/);
    }
    expect((await reportRow(january))!.status).toBe("draft");

    actAs({ cookie: finance.cookie });
    const stale = await finalizeReportAction({
      reportId: january,
      expectedContentSha256: "0".repeat(64),
    });
    expect(stale).toMatchObject({ ok: false, error: { code: "report_changed" } });
    if (!stale.ok) expect(stale.error.message).toMatch(/figures changed.*finalize again/);

    const done = await finalizeReportAction({ reportId: january, expectedContentSha256: sha });
    if (!done.ok) throw new Error(done.error.message);
    expect(done.data).toMatchObject({ status: "final", contentSha256: sha });
    expect(done.data.finalizedAt).toBeTruthy();
    const audit = await db.owner.pool.query(
      "SELECT actor_label FROM audit_log WHERE tenant_id = $1 AND action = 'report.finalize'",
      [tenantA],
    );
    expect(audit.rows).toEqual([{ actor_label: finance.email }]);

    const twice = await finalizeReportAction({ reportId: january, expectedContentSha256: sha });
    expect(twice).toMatchObject({ ok: false, error: { code: "report_locked" } });
    if (!twice.ok) expect(twice.error.message).toMatch(/already final/);
  });

  it("refuses to finalize while the rollups disagree with the hourly rows", async () => {
    actAs({ cookie: owner.cookie });
    const february = await generateReportAction({ period: "2025-02" });
    if (!february.ok) throw new Error(february.error.message);
    // An hour estimated but not yet rolled up (the estimate job is still running).
    await db.owner.pool.query(
      `INSERT INTO emissions_hourly (tenant_id, cloud_account_id, hour, dims_key, provider, service, region, kind,
         instance_type, tags, pue, grid_intensity_g_per_kwh, default_factors_mask, kwh_it, kwh_facility,
         co2e_location_kg, co2e_market_kg, co2e_embodied_kg, water_l, co2e_on_defaults_kg, cost_amount, currency,
         methodology_version)
       VALUES ($1, $2, '2025-02-20T10:00:00Z', 'late', 'aws', 'late', 'us-east-1', 'compute', '', '{}', 1.2, 400, 0,
         50, 60, 24, 12, 3, 90, 0, 10, 'USD', 'bench')`,
      [tenantA, accountsA[0]],
    );
    const recomputed = await generateReportAction({ period: "2025-02" });
    expect(recomputed).toMatchObject({ ok: true, data: { reportId: february.data.reportId } });
    const { content_sha256 } = (await reportRow(february.data.reportId))!;
    const result = await finalizeReportAction({
      reportId: february.data.reportId,
      expectedContentSha256: content_sha256,
    });
    expect(result).toMatchObject({ ok: false, error: { code: "report_not_ready" } });
    if (!result.ok) expect(result.error.message).toMatch(/Estimation is still running/);
    expect((await reportRow(february.data.reportId))!.status).toBe("draft");
  });

  it("refuses to finalize a period without data, with a reason naming the months that have data", async () => {
    actAs({ cookie: finance.cookie });
    const empty = await generateReportAction({ period: "2024-06" });
    if (!empty.ok) throw new Error(empty.error.message);
    const { content_sha256 } = (await reportRow(empty.data.reportId))!;
    const refused = await finalizeReportAction({
      reportId: empty.data.reportId,
      expectedContentSha256: content_sha256,
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe("report_no_data");
    expect(refused.error.message).toMatch(/^June 2024 has no emissions for this organization/);
    expect(refused.error.message).toContain("from Jan 2025 to Feb 2025");
    expect((await reportRow(empty.data.reportId))!.status).toBe("draft");
  });

  it("refuses another organization's report by id", async () => {
    actAs({ cookie: finance.cookie });
    const result = await finalizeReportAction({
      reportId: reportB,
      expectedContentSha256: (await reportRow(reportB))!.content_sha256,
    });
    expect(result).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect((await reportRow(reportB))!.status).toBe("draft");
  });
});

describe("GET /reports/<id>/download", () => {
  let finalId: string;
  let draftId: string;

  beforeAll(async () => {
    const listed = await listReports(db.app, tenantA, { userId: null, role: "viewer" });
    finalId = listed.find((r) => r.period.label === "January 2025" && r.status === "final")!.id;
    draftId = listed.find((r) => r.period.label === "Q1 2025")!.id;
  });

  it("serves the final version's PDF, XLSX and CSV as attachments, to every member", async () => {
    // The same path the worker's email links to.
    expect(reportDownloadUrl("http://localhost:3999", finalId, "pdf")).toBe(
      `http://localhost:3999/reports/${finalId}/download?format=pdf`,
    );
    const pdf = await fetchDownload(finalId, "pdf", viewer.cookie);
    expect(pdf.response.status).toBe(200);
    expect(pdf.response.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.response.headers.get("content-disposition")).toBe(
      'attachment; filename="canopy-report-reports-a-2025-01-v1-final.pdf"',
    );
    expect(pdf.body.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.response.headers.get("content-length")).toBe(String(pdf.body.length));
    expect(pdf.response.headers.get("x-report-status")).toBe("final");

    const xlsx = await fetchDownload(finalId, "xlsx", analyst.cookie);
    expect(xlsx.response.status).toBe(200);
    expect(xlsx.response.headers.get("content-type")).toBe(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    expect(xlsx.response.headers.get("content-disposition")).toMatch(
      /^attachment; filename=".+-v1-final\.xlsx"$/,
    );
    expect(xlsx.body.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

    const csv = await fetchDownload(finalId, "csv", finance.cookie);
    expect(csv.response.status).toBe(200);
    expect(csv.response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.response.headers.get("content-disposition")).toMatch(
      /^attachment; filename=".+-v1-final\.csv"$/,
    );
    const [header, total] = csv.body.toString("utf8").split("\r\n");
    expect(header).toMatch(/^report_id,report_version,report_status,organization,/);
    expect(total).toContain(`${finalId},1,final,Reports A,2025-01-01,2025-01-31,total`);
    const sha = (await reportRow(finalId))!.content_sha256;
    expect(total).toContain(sha);
    // One hash, named once: every download's header is the content SHA-256 the page and API show.
    for (const file of [pdf, xlsx, csv]) {
      expect(file.response.headers.get("x-report-content-sha256")).toBe(sha);
      expect(file.response.headers.get("x-report-sha256")).toBeNull();
    }

    // A final's files are the ones stored when it was locked, byte for byte.
    const stored = await db.owner.pool.query<{ content: Buffer }>(
      "SELECT content FROM report_files WHERE report_id = $1 AND format = 'pdf'",
      [finalId],
    );
    expect(stored.rows[0]!.content.equals(pdf.body)).toBe(true);
  });

  it("renders a draft on request; format defaults to PDF", async () => {
    const pdf = await fetchDownload(draftId, null, owner.cookie);
    expect(pdf.response.status).toBe(200);
    expect(pdf.response.headers.get("content-disposition")).toMatch(/-Q1-2025-v1-draft\.pdf"$/);
    expect(pdf.body.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.response.headers.get("x-report-status")).toBe("draft");
  });

  it("answers 400 for an unknown format and 404 for an unknown id or another organization's report", async () => {
    const bad = await fetchDownload(finalId, "docx", owner.cookie);
    expect(bad.response.status).toBe(400);
    expect(errorOf(bad.body)).toMatchObject({ code: "validation_error" });

    const foreign = await fetchDownload(reportB, "pdf", owner.cookie);
    expect(foreign.response.status).toBe(404);
    expect(errorOf(foreign.body)).toEqual({ code: "not_found", message: "Report not found." });
    expect(foreign.body.toString("utf8")).not.toContain("Reports B");

    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const missing = await fetchDownload(id, "csv", owner.cookie);
      expect(missing.response.status).toBe(404);
    }
    // B's owner gets B's report.
    expect((await fetchDownload(reportB, "csv", ownerB.cookie)).response.status).toBe(200);
  });

  it("sends a signed-out browser to sign-in and back, and ignores API keys", async () => {
    const signedOut = await fetchDownload(finalId, "xlsx");
    expect(signedOut.response.status).toBe(303);
    expect(signedOut.response.headers.get("location")).toBe(
      `/sign-in?next=${encodeURIComponent(`/reports/${finalId}/download?format=xlsx`)}`,
    );
    expect(signedOut.body.length).toBe(0);

    const withKey = await download(
      new Request(`http://localhost:3999/reports/${finalId}/download?format=csv`, {
        headers: { authorization: "Bearer cnp_abcdefgh_0123456789abcdef0123456789abcdef" },
      }),
      { params: Promise.resolve({ id: finalId }) },
    );
    expect(withKey.status).toBe(303);
  });
});

describe("reports: tag breakdowns, periods, boundary and comparisons in the form and the API", () => {
  type Detail = {
    id: string;
    contentSha256: string;
    parameters: { tagKeys: string[] };
    boundary: {
      allAccounts: boolean;
      accountsInBoundary: number;
      accountsWithData: { id: string }[];
      accountsWithoutData: number | null;
      text: string;
    };
    breakdowns: { dimension: string; rows: { key: string; scope3Category1LocationKg: number }[] }[];
    comparisons: {
      key: string;
      change: number | null;
      comparable: boolean;
      notComparableReason: string | null;
    }[];
  };

  it("generates tag breakdowns from the API, the same figures the CLI's generateReport gives", async () => {
    const generated = await call(reportsApi.POST, {
      path: "/api/v1/reports",
      method: "POST",
      credential: { cookie: analyst.cookie },
      json: { period: "2025-02", tagKeys: ["team", " team "] },
    });
    // An earlier test made February's draft: recomputed in place with the tag key.
    expect(generated.status).toBe(200);
    const id = generated.body.id as string;
    const detail = await call(reportApi.GET, {
      path: `/api/v1/reports/${id}`,
      credential: { cookie: viewer.cookie },
      params: { id },
    });
    expect(detail.status).toBe(200);
    const body = detail.body as unknown as Detail;
    expect(body.parameters.tagKeys).toEqual(["team"]);
    const team = body.breakdowns.find((b) => b.dimension === "tag:team")!;
    expect(team.rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(["team-0", "team-1", "team-2", "team-3"]),
    );

    // The CLI path (generateReport with tagKeys) reads the same model function: the same rows.
    const cli = await generateReport(
      db.app,
      tenantA,
      { period: parsePeriodKey("2025-02"), tagKeys: ["team"] },
      { userId: null, role: "system", label: "canopy cli" },
    );
    expect(cli.report.id).toBe(id);
    const { model } = await getReport(db.app, tenantA, id, { userId: null, role: "viewer" });
    const modelTeam = model.content.breakdowns.find((b) => b.dimension === "tag:team")!;
    expect(team.rows.map((r) => [r.key, r.scope3Category1LocationKg])).toEqual(
      modelTeam.rows.map((r) => [r.key, scope3Category1LocationKg(r.measures)]),
    );
    expect(body.contentSha256).toBe(model.header.contentSha256);

    // February has data on 9 of 28 days: no percentage against a full January.
    const previous = body.comparisons.find((c) => c.key === "previous_period")!;
    expect(previous).toMatchObject({ comparable: false, change: null });
    expect(previous.notComparableReason).toMatch(
      /^not comparable: January 2025 has 31 of 31 days with data, February 2025 9 of 28/,
    );
    // The boundary: the accounts with data, and how many have none.
    expect(body.boundary).toMatchObject({ allAccounts: true, accountsWithoutData: 0 });
    expect(body.boundary.accountsWithData.map((a) => a.id).sort()).toEqual([...accountsA].sort());

    const tooMany = await call(reportsApi.POST, {
      path: "/api/v1/reports",
      method: "POST",
      credential: { cookie: analyst.cookie },
      json: { period: "2025-02", tagKeys: ["a", "b", "c", "d", "e", "f"] },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.fields?.tagKeys?.[0]).toMatch(/At most 5/);

    const foreign = await call(reportApi.GET, {
      path: `/api/v1/reports/${reportB}`,
      credential: { cookie: viewer.cookie },
      params: { id: reportB },
    });
    expect(foreign.status).toBe(404);
  });

  it("the form action takes tag keys too", async () => {
    actAs({ cookie: finance.cookie });
    const result = await generateReportAction({ period: "2025-01", tagKeys: ["team"] });
    if (!result.ok) throw new Error(result.error.message);
    const { model } = await getReport(db.app, tenantA, result.data.reportId, {
      userId: null,
      role: "viewer",
    });
    expect(model.content.breakdowns.map((b) => b.dimension)).toContain("tag:team");
  });

  it("offers periods back to the organization's first month with data", async () => {
    const span = await reportDataSpan(db.app, tenantA, { userId: null, role: "viewer" });
    expect(span).toEqual({ firstMonth: "2025-01-01", lastMonth: "2025-02-01" });
    const choices = periodChoices(span, new Date("2026-12-06T00:00:00Z"));
    expect(choices.quarters.at(-1)).toBe("2025-Q1");
    expect(choices.quarters[0]).toBe("2026-Q4");
    expect(choices.years).toEqual(["2026", "2025"]);
    expect(choices.firstMonth).toBe("2025-01");
    // The data ends in February 2025: the form opens there, not on an empty last month.
    expect(choices.defaultMonth).toBe("2025-02");
  });
});
