import { describe, expect, it } from "vitest";
import {
  findGpuModelKey,
  normalizeInstanceType,
  normalizeRegionName,
  utcYearOf,
} from "./normalize";

describe("normalize", () => {
  it("instance types", () => {
    expect(normalizeInstanceType("aws", " DB.M5.Large ")).toBe("m5.large");
    expect(normalizeInstanceType("azure", "Standard_D2s_v5")).toBe("d2s v5");
    expect(normalizeInstanceType("azure", "D2s v3/D2ds v3")).toBe("d2s v3");
    expect(normalizeInstanceType("azure", "Standard_D2s_v3 Low Priority")).toBe("d2s v3");
    expect(
      normalizeInstanceType("gcp", "projects/p/zones/us-central1-a/machineTypes/n2-standard-4"),
    ).toBe("n2-standard-4");
  });

  it("regions", () => {
    expect(normalizeRegionName("azure", "West Europe")).toBe("westeurope");
    expect(normalizeRegionName("aws", "eu-west-1b")).toBe("eu-west-1");
    expect(normalizeRegionName("aws", "us-gov-west-1a")).toBe("us-gov-west-1");
    expect(normalizeRegionName("gcp", "us-central1-f")).toBe("us-central1");
    expect(normalizeRegionName("gcp", "nam4")).toBe("nam4");
  });

  it("GPU model keys are found by token", () => {
    const keys = new Set(["t4", "a100", "v100", "a10g"]);
    expect(findGpuModelKey("Nvidia Tesla T4 GPU running in Americas", keys)).toBe("t4");
    expect(findGpuModelKey("nvidia-tesla-a100", keys)).toBe("a100");
    expect(findGpuModelKey("NVIDIA A10", keys)).toBeUndefined();
  });

  it("UTC year, including offsets that cross New Year", () => {
    expect(utcYearOf("2024-06-01T00:00:00Z")).toBe(2024);
    expect(utcYearOf("2024-12-31T23:30:00-02:00")).toBe(2025);
    expect(utcYearOf("2025-01-01T00:30:00+01:00")).toBe(2024);
    expect(utcYearOf("2025-01-01T05:00:00+01:00")).toBe(2025);
  });
});
