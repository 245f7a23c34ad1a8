import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { ConnectorError, withBackoff } from "../live/errors";
import type { ReportedCarbon } from "../live/types";
import { awsConnectorError, awsRetryAfterMs, isExpiredTokenError } from "./aws-errors";
import type { AwsClients } from "./clients";

/**
 * The AWS Sustainability API, `GetEstimatedCarbonEmissions`: REST-JSON, `POST
 * /v1/estimated-carbon-emissions`, SigV4 with the signing name `sustainability`
 * (https://docs.aws.amazon.com/sustainability/latest/APIReference/API_GetEstimatedCarbonEmissions.html).
 * Not on this npm registry as an SDK client (`@aws-sdk/client-sustainability` is absent), so the
 * request is signed with `@smithy/signature-v4`, the signer the SDK clients use, and sent with fetch.
 * Values are MTCO2e; the API answers only the latest model version per month (the CARBON_EMISSIONS
 * export keeps the history).
 */
export const sustainabilityEmissionsTypes = [
  "TOTAL_LBM_CARBON_EMISSIONS",
  "TOTAL_MBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_1_CARBON_EMISSIONS",
  "TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS",
  "TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS",
] as const;
export type SustainabilityEmissionsType = (typeof sustainabilityEmissionsTypes)[number];

/**
 * How each emissions type is stored. Scope 3 has one slot in `ReportedCarbon` (`scope3`): the
 * location-based figure goes there, as for the totals' default basis; `TOTAL_SCOPE_3_MBM` is not stored.
 */
const scopeOf: Partial<Record<SustainabilityEmissionsType, ReportedCarbon["scope"]>> = {
  TOTAL_LBM_CARBON_EMISSIONS: "total",
  TOTAL_MBM_CARBON_EMISSIONS: "total-market",
  TOTAL_SCOPE_1_CARBON_EMISSIONS: "scope1",
  TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS: "scope2-location",
  TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS: "scope2-market",
  TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS: "scope3",
};

const ACTION = "sustainability:GetEstimatedCarbonEmissions";
export const SUSTAINABILITY_SOURCE = "aws-sustainability-api";

/** node:crypto behind the `Checksum` interface the signer expects (SHA-256, HMAC when given a key). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac("sha256", bytesOf(secret)) : createHash("sha256");
  }
  update(data: SourceData) {
    this.hash.update(bytesOf(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset() {
    throw new Error("not supported");
  }
}

type EstimatedCarbonEmissions = {
  TimePeriod?: { Start?: string; End?: string };
  DimensionsValues?: Partial<Record<"USAGE_ACCOUNT_ID" | "REGION" | "SERVICE", string>>;
  ModelVersion?: string;
  EmissionsValues?: Partial<Record<SustainabilityEmissionsType, { Value?: number; Unit?: string }>>;
};

/** A REST-JSON error answer: `x-amzn-ErrorType` (`Name:…`) and `{ message }`. */
async function errorOf(
  response: Response,
): Promise<Error & { $metadata: { httpStatusCode: number } }> {
  const text = await response.text();
  let body: { message?: string; Message?: string; __type?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { message: text };
  }
  const type = (response.headers.get("x-amzn-errortype") ?? body.__type ?? "UnknownError").split(
    ":",
  )[0]!;
  const error = new Error(body.message ?? body.Message ?? `HTTP ${response.status}`) as Error & {
    $metadata: { httpStatusCode: number };
  };
  error.name = type.includes("#") ? type.slice(type.indexOf("#") + 1) : type;
  error.$metadata = { httpStatusCode: response.status };
  return error;
}

/**
 * The month's estimated emissions per account × region × service, every emissions type, in kg CO2e
 * (MTCO2e × 1000). One request per page (`NextToken`); throttles and 5xx are retried by our backoff,
 * an expired session is renewed once.
 */
export async function sustainabilityCarbon(
  clients: AwsClients,
  month: string,
): Promise<ReportedCarbon[]> {
  const config = clients.config;
  const region = config.sustainabilityRegion ?? "us-east-1";
  const endpoint = new URL(
    config.endpoints?.sustainability ?? `https://sustainability.${region}.amazonaws.com`,
  );
  const start = new Date(`${month}T00:00:00.000Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const out: ReportedCarbon[] = [];
  let token: string | undefined;
  do {
    const body = JSON.stringify({
      TimePeriod: { Start: start.toISOString(), End: end.toISOString() },
      GroupBy: ["USAGE_ACCOUNT_ID", "REGION", "SERVICE"],
      EmissionsTypes: sustainabilityEmissionsTypes,
      Granularity: "MONTHLY",
      ...(token ? { NextToken: token } : {}),
    });
    const send = async () => {
      const signer = new SignatureV4({
        service: "sustainability",
        region,
        sha256: Sha256,
        credentials: () => clients.credentials(),
      });
      const signed = await signer.sign({
        method: "POST",
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
        path: "/v1/estimated-carbon-emissions",
        query: {},
        headers: { host: endpoint.host, "content-type": "application/json" },
        body,
      });
      clients.calls[ACTION] = (clients.calls[ACTION] ?? 0) + 1;
      const response = await fetch(new URL("/v1/estimated-carbon-emissions", endpoint), {
        method: "POST",
        headers: signed.headers as Record<string, string>,
        body,
      });
      if (!response.ok) throw await errorOf(response);
      return (await response.json()) as {
        Results?: EstimatedCarbonEmissions[];
        NextToken?: string;
      };
    };
    let page;
    try {
      page = await withBackoff(send, awsRetryAfterMs, config.backoff);
    } catch (error) {
      if (!isExpiredTokenError(error)) throw awsConnectorError(error, ACTION);
      await clients.renewSession();
      try {
        page = await withBackoff(send, awsRetryAfterMs, config.backoff);
      } catch (again) {
        throw awsConnectorError(again, ACTION);
      }
    }
    for (const result of page.Results ?? []) {
      const dims = result.DimensionsValues ?? {};
      for (const [type, emissions] of Object.entries(result.EmissionsValues ?? {})) {
        const scope = scopeOf[type as SustainabilityEmissionsType];
        if (!scope || typeof emissions?.Value !== "number") continue;
        if (emissions.Unit && emissions.Unit !== "MTCO2e")
          throw new ConnectorError(
            "query",
            `The Sustainability API answered ${type} in ${emissions.Unit}; only MTCO2e is documented`,
          );
        out.push({
          provider: "aws",
          providerAccountId: dims.USAGE_ACCOUNT_ID ?? "",
          month,
          service: dims.SERVICE ?? "",
          region: dims.REGION ?? "",
          scope,
          co2eKg: emissions.Value * 1000,
          source: SUSTAINABILITY_SOURCE,
          ...(result.ModelVersion ? { modelVersion: result.ModelVersion } : {}),
        });
      }
    }
    token = page.NextToken || undefined;
  } while (token);
  return out;
}
