import { randomBytes } from "node:crypto";
import { sendJson, startFakeGridServer, type FakeGridControls } from "./fake-grid-http";

/**
 * A local stand-in for the WattTime API v3 on 127.0.0.1 (docs.watttime.org). Contract rules:
 * - `GET /login` needs HTTP Basic auth of a known user (401 otherwise) and answers `{ token }`; at
 *   most 100 logins per 5 minutes (429 beyond: "a lower limit specific to the /login endpoint").
 * - `GET /v3/historical` needs `Authorization: Bearer <token>` of a token that has not expired
 *   (tokens last 30 minutes; 401 otherwise); `region`, `start`, `end` and `signal_type` are
 *   required, `signal_type` one of co2_moer, co2_aoer, health_damage, `end` after `start` and at
 *   most 32 days later (400 otherwise); a region outside the user's plan answers 403.
 * - Answers 5-minute points `{ point_time, value }` in lbs_co2_per_mwh for [start, end), with
 *   `meta: { region, signal_type, units, data_point_period_seconds: 300, model: { date } }`.
 */
export type FakeWattTime = FakeGridControls & {
  /** lb CO2/MWh at each 5-minute point (ms since epoch), for every region the plan includes. */
  setValue(valueAt: (region: string, ms: number) => number): void;
  /** Every token issued so far expires now (as after its 30 minutes). */
  expireTokens(): void;
  logins(): number;
};

const signals = ["co2_moer", "co2_aoer", "health_damage"];
const maxRangeMs = 32 * 24 * 3_600_000;
const fiveMinutesMs = 300_000;
const modelDate = "2026-03-01";

export async function startFakeWattTime(options: {
  users: Record<string, string>;
  /** The regions the plan includes (without a subscription: CAISO_NORTH only). */
  regions: string[];
}): Promise<FakeWattTime> {
  const tokens = new Map<string, number>();
  const lifetimeMs = 30 * 60_000;
  let valueAt = (_region: string, _ms: number) => 800;
  const loginTimes: number[] = [];
  const controls = await startFakeGridServer((url, res, req) => {
    const authorization = req.headers.authorization ?? "";
    if (url.pathname === "/login") {
      const now = Date.now();
      while (loginTimes.length && loginTimes[0]! < now - 5 * 60_000) loginTimes.shift();
      if (loginTimes.length >= 100) return sendJson(res, 429, { error: "Too many login requests" });
      const [user, password] = Buffer.from(authorization.replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      if (!authorization.startsWith("Basic ") || options.users[user ?? ""] !== password)
        return sendJson(res, 401, { error: "Invalid username or password" });
      loginTimes.push(now);
      const token = randomBytes(16).toString("hex");
      tokens.set(token, now + lifetimeMs);
      return sendJson(res, 200, { token });
    }
    if (url.pathname !== "/v3/historical") return sendJson(res, 404, { error: "Not Found" });
    const expiresAt = tokens.get(authorization.replace(/^Bearer /, ""));
    if (!authorization.startsWith("Bearer ") || expiresAt === undefined || expiresAt <= Date.now())
      return sendJson(res, 401, { error: "Invalid or expired token" });
    const q = url.searchParams;
    for (const name of ["region", "start", "end", "signal_type"])
      if (!q.get(name)) return sendJson(res, 400, { error: `Missing required parameter: ${name}` });
    if (!signals.includes(q.get("signal_type")!))
      return sendJson(res, 400, { error: `signal_type must be one of ${signals.join(", ")}` });
    const start = Date.parse(q.get("start")!);
    const end = Date.parse(q.get("end")!);
    if (!Number.isFinite(start) || !Number.isFinite(end))
      return sendJson(res, 400, { error: "start and end must be ISO 8601 datetimes" });
    if (end <= start) return sendJson(res, 400, { error: "end must be after start" });
    if (end - start > maxRangeMs)
      return sendJson(res, 400, { error: "Maximum query range is 32 days" });
    const region = q.get("region")!;
    if (!options.regions.includes(region))
      return sendJson(res, 403, { error: `Your account does not have access to region ${region}` });
    const data = [];
    for (let ms = Math.ceil(start / fiveMinutesMs) * fiveMinutesMs; ms < end; ms += fiveMinutesMs)
      data.push({
        point_time: new Date(ms).toISOString().replace(".000Z", "+00:00"),
        value: valueAt(region, ms),
      });
    sendJson(res, 200, {
      data,
      meta: {
        region,
        signal_type: q.get("signal_type"),
        units: "lbs_co2_per_mwh",
        data_point_period_seconds: 300,
        model: { date: modelDate },
        warnings: [],
      },
    });
  });
  return {
    ...controls,
    setValue: (fn) => void (valueAt = fn),
    expireTokens: () => {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    logins: () => loginTimes.length,
  };
}
