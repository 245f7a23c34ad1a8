import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { call } from "./call";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import { importCarbonExportFile } from "@/app/actions/reconciliation";
import * as reconciliation from "@/app/api/v1/reconciliation/route";

/*
 * The upload on /reconciliation and GET /api/v1/reconciliation: an organization without any connected
 * account imports AWS's and GCP's carbon export files and reconciliation shows them. No real carbon
 * export sample exists (samples/README.md): the files use the documented columns and example values
 * (billing-formats.md §4.6).
 */
const aws = (tonnes: string) =>
  `usage_period_start,usage_period_end,payer_account_id,usage_account_id,region_code,location,product_code,total_lbm_emissions_value,total_lbm_emissions_unit,total_mbm_emissions_value,total_mbm_emissions_unit,model_version
2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,999999999999,111111111111,eu-central-1,Europe (Frankfurt),AmazonEC2,${tonnes},MTCO2e,0.0069,MTCO2e,v3.0.0
`;
const gcp = `usage_month,billing_account_id,project.id,project.number,service.id,service.description,location.location,location.region,carbon_model_version,carbon_footprint_kgCO2e.scope1,carbon_footprint_kgCO2e.scope2.location_based,carbon_footprint_kgCO2e.scope2.market_based,carbon_footprint_kgCO2e.scope3
2026-04-01,010101-F0FFF0-61C528,acme-search-prod,802583874831,6F81-5844-456A,Compute Engine,us-central1,us-central1,15,0.41,88.2,31.7,22.9
`;

describe("carbon export upload on /reconciliation", () => {
  let db: TestDatabase;
  let owner: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    db = await setUpWebTestDatabase();
    owner = await signUp("owner@carbon-import.test");
    viewer = await signUp("viewer@carbon-import.test");
    const tenantId = await createOrganization(owner, "Carbon Import Org");
    await addMember(db, tenantId, viewer, "viewer");
  });
  afterAll(async () => tearDownWebTestDatabase(db));

  it("refuses a viewer, and a malformed file with its line", async () => {
    actAs(viewer);
    const refused = await importCarbonExportFile({ fileName: "aws.csv", text: aws("0.0421") });
    expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    actAs(owner);
    const bad = await importCarbonExportFile({ fileName: "aws.csv", text: aws("-2") });
    expect(bad).toMatchObject({ ok: false, error: { code: "invalid_carbon_export" } });
    expect(!bad.ok && bad.error.message).toContain(
      'aws.csv: 1 malformed row(s), nothing imported: line 2: total_lbm_emissions_value is not a non-negative number: "-2"',
    );
  });

  it("imported figures appear in GET /api/v1/reconciliation; a re-import replaces them", async () => {
    actAs(owner);
    const first = await importCarbonExportFile({ fileName: "aws.csv", text: aws("0.0421") });
    expect(first).toMatchObject({ ok: true, data: { provider: "aws", stored: 2, replaced: [] } });
    const second = await importCarbonExportFile({
      fileName: "aws.csv",
      text: aws("0.05"),
      provider: "aws",
    });
    expect(second.ok && second.data.replaced.find((r) => r.scope === "total")).toMatchObject({
      providerAccountId: "111111111111",
      month: "2026-04-01",
      modelVersion: "v3.0.0",
      previousKg: expect.closeTo(42.1, 9),
      co2eKg: expect.closeTo(50, 9),
    });
    expect(await importCarbonExportFile({ fileName: "gcp.csv", text: gcp })).toMatchObject({
      ok: true,
      data: { provider: "gcp", stored: 4 },
    });

    const response = await call(reconciliation.GET, {
      path: "/api/v1/reconciliation",
      credential: viewer,
    });
    expect(response.status).toBe(200);
    const rows = response.body["rows"] as {
      provider: string;
      month: string;
      reported: { co2eKg: number; modelVersion: string; scopes: Record<string, number> } | null;
      reasons: string[];
    }[];
    const awsApril = rows.find((r) => r.provider === "aws" && r.month === "2026-04-01")!;
    expect(awsApril.reported!.co2eKg).toBeCloseTo(50, 9);
    expect(awsApril.reported!.scopes["total-market"]).toBeCloseTo(6.9, 9);
    expect(awsApril.reported!.modelVersion).toBe("v3.0.0");
    expect(awsApril.reasons).toContain(
      "No Canopy estimate for this month (no synced usage, or estimation has not run).",
    );
    const gcpApril = rows.find((r) => r.provider === "gcp" && r.month === "2026-04-01")!;
    // GCP's headline: Scope 1 + Scope 2 location-based + Scope 3.
    expect(gcpApril.reported!.co2eKg).toBeCloseTo(0.41 + 88.2 + 22.9, 9);
    expect(response.body["hasProviderFigures"]).toBe(true);
  });
});
