import { describe, expect, it, vi } from "vitest";
import { createEstimator } from "./estimator";
import { regionFactors } from "./region-factors";
import { expectClose, record } from "./test-support";

/**
 * Site factors: PUE, grid intensity, CFE share, WUE, and every fallback. Source values:
 *   GSF Cloud_Region_Metadata.csv: azure westeurope 2022 PUE 1.158, WUE 0.08, CFE annual 0.79;
 *     2023 PUE 1.14. aws us-east-1 PUE 2022 1.16 / 2023 1.15 / 2024 1.15.
 *   Electricity Maps yearly: NL 2022 347, 2025 253; US-MIDA-PJM 2024 403; US-MIDW-MISO 2024 487;
 *     US-CAR-SC 2024 647.
 *   CCF grid_emission_factors.csv: GCP us-central1 456, us-east1 434 g/kWh.
 */

describe("regional factors", () => {
  it("Azure westeurope 2022: every factor regional, formulas as documented", () => {
    const estimator = createEstimator();
    const e = estimator.estimate(
      record({
        provider: "azure",
        service: "Bandwidth",
        region: "westeurope",
        periodStart: "2022-03-01T00:00:00Z",
        kind: "network",
        unit: "gb",
        quantity: 1000,
      }),
    );
    // kwhIt = 1000 GB × 0.001 = 1 kWh; facility = 1 × 1.158
    expectClose(e.kwhIt, 1);
    expectClose(e.kwhFacility, 1.158);
    // location = 1.158 kWh × 347 g/kWh = 401.826 g = 0.401826 kg
    expectClose(e.co2eLocationKg, 0.401826);
    // market = facility kWh × (1 − 0.79 contractual) × 347 (no NL residual mix in the pack)
    expectClose(e.co2eMarketKg, (1.158 * 0.21 * 347) / 1000);
    // water = IT kWh × WUE = 1 × 0.08 L
    expectClose(e.waterL, 0.08);
    expect(e.quality.pue).toEqual({ quality: "regional" });
    expect(e.quality.grid).toEqual({ quality: "regional" });
    expect(e.quality.market).toEqual({
      quality: "provider-average",
      reason:
        "no aib:NL residual mix in pack 2026.1; uncovered share valued at the location-based factor (lifecycle)",
    });
    expect(e.quality.water).toEqual({ quality: "regional" });
  });

  it("a year without data uses the nearest year and says so", () => {
    const f = regionFactors("azure", "westeurope", { year: 2025 });
    expect(f.pue).toBe(1.14); // 2023, the latest published
    expect(f.quality.pue).toEqual({
      quality: "regional",
      reason: "PUE of 2023 used for 2025 (nearest year with data)",
    });
    expect(f.gridIntensityGPerKwh).toBe(253); // NL 2025 exists: no reason
    expect(f.quality.grid).toEqual({ quality: "regional" });
    expect(f.cfeShare).toBe(0.79);
    expect(f.contractualCoverageShare).toBe(0.79);
    expect(f.quality.market.reason).toMatch(
      /^contractual coverage of 2022 used for 2025 \(nearest year azure disclosed\); /,
    );
  });

  it("grid years after the last Electricity Maps year use the last one, with a reason", () => {
    const f = regionFactors("aws", "us-east-1", { year: 2030 });
    expect(f.gridIntensityGPerKwh).toBe(418); // US-MIDA-PJM 2025
    expect(f.quality.grid).toEqual({
      quality: "regional",
      reason: "grid intensity of 2025 used for 2030 (nearest year with data)",
    });
  });

  it("years before the data start use the first year", () => {
    const f = regionFactors("aws", "us-east-1", { year: 2015 });
    expect(f.pue).toBe(1.16);
    expect(f.quality.pue.reason).toBe("PUE of 2022 used for 2015 (nearest year with data)");
  });

  it("the record's UTC year selects the data (an offset can cross New Year)", () => {
    const estimator = createEstimator();
    const base = { provider: "aws", kind: "network", unit: "gb", quantity: 1000 } as const;
    const lateUtc2023 = estimator.estimate(
      record({ ...base, periodStart: "2023-12-31T23:00:00Z" }),
    );
    const utc2024 = estimator.estimate(
      record({ ...base, periodStart: "2023-12-31T23:00:00-02:00" }),
    );
    expect(lateUtc2023.gridIntensityGPerKwh).toBe(401); // US-MIDA-PJM 2023
    expect(utc2024.gridIntensityGPerKwh).toBe(403); // 2024-01-01T01:00Z
  });
});

describe("fallbacks", () => {
  it("region without published PUE: provider mean of the year's regional values", () => {
    const f = regionFactors("aws", "eu-west-2", { year: 2024 });
    // AWS 2024 PUEs in the GSF table (22 regions):
    // 1.24+1.27+1.42+1.46+1.32+1.16+1.40+1.07+1.19+1.17+1.25+1.35+1.10+1.09+1.11+1.27+1.33+1.17+1.15+1.13+1.18+1.12
    // = 26.95 → 26.95 / 22 = 1.225
    expectClose(f.pue, 1.225, 1e-4);
    expect(f.quality.pue).toEqual({
      quality: "provider-average",
      reason: "no published PUE for eu-west-2; provider mean PUE",
    });
    expect(f.gridZone).toBe("GB");
    expect(f.quality.grid.quality).toBe("regional");
  });

  it("unknown region: provider averages for PUE, grid and WUE; market equals location", () => {
    const f = regionFactors("aws", "mars-north-1", { year: 2024 });
    expect(f.gridZone).toBeNull();
    expect(f.quality.pue.quality).toBe("provider-average");
    expect(f.quality.grid).toEqual({
      quality: "provider-average",
      reason: 'region "mars-north-1" not in data pack; provider mean grid intensity',
    });
    // AWS 2024 regional WUE mean: 8.10 L over 22 regions = 0.36818 L/kWh
    expectClose(f.wueLitresPerKwh, 8.1 / 22, 1e-3);
    expect(f.quality.water.quality).toBe("provider-average");
    expect(f.cfeShare).toBe(0);
    expect(f.quality.market.quality).toBe("default");
    expect(f.gridIntensityGPerKwh).toBeGreaterThan(300);
    expect(f.gridIntensityGPerKwh).toBeLessThan(450);
  });

  it("region known to the pack but without a grid zone (Azure geography 'australia'): provider mean", () => {
    const f = regionFactors("azure", "australia", { year: 2024 });
    expect(f.gridZone).toBeNull();
    expect(f.quality.grid).toEqual({
      quality: "provider-average",
      reason: "no grid zone for australia; provider mean grid intensity",
    });
  });

  it("ccf profile: region without a CCF factor gets CCF's provider average (flagged)", () => {
    const f = regionFactors("aws", "ap-southeast-4", { profile: "ccf" });
    // CCF AWS "Unknown": 0.00039278188 t/kWh = 392.78188 g/kWh
    expect(f.gridIntensityGPerKwh).toBe(392.78188);
    expect(f.quality.grid).toEqual({
      quality: "provider-average",
      reason: "ap-southeast-4 not in CCF grid factors; CCF provider average",
    });
    expect(f.pue).toBe(1.135);
  });

  it("GCP publishes no WUE: cross-provider mean, quality default", () => {
    const f = regionFactors("gcp", "europe-west1", { year: 2024 });
    // only AWS published WUE for 2024 → same value as the AWS 2024 mean (8.10 / 22)
    expectClose(f.wueLitresPerKwh, 8.1 / 22, 1e-3);
    expect(f.quality.water.quality).toBe("default");
    expect(f.quality.water.reason).toMatch(/gcp publishes no WUE/);
  });

  it("no contractual coverage published: market-based equals location-based, quality default", () => {
    const estimator = createEstimator();
    const e = estimator.estimate(
      record({
        provider: "aws",
        region: "sa-east-1",
        kind: "network",
        unit: "gb",
        quantity: 100,
      }),
    );
    expect(e.co2eMarketKg).toBe(e.co2eLocationKg);
    expect(e.quality.market).toEqual({
      quality: "default",
      reason:
        "no contractual carbon-free coverage published for aws sa-east-1; all energy valued as uncovered; " +
        "no residual-mix area for sa-east-1 (outside AIB and Green-e coverage); uncovered share valued at the location-based factor (lifecycle)",
    });
  });

  it("dual-region nam4: mean of its members", () => {
    const f = regionFactors("gcp", "nam4", { year: 2024 });
    // us-central1 (US-MIDW-MISO 487) and us-east1 (US-CAR-SC 647) → 567
    expectClose(f.gridIntensityGPerKwh, 567);
    expectClose(f.pue, 1.1); // both 1.10 in 2024
    expect(f.quality.grid.reason).toBe("mean of member regions us-central1, us-east1");
  });

  it("ccf profile: dual-region factor is the mean of CCF's member factors, not their sum", () => {
    const f = regionFactors("gcp", "nam4", { profile: "ccf" });
    // (456 + 434) / 2 = 445; CCF's own table has the sum of member factors (828)
    expectClose(f.gridIntensityGPerKwh, 445);
  });
});

describe("region names", () => {
  it.each([
    ["azure", "West Europe", "westeurope"],
    ["azure", "EU West", "westeurope"],
    ["aws", "US East (Ohio)", "us-east-2"],
    ["aws", "us-east-1a", "us-east-1"],
    ["gcp", "europe-west4-b", "europe-west4"],
  ] as const)("%s %s → %s", (provider, raw, canonical) => {
    expect(regionFactors(provider, raw).region).toBe(canonical);
  });

  it("Azure West US is California, West US 2 is Washington (GSF row relabelled)", () => {
    expect(regionFactors("azure", "westus").gridZone).toBe("US-CAL-CISO");
    const westus2 = regionFactors("azure", "westus2", { year: 2023 });
    expect(westus2.gridZone).toBe("US-NW-BPAT");
    expect(westus2.pue).toBe(1.15);
  });
});

describe("hourly grid intensity", () => {
  const networkRecord = (periodHours: number) =>
    record({
      provider: "aws",
      kind: "network",
      unit: "gb",
      quantity: 1000,
      periodHours,
      periodStart: "2024-06-01T10:00:00Z",
    });

  it("wins over the annual average when it returns a value; quality measured", () => {
    const hourly = vi.fn((zone: string) => (zone === "US-MIDA-PJM" ? 100 : undefined));
    const e = createEstimator({ hourlyGridIntensity: hourly }).estimate(networkRecord(1));
    expect(hourly).toHaveBeenCalledWith("US-MIDA-PJM", Date.parse("2024-06-01T10:00:00Z"));
    expect(e.gridIntensityGPerKwh).toBe(100);
    // 1 kWh × 1.15 × 100 g = 0.115 kg
    expectClose(e.co2eLocationKg, 0.115);
    expect(e.quality.grid).toEqual({ quality: "measured" });
  });

  it("averages the hours of a multi-hour record", () => {
    const values = new Map([
      [Date.parse("2024-06-01T10:00:00Z"), 100],
      [Date.parse("2024-06-01T11:00:00Z"), 200],
      [Date.parse("2024-06-01T12:00:00Z"), 300],
    ]);
    const e = createEstimator({
      hourlyGridIntensity: (_zone, hourStartMs) => values.get(hourStartMs),
    }).estimate(networkRecord(3));
    expect(e.gridIntensityGPerKwh).toBe(200);
  });

  it("falls back to the annual value when an hour is missing or invalid", () => {
    const missing = createEstimator({
      hourlyGridIntensity: (_z, ms) =>
        ms === Date.parse("2024-06-01T10:00:00Z") ? 100 : undefined,
    });
    expect(missing.estimate(networkRecord(2)).gridIntensityGPerKwh).toBe(403);
    const negative = createEstimator({ hourlyGridIntensity: () => -5 });
    const e = negative.estimate(networkRecord(1));
    expect(e.gridIntensityGPerKwh).toBe(403);
    expect(e.quality.grid).toEqual({ quality: "regional" });
    const notANumber = createEstimator({ hourlyGridIntensity: () => Number.NaN });
    expect(notANumber.estimate(networkRecord(1)).gridIntensityGPerKwh).toBe(403);
  });

  it("records longer than 744 hours use the annual value without calling the source", () => {
    const hourly = vi.fn(() => 1);
    const e = createEstimator({ hourlyGridIntensity: hourly }).estimate(networkRecord(745));
    expect(hourly).not.toHaveBeenCalled();
    expect(e.gridIntensityGPerKwh).toBe(403);
  });

  it("is not asked for regions without a grid zone", () => {
    const hourly = vi.fn(() => 1);
    const e = createEstimator({ hourlyGridIntensity: hourly }).estimate(
      record({ provider: "aws", region: "mars-north-1", kind: "network", unit: "gb", quantity: 1 }),
    );
    expect(hourly).not.toHaveBeenCalled();
    expect(e.quality.grid.quality).toBe("provider-average");
  });
});
