import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { resolveDataPack } from "./pack";
import { regionFactors } from "./region-factors";
import { figureBases, marketBasedLabel } from "./scope2-basis";
import { packProviders as providers } from "./providers";
import { expectClose, record } from "./test-support";

/**
 * Estimated market-based CO2e (GHG Protocol Scope 2): kwhFacility × (1 − contractual coverage) ×
 * residual mix, in real regions. Source values used below:
 *   GSF Cloud_Region_Metadata.csv: aws eu-central-1 provider-cfe-annual 2021 0.95, 2022 1.0,
 *     provider-carbon-intensity-market-annual 0.0 in 2023 and 2024 (no 2025 row); aws eu-west-2
 *     market 0.0 in 2023, no 2024 row; azure eastus provider-cfe-annual 2022 0.7; aws
 *     ap-southeast-1 no share and no market figure in any year.
 *   Google region-carbon-info: europe-west3 Google CFE 2024 0.68; us-central1 2024 0.87.
 *   Electricity Maps yearly: DE carbonIntensity 2021 439, 2024 341, carbonFreeEnergy 2024 65 %;
 *     US-MIDW-MISO carbonFreeEnergy 2024 35 %, carbonIntensity 2024 487; US-MIDA-PJM 2022 434.
 *   CCF grid_emission_factors.csv: AWS eu-central-1 311 g/kWh; AWS us-east-1 SERC (eGRID2020).
 * No residual-mix values are in pack 2026.1 (none could be sourced), so the uncovered share is
 * valued at the location-based factor and flagged.
 */

const estimator = createEstimator();
const ccf = createEstimator({ profile: "ccf" });

/** One hour of a real EC2 size; the kWh are the estimator's, this file checks the CO2e split. */
const ec2 = (region: string, periodStart: string) =>
  record({
    provider: "aws",
    region,
    periodStart,
    kind: "compute",
    unit: "instance-hours",
    quantity: 24,
    instanceType: "m5.large",
  });

describe("AWS eu-central-1 (Europe, AIB area DE)", () => {
  it("2021: 95 % contractual, the uncovered 5 % at DE's location factor (no residual mix), flagged", () => {
    const e = estimator.estimate(ec2("eu-central-1", "2021-05-01T00:00:00Z"));
    expect(e.gridIntensityGPerKwh).toBe(439);
    expectClose(e.co2eMarketKg, (e.kwhFacility * (1 - 0.95) * 439) / 1000);
    expect(e.quality.market).toEqual({
      quality: "provider-average",
      reason:
        "no aib:DE residual mix in pack 2026.1; uncovered share valued at the location-based factor (lifecycle)",
    });
  });

  it("2024: AWS reports market-based 0 for the region, so coverage is 1 and market-based 0", () => {
    const f = regionFactors("aws", "eu-central-1", { year: 2024 });
    expect(f.contractualCoverageShare).toBe(1);
    const e = estimator.estimate(ec2("eu-central-1", "2024-05-01T00:00:00Z"));
    expect(e.co2eLocationKg).toBeGreaterThan(0);
    expect(e.co2eMarketKg).toBe(0);
    expect(e.quality.market).toEqual({ quality: "regional" });
  });

  it("2025 is not disclosed: the 2024 claim is a flagged nearest-year fallback, not a silent 0", () => {
    const e = estimator.estimate(ec2("eu-central-1", "2025-05-01T00:00:00Z"));
    expect(e.co2eMarketKg).toBe(0);
    expect(e.quality.market).toEqual({
      quality: "provider-average",
      reason: "contractual coverage of 2024 used for 2025 (nearest year aws disclosed)",
    });
  });

  it("eu-west-2 has no 2024 row: 2023's claim is used for 2024 and the reason names 2023", () => {
    const f = regionFactors("aws", "eu-west-2", { year: 2024 });
    expect(f.contractualCoverageShare).toBe(1);
    expect(f.quality.market.reason).toBe(
      "contractual coverage of 2023 used for 2024 (nearest year aws disclosed)",
    );
  });
});

describe("Azure (Europe and US)", () => {
  it("germanywestcentral: Microsoft publishes no share, so market-based = location-based, flagged default", () => {
    const e = estimator.estimate(
      record({
        provider: "azure",
        service: "Virtual Machines",
        region: "germanywestcentral",
        periodStart: "2024-03-01T00:00:00Z",
        kind: "compute",
        unit: "instance-hours",
        quantity: 24,
        instanceType: "Standard_D2s_v5",
      }),
    );
    expect(e.gridIntensityGPerKwh).toBe(341);
    expectClose(e.co2eMarketKg, e.co2eLocationKg);
    expect(e.quality.market.quality).toBe("default");
    expect(e.quality.market.reason).toBe(
      "no contractual carbon-free coverage published for azure germanywestcentral; all energy valued as uncovered; " +
        "no aib:DE residual mix in pack 2026.1; uncovered share valued at the location-based factor (lifecycle)",
    );
  });

  it("eastus (US, Green-e area SRVC) 2022: 70 % contractual, 30 % at PJM's factor without a residual mix", () => {
    const e = estimator.estimate(
      record({
        provider: "azure",
        service: "Virtual Machines",
        region: "eastus",
        periodStart: "2022-07-01T00:00:00Z",
        kind: "compute",
        unit: "instance-hours",
        quantity: 24,
        instanceType: "Standard_D2s_v5",
      }),
    );
    expect(e.gridIntensityGPerKwh).toBe(434);
    expectClose(e.co2eMarketKg, (e.kwhFacility * 0.3 * 434) / 1000);
    expect(e.quality.market.reason).toBe(
      "no green-e:SRVC residual mix in pack 2026.1; uncovered share valued at the location-based factor (lifecycle)",
    );
  });
});

describe("GCP: Google CFE includes the grid's carbon-free share, counted once", () => {
  it("europe-west3 2024: contractual part (0.68 − 0.65) ÷ (1 − 0.65) = 8.6 %, not 68 %", () => {
    const f = regionFactors("gcp", "europe-west3", { year: 2024 });
    const coverage = (0.68 - 0.65) / (1 - 0.65);
    expectClose(f.contractualCoverageShare, coverage, 1e-5); // pack keeps 6 decimals
    const coverageTable = resolveDataPack().scope2?.contractualCoverage.gcp.get("europe-west3");
    expect(coverageTable?.derivation?.googleCfe).toContainEqual([2024, 0.68]);
    expect(coverageTable?.derivation?.gridCfe).toContainEqual([2024, 0.65]);

    const e = estimator.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west3",
        periodStart: "2024-09-01T00:00:00Z",
        kind: "compute",
        unit: "vcpu-hours",
        quantity: 96,
        instanceType: "n2-standard-4",
      }),
    );
    expect(e.gridIntensityGPerKwh).toBe(341);
    expectClose(e.co2eMarketKg, (e.kwhFacility * (1 - coverage) * 341) / 1000, 1e-5);
    // the old proxy, location × (1 − Google CFE), removed the grid's 65 % a second time
    const oldProxyKg = e.co2eLocationKg * (1 - 0.68);
    expect(e.co2eMarketKg / oldProxyKg).toBeGreaterThan(2.8);
  });

  it("us-central1 2024: (0.87 − 0.35) ÷ (1 − 0.35) = 80 % contractual", () => {
    const f = regionFactors("gcp", "us-central1", { year: 2024 });
    expectClose(f.contractualCoverageShare, 0.52 / 0.65, 1e-5);
    expect(f.gridIntensityGPerKwh).toBe(487);
  });

  it("pack 2025.1 keeps its legacy proxy so history estimated with it reproduces", () => {
    const legacy = createEstimator({ pack: "2025.1" });
    const e = legacy.estimate(
      record({
        provider: "gcp",
        service: "Compute Engine",
        region: "europe-west3",
        periodStart: "2024-09-01T00:00:00Z",
        kind: "network",
        unit: "gb",
        quantity: 100,
      }),
    );
    expectClose(e.co2eMarketKg, e.co2eLocationKg * (1 - 0.68));
    expect(e.quality.market.reason).toMatch(/pack 2025\.1 has no contractual-coverage table/);
  });
});

describe("regions without a residual mix or any disclosure", () => {
  it("AWS ap-southeast-1 (Singapore): no coverage, no residual-mix area; market = location, both flagged", () => {
    const e = estimator.estimate(ec2("ap-southeast-1", "2024-02-01T00:00:00Z"));
    expect(e.co2eMarketKg).toBe(e.co2eLocationKg);
    expect(e.co2eMarketKg).toBeGreaterThan(0);
    expect(e.quality.market).toEqual({
      quality: "default",
      reason:
        "no contractual carbon-free coverage published for aws ap-southeast-1; all energy valued as uncovered; " +
        "no residual-mix area for ap-southeast-1 (outside AIB and Green-e coverage); uncovered share valued at the location-based factor (lifecycle)",
    });
  });
});

describe("ccf profile", () => {
  it("same contractual coverage; the uncovered share at CCF's factor, whose boundary CCF does not state outside the US", () => {
    const e = ccf.estimate(ec2("eu-central-1", "2021-05-01T00:00:00Z"));
    expect(e.gridIntensityGPerKwh).toBe(311);
    expectClose(e.co2eMarketKg, (e.kwhFacility * 0.05 * 311) / 1000);
    expect(regionFactors("aws", "eu-central-1", { profile: "ccf" }).gridBoundary).toBe("unstated");
    const us = regionFactors("aws", "us-east-1", { profile: "ccf" });
    expect(us.gridBoundary).toBe("direct");
    expect(us.gridSource).toBe("EPA eGRID2020 SERC NERC-region factor (via CCF)");
    expect(e.quality.market.reason).toMatch(/location-based factor \(unstated\)/);
  });
});

describe("factor boundaries", () => {
  it("canopy: every region's grid factor is Electricity Maps lifecycle, and the labels say so", () => {
    for (const provider of providers) {
      for (const region of resolveDataPack().regions[provider].keys()) {
        const f = regionFactors(provider, region, { year: 2024 });
        expect(f.gridBoundary).toBe("lifecycle");
        expect(f.gridSource).toMatch(/Electricity Maps/);
      }
    }
    const bases = figureBases("canopy");
    expect(bases.location.label).toBe(
      "Scope 2 location-based (lifecycle factors: Electricity Maps annual)",
    );
    expect(bases.market.label).toBe(marketBasedLabel);
    expect(bases.market.note).toMatch(/No residual-mix table values are in pack 2026\.1/);
  });

  it("ccf: the location label says the boundaries are mixed", () => {
    expect(figureBases("ccf").location.boundary).toBe("mixed");
    expect(figureBases("canopy", "2025.1").market.label).toMatch(/legacy proxy/);
  });
});

describe("properties over every region of the pack and every year 2019–2026", () => {
  it("0 ≤ coverage ≤ 1, 0 ≤ market, and market ≤ location while no residual mix is loaded", () => {
    const years = [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026];
    let checked = 0;
    for (const profile of ["canopy", "ccf"] as const) {
      const byProfile = createEstimator({ profile });
      for (const provider of providers) {
        for (const region of resolveDataPack().regions[provider].keys()) {
          for (const year of years) {
            const f = regionFactors(provider, region, { year, profile });
            expect(f.contractualCoverageShare).toBeGreaterThanOrEqual(0);
            expect(f.contractualCoverageShare).toBeLessThanOrEqual(1);
            const e = byProfile.estimate(
              record({
                provider,
                region,
                periodStart: `${year}-06-01T00:00:00Z`,
                kind: "network",
                unit: "gb",
                quantity: 1000,
              }),
            );
            expect(e.co2eMarketKg).toBeGreaterThanOrEqual(0);
            if (f.residualMixGPerKwh === null) {
              expect(e.co2eMarketKg).toBeLessThanOrEqual(e.co2eLocationKg * (1 + 1e-12));
              // valuing the uncovered share at the location factor is always flagged
              if (f.contractualCoverageShare < 1)
                expect(e.quality.market.quality).not.toBe("regional");
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });
});
