import { sendJson, startFakeGridServer, type FakeGridControls } from "./fake-grid-http";

/**
 * A local stand-in for the NESO Carbon Intensity API's national `/intensity/{from}/{to}` (no key),
 * on 127.0.0.1. Contract rules (packages/connectors/README.md, "NESO fake"): both ends ISO 8601 UTC
 * (`YYYY-MM-DDThh:mmZ`, seconds allowed), `to` after `from`, at most 14 days; answers
 * `{ data: [{ from, to, intensity: { forecast, actual, index } }] }` (api.carbonintensity.org.uk
 * examples) with every half-hour overlapping the range.
 */
export type FakeNesoHalfHour = { from: string; forecast: number | null; actual: number | null };

export type FakeNeso = FakeGridControls & { setHalfHours(halves: FakeNesoHalfHour[]): void };

const isoMinute = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?Z$/;
const maxRangeMs = 14 * 24 * 3_600_000;
const halfHourMs = 1_800_000;
const bandOf = (g: number) =>
  g < 40 ? "very low" : g < 120 ? "low" : g < 200 ? "moderate" : g < 290 ? "high" : "very high";

export async function startFakeNeso(): Promise<FakeNeso> {
  let halves: FakeNesoHalfHour[] = [];
  const controls = await startFakeGridServer((url, res) => {
    const match = /^\/intensity\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!match)
      return sendJson(res, 404, { error: { code: "404 Not Found", message: "Not found" } });
    const [from, to] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    const bad = (message: string) =>
      sendJson(res, 400, { error: { code: "400 Bad Request", message } });
    if (!isoMinute.test(from) || !isoMinute.test(to) || Number.isNaN(fromMs) || Number.isNaN(toMs))
      return bad("Please enter a valid ISO 8601 datetime in the format YYYY-MM-DDThh:mmZ");
    if (toMs <= fromMs) return bad("The end datetime must be after the start datetime");
    if (toMs - fromMs > maxRangeMs) return bad("The maximum date range is limited to 14 days");
    const data = halves
      .map((h) => ({ ...h, ms: Date.parse(h.from) }))
      .filter((h) => h.ms + halfHourMs > fromMs && h.ms < toMs)
      .sort((a, b) => a.ms - b.ms)
      .map((h) => ({
        from: h.from,
        to: new Date(h.ms + halfHourMs).toISOString().slice(0, 16) + "Z",
        intensity: {
          forecast: h.forecast,
          actual: h.actual,
          index: bandOf(h.actual ?? h.forecast ?? 0),
        },
      }));
    sendJson(res, 200, { data });
  });
  return { ...controls, setHalfHours: (list) => void (halves = list) };
}
