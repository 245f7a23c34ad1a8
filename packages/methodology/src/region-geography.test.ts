import { describe, expect, it } from "vitest";
import {
  continentAllowed,
  deployableRegions,
  isJurisdiction,
  jurisdictionAllowed,
  regionGeography,
} from "./region-geography";

describe("region geography", () => {
  it("gives every deployable region of the pack a country and a continent", () => {
    for (const provider of ["aws", "azure", "gcp"] as const) {
      const regions = deployableRegions(provider);
      expect(regions.length, provider).toBeGreaterThan(10);
      for (const region of regions) expect(region.continent, region.region).not.toBeNull();
    }
  });

  it("derives the country from the grid zone and leaves out restricted partitions", () => {
    expect(regionGeography("aws", "us-east-1")).toMatchObject({ country: "US", continent: "NA" });
    expect(regionGeography("azure", "West Europe")).toMatchObject({
      country: "NL",
      continent: "EU",
    });
    expect(regionGeography("gcp", "europe-west4-a")).toMatchObject({ country: "NL" });
    const aws = deployableRegions("aws").map((r) => r.region);
    expect(aws).not.toContain("us-gov-west-1");
    expect(aws).not.toContain("cn-north-1");
    expect(deployableRegions("gcp").map((r) => r.region)).not.toContain("eu");
  });

  it("applies continent and jurisdiction lists", () => {
    const zurich = regionGeography("aws", "eu-central-2")!;
    const frankfurt = regionGeography("aws", "eu-central-1")!;
    expect(continentAllowed(zurich, ["EU"])).toBe(true);
    expect(jurisdictionAllowed(zurich, ["EU"])).toBe(false);
    expect(jurisdictionAllowed(frankfurt, ["EU"])).toBe(true);
    expect(jurisdictionAllowed(frankfurt, ["de"])).toBe(true);
    expect(continentAllowed(frankfurt, ["NA"])).toBe(false);
    expect(continentAllowed(frankfurt, null)).toBe(true);
    expect(isJurisdiction("EU")).toBe(true);
    expect(isJurisdiction("strict")).toBe(false);
  });
});
