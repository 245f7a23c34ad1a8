import { describe, expect, it } from "vitest";
import { lookupInstanceType } from "./instance-types";
import { dataPacks } from "./pack";

describe("lookupInstanceType", () => {
  it("AWS: EC2 type with CCF and ccf-coefficients data", () => {
    const info = lookupInstanceType("aws", "m5.large");
    expect(info).toMatchObject({
      match: "exact",
      vcpus: 2,
      memoryGb: 8,
      microarchitectures: ["Skylake"],
      hostVcpus: 96, // Teads platform vCPU (ccf-coefficients data/aws-instances.csv)
      hostEmbodiedKg: 1610.79, // ccf-coefficients output/coefficients-aws-embodied.csv
    });
  });

  it("AWS service prefixes resolve to the EC2 hardware", () => {
    expect(lookupInstanceType("aws", "db.r6g.large")?.key).toBe("r6g.large");
    expect(lookupInstanceType("aws", "cache.m5.large")?.vcpus).toBe(2);
    expect(lookupInstanceType("aws", "kafka.m5.xlarge")?.vcpus).toBe(4);
    expect(lookupInstanceType("aws", "m5.large.search")?.vcpus).toBe(2);
  });

  it("Azure billing spellings resolve (Standard_, underscores, Spot)", () => {
    expect(lookupInstanceType("azure", "Standard_D2s_v3")?.vcpus).toBe(2);
    expect(lookupInstanceType("azure", "D2s v3 Spot")?.vcpus).toBe(2);
    expect(lookupInstanceType("azure", "Standard_E8s_v5")?.microarchitectures).toEqual([
      "Ice Lake",
    ]);
  });

  it("GCP: full series, never the first two characters", () => {
    expect(lookupInstanceType("gcp", "n2d-standard-4")?.microarchitectures).toEqual([
      "AMD EPYC 2nd Gen",
    ]);
    expect(lookupInstanceType("gcp", "c2d-standard-8")?.microarchitectures).toEqual([
      "AMD EPYC 3rd Gen",
    ]);
    expect(lookupInstanceType("gcp", "t2d-standard-4")?.microarchitectures).toEqual([
      "AMD EPYC 3rd Gen",
    ]);
  });

  it("GCP custom machine types are parsed (vCPUs, MB → GB, series hardware)", () => {
    expect(lookupInstanceType("gcp", "n2-custom-4-8192")).toMatchObject({
      match: "custom",
      vcpus: 4,
      memoryGb: 8,
      microarchitectures: ["Cascade Lake"],
    });
    expect(lookupInstanceType("gcp", "custom-2-7680")).toMatchObject({
      vcpus: 2,
      memoryGb: 7.5,
      family: "n1-custom",
    });
    expect(lookupInstanceType("gcp", "n2")).toMatchObject({ match: "series", vcpus: undefined });
  });

  it("burstable baselines are exposed", () => {
    expect(lookupInstanceType("aws", "t3.micro")?.burstableBaselineUtilization).toBe(0.1);
    expect(lookupInstanceType("azure", "Standard_B2ms")?.burstableBaselineUtilization).toBe(0.3);
    expect(lookupInstanceType("gcp", "e2-small")?.burstableBaselineUtilization).toBe(0.25);
  });

  it("unknown types return undefined", () => {
    expect(lookupInstanceType("aws", "zz9.huge")).toBeUndefined();
    expect(lookupInstanceType("gcp", "zz9-standard-4")).toBeUndefined();
    expect(lookupInstanceType("azure", "")).toBeUndefined();
  });

  it.each([
    ["aws", "m7g.large", "AWS Graviton3", 2],
    ["aws", "c7g.xlarge", "AWS Graviton3", 4],
    ["aws", "r7g.2xlarge", "AWS Graviton3", 8],
    ["aws", "m7i.large", "Sapphire Rapids", 2],
    ["aws", "c7i.48xlarge", "Sapphire Rapids", 192],
    ["aws", "m7a.medium", "AMD EPYC 4th Gen", 1],
    ["aws", "m8g.large", "AWS Graviton4", 2],
    ["aws", "c8g.metal-48xl", "AWS Graviton4", 192],
    ["gcp", "c3-standard-8", "Sapphire Rapids", 8],
    ["gcp", "c4-standard-4", "Emerald Rapids", 4],
    ["gcp", "n4-highmem-16", "Emerald Rapids", 16],
    ["azure", "Standard_D4s_v5", "Ice Lake", 4],
    ["azure", "Standard_D4as_v5", "AMD EPYC 3rd Gen", 4],
    ["azure", "Standard_D4ps_v5", "Ampere Altra", 4],
    ["azure", "Standard_D8s_v6", "Emerald Rapids", 8],
  ] as const)("newer family %s %s → %s, %i vCPU", (provider, type, arch, vcpus) => {
    const info = lookupInstanceType(provider, type);
    expect(info?.vcpus).toBe(vcpus);
    expect(info?.microarchitectures).toContain(arch);
    expect(info?.hostEmbodiedKg).toBeGreaterThan(1000);
  });

  it("rows added from provider specifications cite the provider's spec page", () => {
    expect(lookupInstanceType("aws", "m7g.large")?.source).toMatch(
      /^https:\/\/aws\.amazon\.com\/ec2\/instance-types\/m7g\//,
    );
    expect(lookupInstanceType("gcp", "n4-standard-8")?.source).toMatch(
      /^https:\/\/cloud\.google\.com\/compute\/docs\//,
    );
    expect(lookupInstanceType("azure", "Standard_D2s_v6")?.source).toMatch(
      /^https:\/\/learn\.microsoft\.com\//,
    );
  });

  it("host embodied of modelled rows follows CCF's increments (m7i: 768 GB, 2 sockets)", () => {
    // 1000 + (768 − 16) × 533/384 + (2 − 1) × 100 = 2143.79 kg
    expect(lookupInstanceType("aws", "m7i.large")?.hostEmbodiedKg).toBeCloseTo(
      1000 + (752 * 533) / 384 + 100,
      1,
    );
  });

  it("every catalog row has positive vCPUs where given and a source", () => {
    const pack = dataPacks["2026.1"];
    for (const provider of ["aws", "azure", "gcp"] as const) {
      for (const row of pack?.instances[provider].values() ?? []) {
        if (row.vcpus !== null) {
          expect(row.vcpus).toBeGreaterThan(0);
          // the embodied share (instance ÷ host vCPUs) can never exceed 1
          if (row.hostVcpus !== null)
            expect(row.hostVcpus, row.key).toBeGreaterThanOrEqual(row.vcpus);
          if (row.familyLargestVcpus !== null)
            expect(row.familyLargestVcpus, row.key).toBeGreaterThanOrEqual(row.vcpus);
        }
        expect(row.source).not.toBe("");
      }
    }
  });
});
