import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { dataPackChecksum, dataPacks, defaultDataPackName, resolveDataPack } from "./pack";
import { decodePack } from "./pack-decode";
import { expectClose, record } from "./test-support";

const packDir = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "pack-2025.1");
const manifest = JSON.parse(readFileSync(join(packDir, "manifest.json"), "utf8")) as {
  name: string;
  packChecksum: string;
  files: Record<
    string,
    { sha256: string; sources: string[]; licence: string; years: string; retrieved: string }
  >;
};

describe("data pack 2025.1", () => {
  it("every file matches its manifest checksum, and the pack checksum covers them all", () => {
    const lines: string[] = [];
    for (const [name, entry] of Object.entries(manifest.files)) {
      const sha = createHash("sha256")
        .update(readFileSync(join(packDir, name)))
        .digest("hex");
      expect(sha, name).toBe(entry.sha256);
      lines.push(`${name}:${sha}\n`);
    }
    const packChecksum = createHash("sha256").update(lines.sort().join("")).digest("hex");
    expect(packChecksum).toBe(manifest.packChecksum);
    expect(dataPackChecksum).toBe(packChecksum);
  });

  it("the manifest names source, licence, years and retrieval date of every file", () => {
    expect(Object.keys(manifest.files).length).toBeGreaterThanOrEqual(7);
    for (const entry of Object.values(manifest.files)) {
      expect(entry.sources.length).toBeGreaterThan(0);
      expect(entry.licence).not.toBe("");
      expect(entry.years).not.toBe("");
      expect(entry.retrieved).not.toBe("");
    }
  });

  it("ships a NOTICE with the required attributions", () => {
    const notice = readFileSync(join(packDir, "NOTICE"), "utf8");
    expect(notice).toMatch(/Cloud Carbon Footprint/);
    expect(notice).toMatch(/Apache License, Version 2\.0/);
    expect(notice).toMatch(/Electricity Maps/);
    expect(notice).toMatch(/Open Database License/);
    expect(notice).toMatch(/Green Software Foundation/);
    expect(notice).toMatch(/Google/);
  });

  it("is registered by name and is the default", () => {
    expect(defaultDataPackName).toBe("2025.1");
    expect(resolveDataPack("2025.1")).toBe(dataPacks["2025.1"]);
    expect(existsSync(join(packDir, "manifest.json"))).toBe(true);
  });
});

describe("pack selection and methodology version", () => {
  it("default version names profile, code version and pack", () => {
    expect(createEstimator().methodologyVersion).toBe("canopy-1.0.0+pack.2025.1");
  });

  it("a different pack changes the version and the numbers without code changes", () => {
    const base = resolveDataPack();
    const greener = {
      ...base,
      name: "test.1",
      gridZones: new Map(
        [...base.gridZones].map(([z, s]) => [z, s.map(([y, v]) => [y, v / 2] as const)]),
      ),
    };
    const estimator = createEstimator({ pack: greener });
    expect(estimator.methodologyVersion).toBe("canopy-1.0.0+pack.test.1");
    const r = record({ provider: "aws", kind: "network", unit: "gb", quantity: 1000 });
    expectClose(
      estimator.estimate(r).co2eLocationKg,
      createEstimator().estimate(r).co2eLocationKg / 2,
    );
  });

  it("unknown pack names are rejected", () => {
    expect(() => createEstimator({ pack: "1999.1" })).toThrow(/unknown data pack/);
  });

  it("lifespan is configurable, part of the version, and validated", () => {
    const six = createEstimator({ lifespanYears: 6 });
    expect(six.methodologyVersion).toBe("canopy-1.0.0+pack.2025.1.lifespan-6y");
    const r = record({
      provider: "aws",
      kind: "compute",
      unit: "instance-hours",
      quantity: 1,
      instanceType: "m5.large",
    });
    // 1610.79 kg ÷ 96 vCPU × 2 vCPU-h ÷ (6 × 8760 h)
    expectClose(six.estimate(r).embodiedKg, ((1610.79 / 96) * 2) / 52_560);
    expect(() => createEstimator({ lifespanYears: 0 })).toThrow(RangeError);
    expect(() => createEstimator({ lifespanYears: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it("a malformed pack fails loudly at decode time", () => {
    const files = {
      manifest,
      cpuCoefficients: JSON.parse(readFileSync(join(packDir, "cpu-coefficients.json"), "utf8")),
      gpuCoefficients: JSON.parse(readFileSync(join(packDir, "gpu-coefficients.json"), "utf8")),
      instanceTypes: JSON.parse(readFileSync(join(packDir, "instance-types.json"), "utf8")),
      regions: JSON.parse(readFileSync(join(packDir, "regions.json"), "utf8")),
      gridIntensity: JSON.parse(readFileSync(join(packDir, "grid-intensity.json"), "utf8")),
      replicationRules: JSON.parse(readFileSync(join(packDir, "replication-rules.json"), "utf8")),
      constants: JSON.parse(readFileSync(join(packDir, "constants.json"), "utf8")),
    };
    expect(decodePack(files).name).toBe("2025.1");
    const broken = structuredClone(files) as typeof files & {
      gridIntensity: { zones: Record<string, [number, number][]> };
    };
    broken.gridIntensity.zones.DE = [[2024, -1]];
    expect(() => decodePack(broken)).toThrow(/grid-intensity\.zones\.DE/);
  });
});
