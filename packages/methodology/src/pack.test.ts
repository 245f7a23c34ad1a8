import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createEstimator } from "./estimator";
import { dataPackChecksum, dataPacks, defaultDataPackName, resolveDataPack } from "./pack";
import { decodePack } from "./pack-decode";
import { expectClose, record } from "./test-support";

type Manifest = {
  name: string;
  packChecksum: string;
  files: Record<
    string,
    { sha256: string; sources: string[]; licence: string; years: string; retrieved: string }
  >;
};
const packDirOf = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), "..", "data", `pack-${name}`);
const manifestOf = (name: string) =>
  JSON.parse(readFileSync(join(packDirOf(name), "manifest.json"), "utf8")) as Manifest;

/** Pack 2025.1 is frozen: history estimated with it must stay reproducible byte for byte. */
const frozenPack2025v1Checksum = "afa86e2c42133d8e1a039ea6d81d621d716fd99a92382b7f328f4ffc016773a2";

describe.each(["2025.1", "2026.1"])("data pack %s", (packName) => {
  const packDir = packDirOf(packName);
  const manifest = manifestOf(packName);

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
    expect(dataPacks[packName]?.checksum).toBe(packChecksum);
    if (packName === "2025.1") expect(packChecksum).toBe(frozenPack2025v1Checksum);
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

  it("is registered by name", () => {
    expect(resolveDataPack(packName)).toBe(dataPacks[packName]);
    expect(resolveDataPack(packName).name).toBe(manifest.name);
  });
});

describe("default pack", () => {
  it("is the newest, 2026.1, and its checksum is the exported one", () => {
    expect(defaultDataPackName).toBe("2026.1");
    expect(resolveDataPack()).toBe(dataPacks["2026.1"]);
    expect(dataPackChecksum).toBe(manifestOf("2026.1").packChecksum);
    expect(existsSync(join(packDirOf("2026.1"), "manifest.json"))).toBe(true);
  });
});

describe("pack selection and methodology version", () => {
  it("default version names profile, code version and pack", () => {
    expect(createEstimator().methodologyVersion).toBe("canopy-2.0.0+pack.2026.1");
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
    expect(estimator.methodologyVersion).toBe("canopy-2.0.0+pack.test.1");
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
    expect(six.methodologyVersion).toBe("canopy-2.0.0+pack.2026.1.lifespan-6y");
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
    const packDir = packDirOf("2026.1");
    const files = {
      manifest: manifestOf("2026.1"),
      cpuCoefficients: JSON.parse(readFileSync(join(packDir, "cpu-coefficients.json"), "utf8")),
      gpuCoefficients: JSON.parse(readFileSync(join(packDir, "gpu-coefficients.json"), "utf8")),
      instanceTypes: JSON.parse(readFileSync(join(packDir, "instance-types.json"), "utf8")),
      regions: JSON.parse(readFileSync(join(packDir, "regions.json"), "utf8")),
      gridIntensity: JSON.parse(readFileSync(join(packDir, "grid-intensity.json"), "utf8")),
      replicationRules: JSON.parse(readFileSync(join(packDir, "replication-rules.json"), "utf8")),
      constants: JSON.parse(readFileSync(join(packDir, "constants.json"), "utf8")),
    };
    expect(decodePack(files).name).toBe("2026.1");
    const broken = structuredClone(files) as typeof files & {
      gridIntensity: { zones: Record<string, [number, number][]> };
    };
    broken.gridIntensity.zones.DE = [[2024, -1]];
    expect(() => decodePack(broken)).toThrow(/grid-intensity\.zones\.DE/);
  });
});
