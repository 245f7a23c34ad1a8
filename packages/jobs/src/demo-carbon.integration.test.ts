import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, seedDemoOrganization } from "@canopy/db";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { readCarbonExport } from "@canopy/connectors";
import { attemptContext, type JobDeps } from "./contract";
import { demoCarbonExports, seedDemoProviderCarbon } from "./demo-carbon";
import { estimateWindow } from "./jobs/estimate-window";
import { rollupDays } from "./jobs/rollup-days";
import { reconcileProviderEmissions } from "./reconciliation";

describe("demo provider-reported carbon (export files through the importer)", () => {
  let database: TestDatabase;
  let tenantId: string;
  let deps: JobDeps;
  const now = new Date("2026-11-23T15:30:00Z");
  const queued: { name: string; payload: unknown }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (await seedDemoOrganization(database.owner, now)).tenantId;
    deps = {
      owner: database.owner,
      app: database.app,
      keyring: createKeyring(Buffer.alloc(32, 3).toString("base64")),
      log: () => undefined,
      enqueue: async (name, payload) => {
        queued.push({ name, payload });
        return randomUUID();
      },
    };
  });
  afterAll(async () => database?.drop());

  const accountOf = async (provider: string) =>
    (
      await database.owner.pool.query<{ id: string }>(
        "SELECT id FROM cloud_accounts WHERE tenant_id = $1 AND provider = $2",
        [tenantId, provider],
      )
    ).rows[0]!.id;

  it("writes an AWS CARBON_EMISSIONS and a GCP Carbon Footprint file of the published whole months, which the importer reads", async () => {
    const files = await demoCarbonExports(database.app, tenantId, now);
    const aws = readCarbonExport(files.aws, { provider: "aws" });
    const gcp = readCarbonExport(files.gcp, { provider: "gcp" });
    // The demo's usage starts 2025-10-23: November 2025 is the first whole month. October 2026 is
    // out by the 21st (AWS) and 15th (GCP) of November; November 2026 is not.
    const months = (figures: { month: string }[]) => [...new Set(figures.map((f) => f.month))];
    expect(months(aws.figures)[0]).toBe("2025-11-01");
    expect(months(aws.figures).at(-1)).toBe("2026-10-01");
    expect(months(aws.figures)).toHaveLength(12);
    expect(months(gcp.figures)).toEqual(months(aws.figures));
    expect(new Set(aws.figures.map((f) => f.providerAccountId))).toEqual(new Set(["123456789012"]));
    expect(new Set(gcp.figures.map((f) => f.providerAccountId))).toEqual(new Set(["demo-corp-ml"]));
    expect(new Set(aws.figures.map((f) => f.scope))).toEqual(new Set(["total", "total-market"]));
    expect(new Set(gcp.figures.map((f) => f.scope))).toEqual(
      new Set(["scope1", "scope2-location", "scope2-market", "scope3"]),
    );
    // The same files again: deterministic, not random per run.
    expect(await demoCarbonExports(database.app, tenantId, now)).toEqual(files);
  });

  it("imports them once through the import path; AWS's total is Canopy's own estimate of the month within the documented perturbation", async () => {
    const seeded = await seedDemoProviderCarbon(database.app, tenantId, now);
    if (seeded.skipped) throw new Error("expected the first seed to import");
    expect(seeded.aws.stored).toBeGreaterThan(12);
    expect(seeded.gcp.stored).toBeGreaterThan(12);
    expect(await seedDemoProviderCarbon(database.app, tenantId, now)).toEqual({ skipped: true });
    const { rows: sources } = await database.owner.pool.query<{ source: string }>(
      "SELECT DISTINCT source FROM provider_reported_emissions WHERE tenant_id = $1 ORDER BY 1",
      [tenantId],
    );
    expect(sources.map((s) => s.source)).toEqual([
      "aws-carbon-emissions-export-file",
      "gcp-carbon-footprint-export-file",
    ]);

    // Canopy's estimate of October 2026 by the real jobs (hourly rows), then the reconciliation.
    const window = { windowStart: "2026-10-01T00:00:00Z", windowEnd: "2026-11-01T00:00:00Z" };
    for (const provider of ["aws", "gcp"]) {
      const payload = { tenantId, cloudAccountId: await accountOf(provider), ...window };
      const context = attemptContext(estimateWindow.options, randomUUID());
      await estimateWindow.process(payload, deps, context);
      await rollupDays.process(payload, deps, context);
    }
    const rows = await reconcileProviderEmissions(database.app, tenantId, {
      from: "2026-10-01",
      to: "2026-11-01",
    });
    const aws = rows.find((r) => r.provider === "aws")!;
    const gcp = rows.find((r) => r.provider === "gcp")!;
    expect(aws.reported).not.toBeNull();
    expect(gcp.reported).not.toBeNull();
    // AWS total (LBM, v3.0.0: Scope 1 + 2 + 3) = (location + embodied) × (1.06 + 0.08u), u ∈ [-1, 1].
    const awsRatio = aws.reported!.co2eKg / aws.canopyComparableKg!;
    expect(awsRatio).toBeGreaterThanOrEqual(0.98 - 1e-6);
    expect(awsRatio).toBeLessThanOrEqual(1.14 + 1e-6);
    // GCP Scope 2 location-based = location × (0.97 + 0.06u).
    const location = gcp.comparisons.find((c) => c.basis === "location")!;
    expect(location.reportedKg / location.canopyKg).toBeGreaterThanOrEqual(0.91 - 1e-6);
    expect(location.reportedKg / location.canopyKg).toBeLessThanOrEqual(1.03 + 1e-6);
    expect(location.canopyKg).toBeGreaterThan(0);
  });
});
