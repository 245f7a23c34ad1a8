import type { ServerResponse } from "node:http";
import { startFakeGridServer, type FakeGridControls } from "./fake-grid-http";

/**
 * A local stand-in for the ENTSO-E Transparency Platform RESTful API (`GET /api`), article 16.1.B&C
 * Actual Generation per Production Type, on 127.0.0.1. Contract rules (packages/connectors/README.md,
 * "ENTSO-E fake"): `securityToken` required and checked (401); documentType A75, processType A16
 * and in_Domain mandatory; periodStart/periodEnd as yyyyMMddHHmm; at most one year; more than
 * `maxRequestsPerMinute` requests in a minute → 429; rejections and "No matching data found" (reason
 * 999) as Acknowledgement_MarketDocument with status 400. Data is a GL_MarketDocument, one
 * TimeSeries per production type, one Period with the series' resolution (PT15M, PT30M, PT60M).
 */
export type FakeEntsoeSeries = {
  eic: string;
  psrType: string;
  /** Interval length in minutes (15, 30, 60). */
  resolutionMinutes: number;
  /** Start of the first interval (ISO, UTC). */
  start: string;
  /** Average MW per interval, in order. */
  mw: number[];
  /** Serve as curve type A03, leaving out points that repeat the previous quantity. */
  compress?: boolean;
  /** A consumption series (pumping): outBiddingZone_Domain instead of inBiddingZone_Domain. */
  consumption?: boolean;
};

export type FakeEntsoe = FakeGridControls & { setSeries(series: FakeEntsoeSeries[]): void };

const stamp = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const parseStamp = (s: string | null) => {
  const m = s ? stamp.exec(s) : null;
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`) : Number.NaN;
};
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

function acknowledgement(res: ServerResponse, code: string, text: string) {
  res.writeHead(400, { "content-type": "text/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>
<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
  <mRID>fake-ack</mRID>
  <createdDateTime>${new Date().toISOString().slice(0, 19)}Z</createdDateTime>
  <sender_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</sender_MarketParticipant.mRID>
  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>
  <receiver_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</receiver_MarketParticipant.mRID>
  <receiver_MarketParticipant.marketRole.type>A39</receiver_MarketParticipant.marketRole.type>
  <Reason>
    <code>${code}</code>
    <text>${text}</text>
  </Reason>
</Acknowledgement_MarketDocument>`);
}

function timeSeries(s: FakeEntsoeSeries, n: number, fromMs: number, toMs: number): string {
  const res = s.resolutionMinutes * 60_000;
  const first = Date.parse(s.start);
  const kept = s.mw
    .map((mw, i) => ({ mw, at: first + i * res }))
    .filter((p) => p.at >= fromMs && p.at < toMs);
  if (kept.length === 0) return "";
  const points = kept
    .map((p, i) =>
      s.compress && i > 0 && kept[i - 1]!.mw === p.mw
        ? ""
        : `<Point><position>${i + 1}</position><quantity>${p.mw}</quantity></Point>`,
    )
    .join("");
  const domain = s.consumption ? "outBiddingZone_Domain.mRID" : "inBiddingZone_Domain.mRID";
  return `<TimeSeries><mRID>${n}</mRID><businessType>A01</businessType><objectAggregation>A08</objectAggregation>
<${domain} codingScheme="A01">${s.eic}</${domain}><quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>
<curveType>${s.compress ? "A03" : "A01"}</curveType><MktPSRType><psrType>${s.psrType}</psrType></MktPSRType>
<Period><timeInterval><start>${iso(kept[0]!.at)}</start><end>${iso(kept.at(-1)!.at + res)}</end></timeInterval>
<resolution>PT${s.resolutionMinutes}M</resolution>${points}</Period></TimeSeries>`;
}

export async function startFakeEntsoe(options: {
  securityToken: string;
  maxRequestsPerMinute?: number;
}): Promise<FakeEntsoe> {
  let series: FakeEntsoeSeries[] = [];
  const recent: number[] = [];
  const limit = options.maxRequestsPerMinute ?? 400;
  const controls = await startFakeGridServer((url, res) => {
    const q = url.searchParams;
    const now = Date.now();
    while (recent.length > 0 && recent[0]! <= now - 60_000) recent.shift();
    recent.push(now);
    if (recent.length > limit) {
      res.writeHead(429, { "content-type": "text/plain" });
      return void res.end("Max allowed requests per minute from each unique IP is 400");
    }
    if (url.pathname !== "/api") {
      res.writeHead(404);
      return void res.end();
    }
    if (q.get("securityToken") !== options.securityToken) {
      res.writeHead(401, { "content-type": "text/html" });
      return void res.end("<html><body><h1>Unauthorized</h1></body></html>");
    }
    const domain = q.get("in_Domain");
    if (q.get("documentType") !== "A75" || q.get("processType") !== "A16" || !domain)
      return acknowledgement(
        res,
        "999",
        "Mandatory parameters missing: documentType, processType or in_Domain",
      );
    const fromMs = parseStamp(q.get("periodStart"));
    const toMs = parseStamp(q.get("periodEnd"));
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs <= fromMs)
      return acknowledgement(
        res,
        "999",
        "periodStart and periodEnd must be yyyyMMddHHmm with periodStart before periodEnd",
      );
    const oneYearLater = new Date(fromMs);
    oneYearLater.setUTCFullYear(oneYearLater.getUTCFullYear() + 1);
    if (toMs > oneYearLater.getTime())
      return acknowledgement(
        res,
        "999",
        "The requested time interval exceeds the permitted limit of one year",
      );
    const body = series
      .filter((s) => s.eic === domain)
      .map((s, i) => timeSeries(s, i + 1, fromMs, toMs))
      .filter((ts) => ts !== "")
      .join("\n");
    if (body === "") return acknowledgement(res, "999", "No matching data found");
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>
<GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0">
<mRID>fake</mRID><revisionNumber>1</revisionNumber><type>A75</type><process.processType>A16</process.processType>
<time_Period.timeInterval><start>${iso(fromMs)}</start><end>${iso(toMs)}</end></time_Period.timeInterval>
${body}
</GL_MarketDocument>`);
  });
  return { ...controls, setSeries: (list) => void (series = list) };
}
