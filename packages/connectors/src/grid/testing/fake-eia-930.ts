import { sendJson, startFakeGridServer, type FakeGridControls } from "./fake-grid-http";

/**
 * A local stand-in for the EIA Open Data API v2 route `electricity/rto/fuel-type-data/data`, on
 * 127.0.0.1. Contract rules (packages/connectors/README.md, "EIA-930 fake"): `api_key` required and
 * checked (403 otherwise), `frequency=hourly`, `start`/`end` as `YYYY-MM-DDTHH` (inclusive),
 * `facets[respondent][]` and `facets[fueltype][]` filters, `offset`/`length` paging with at most
 * 5,000 rows per answer (a larger `length` is cut to 5,000 with a warning, as EIA's documentation
 * describes the maximum), values as strings (API v2.1.6), `response.total` the count before paging.
 */
export type FakeEiaRow = {
  period: string;
  respondent: string;
  fueltype: string;
  mwh: number | null;
};

export type FakeEia930 = FakeGridControls & { setRows(rows: FakeEiaRow[]): void };

const hourly = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const typeNames: Record<string, string> = {
  COL: "Coal",
  NG: "Natural Gas",
  NUC: "Nuclear",
  OIL: "Petroleum",
  WAT: "Hydro",
  SUN: "Solar",
  WND: "Wind",
  OTH: "Other",
};

export async function startFakeEia930(options: { apiKey: string }): Promise<FakeEia930> {
  let rows: FakeEiaRow[] = [];
  const controls = await startFakeGridServer((url, res) => {
    const q = url.searchParams;
    if (!/^\/v2\/electricity\/rto\/fuel-type-data\/data\/?$/.test(url.pathname))
      return sendJson(res, 404, { error: "Not found" });
    const key = q.get("api_key");
    if (!key)
      return sendJson(res, 403, {
        error: { code: "API_KEY_MISSING", message: "No api_key was supplied" },
      });
    if (key !== options.apiKey)
      return sendJson(res, 403, {
        error: { code: "API_KEY_INVALID", message: "An invalid api_key was supplied" },
      });
    const bad = (message: string) => sendJson(res, 400, { error: message, code: 400 });
    if (q.get("frequency") !== "hourly") return bad("Invalid frequency provided");
    const start = q.get("start");
    const end = q.get("end");
    if ((start !== null && !hourly.test(start)) || (end !== null && !hourly.test(end)))
      return bad("Invalid date format for hourly frequency; expected YYYY-MM-DDTHH");
    const offset = Number(q.get("offset") ?? "0");
    const length = Number(q.get("length") ?? "5000");
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0)
      return bad("offset and length must be non-negative integers");
    const respondents = q.getAll("facets[respondent][]");
    const fuels = q.getAll("facets[fueltype][]");
    const matching = rows
      .filter((r) => respondents.length === 0 || respondents.includes(r.respondent))
      .filter((r) => fuels.length === 0 || fuels.includes(r.fueltype))
      .filter((r) => (start === null || r.period >= start) && (end === null || r.period <= end))
      .sort((a, b) => a.period.localeCompare(b.period) || a.fueltype.localeCompare(b.fueltype));
    const cut = Math.min(length, 5000);
    const page = matching.slice(offset, offset + cut).map((r) => ({
      period: r.period,
      respondent: r.respondent,
      "respondent-name": r.respondent,
      fueltype: r.fueltype,
      "type-name": typeNames[r.fueltype] ?? r.fueltype,
      value: r.mwh === null ? null : String(r.mwh),
      "value-units": "megawatthours",
    }));
    sendJson(res, 200, {
      response: {
        total: String(matching.length),
        dateFormat: 'YYYY-MM-DD"T"HH24',
        frequency: "hourly",
        data: page,
        ...(length > 5000
          ? {
              warnings: [
                {
                  warning: "incomplete return",
                  description: "The API can only return 5000 rows in JSON format.",
                },
              ],
            }
          : {}),
      },
      request: {
        command: "/v2/electricity/rto/fuel-type-data/data/",
        params: Object.fromEntries(q),
      },
      apiVersion: "2.1.8",
    });
  });
  return { ...controls, setRows: (list) => void (rows = list) };
}
