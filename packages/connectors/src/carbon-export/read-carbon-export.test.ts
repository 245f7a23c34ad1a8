import { describe, expect, it } from "vitest";
import {
  CarbonExportError,
  carbonExportSources,
  parseCsvRows,
  readCarbonExport,
} from "./read-carbon-export";

/*
 * No real carbon export file is in /work/shared/reference/samples (its README lists billing exports
 * only), so these are the documented layouts with the documented example values
 * (billing-formats.md §4.6): AWS CARBON_EMISSIONS columns with the Sustainability API example's
 * figures (eu-central-1, AmazonEC2, v3.0.0, 0.0421 / 0.0069 MTCO2e); GCP's example row
 * (acme-search-prod, Compute Engine, model 15) flattened as a BigQuery CSV export is.
 */
const awsHeader =
  "usage_period_start,usage_period_end,payer_account_id,usage_account_id,region_code,location,product_code,total_lbm_emissions_value,total_lbm_emissions_unit,total_mbm_emissions_value,total_mbm_emissions_unit,model_version,last_refresh_timestamp";
const awsRows = [
  "2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,999999999999,111111111111,eu-central-1,Europe (Frankfurt),AmazonEC2,0.0421,MTCO2e,0.0069,MTCO2e,v3.0.0,2026-05-18T04:00:00Z",
  '2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,999999999999,111111111111,,Global,AmazonRoute53,0.0002,MTCO2e,,MTCO2e,v3.0.0,"2026-05-18T04:00:00Z"',
];
const aws = [awsHeader, ...awsRows].join("\r\n") + "\r\n";

const gcpHeader =
  "usage_month,billing_account_id,project.id,project.number,service.id,service.description,location.location,location.region,carbon_model_version,carbon_footprint_kgCO2e.scope1,carbon_footprint_kgCO2e.scope2.location_based,carbon_footprint_kgCO2e.scope2.market_based,carbon_footprint_kgCO2e.scope3,carbon_footprint_total_kgCO2e.location_based,carbon_footprint_total_kgCO2e.market_based,carbon_footprint_total_kgCO2e.after_offsets";
const gcpRow =
  "2026-04-01,010101-F0FFF0-61C528,acme-search-prod,802583874831,6F81-5844-456A,Compute Engine,us-central1,us-central1,15,0.41,88.2,31.7,22.9,111.51,55.01,";
const gcp = `${gcpHeader}\n${gcpRow}\n`;

describe("readCarbonExport: AWS CARBON_EMISSIONS CSV", () => {
  it("maps each row to location- and market-based totals in kg (MTCO2e × 1000)", () => {
    const result = readCarbonExport(aws);
    expect(result.provider).toBe("aws");
    expect(result.rowsRead).toBe(2);
    expect(result.figures).toEqual([
      {
        provider: "aws",
        providerAccountId: "111111111111",
        month: "2026-04-01",
        service: "AmazonEC2",
        region: "eu-central-1",
        scope: "total",
        co2eKg: expect.closeTo(42.1, 9),
        source: carbonExportSources.aws,
        modelVersion: "v3.0.0",
      },
      expect.objectContaining({
        service: "AmazonEC2",
        scope: "total-market",
        co2eKg: expect.closeTo(6.9, 9),
      }),
      // A global service: no region_code, stored as "global" as the live path does; no MBM value, no MBM figure.
      expect.objectContaining({
        service: "AmazonRoute53",
        region: "global",
        scope: "total",
        co2eKg: expect.closeTo(0.2, 9),
      }),
    ]);
  });

  it("reads kgCO2e units as kg and sums rows of the same key", () => {
    const kg = [
      awsHeader,
      awsRows[0]!.replace("0.0421,MTCO2e", "40,kgCO2e"),
      awsRows[0]!.replace("0.0421,MTCO2e", "2,kgCO2e"),
    ].join("\n");
    const totals = readCarbonExport(kg).figures.filter((f) => f.scope === "total");
    expect(totals).toHaveLength(1);
    expect(totals[0]!.co2eKg).toBe(42);
  });

  it("refuses an unknown unit, a bad number and a non-month date with their line numbers", () => {
    const bad = [
      awsHeader,
      awsRows[0]!,
      awsRows[0]!.replace("0.0421,MTCO2e", "0.0421,lbCO2e"),
      awsRows[0]!.replace("0.0069", "n/a"),
      awsRows[0]!.replace("2026-04-01T00", "2026-04-15T00"),
    ].join("\n");
    let error: CarbonExportError | undefined;
    try {
      readCarbonExport(bad);
    } catch (e) {
      error = e as CarbonExportError;
    }
    expect(error).toBeInstanceOf(CarbonExportError);
    expect(error!.rows).toEqual([
      { lineNumber: 3, message: 'total_lbm_emissions_unit must be MTCO2e or kgCO2e, not "lbCO2e"' },
      { lineNumber: 4, message: 'total_mbm_emissions_value is not a non-negative number: "n/a"' },
      { lineNumber: 5, message: 'usage_period_start is not a month start: "2026-04-15T00:00:00Z"' },
    ]);
    expect(error!.message).toMatch(/^3 malformed row\(s\), nothing imported: line 3: /);
  });

  it("refuses a row with the wrong number of fields, and a provider that does not match", () => {
    expect(() => readCarbonExport(`${awsHeader}\n2026-04-01,x\n`)).toThrow(
      /line 2: 2 fields, the header has 13/,
    );
    expect(() => readCarbonExport(aws, { provider: "gcp" })).toThrow(
      /--provider gcp was given, but the file is a AWS/,
    );
  });
});

describe("readCarbonExport: GCP Carbon Footprint export (BigQuery table as CSV)", () => {
  it("maps scope 1, scope 2 location- and market-based and scope 3, kg CO2e", () => {
    const result = readCarbonExport(gcp, { provider: "gcp" });
    expect(result.provider).toBe("gcp");
    const base = {
      provider: "gcp",
      providerAccountId: "acme-search-prod",
      month: "2026-04-01",
      service: "Compute Engine",
      region: "us-central1",
      source: carbonExportSources.gcp,
      modelVersion: "15",
    };
    expect(result.figures).toEqual([
      { ...base, scope: "scope1", co2eKg: 0.41 },
      { ...base, scope: "scope2-location", co2eKg: 88.2 },
      { ...base, scope: "scope2-market", co2eKg: 31.7 },
      { ...base, scope: "scope3", co2eKg: 22.9 },
    ]);
  });

  it("reads underscored headers, keeps a NULL market-based value out, and uses the project number for a deleted project", () => {
    const underscored = gcpHeader.replace(/\./g, "_");
    const row = gcpRow.replace("acme-search-prod", "").replace("31.7", "NULL");
    const figures = readCarbonExport(`${underscored}\n${row}\n`).figures;
    expect(figures.map((f) => f.scope)).toEqual(["scope1", "scope2-location", "scope3"]);
    expect(figures[0]!.providerAccountId).toBe("802583874831");
  });

  it("refuses a negative figure with its line number", () => {
    expect(() =>
      readCarbonExport(`${gcpHeader}\n${gcpRow}\n${gcpRow.replace("22.9", "-1")}\n`),
    ).toThrow('line 3: carbon_footprint_kgco2e_scope3 is not a non-negative number: "-1"');
  });
});

describe("readCarbonExport: other files", () => {
  it("refuses Azure (no documented layout), a billing file and an empty file, saying why", () => {
    expect(() => readCarbonExport("SubscriptionId,Date,Emissions\nx,2026-04-01,1\n")).toThrow(
      /Azure carbon export files are not read yet/,
    );
    expect(() => readCarbonExport(gcp, { provider: "azure" })).toThrow(/Azure/);
    expect(() => readCarbonExport("lineItem/UsageStartDate,lineItem/UnblendedCost\n")).toThrow(
      /Not a carbon export Canopy reads/,
    );
    expect(() => readCarbonExport("")).toThrow(/empty/);
    expect(() => readCarbonExport(awsHeader.replace(",model_version", "") + "\n")).toThrow(
      "This looks like an AWS CARBON_EMISSIONS export but lacks the column(s) model_version",
    );
    expect(() => readCarbonExport(gcpHeader.replace("carbon_model_version,", "") + "\n")).toThrow(
      "This looks like a GCP Carbon Footprint export but lacks the column(s) carbon_model_version",
    );
    expect(() => readCarbonExport(`${gcpHeader}\n`)).toThrow(/no data rows/);
  });

  it("parses quoted fields with commas, doubled quotes and newlines, counting physical lines", () => {
    expect(parseCsvRows('\uFEFFa,b\n"x, ""y""","1\n2"\nz,3\n')).toEqual([
      { lineNumber: 1, cells: ["a", "b"] },
      { lineNumber: 2, cells: ['x, "y"', "1\n2"] },
      { lineNumber: 4, cells: ["z", "3"] },
    ]);
  });
});
