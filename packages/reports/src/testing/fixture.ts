import { assembleContent } from "../build/assemble";
import type { HourlyGroup, MonthlyRow } from "../build/queries";
import { reportRanges } from "../build/ranges";
import { monthsBetween, parsePeriod } from "../period";
import { contentSha256 } from "../model/content-hash";
import type { ReportModel } from "../model/types";
import {
  methodologyMarkdown,
  methodologySha256,
  methodologySource,
} from "../methodology/methodology.generated";

const accounts = [
  {
    id: "11111111-1111-4111-8111-111111111111",
    provider: "aws",
    displayName: "AWS Production",
    providerAccountId: "123456789012",
  },
  {
    id: "22222222-2222-4222-8222-222222222222",
    provider: "gcp",
    displayName: "GCP, ML project",
    providerAccountId: "ml-project",
  },
];

const services = [
  {
    account: 0,
    provider: "aws",
    service: "AmazonEC2",
    region: "us-east-1",
    kind: "compute",
    kwh: 900,
  },
  {
    account: 0,
    provider: "aws",
    service: "AmazonS3",
    region: "eu-west-1",
    kind: "storage",
    kwh: 250,
  },
  {
    account: 1,
    provider: "gcp",
    service: "Compute Engine",
    region: "europe-west1",
    kind: "compute",
    kwh: 400,
  },
  // Support is out of scope; CloudWatch API requests have no energy model and, billed in EUR, no
  // spend-based estimate either (@canopy/methodology completeness.ts): cost not modelled.
  { account: 1, provider: "gcp", service: "Support", region: "global", kind: "other", kwh: 0 },
  {
    account: 0,
    provider: "aws",
    service: "AmazonCloudWatch",
    region: "us-east-1",
    kind: "other",
    kwh: 0,
  },
];
const otherCost: Record<string, { cost: number; outOfScope: number }> = {
  Support: { cost: 120, outOfScope: 120 },
  AmazonCloudWatch: { cost: 30, outOfScope: 0 },
};

/** A report model built from synthetic rollups (no database): March 2026, two accounts, two tag keys. */
export function fixtureModel(options: { status?: "draft" | "final" } = {}): ReportModel {
  const period = parsePeriod("2026-03");
  const ranges = reportRanges(period);
  const monthly: MonthlyRow[] = [];
  monthsBetween(ranges.monthly.start, ranges.monthly.end).forEach((month, index) => {
    for (const s of services) {
      const kwhIt = s.kwh * (1 + index * 0.03);
      monthly.push({
        month,
        cloudAccountId: accounts[s.account]!.id,
        provider: s.provider,
        service: s.service,
        region: s.region,
        kind: s.kind,
        kwhIt,
        kwhFacility: kwhIt * 1.15,
        co2eLocationKg: kwhIt * 1.15 * 0.35,
        co2eMarketKg: kwhIt * 1.15 * 0.35 * (s.provider === "aws" ? 0 : 0.4),
        co2eEmbodiedKg: s.kind === "compute" ? kwhIt * 0.08 : 0,
        waterL: kwhIt * 0.2,
        co2eOnDefaultsKg: s.kind === "storage" ? kwhIt * 0.1 : 0,
        co2eSpendBasedKg: 0,
        co2eLowKg: (kwhIt * 1.15 * 0.35 + (s.kind === "compute" ? kwhIt * 0.08 : 0)) * 0.7,
        co2eHighKg: (kwhIt * 1.15 * 0.35 + (s.kind === "compute" ? kwhIt * 0.08 : 0)) * 1.4,
        spendAmount: otherCost[s.service]?.cost ?? kwhIt * 0.9,
        costSpendBasedAmount: 0,
        costOutOfScopeAmount: otherCost[s.service]?.outOfScope ?? 0,
        currency: "EUR",
        co2eMarketReportedKg: 0,
        marketReported: false,
        co2eMarketEstimateKg: kwhIt * 1.15 * 0.35 * (s.provider === "aws" ? 0 : 0.4),
        // AWS (hourly CUR) on hourly grid factors; GCP compute billed per day and disaggregated.
        kwhHourlyGrid: s.provider === "aws" ? kwhIt * 1.15 : 0,
        kwhDisaggregated: s.provider === "gcp" && s.kind === "compute" ? kwhIt * 1.15 : 0,
      });
    }
  });
  const inPeriod = monthly.filter((r) => r.month === period.start);
  const hourly: HourlyGroup[] = inPeriod.map((r, i) => ({
    methodologyVersion: "canopy-1.0.0+pack.2025.1",
    tagValues: [i % 2 === 0 ? "checkout" : "search", i === 3 ? null : `CC-${100 * (i + 1)}`],
    rows: 744,
    kwhIt: r.kwhIt,
    kwhFacility: r.kwhFacility,
    co2eLocationKg: r.co2eLocationKg,
    co2eMarketKg: r.co2eMarketKg,
    co2eEmbodiedKg: r.co2eEmbodiedKg,
    waterL: r.waterL,
    co2eOnDefaultsKg: r.co2eOnDefaultsKg,
    co2eSpendBasedKg: r.co2eSpendBasedKg,
    co2eLowKg: r.co2eLowKg,
    co2eHighKg: r.co2eHighKg,
  }));
  const content = assembleContent({
    organization: {
      id: "33333333-3333-4333-8333-333333333333",
      name: "Fixture GmbH",
      slug: "fixture",
    },
    period,
    ranges,
    boundary: { allAccounts: true, accounts },
    parameters: {
      tagKeys: ["team", "cost-centre"],
      functionalUnits: [{ name: "orders", count: 200_000 }],
    },
    monthly,
    dataDays: new Map(
      monthsBetween(ranges.monthly.start, ranges.monthly.end).map((m) => [
        m,
        m === "2025-01-01" ? 10 : 31,
      ]),
    ),
    hourly,
    usageSources: [
      {
        syncRunId: "44444444-4444-4444-8444-444444444444",
        runKind: "import",
        sourceKind: "cur2",
        label: "cur-2026-03.csv.gz",
        createdAt: "2026-04-02T06:00:00.000Z",
        rows: 2976,
        costAmount: 1234.5,
      },
    ],
    importRuns: [
      {
        id: "44444444-4444-4444-8444-444444444444",
        windowStart: new Date("2026-03-01T00:00:00Z"),
        windowEnd: new Date("2026-04-01T00:00:00Z"),
        details: {
          fileName: "cur-2026-03.csv.gz",
          fileKey: "imports/cur-2026-03.csv.gz",
          bytes: 181_000,
          linesRead: 2991,
          linesImported: 2976,
          usageRowsWritten: 2976,
          span: { start: "2026-03-01T00:00:00Z", end: "2026-04-01T00:00:00Z" },
          skipped: {
            tax: { lines: 12, costAmount: 310.5, first: [] },
            marketplace: { lines: 3, costAmount: 95, first: [] },
          },
          costTotal: 1234.5,
          currency: "EUR",
          progress: { linesRead: 2991, percent: 100 },
        },
      },
    ],
    providerFigures: [],
    otherKindCost: [
      { usageType: "support", currency: "EUR", amount: 120 },
      { usageType: "EU-Requests-Tier1", currency: "EUR", amount: 30 },
    ],
    methodology: {
      source: methodologySource,
      sha256: methodologySha256,
      markdown: methodologyMarkdown,
    },
    packChecksum: () => "f".repeat(64),
  });
  const status = options.status ?? "draft";
  return {
    header: {
      reportId: "55555555-5555-4555-8555-555555555555",
      version: 1,
      status,
      generatedAt: "2026-04-05T09:00:00.000Z",
      finalizedAt: status === "final" ? "2026-04-06T10:00:00.000Z" : null,
      contentSha256: contentSha256(content),
    },
    content,
    diff: null,
  };
}
