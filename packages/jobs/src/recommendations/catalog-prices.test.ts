import { describe, expect, it } from "vitest";
import type { GcpCatalogPriceRow } from "@canopy/db";
import { resolveDataPack } from "@canopy/methodology";
import { GcpCatalogPriceBook } from "./catalog-prices";
import { priceNoteOf } from "./workload";

const pack = resolveDataPack();
const row = (over: Partial<GcpCatalogPriceRow>): GcpCatalogPriceRow => ({
  skuId: "AAAA-BBBB-CCCC",
  region: "europe-west1",
  currencyCode: "EUR",
  effectiveTime: new Date("2026-11-01T08:00:00Z"),
  description: "N2 Instance Core running in Belgium",
  component: "core",
  machineFamily: "n2",
  usageUnit: "h",
  unitPrice: 0.0319,
  ...over,
});

describe("GcpCatalogPriceBook", () => {
  const book = new GcpCatalogPriceBook(
    pack,
    [
      row({}),
      row({
        skuId: "OLD0-BBBB-CCCC",
        effectiveTime: new Date("2026-01-01T08:00:00Z"),
        unitPrice: 0.03,
      }),
      row({
        skuId: "RAM0-BBBB-CCCC",
        component: "ram",
        usageUnit: "GiBy.h",
        unitPrice: 0.0043,
        description: "N2 Instance Ram running in Belgium",
      }),
      row({
        skuId: "PD00-BBBB-CCCC",
        component: "pd-standard",
        machineFamily: null,
        usageUnit: "GiBy.mo",
        unitPrice: 0.044,
        description: "Storage PD Capacity in Belgium",
      }),
    ],
    new Date("2026-11-01T00:00:00Z"),
  );

  it("prices a machine type's vCPU-hours and RAM at its family's latest core and RAM prices", () => {
    expect(book.get("gcp", "instance:n2-standard-8", "europe-west1", "vcpu-hours", "EUR")).toEqual({
      amountPerUnit: 0.0319,
      currency: "EUR",
      source: { kind: "gcp-cloud-catalog", effectiveDate: "2026-11-01", skuId: "AAAA-BBBB-CCCC" },
    });
    expect(
      book.get(
        "gcp",
        "usage:Compute Engine:N2 Instance Ram running in Americas",
        "europe-west1",
        "gb-hours",
        "EUR",
      )?.amountPerUnit,
    ).toBe(0.0043);
    expect(
      book.get("gcp", "instance:n2-standard-8", "europe-west1", "gb-hours", "EUR")?.amountPerUnit,
    ).toBe(0.0043);
    expect(
      new GcpCatalogPriceBook(
        pack,
        [row({ machineFamily: "n2d", description: "N2D AMD Instance Core running in Belgium" })],
        new Date("2026-11-01T00:00:00Z"),
      ).get(
        "gcp",
        "usage:Compute Engine:N2D AMD Instance Core running in Americas",
        "europe-west1",
        "vcpu-hours",
        "EUR",
      )?.amountPerUnit,
    ).toBe(0.0319);
  });

  it("converts standard PD per GiB-month to per TB-hour over the basis month's hours (November: 720 h)", () => {
    const price = book.get(
      "gcp",
      "usage:Compute Engine:Storage PD Capacity",
      "europe-west1",
      "tb-hours",
      "EUR",
    );
    expect(price?.amountPerUnit).toBeCloseTo(0.044 / 720 / (2 ** 30 / 1e12), 9);
  });

  it("prices nothing else: another currency, region, provider, unit or SKU", () => {
    expect(
      book.get("gcp", "instance:n2-standard-8", "europe-west1", "vcpu-hours", "USD"),
    ).toBeUndefined();
    expect(
      book.get("gcp", "instance:n2-standard-8", "us-central1", "vcpu-hours", "EUR"),
    ).toBeUndefined();
    expect(
      book.get("aws", "instance:n2-standard-8", "europe-west1", "vcpu-hours", "EUR"),
    ).toBeUndefined();
    expect(
      book.get("gcp", "instance:n2-standard-8", "europe-west1", "instance-hours", "EUR"),
    ).toBeUndefined();
    expect(
      book.get("gcp", "instance:c3-standard-8", "europe-west1", "vcpu-hours", "EUR"),
    ).toBeUndefined();
    expect(
      book.get(
        "gcp",
        "usage:Compute Engine:Network Internet Egress from EMEA to Americas",
        "europe-west1",
        "gb",
        "EUR",
      ),
    ).toBeUndefined();
  });

  it("a cost note names the list prices' effective dates beside the bill", () => {
    const catalog = { kind: "gcp-cloud-catalog" as const, effectiveDate: "2026-11-01", skuId: "X" };
    expect(priceNoteOf([{ kind: "bill" }])).toBe(
      "from your own unit prices (cost ÷ quantity) in the basis month",
    );
    expect(priceNoteOf([catalog, { ...catalog, effectiveDate: "2026-10-15" }])).toBe(
      "from GCP Cloud Catalog on-demand list prices effective 2026-10-15, 2026-11-01 (your bill has no unit price for these items)",
    );
  });
});
