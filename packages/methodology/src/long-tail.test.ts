import { describe, expect, it } from "vitest";
import gridJson from "../data/pack-2026.1/grid-intensity.json";
import { createEstimator } from "./estimator";
import { hostedRegion, hostedRegionOf, longTailProfiles } from "./long-tail";
import { regionFactors } from "./region-factors";
import { expectClose, record } from "./test-support";

const zones: Record<string, number[][]> = gridJson.zones;
const zoneGrid = (zone: string, year: number): number => {
  const found = zones[zone]?.find(([y]) => y === year);
  if (!found) throw new Error(`no ${zone} ${year} in the pack's grid table`);
  return found[1]!;
};

const estimator = createEstimator();
const vcpuHours = (provider: "aws" | "oci" | "ibm" | "alibaba" | "other", region: string) =>
  record({
    provider,
    region,
    kind: "compute",
    unit: "vcpu-hours",
    quantity: 100,
    service: "COMPUTE",
  });

describe("long-tail providers (docs/methodology.md section 2.12)", () => {
  it("OCI compute: the AWS fleet-average power, the industry PUE 1.56 and the region's own grid zone", () => {
    const oci = estimator.estimate(vcpuHours("oci", "us-sanjose-1"));
    const aws = estimator.estimate(vcpuHours("aws", "us-east-1"));
    expectClose(oci.kwhIt, aws.kwhIt);
    expect(oci.pue).toBe(1.56);
    expect(oci.gridIntensityGPerKwh).toBe(zoneGrid("US-CAL-CISO", 2024));
    expectClose(oci.co2eLocationKg, (oci.kwhIt * 1.56 * zoneGrid("US-CAL-CISO", 2024)) / 1000);
    expectClose(oci.co2eMarketKg, oci.co2eLocationKg);
    expect(oci.quality.power.quality).toBe("default");
    expect(oci.quality.power.reason).toMatch(
      /^OCI: no power data in the pack; the pack's AWS fleet averages/,
    );
    expect(oci.quality.pue.quality).toBe("default");
    expect(oci.quality.pue.reason).toMatch(/Uptime Institute/);
    expect(oci.quality.grid.quality).toBe("regional");
  });

  it("Alibaba Cloud: CCF's regional PUE for mainland regions (1.2 in the north, 1.3 elsewhere), China's grid", () => {
    const beijing = estimator.estimate(vcpuHours("alibaba", "cn-beijing"));
    const hangzhou = estimator.estimate(vcpuHours("alibaba", "cn-hangzhou"));
    expect(beijing.pue).toBe(1.2);
    expect(hangzhou.pue).toBe(1.3);
    expect(beijing.quality.pue.quality).toBe("regional");
    expect(beijing.gridIntensityGPerKwh).toBe(zoneGrid("CN", 2024));
    const singapore = estimator.estimate(vcpuHours("alibaba", "ap-southeast-1"));
    expect(singapore.pue).toBe(1.3);
    expect(singapore.quality.pue.quality).toBe("default");
    expect(singapore.gridIntensityGPerKwh).toBe(zoneGrid("SG", 2024));
  });

  it("a region missing from a provider's table gets the mean of its regions' grids, flagged", () => {
    const f = regionFactors("ibm", "xx-unknown", { year: 2024 });
    const ibmZones = [...longTailProfiles.ibm.regions.values()].map((r) =>
      zoneGrid(r.gridZone, 2024),
    );
    expectClose(f.gridIntensityGPerKwh, ibmZones.reduce((s, v) => s + v, 0) / ibmZones.length);
    expect(f.quality.grid.quality).toBe("provider-average");
    expect(f.quality.grid.reason).toMatch(/IBM Cloud region "xx-unknown" not in Canopy's table/);
  });

  it("a service hosted on a pack cloud is estimated exactly like the host's own usage in that region", () => {
    const hosted = estimator.estimate(vcpuHours("other", hostedRegion("aws", "us-east-1")));
    const aws = estimator.estimate(vcpuHours("aws", "us-east-1"));
    expect(hosted.co2eLocationKg).toBe(aws.co2eLocationKg);
    expect(hosted.co2eMarketKg).toBe(aws.co2eMarketKg);
    expect(hosted.waterL).toBe(aws.waterL);
    expect(hosted.quality.power).toEqual(aws.quality.power);
    expect(hostedRegionOf("gcp/europe-west1")).toEqual({ host: "gcp", region: "europe-west1" });
    expect(hostedRegionOf("us-east-1")).toBeUndefined();
    expect(hostedRegionOf("vercel/iad1")).toBeUndefined();
  });

  it("another provider without a host: world-average grid and industry PUE, every factor flagged default", () => {
    const e = estimator.estimate(vcpuHours("other", "iad1"));
    expect(e.gridIntensityGPerKwh).toBe(472.94);
    expect(e.pue).toBe(1.56);
    expect(e.quality.grid.quality).toBe("default");
    expect(e.quality.grid.reason).toMatch(/Ember world average 2024/);
  });

  it("every zone in the long-tail region tables is in the pack's grid table for every year", () => {
    for (const profile of Object.values(longTailProfiles)) {
      for (const [region, entry] of profile.regions) {
        for (const year of gridJson.years) {
          expect(
            zones[entry.gridZone]?.some(([y]) => y === year),
            `${profile.provider} ${region} ${entry.gridZone} ${year}`,
          ).toBe(true);
        }
      }
    }
  });
});
