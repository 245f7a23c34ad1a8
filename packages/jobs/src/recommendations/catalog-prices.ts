import type { GcpCatalogPriceRow } from "@canopy/db";
import { canonicalRegion, type DataPack, type PackProvider as Provider } from "@canopy/methodology";
import type { UnitPrice } from "./workload";

/** Bytes per GiB over bytes per TB (decimal): usage_hourly's storage is in TB-hours, Google prices GiB-months. */
const TB_PER_GIB = 2 ** 30 / 1e12;

/** Hours of the calendar month that `at` is in (GiB-months are prorated over the month's hours). */
function hoursInMonthOf(at: Date): number {
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const end = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return (end - start) / 3_600_000;
}

/** "N2 Instance Ram running in Belgium" → n2; "N1 Predefined Instance Core running in Americas" → n1; "N2D AMD Instance Core …" → n2d. */
const familySku = /^([A-Z][A-Z0-9]*)(?: Predefined| AMD| Arm)? Instance (Core|Ram) running in /;

/**
 * GCP's public on-demand prices from the Cloud Catalog (gcp_catalog_prices), for the items the
 * tenant's own bill does not price (docs/methodology.md §20.1): vCPU-hours of a machine family
 * (`instance:n4-standard-4`, or a "<family> Instance Core" SKU) at its core price, GiB-hours of a
 * machine type or a "<family> Instance Ram" SKU at its RAM price, and TB-hours of "Storage PD Capacity" at the
 * standard PD price per GiB-month ÷ the basis month's hours ÷ TB per GiB. Nothing else is priced:
 * shared-core types (billed per instance), GPUs, licences and other SKUs stay unpriced.
 */
export class GcpCatalogPriceBook {
  private readonly prices = new Map<string, GcpCatalogPriceRow>();

  constructor(
    private readonly pack: DataPack,
    rows: readonly GcpCatalogPriceRow[],
    private readonly basisStart: Date,
  ) {
    for (const row of rows) {
      const key = this.key(row.component, row.machineFamily, row.region, row.currencyCode);
      const held = this.prices.get(key);
      if (!held || held.effectiveTime < row.effectiveTime) this.prices.set(key, row);
    }
  }

  private key(component: string, family: string | null, region: string, currency: string) {
    return [component, family ?? "", canonicalRegion(this.pack, "gcp", region), currency].join("|");
  }

  private price(
    component: GcpCatalogPriceRow["component"],
    family: string | null,
    region: string,
    currency: string,
    usageUnit: string,
    perUnit: (unitPrice: number) => number,
  ): UnitPrice | undefined {
    const row = this.prices.get(this.key(component, family, region, currency));
    if (!row || row.usageUnit !== usageUnit) return undefined;
    return {
      amountPerUnit: perUnit(row.unitPrice),
      currency,
      source: {
        kind: "gcp-cloud-catalog",
        effectiveDate: row.effectiveTime.toISOString().slice(0, 10),
        skuId: row.skuId,
      },
    };
  }

  get(
    provider: Provider,
    item: string,
    region: string,
    unit: string,
    currency: string,
  ): UnitPrice | undefined {
    if (provider !== "gcp") return undefined;
    const same = (p: number) => p;
    if (item.startsWith("instance:")) {
      // A machine type's vCPU-hours at its family's core price; its memory's GiB-hours (a region
      // move of the RAM line names the target by machine type) at the family's RAM price.
      const family = item.slice("instance:".length).split("-")[0] ?? "";
      if (unit === "vcpu-hours") return this.price("core", family, region, currency, "h", same);
      if (unit === "gb-hours") return this.price("ram", family, region, currency, "GiBy.h", same);
      return undefined;
    }
    if (!item.startsWith("usage:")) return undefined;
    const sku = item.slice(item.indexOf(":", "usage:".length) + 1);
    const machine = familySku.exec(sku);
    if (machine && unit === (machine[2] === "Core" ? "vcpu-hours" : "gb-hours"))
      return this.price(
        machine[2] === "Core" ? "core" : "ram",
        machine[1]!.toLowerCase(),
        region,
        currency,
        machine[2] === "Core" ? "h" : "GiBy.h",
        same,
      );
    if (unit === "tb-hours" && /^Storage PD Capacity\b/.test(sku)) {
      const hours = hoursInMonthOf(this.basisStart);
      return this.price(
        "pd-standard",
        null,
        region,
        currency,
        "GiBy.mo",
        (perGibMonth) => perGibMonth / hours / TB_PER_GIB,
      );
    }
    return undefined;
  }
}
