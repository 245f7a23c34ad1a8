import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../live/errors";
import { createGcpCatalogReader, type GcpCatalogConfig } from "./catalog";
import { BIGQUERY_SCOPE, CLOUD_BILLING_READONLY_SCOPE, gcpServiceAccountKeySchema } from "./config";
import { fetchAccessToken } from "./token";
import { fakeComputeSkus } from "./testing/fake-gcp-catalog";
import { startFakeGcp, type FakeGcp } from "./testing/fake-gcp-server";

let fake: FakeGcp;
beforeAll(async () => {
  fake = await startFakeGcp();
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.issuedTokens.length = 0;
  fake.setCatalog({ skus: fakeComputeSkus(), now: new Date("2026-12-07T00:00:00Z") });
});

const key = () => gcpServiceAccountKeySchema.parse(JSON.parse(fake.serviceAccountKey()));
function config(overrides: Partial<GcpCatalogConfig> = {}): GcpCatalogConfig {
  return {
    key: key(),
    cloudBillingEndpoint: fake.url,
    backoff: { baseDelayMs: 5, retries: 1 },
    ...overrides,
  };
}
const skuPages = () => fake.requests.filter((r) => /^\/v1\/services\/[^/]+\/skus$/.test(r.path));

/** A raw REST call with a token of the given scope, for the rules the client never breaks. */
async function rest(path: string, scope = CLOUD_BILLING_READONLY_SCOPE) {
  const { token } = await fetchAccessToken(key(), scope);
  const response = await fetch(`${fake.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      error: { status: string; message: string };
      skus: unknown[];
      nextPageToken?: string;
    },
  };
}

describe("Cloud Catalog prices through @google-cloud/billing's CloudCatalogClient (fake Cloud Billing)", () => {
  it("finds Compute Engine with services.list and reads every page of its SKUs", async () => {
    const prices = await createGcpCatalogReader(config({ pageSize: 25 })).readComputePrices({
      currencyCode: "USD",
    });
    // services.list, then skus.list on Compute Engine's id, paged: 5 regions × 33 SKUs + 2 others = 167.
    expect(fake.requests[fake.requests.length - skuPages().length - 1]?.path).toBe("/v1/services");
    expect(new Set(skuPages().map((r) => r.path))).toEqual(
      new Set(["/v1/services/6F81-5844-456A/skus"]),
    );
    expect(skuPages()).toHaveLength(Math.ceil(167 / 25));
    expect(
      skuPages().every((r) => new URLSearchParams(r.query).get("currencyCode") === "USD"),
    ).toBe(true);
    expect(fake.issuedTokens.at(-1)?.scopes).toEqual([CLOUD_BILLING_READONLY_SCOPE]);
    // On-demand core + RAM of 8 families and standard PD, per region; spot, commitments, egress and
    // multi-region snapshots left out.
    expect(prices).toHaveLength(5 * (8 * 2 + 1));
    const n2 = prices.find(
      (p) => p.machineFamily === "n2" && p.component === "core" && p.region === "europe-west1",
    );
    expect(n2).toMatchObject({
      description: "N2 Instance Core running in Belgium",
      usageUnit: "h",
      currencyCode: "USD",
      effectiveTime: new Date("2026-11-01T08:00:00Z"),
    });
    expect(n2?.unitPrice).toBeCloseTo(0.031611 * 1.1, 6);
    expect(
      prices.find(
        (p) => p.machineFamily === "n2d" && p.component === "core" && p.region === "us-central1",
      )?.description,
    ).toBe("N2D AMD Instance Core running in Americas");
    const n1Ram = prices.find(
      (p) => p.machineFamily === "n1" && p.component === "ram" && p.region === "us-central1",
    );
    expect(n1Ram).toMatchObject({ usageUnit: "GiBy.h", unitPrice: 0.004237 });
    const pd = prices.find((p) => p.component === "pd-standard" && p.region === "asia-northeast1");
    expect(pd).toMatchObject({ usageUnit: "GiBy.mo", machineFamily: null });
    expect(pd?.unitPrice).toBeCloseTo(0.04 * 1.29, 6);
    expect(prices.some((p) => /Spot|Commitment|Egress/.test(p.description))).toBe(false);
  });

  it("reads dated prices in another currency: the versions in force during the range", async () => {
    const prices = await createGcpCatalogReader(config()).readComputePrices({
      currencyCode: "EUR",
      startTime: new Date("2026-06-01T07:00:00Z"),
      endTime: new Date("2026-06-02T07:00:00Z"),
    });
    const query = new URLSearchParams(skuPages()[0]?.query);
    expect(Date.parse(query.get("startTime") ?? "")).toBe(Date.parse("2026-06-01T07:00:00Z"));
    expect(Date.parse(query.get("endTime") ?? "")).toBe(Date.parse("2026-06-02T07:00:00Z"));
    const e2 = prices.find(
      (p) => p.machineFamily === "e2" && p.component === "core" && p.region === "us-central1",
    );
    // The January version (5 % lower), converted at the fixture's EUR rate.
    expect(e2).toMatchObject({
      currencyCode: "EUR",
      effectiveTime: new Date("2026-01-01T08:00:00Z"),
    });
    expect(e2?.unitPrice).toBeCloseTo(0.021811 * 0.95 * 0.92, 6);
  });

  it("a token without a Cloud Billing scope is refused: a permission error naming the scope", async () => {
    const error = await createGcpCatalogReader(config({ scope: BIGQUERY_SCOPE }))
      .readComputePrices({ currencyCode: "USD" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("permission");
    expect((error as ConnectorError).message).toMatch(/insufficient authentication scopes/);
    expect(skuPages()).toHaveLength(0);
  });

  it("the fake refuses what the Catalog API refuses", async () => {
    expect((await rest("/v1/services/6F81-5844-456A/skus", BIGQUERY_SCOPE)).status).toBe(403);
    const unknown = await rest("/v1/services/0000-0000-0000/skus");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.status).toBe("NOT_FOUND");
    expect((await rest("/v1/services?pageSize=-1")).status).toBe(400);
    expect((await rest("/v1/services/6F81-5844-456A/skus?pageToken=made-up")).status).toBe(400);
    // Larger pages are cut to the documented default of 5000, not refused.
    const big = await rest("/v1/services/6F81-5844-456A/skus?pageSize=100000");
    expect(big.status).toBe(200);
    expect(big.body.skus).toHaveLength(167);
    // Dated prices: both ends, not in the future, within one Los Angeles calendar month.
    const skus = "/v1/services/6F81-5844-456A/skus";
    expect((await rest(`${skus}?startTime=2026-06-01T07:00:00Z`)).status).toBe(400);
    expect(
      (await rest(`${skus}?startTime=2026-12-06T00:00:00Z&endTime=2026-12-08T00:00:00Z`)).status,
    ).toBe(400);
    const crossing = await rest(
      `${skus}?startTime=2026-05-31T12:00:00Z&endTime=2026-06-01T12:00:00Z`,
    );
    expect(crossing.status).toBe(400);
    expect(crossing.body.error.message).toMatch(/single calendar month in America\/Los_Angeles/);
    // 2026-06-01T06:00Z is still May 31 in Los Angeles: the same range an hour later is one month.
    expect(
      (await rest(`${skus}?startTime=2026-06-01T07:00:00Z&endTime=2026-06-30T12:00:00Z`)).status,
    ).toBe(200);
    expect((await rest(`${skus}?currencyCode=XYZ`)).status).toBe(400);
    // A page token belongs to the request it continues.
    const first = await rest(`${skus}?pageSize=10&currencyCode=USD`);
    const other = await rest(
      `${skus}?pageSize=10&currencyCode=EUR&pageToken=${first.body.nextPageToken}`,
    );
    expect(other.status).toBe(400);
  });

  it("an empty Compute Engine SKU list gives no prices, not an error", async () => {
    fake.setCatalog({ skus: [] });
    await expect(
      createGcpCatalogReader(config()).readComputePrices({ currencyCode: "USD" }),
    ).resolves.toEqual([]);
  });
});
