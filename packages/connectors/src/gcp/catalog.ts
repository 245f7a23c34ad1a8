import { CloudCatalogClient } from "@google-cloud/billing";
import { OAuth2Client } from "google-auth-library";
import { ConnectorError, withBackoff, type BackoffOptions } from "../live/errors";
import { CLOUD_BILLING_READONLY_SCOPE, type GcpConnectorConfig } from "./config";
import { gcpConnectorError, gcpRetryAfterMs } from "./gcp-errors";
import { fetchAccessToken, fetchFederatedAccessToken } from "./token";

/**
 * Compute Engine's service id in the Cloud Catalog (services.list `serviceId`); the reader still
 * finds it by display name with services.list and uses this only to check what it found.
 * https://cloud.google.com/billing/docs/reference/rest/v1/services/list
 */
export const COMPUTE_ENGINE_SERVICE_ID = "6F81-5844-456A";

/** services.list and services.skus.list: "Requested page size. Defaults to 5000." (no documented maximum). */
export const CATALOG_PAGE_SIZE = 5000;

/** The same credential as the usage connector, plus the Cloud Billing root the catalog is served from. */
export type GcpCatalogConfig = Pick<
  GcpConnectorConfig,
  "key" | "externalAccount" | "subjectTokenSource" | "stsEndpoint" | "iamCredentialsEndpoint"
> & {
  /** Test override of https://cloudbilling.googleapis.com (scheme, host and port). */
  cloudBillingEndpoint?: string;
  backoff?: BackoffOptions;
  /** Page size of both list calls; default and Google's default 5000. */
  pageSize?: number;
  /** OAuth scope of the token; tests only. Default cloud-billing.readonly. */
  scope?: string;
};

/** Which part of a machine a SKU prices. */
export type GcpPriceComponent = "core" | "ram" | "pd-standard";

/** One public on-demand unit price of a Compute Engine SKU in one region. */
export type GcpCatalogPrice = {
  skuId: string;
  description: string;
  /** Lower-case machine family (`n2`, `e2`, `c4a`) for core and RAM SKUs; null for disks. */
  machineFamily: string | null;
  component: GcpPriceComponent;
  /** A single Compute Engine region (`europe-west1`): multi-region and global SKUs are left out. */
  region: string;
  /** pricingExpression.usageUnit as Google writes it: `h` (vCPU-hours), `GiBy.h`, `GiBy.mo`. */
  usageUnit: string;
  currencyCode: string;
  /** Price per usage unit: the last tier's unitPrice (units + nanos ÷ 10⁹), the marginal rate at scale. */
  unitPrice: number;
  /** pricingInfo.effectiveTime: when this price took effect. */
  effectiveTime: Date;
};

type Money = { units?: string | number | null; nanos?: number | null };
type Sku = {
  skuId?: string | null;
  description?: string | null;
  category?: {
    resourceFamily?: string | null;
    resourceGroup?: string | null;
    usageType?: string | null;
  } | null;
  serviceRegions?: string[] | null;
  pricingInfo?:
    | {
        effectiveTime?: { seconds?: string | number | null; nanos?: number | null } | null;
        pricingExpression?: {
          usageUnit?: string | null;
          tieredRates?: { startUsageAmount?: number | null; unitPrice?: Money | null }[] | null;
        } | null;
      }[]
    | null;
};

/** Money (`units` whole units as int64 text, `nanos` 10⁻⁹ units of the same sign) as a number. */
export function moneyOf(money: Money | null | undefined): number {
  return Number(money?.units ?? 0) + (money?.nanos ?? 0) / 1e9;
}

/** The machine families recommendations compare (region moves, newer generations, rightsizing). */
const machineFamilies = ["N1", "N2", "N2D", "N4", "E2", "C3", "C4", "C4A", "T2A", "T2D"];
const familyPattern = new RegExp(
  `^(${machineFamilies.join("|")})(?: Predefined| AMD| Arm)? Instance (Core|Ram) running in `,
);

/**
 * Which component and machine family a Compute Engine SKU prices, or null for a SKU recommendations
 * do not use. Google names core and RAM SKUs "<family> [Predefined |AMD |Arm ]Instance Core|Ram
 * running in <location>" (N1: "N1 Predefined Instance Core running in Americas", N2D: "N2D AMD
 * Instance Core running in Americas"; the vendor word is accepted for every family, since Google's
 * wording for the Arm families is not documented in one place) and standard persistent disks
 * "Storage PD Capacity" (resource group PDStandard). Only OnDemand usage: commitments, spot and
 * sole-tenancy premiums are other usage types or descriptions.
 */
export function componentOfSku(
  sku: Sku,
): { component: GcpPriceComponent; machineFamily: string | null } | null {
  if (sku.category?.usageType !== "OnDemand") return null;
  const description = sku.description ?? "";
  const machine = familyPattern.exec(description);
  if (machine && sku.category.resourceFamily === "Compute")
    return {
      component: machine[2] === "Core" ? "core" : "ram",
      machineFamily: machine[1]!.toLowerCase(),
    };
  if (
    sku.category.resourceFamily === "Storage" &&
    sku.category.resourceGroup === "PDStandard" &&
    /^Storage PD Capacity( in |$)/.test(description)
  )
    return { component: "pd-standard", machineFamily: null };
  return null;
}

/**
 * The catalog prices of one SKU: one per single region it is sold in, from the last entry of
 * `pricingInfo` ("a timeline of pricing info for this SKU in chronological order": the current
 * version, or the latest of a dated range).
 */
export function pricesOfSku(sku: Sku, currencyCode: string): GcpCatalogPrice[] {
  const kind = componentOfSku(sku);
  const info = sku.pricingInfo?.at(-1);
  const rates = info?.pricingExpression?.tieredRates ?? [];
  const last = [...rates]
    .sort((a, b) => (a.startUsageAmount ?? 0) - (b.startUsageAmount ?? 0))
    .at(-1);
  if (!kind || !info || !last?.unitPrice || !sku.skuId) return [];
  const seconds = Number(info.effectiveTime?.seconds ?? NaN);
  if (!Number.isFinite(seconds)) return [];
  const effectiveTime = new Date(
    seconds * 1000 + Math.floor((info.effectiveTime?.nanos ?? 0) / 1e6),
  );
  return (sku.serviceRegions ?? [])
    .filter((region) => /^[a-z]+-[a-z]+\d+$/.test(region))
    .map((region) => ({
      skuId: sku.skuId!,
      description: sku.description ?? "",
      ...kind,
      region,
      usageUnit: info.pricingExpression?.usageUnit ?? "",
      currencyCode,
      unitPrice: moneyOf(last.unitPrice),
      effectiveTime,
    }));
}

type CatalogAuthClient = NonNullable<
  NonNullable<ConstructorParameters<typeof CloudCatalogClient>[0]>["authClient"]
>;

/**
 * Compute Engine's public list prices from the Cloud Billing Catalog API through
 * `@google-cloud/billing`'s CloudCatalogClient (REST transport, as the Cloud Billing client):
 * services.list (paged) finds "Compute Engine", services.skus.list (paged by `nextPageToken`) reads
 * its SKUs in `currencyCode`, optionally the versions of a past range (`startTime`/`endTime`, within
 * one calendar month in America/Los_Angeles, not in the future). The token asks for
 * `cloud-billing.readonly` (skus.list's authorization scopes: cloud-billing, cloud-billing.readonly,
 * cloud-platform). Public prices only: no IAM role is needed, but the Cloud Billing API must be
 * enabled in the credential's project.
 * https://cloud.google.com/billing/docs/reference/rest/v1/services.skus/list,
 * https://cloud.google.com/billing/docs/reference/rest/v1/services/list,
 * https://cloud.google.com/billing/docs/how-to/get-pricing-information-api
 */
export function createGcpCatalogReader(config: GcpCatalogConfig) {
  const root = config.cloudBillingEndpoint ?? "https://cloudbilling.googleapis.com";
  const pageSize = config.pageSize ?? CATALOG_PAGE_SIZE;
  const call = <T>(action: string, run: () => Promise<T>) =>
    withBackoff(run, gcpRetryAfterMs, config.backoff).catch((error: unknown) => {
      throw gcpConnectorError(error, action, root);
    });

  const scope = config.scope ?? CLOUD_BILLING_READONLY_SCOPE;
  async function token() {
    if (config.externalAccount)
      return fetchFederatedAccessToken(config.externalAccount, config.subjectTokenSource, scope, {
        ...(config.stsEndpoint ? { sts: config.stsEndpoint } : {}),
        ...(config.iamCredentialsEndpoint ? { iamCredentials: config.iamCredentialsEndpoint } : {}),
      });
    if (!config.key)
      throw new ConnectorError(
        "credentials",
        "No GCP service account key or credential configuration",
      );
    return fetchAccessToken(config.key, scope);
  }

  async function catalogClient(): Promise<CloudCatalogClient> {
    const auth = new OAuth2Client({ eagerRefreshThresholdMillis: 5 * 60_000 });
    const fresh = async () => {
      const { token: value, expiresAt } = await call("OAuth token (Cloud Catalog)", token);
      return { access_token: value, expiry_date: expiresAt };
    };
    auth.setCredentials(await fresh());
    auth.refreshHandler = fresh;
    const endpoint = new URL(root);
    return new CloudCatalogClient({
      fallback: true,
      // google-gax pins its own google-auth-library: same interface, distinct class for TypeScript.
      authClient: auth as unknown as CatalogAuthClient,
      apiEndpoint: endpoint.hostname,
      protocol: endpoint.protocol.replace(":", ""),
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    });
  }

  /** services.list, every page, until "Compute Engine"; its `name` (`services/6F81-5844-456A`). */
  async function computeEngineService(catalog: CloudCatalogClient): Promise<string> {
    let pageToken: string | undefined;
    do {
      const next = pageToken;
      const [services, , response] = await call("cloudbilling.services.list", () =>
        catalog.listServices(
          { pageSize, ...(next ? { pageToken: next } : {}) },
          { autoPaginate: false, maxRetries: 0 },
        ),
      );
      const compute = services.find((s) => s.displayName === "Compute Engine");
      if (compute?.name) {
        if (compute.serviceId !== COMPUTE_ENGINE_SERVICE_ID)
          throw new ConnectorError(
            "query",
            `The Cloud Catalog names Compute Engine ${compute.serviceId}, not ${COMPUTE_ENGINE_SERVICE_ID}`,
          );
        return compute.name;
      }
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
    throw new ConnectorError("query", "The Cloud Catalog lists no Compute Engine service");
  }

  /**
   * Compute Engine's on-demand core, RAM (the families recommendations compare) and standard PD
   * prices per single region in `currencyCode` (ISO 4217; Google converts at the rate of the range's
   * start). Without a range, the current prices (Google: at most 12 hours old).
   */
  async function readComputePrices(options: {
    currencyCode: string;
    startTime?: Date;
    endTime?: Date;
  }): Promise<GcpCatalogPrice[]> {
    const catalog = await catalogClient();
    const timestamp = (at: Date) => ({ seconds: Math.floor(at.getTime() / 1000), nanos: 0 });
    try {
      const parent = await computeEngineService(catalog);
      const out: GcpCatalogPrice[] = [];
      let pageToken: string | undefined;
      do {
        const next = pageToken;
        const [skus, , response] = await call("cloudbilling.services.skus.list", () =>
          catalog.listSkus(
            {
              parent,
              currencyCode: options.currencyCode,
              pageSize,
              ...(options.startTime ? { startTime: timestamp(options.startTime) } : {}),
              ...(options.endTime ? { endTime: timestamp(options.endTime) } : {}),
              ...(next ? { pageToken: next } : {}),
            },
            { autoPaginate: false, maxRetries: 0 },
          ),
        );
        for (const sku of skus) out.push(...pricesOfSku(sku as Sku, options.currencyCode));
        pageToken = response?.nextPageToken || undefined;
      } while (pageToken);
      return out;
    } finally {
      await catalog.close();
    }
  }

  return { readComputePrices };
}

export type GcpCatalogReader = ReturnType<typeof createGcpCatalogReader>;
