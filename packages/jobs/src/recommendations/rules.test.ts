import { describe, expect, it } from "vitest";
import { noConstraints, type RecommendationConstraints, type WorkloadUsage } from "@canopy/db";
import {
  createEstimator,
  regionGeography,
  resolveDataPack,
  type UsageRecord,
} from "@canopy/methodology";
import { basisPeriod } from "./compute";
import {
  previousGenerationFindings,
  successorsOf,
  wattsPerVcpuOf,
} from "./rules/previous-generation";
import {
  counterpartInstance,
  regionMoveCrossProvider,
  regionMoveFindings,
  regionMoveSameProvider,
} from "./rules/region-moves";
import {
  colderClassesOf,
  oldSnapshotFindings,
  storageLifecycleFindings,
  unattachedVolumeFindings,
} from "./rules/storage";
import { timeShiftingFindings } from "./rules/time-shifting";
import { PriceBook, type RuleContext } from "./workload";

const pack = resolveDataPack();
const estimator = createEstimator({ pack });
const basisStart = new Date("2025-06-01T00:00:00Z");
const basisEnd = new Date("2025-07-01T00:00:00Z");
const account = "00000000-0000-4000-8000-000000000001";

function usage(fields: Partial<WorkloadUsage>): WorkloadUsage {
  return {
    cloudAccountId: account,
    provider: "aws",
    service: "AmazonEC2",
    region: "us-east-1",
    kind: "compute",
    unit: "instance-hours",
    usageType: "USE1-BoxUsage:m5.xlarge",
    instanceType: "m5.xlarge",
    vcpus: null,
    memoryGb: null,
    gpuModel: null,
    gpuCount: null,
    storageClass: null,
    replicationHint: null,
    cpuUtilization: null,
    residency: null,
    quantity: 720,
    costAmount: 138.24,
    costedQuantity: 720,
    currency: "USD",
    activePeriods: 720,
    activeHours: 720,
    ...fields,
  };
}

function contextFor(
  workloads: WorkloadUsage[],
  options: { constraints?: RecommendationConstraints; firstSeen?: Map<string, Date> } = {},
): RuleContext {
  return {
    basisMonth: "2025-06-01",
    basisStart,
    basisEnd,
    monthScale: 1,
    estimator,
    pack,
    constraints: options.constraints ?? noConstraints,
    prices: new PriceBook(pack, workloads),
    firstSeen: options.firstSeen ?? new Map(),
    minSavedKgPerMonth: 0.01,
  };
}

/** The estimator on one record, independently of the rules' helpers. */
const estimateOf = (record: Partial<UsageRecord>) =>
  estimator.estimate({
    provider: "aws",
    accountId: account,
    periodStart: basisStart.toISOString(),
    periodHours: 1,
    service: "AmazonEC2",
    region: "us-east-1",
    kind: "compute",
    quantity: 720,
    unit: "instance-hours",
    usageType: "USE1-BoxUsage:m5.xlarge",
    instanceType: "m5.xlarge",
    ...record,
  } as UsageRecord);

describe("region moves", () => {
  it("proposes the cleanest region of the provider with the CO2e of the same usage re-estimated there", () => {
    const workload = usage({});
    const [finding] = regionMoveFindings(contextFor([workload]), [workload]).filter(
      (f) => f.ruleId === regionMoveSameProvider,
    );
    expect(finding).toBeDefined();
    const target = (finding!.details.to as { region: string }).region;
    const here = estimateOf({});
    const there = estimateOf({ region: target });
    expect(finding!.co2eLocationSavedKgPerMonth).toBeCloseTo(
      here.co2eLocationKg - there.co2eLocationKg,
      5,
    );
    expect(finding!.co2eMarketSavedKgPerMonth).toBeCloseTo(
      here.co2eMarketKg - there.co2eMarketKg,
      5,
    );
    expect(finding!.waterSavedLPerMonth).toBeCloseTo(here.waterL - there.waterL, 5);
    // No other allowed AWS region is cleaner (location-based).
    for (const other of ["eu-west-1", "us-west-2", "ca-central-1", "eu-north-1", "sa-east-1"])
      expect(estimateOf({ region: other }).co2eLocationKg).toBeGreaterThanOrEqual(
        there.co2eLocationKg,
      );
    // The bill has no price for m5.xlarge in the target: no cost delta, and it says why.
    expect(finding!.costDeltaAmountPerMonth).toBeNull();
    expect(finding!.costNote).toBe(`no price for m5.xlarge in region ${target}`);
    expect(finding!.confidence).toBe("low");
  });

  it("takes the cost delta from the tenant's own unit prices when the bill has the target region", () => {
    const here = usage({});
    const sweden = usage({
      region: "eu-north-1",
      usageType: "EUN1-BoxUsage:m5.xlarge",
      quantity: 10,
      costAmount: 1.83,
      costedQuantity: 10,
    });
    const findings = regionMoveFindings(contextFor([here, sweden]), [here]);
    const move = findings.find((f) => f.ruleId === regionMoveSameProvider)!;
    expect((move.details.to as { region: string }).region).toBe("eu-north-1");
    expect(move.costDeltaAmountPerMonth).toBeCloseTo(720 * (0.183 - 0.192), 4);
    expect(move.costCurrency).toBe("USD");
    expect(move.confidence).toBe("medium");
  });

  it("honours allowed continents, jurisdictions and the data-residency tag", () => {
    const workload = usage({ region: "eu-central-1", usageType: "EUC1-BoxUsage:m5.xlarge" });
    const inNorthAmerica = regionMoveFindings(
      contextFor([workload], { constraints: { ...noConstraints, allowedContinents: ["NA"] } }),
      [workload],
    );
    expect(inNorthAmerica.length).toBeGreaterThan(0);
    for (const f of inNorthAmerica)
      expect((f.details.to as { continent: string }).continent).toBe("NA");
    const inEu = regionMoveFindings(
      contextFor([workload], { constraints: { ...noConstraints, allowedJurisdictions: ["EU"] } }),
      [workload],
    );
    expect(inEu.length).toBeGreaterThan(0);
    for (const f of inEu)
      expect(["SE", "FI", "FR", "DE", "IE", "ES", "IT", "NL", "PL", "AT", "BE", "DK"]).toContain(
        (f.details.to as { country: string }).country,
      );
    // Tagged "DE": Frankfurt is AWS's only German region, and no other provider's German region is cleaner enough.
    const pinnedToDe = usage({
      region: "eu-central-1",
      usageType: "EUC1-BoxUsage:m5.xlarge",
      residency: "DE",
    });
    for (const f of regionMoveFindings(contextFor([pinnedToDe]), [pinnedToDe]))
      expect((f.details.to as { country: string }).country).toBe("DE");
    const pinnedToSe = usage({
      region: "eu-central-1",
      usageType: "EUC1-BoxUsage:m5.xlarge",
      residency: "SE",
    });
    const toSweden = regionMoveFindings(contextFor([pinnedToSe]), [pinnedToSe]);
    expect(toSweden.length).toBeGreaterThan(0);
    for (const f of toSweden) expect((f.details.to as { country: string }).country).toBe("SE");
    const pinned = usage({ residency: "strict" });
    expect(regionMoveFindings(contextFor([pinned]), [pinned])).toEqual([]);
  });

  it("moves VMs across providers onto a general-purpose type of the same size", () => {
    const workload = usage({});
    const cross = regionMoveFindings(contextFor([workload]), [workload]).find(
      (f) => f.ruleId === regionMoveCrossProvider,
    )!;
    const to = cross.details.to as {
      provider: "azure" | "gcp";
      region: string;
      instanceType: string;
    };
    expect(to.provider).not.toBe("aws");
    const row = pack.instances[to.provider].get(
      to.instanceType
        .toLowerCase()
        .replace(/^standard_/, "")
        .replace(/_/g, " "),
    );
    expect(row?.vcpus).toBe(4);
    const there = estimator.estimate({
      provider: to.provider,
      accountId: account,
      periodStart: basisStart.toISOString(),
      periodHours: 1,
      service: to.provider === "azure" ? "Virtual Machines" : "Compute Engine",
      region: to.region,
      kind: "compute",
      quantity: 720,
      unit: "instance-hours",
      usageType: "",
      instanceType: to.instanceType,
    });
    expect(cross.co2eLocationSavedKgPerMonth).toBeCloseTo(
      estimateOf({}).co2eLocationKg - there.co2eLocationKg,
      5,
    );
    expect(
      counterpartInstance(pack, "gcp", { vcpus: 4, memoryGb: 16, maxWattsPerVcpu: 4 }),
    ).toMatch(/standard-4$/);
  });

  it("proposes nothing for network usage or a region already the cleanest", () => {
    const network = usage({
      kind: "network",
      unit: "gb",
      usageType: "USE1-DataTransfer-Out-Bytes",
      instanceType: "",
    });
    expect(regionMoveFindings(contextFor([network]), [network])).toEqual([]);
    const clean = usage({ region: "eu-north-1", usageType: "EUN1-BoxUsage:m5.xlarge" });
    expect(
      regionMoveFindings(contextFor([clean]), [clean]).filter(
        (f) => f.ruleId === regionMoveSameProvider,
      ),
    ).toEqual([]);
  });
});

describe("older instance generations", () => {
  it("maps older families to current-generation and Arm successors the pack knows", () => {
    expect(successorsOf(pack, "aws", "m5.xlarge").map((s) => s.key)).toEqual([
      "m7i.xlarge",
      "m7g.xlarge",
    ]);
    expect(successorsOf(pack, "aws", "t2.micro").map((s) => s.key)).toEqual([
      "t3.micro",
      "t4g.micro",
    ]);
    expect(successorsOf(pack, "aws", "m7g.xlarge")).toEqual([]);
    expect(successorsOf(pack, "azure", "ds2 v2").map((s) => s.key)).toEqual(["d2s v5", "d2ps v5"]);
    expect(successorsOf(pack, "gcp", "n1-standard-4").map((s) => s.key)).toEqual(["n4-standard-4"]);
  });

  it("re-estimates the usage on the successor and reports the W/vCPU difference", () => {
    const workload = usage({
      service: "AmazonRDS",
      instanceType: "db.m5.xlarge",
      usageType: "USE1-InstanceUsage:db.m5.xlarge",
    });
    const [finding] = previousGenerationFindings(contextFor([workload]), [workload]);
    expect(finding).toBeDefined();
    const options = finding!.details.options as {
      instanceType: string;
      co2eLocationSavedKgPerMonth: number;
    }[];
    expect(options.map((o) => o.instanceType).sort()).toEqual(["db.m7g.xlarge", "db.m7i.xlarge"]);
    const best = options.reduce((a, b) =>
      a.co2eLocationSavedKgPerMonth > b.co2eLocationSavedKgPerMonth ? a : b,
    );
    expect(finding!.action).toContain(best.instanceType);
    const here = estimateOf({ service: "AmazonRDS", instanceType: "db.m5.xlarge" });
    const there = estimateOf({ service: "AmazonRDS", instanceType: best.instanceType });
    expect(finding!.co2eLocationSavedKgPerMonth).toBeCloseTo(
      here.co2eLocationKg - there.co2eLocationKg,
      5,
    );
    const watts = finding!.details.wattsPerVcpu as {
      from: { maxWattsPerVcpu: number };
      to: { maxWattsPerVcpu: number };
    };
    expect(watts.from).toEqual(wattsPerVcpuOf(pack, "aws", "m5.xlarge"));
    expect(watts.to.maxWattsPerVcpu).toBeLessThan(watts.from.maxWattsPerVcpu);
  });
});

describe("storage", () => {
  const volume = usage({
    kind: "storage",
    unit: "gb-hours",
    usageType: "USW2-EBS:VolumeUsage.gp3",
    instanceType: "",
    region: "us-west-2",
    storageClass: "ssd",
    quantity: 72_000,
    costAmount: 8,
    costedQuantity: 72_000,
  });

  it("flags block volumes in a region where no VM of the account ran", () => {
    const elsewhere = usage({});
    const [finding] = unattachedVolumeFindings(contextFor([volume, elsewhere]), [
      volume,
      elsewhere,
    ]);
    const e = estimator.estimate({
      provider: "aws",
      accountId: account,
      periodStart: basisStart.toISOString(),
      periodHours: 1,
      service: "AmazonEC2",
      region: "us-west-2",
      kind: "storage",
      quantity: 72_000,
      unit: "gb-hours",
      usageType: "USW2-EBS:VolumeUsage.gp3",
      storageClass: "ssd",
    });
    expect(finding!.co2eLocationSavedKgPerMonth).toBeCloseTo(e.co2eLocationKg, 5);
    expect(finding!.costDeltaAmountPerMonth).toBeCloseTo(-8, 4);
    const vm = usage({ region: "us-west-2", usageType: "USW2-BoxUsage:m5.xlarge" });
    expect(unattachedVolumeFindings(contextFor([volume, vm]), [volume, vm])).toEqual([]);
  });

  it("flags snapshot storage billed for more than 90 days, as an upper bound", () => {
    const snapshot = usage({ ...volume, usageType: "USW2-EBS:SnapshotUsage" });
    const key = [account, "AmazonEC2", "us-west-2", "USW2-EBS:SnapshotUsage"].join("|");
    const old = contextFor([snapshot], {
      firstSeen: new Map([[key, new Date("2025-02-01T00:00:00Z")]]),
    });
    const [finding] = oldSnapshotFindings(old, [snapshot]);
    expect(finding!.details).toMatchObject({ ageDays: 150, upperBound: true });
    expect(finding!.confidence).toBe("low");
    const recent = contextFor([snapshot], {
      firstSeen: new Map([[key, new Date("2025-06-10T00:00:00Z")]]),
    });
    expect(oldSnapshotFindings(recent, [snapshot])).toEqual([]);
    // Snapshots are not unattached volumes.
    expect(unattachedVolumeFindings(old, [snapshot])).toEqual([]);
  });

  it("proposes a colder class the tenant already pays for, with its own unit price", () => {
    const hot = usage({
      service: "AmazonS3",
      kind: "storage",
      unit: "tb-hours",
      usageType: "USW2-TimedStorage-ByteHrs",
      instanceType: "",
      region: "us-west-2",
      storageClass: "hdd",
      quantity: 720,
      costAmount: 16.56,
      costedQuantity: 720,
    });
    const glacier = usage({
      ...hot,
      usageType: "USW2-TimedStorage-GlacierByteHrs",
      quantity: 100,
      costAmount: 0.5,
      costedQuantity: 100,
    });
    const key = [account, "AmazonS3", "us-west-2", "USW2-TimedStorage-ByteHrs"].join("|");
    const context = contextFor([hot, glacier], {
      firstSeen: new Map([[key, new Date("2025-01-01T00:00:00Z")]]),
    });
    const [finding] = storageLifecycleFindings(context, [hot, glacier]);
    expect(finding!.details.targetClass).toBe("S3 Glacier Flexible Retrieval");
    expect(finding!.costDeltaAmountPerMonth).toBeCloseTo(720 * (0.005 - 0.023), 4);
    expect(colderClassesOf("azure", "Storage", "Hot LRS Data Stored")[0]!.usageType).toBe(
      "Cool LRS Data Stored",
    );
    expect(
      colderClassesOf("gcp", "Cloud Storage", "Standard Storage US Multi-region")[0]!.usageType,
    ).toBe("Nearline Storage US Multi-region");
    // Younger than the colder classes' 30-day minimum: nothing.
    const young = contextFor([hot], {
      firstSeen: new Map([[key, new Date("2025-06-20T00:00:00Z")]]),
    });
    expect(storageLifecycleFindings(young, [hot])).toEqual([]);
  });
});

describe("time shifting", () => {
  const hourMs = 3_600_000;
  // A batch job: 2 vCPU-hours at 12:00–17:59 UTC on the first 10 days of June (60 of 720 hours).
  const batch = usage({
    unit: "vcpu-hours",
    usageType: "USE1-SpotUsage:m5.large",
    instanceType: "m5.large",
    quantity: 120,
    activePeriods: 60,
    activeHours: 60,
  });
  const key = [account, "AmazonEC2", "us-east-1", "USE1-SpotUsage:m5.large", "m5.large"].join("|");
  const quantities = new Map<number, number>();
  const grid = new Map<number, number>();
  for (let d = 0; d < 30; d++)
    for (let h = 0; h < 24; h++) {
      const ms = basisStart.getTime() + (d * 24 + h) * hourMs;
      grid.set(ms, h >= 10 && h <= 20 ? 500 : 200 + h);
      if (d < 10 && h >= 12 && h < 18) quantities.set(ms, 2);
    }

  it("moves each day's runs to its cleanest hours and saves Σ kWh × (g_actual − g_best)", () => {
    const zone = regionGeography("aws", "us-east-1")!.gridZone;
    const [finding] = timeShiftingFindings(contextFor([batch]), [batch], {
      quantities: new Map([[key, quantities]]),
      intensities: new Map([[zone, grid]]),
    });
    const kwhPerVcpuHour = estimateOf({
      unit: "vcpu-hours",
      quantity: 1,
      instanceType: "m5.large",
      usageType: "USE1-SpotUsage:m5.large",
    }).kwhFacility;
    // Actual: 6 h at 500; best: hours 0–5 at 200–205 → Σ (500 − (200 + h)), h = 0..5, per day.
    const perDayKg = (2 * kwhPerVcpuHour * (6 * 500 - (6 * 200 + 15))) / 1000;
    expect(finding!.co2eLocationSavedKgPerMonth).toBeCloseTo(10 * perDayKg, 5);
    expect(finding!.details.cleanestHoursUtc).toEqual([0, 1, 2, 3, 4, 5]);
    expect(finding!.co2eMarketSavedKgPerMonth).toBe(0);
  });

  it("is not shown without hourly grid data or for always-on usage", () => {
    expect(
      timeShiftingFindings(contextFor([batch]), [batch], {
        quantities: new Map([[key, quantities]]),
        intensities: new Map(),
      }),
    ).toEqual([]);
    const alwaysOn = { ...batch, activePeriods: 720, activeHours: 720 };
    const zone = regionGeography("aws", "us-east-1")!.gridZone;
    expect(
      timeShiftingFindings(contextFor([alwaysOn]), [alwaysOn], {
        quantities: new Map([[key, quantities]]),
        intensities: new Map([[zone, grid]]),
      }),
    ).toEqual([]);
  });
});

describe("basis period", () => {
  it("uses the last complete month and scales a partial one to an average month", () => {
    const full = basisPeriod({
      firstHour: new Date("2025-01-01T00:00:00Z"),
      endHour: new Date("2025-06-15T00:00:00Z"),
    });
    expect(full.start.toISOString()).toBe("2025-05-01T00:00:00.000Z");
    expect(full.monthScale).toBeCloseTo(730.5 / 744, 9);
    const partial = basisPeriod({
      firstHour: new Date("2025-06-10T00:00:00Z"),
      endHour: new Date("2025-06-20T00:00:00Z"),
    });
    expect(partial.start.toISOString()).toBe("2025-06-01T00:00:00.000Z");
    expect(partial.monthScale).toBeCloseTo(730.5 / 240, 9);
    expect(regionGeography("aws", "us-east-1")?.country).toBe("US");
  });
});
