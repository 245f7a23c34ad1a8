import type { PoolClient } from "pg";
import type { Connection } from "../client";

/** One stored Cloud Catalog price (gcp_catalog_prices). */
export type GcpCatalogPriceRow = {
  skuId: string;
  region: string;
  currencyCode: string;
  effectiveTime: Date;
  description: string;
  component: "core" | "ram" | "pd-standard";
  machineFamily: string | null;
  usageUnit: string;
  unitPrice: number;
};

/**
 * Stores Cloud Catalog prices (reference data, the owner connection), all or nothing. A price
 * version (SKU, region, currency, effective time) already stored keeps its price: Google does not
 * change a version once published, and a finding that cited it stays reproducible; `fetched_at`
 * records the latest read. Returns the rows written or refreshed.
 */
export async function writeGcpCatalogPrices(
  owner: Connection,
  prices: readonly GcpCatalogPriceRow[],
): Promise<number> {
  prices.forEach((p, index) => {
    if (!(p.unitPrice >= 0) || !Number.isFinite(p.unitPrice))
      throw new Error(`catalog price ${index + 1} (${p.skuId}): ${p.unitPrice} is not a price`);
    if (!Number.isFinite(p.effectiveTime.getTime()))
      throw new Error(`catalog price ${index + 1} (${p.skuId}): no effective time`);
    if (!/^[A-Z]{3}$/.test(p.currencyCode))
      throw new Error(`catalog price ${index + 1} (${p.skuId}): ${p.currencyCode} is not ISO 4217`);
  });
  if (prices.length === 0) return 0;
  const result = await owner.pool.query(
    `INSERT INTO gcp_catalog_prices (sku_id, region, currency_code, effective_time, description, component,
                                     machine_family, usage_unit, unit_price)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
                          $7::text[], $8::text[], $9::float8[])
     ON CONFLICT (sku_id, region, currency_code, effective_time) DO UPDATE SET fetched_at = now()`,
    [
      prices.map((p) => p.skuId),
      prices.map((p) => p.region),
      prices.map((p) => p.currencyCode),
      prices.map((p) => p.effectiveTime),
      prices.map((p) => p.description),
      prices.map((p) => p.component),
      prices.map((p) => p.machineFamily),
      prices.map((p) => p.usageUnit),
      prices.map((p) => p.unitPrice),
    ],
  );
  return result.rowCount ?? 0;
}

/** When the catalog was last read in a currency (null: never). */
export async function gcpCatalogPricesFetchedAt(
  owner: Connection,
  currencyCode: string,
): Promise<Date | null> {
  const { rows } = await owner.pool.query<{ at: Date | null }>(
    "SELECT max(fetched_at) AS at FROM gcp_catalog_prices WHERE currency_code = $1",
    [currencyCode],
  );
  return rows[0]?.at ?? null;
}

/**
 * The price in force at `at` of every (component, machine family, region) in the currencies: per
 * SKU and region the latest version effective at or before `at`. Read in a tenant's transaction
 * (the app role may read reference tables).
 */
export async function readGcpCatalogPrices(
  client: PoolClient,
  currencyCodes: readonly string[],
  at: Date,
): Promise<GcpCatalogPriceRow[]> {
  if (currencyCodes.length === 0) return [];
  const { rows } = await client.query<GcpCatalogPriceRow>(
    `SELECT DISTINCT ON (sku_id, region, currency_code)
            sku_id AS "skuId", region, currency_code AS "currencyCode", effective_time AS "effectiveTime",
            description, component, machine_family AS "machineFamily", usage_unit AS "usageUnit",
            unit_price AS "unitPrice"
     FROM gcp_catalog_prices
     WHERE currency_code = ANY($1::text[]) AND effective_time <= $2
     ORDER BY sku_id, region, currency_code, effective_time DESC`,
    [currencyCodes, at],
  );
  return rows;
}
