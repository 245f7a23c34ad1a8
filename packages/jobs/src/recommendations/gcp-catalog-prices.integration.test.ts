import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFindings, withTenantClient, writeGcpCatalogPrices } from "@canopy/db";
import { createGcpCatalogReader, gcpServiceAccountKeySchema } from "@canopy/connectors/live";
import { startFakeGcp, type FakeGcp } from "@canopy/connectors/testing";
import { createImportHarness } from "../import/testing";
import { basisPeriod } from "./compute";

// Google's sample billing export (see /work/shared/reference/samples/README.md): E2 cores and RAM
// in us-central1 on two projects, priced by the bill; nothing priced in any other region.
const gcpSample = readFileSync("/work/shared/reference/samples/gcp/tmp_example.csv", "utf8");

describe("recommendations' GCP cost deltas: own prices, else Cloud Catalog prices", () => {
  let h: Awaited<ReturnType<typeof createImportHarness>>;
  let fake: FakeGcp;
  let tenantId: string;
  const regionMoves = () =>
    withTenantClient(h.database.app, tenantId, (client) =>
      listFindings(client, { ruleId: "region-move-same-provider" }),
    );
  const recompute = async () => {
    await h.driver.enqueue("compute-recommendations", { tenantId });
    await h.driver.drain();
  };

  beforeAll(async () => {
    h = await createImportHarness();
    fake = await startFakeGcp();
    tenantId = await h.newTenant();
    const run = await h.importText(tenantId, gcpSample, { fileName: "gcp_billing_export.csv" });
    expect(run.status).toBe("succeeded");
  }, 120_000);
  afterAll(async () => {
    await fake?.close();
    await h?.close();
  });

  it("without stored Catalog prices the move's cost delta is null, with the reason", async () => {
    await recompute();
    const moves = await regionMoves();
    expect(moves.length).toBeGreaterThan(0);
    for (const move of moves) {
      expect(move.costDeltaAmountPerMonth).toBeNull();
      expect(move.costNote).toMatch(/^no price for e2-medium in region europe-north2/);
      expect(move.confidence).toBe("low");
    }
  });

  it("with Catalog prices stored, the delta is own price → the target region's list price, dated", async () => {
    const reader = createGcpCatalogReader({
      key: gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey())),
      cloudBillingEndpoint: fake.url,
    });
    const prices = await reader.readComputePrices({ currencyCode: "USD" });
    expect(await writeGcpCatalogPrices(h.database.owner, prices)).toBe(prices.length);
    await recompute();

    // The basis month and, per account and line, the bill's own unit price (Σ cost ÷ Σ quantity).
    const pool = h.database.owner.pool;
    const { rows: span } = await pool.query<{ first: Date; end: Date }>(
      "SELECT min(hour) AS first, max(hour + make_interval(secs => period_hours * 3600)) AS end FROM usage_hourly WHERE tenant_id = $1",
      [tenantId],
    );
    const basis = basisPeriod({ firstHour: span[0]!.first, endHour: span[0]!.end });
    const { rows: lines } = await pool.query<{
      account: string;
      kind: string;
      quantity: number;
      cost: string;
      costedQuantity: number;
    }>(
      `SELECT cloud_account_id AS account, kind, sum(quantity) AS quantity, sum(cost_amount) AS cost,
              sum(quantity) FILTER (WHERE cost_amount IS NOT NULL) AS "costedQuantity"
       FROM usage_hourly WHERE tenant_id = $1 AND usage_type IN ('E2 Instance Core running in Americas', 'E2 Instance Ram running in Americas')
         AND hour >= $2 AND hour < $3
       GROUP BY 1, 2`,
      [tenantId, basis.start, basis.end],
    );
    const listPrice = (component: "core" | "ram") =>
      prices.find(
        (p) =>
          p.machineFamily === "e2" && p.component === component && p.region === "europe-north2",
      )!.unitPrice;

    const moves = await regionMoves();
    expect(moves.length).toBe(lines.length);
    for (const move of moves) {
      const resources = move.resources as { cloudAccountId: string; kind: string };
      const line = lines.find(
        (l) => l.account === resources.cloudAccountId && l.kind === resources.kind,
      )!;
      const own = Number(line.cost) / line.costedQuantity;
      const target = listPrice(resources.kind === "compute" ? "core" : "ram");
      expect(target).toBeGreaterThan(own);
      expect(move.costDeltaAmountPerMonth).toBeCloseTo(
        line.quantity * (target - own) * basis.monthScale,
        4,
      );
      expect(move.costCurrency).toBe("USD");
      expect(move.costNote).toBe(
        "from your own unit prices (cost ÷ quantity) in the basis month where your bill has them, else GCP Cloud Catalog on-demand list prices effective 2026-11-01",
      );
      const skuIds = prices
        .filter((p) => p.machineFamily === "e2" && p.region === "europe-north2")
        .map((p) => p.skuId);
      expect(move.details["priceSources"]).toEqual([
        { kind: "bill" },
        {
          kind: "gcp-cloud-catalog",
          effectiveDate: "2026-11-01",
          skuIds: [expect.toBeOneOf(skuIds)],
        },
      ]);
      // A list price does not show the type is offered to this account there: confidence stays low.
      expect(move.confidence).toBe("low");
      expect(move.confidenceReason).toMatch(/availability there is unconfirmed/);
    }
  });

  it("the tenant's own price wins over the Catalog's for the same item and region", async () => {
    // A Catalog price for us-central1 far from the bill's: the current side keeps the bill's price.
    const { rows } = await h.database.owner.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gcp_catalog_prices WHERE region = 'us-central1' AND machine_family = 'e2'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    await h.database.owner.pool.query(
      `INSERT INTO gcp_catalog_prices (sku_id, region, currency_code, effective_time, description, component,
                                       machine_family, usage_unit, unit_price)
       SELECT sku_id, region, currency_code, effective_time + interval '1 day', description, component,
              machine_family, usage_unit, unit_price * 100
       FROM gcp_catalog_prices WHERE region = 'us-central1' AND machine_family = 'e2'`,
    );
    const before = await regionMoves();
    await recompute();
    const after = await regionMoves();
    expect(after.map((m) => m.costDeltaAmountPerMonth)).toEqual(
      before.map((m) => m.costDeltaAmountPerMonth),
    );
  });
});
