import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for the Electricity Maps API v3 carbon-intensity endpoints (`/past-range`,
 * `/latest`), on 127.0.0.1. A contract server: it refuses what the real API refuses. Each rule and
 * its documentation is listed in packages/connectors/README.md ("Electricity Maps fake: contract
 * rules"). Values are served from `setHours`; the response shapes follow the API reference's
 * examples (https://app.electricitymaps.com/developer-hub/api/reference):
 * `{ zone, carbonIntensity, datetime, updatedAt, createdAt, emissionFactorType, isEstimated,
 * estimationMethod }` per hour, wrapped as `{ zone, data: [...] }` by past-range.
 */
export type FakeElectricityMapsHour = {
  zone: string;
  /** Start of the UTC hour, ISO. */
  datetime: string;
  direct: number | null;
  lifecycle: number | null;
  isEstimated?: boolean;
  estimationMethod?: string | null;
};

export type FakeElectricityMaps = {
  url: string;
  requests: { path: string; query: Record<string, string>; authToken: string | undefined }[];
  setHours(hours: FakeElectricityMapsHour[]): void;
  /** The next `times` requests answer 429 with this Retry-After (seconds; none when undefined). */
  throttleNext(times: number, retryAfterSeconds?: number): void;
  /** The next requests answer these statuses (502, 503… an outage). */
  failNext(...statuses: number[]): void;
  /** The token stops being valid (as after a key is replaced in the portal). */
  revokeToken(): void;
  /** Clears scripted throttles, failures and revocation (between tests). */
  reset(): void;
  close(): Promise<void>;
};

/** https://app.electricitymaps.com/developer-hub/api/reference (past-range): 10 days at hourly granularity. */
const maxRangeHours = 240;
const hourMs = 3_600_000;
/** ISO 8601 date-time with a designator (Z or ±hh:mm), as the reference's `datetime (ISO)` attributes take. */
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export async function startFakeElectricityMaps(options: {
  apiKey: string;
}): Promise<FakeElectricityMaps> {
  let hours: FakeElectricityMapsHour[] = [];
  let throttles = 0;
  let throttleRetryAfter: number | undefined;
  const failures: number[] = [];
  let tokenValid = true;
  const requests: FakeElectricityMaps["requests"] = [];

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };
  const badRequest = (res: ServerResponse, message: string) =>
    send(res, 400, { error: "Bad request", message });

  function valueOf(hour: FakeElectricityMapsHour, boundary: "direct" | "lifecycle") {
    return {
      zone: hour.zone,
      carbonIntensity: hour[boundary],
      datetime: new Date(hour.datetime).toISOString(),
      updatedAt: "2025-01-15T10:12:41.223Z",
      createdAt: "2024-12-30T08:01:02.771Z",
      emissionFactorType: boundary,
      isEstimated: hour.isEstimated ?? false,
      estimationMethod: hour.estimationMethod ?? null,
      temporalGranularity: "hourly",
    };
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const query = Object.fromEntries(url.searchParams);
    const header = req.headers["auth-token"];
    const authToken = Array.isArray(header) ? header[0] : header;
    requests.push({ path: url.pathname, query, authToken });

    // Rule: every carbon-intensity request carries `auth-token` (getting-started#authorization);
    // the two bodies are the help centre's "API authentication errors" article.
    if (!authToken)
      return send(res, 401, {
        error: "Invalid auth-token",
        message:
          "Please provide a valid authentication header. See https://portal.electricitymaps.com/docs/getting-started#authorization for details",
      });
    if (authToken !== options.apiKey || !tokenValid)
      return send(res, 401, {
        error: "Invalid auth-token",
        message:
          "The provided token is invalid. If this token used to work, please visit https://help.electricitymaps.com to get support",
      });
    if (throttles > 0) {
      throttles--;
      return send(
        res,
        429,
        { error: "Too Many Requests", message: "Rate limit exceeded" },
        throttleRetryAfter === undefined ? {} : { "retry-after": String(throttleRetryAfter) },
      );
    }
    const failure = failures.shift();
    if (failure !== undefined) return send(res, failure, { error: "Service unavailable" });

    const path = url.pathname;
    if (path !== "/v3/carbon-intensity/past-range" && path !== "/v3/carbon-intensity/latest")
      return send(res, 404, { error: "Not found", message: `Unknown route ${path}` });

    // Rule: emissionFactorType is "lifecycle" (default) or "direct" (reference, Emission factors).
    const boundary = query.emissionFactorType ?? "lifecycle";
    if (boundary !== "direct" && boundary !== "lifecycle")
      return badRequest(res, `emissionFactorType must be "direct" or "lifecycle"`);
    const zone = query.zone;
    if (!zone) return badRequest(res, "zone (or lon and lat) is required");
    const ofZone = hours.filter((h) => h.zone === zone);
    // Rule: a zone the data set does not have is refused, never answered with a caller-IP fallback
    // for a zone key (the fallback applies to lon/lat look-ups; getting-started, Geolocation).
    if (ofZone.length === 0)
      return send(res, 404, { error: "Zone not found", message: `Zone '${zone}' does not exist` });

    if (path === "/v3/carbon-intensity/latest") {
      const latest = [...ofZone].sort(
        (a, b) => Date.parse(b.datetime) - Date.parse(a.datetime),
      )[0]!;
      return send(res, 200, valueOf(latest, boundary));
    }

    // Rule: past-range takes start and end as ISO date-times and at most 240 hours hourly.
    const { start, end } = query;
    if (!start || !end) return badRequest(res, "start and end are required");
    if (!isoDateTime.test(start) || !isoDateTime.test(end))
      return badRequest(res, "start and end must be ISO 8601 date-times");
    const startMs = Date.parse(start);
    const endMs = Date.parse(end);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs))
      return badRequest(res, "start and end must be valid dates");
    if (endMs <= startMs) return badRequest(res, "end must be after start");
    const granularity = query.temporalGranularity ?? "hourly";
    if (granularity !== "hourly") return badRequest(res, "this fake serves hourly data only");
    if (endMs - startMs > maxRangeHours * hourMs)
      return badRequest(
        res,
        "The time range is limited to 10 days (240 hours) for an hourly granularity",
      );
    // The end hour is included: the reference does not say otherwise, and a client must not count it twice.
    const data = ofZone
      .filter((h) => Date.parse(h.datetime) >= startMs && Date.parse(h.datetime) <= endMs)
      .sort((a, b) => Date.parse(a.datetime) - Date.parse(b.datetime))
      .map((h) => valueOf(h, boundary));
    return send(res, 200, { zone, temporalGranularity: "hourly", data });
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      send(res, 500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHours(next) {
      hours = next;
    },
    throttleNext(times, retryAfterSeconds) {
      throttles = times;
      throttleRetryAfter = retryAfterSeconds;
    },
    failNext(...statuses) {
      failures.push(...statuses);
    },
    revokeToken() {
      tokenValid = false;
    },
    reset() {
      throttles = 0;
      failures.length = 0;
      tokenValid = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
