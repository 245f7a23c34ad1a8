import { describe, expect, it } from "vitest";
import { fixtureModel } from "../testing/fixture";
import { canonicalJson, contentSha256 } from "./content-hash";
import { diffContents, sameContent } from "./diff";
import { ZERO_ROWS_KEY } from "../build/assemble";
import { boundarySummary } from "./boundary";
import { comparisonChangeText, comparisonLines } from "./comparisons";
import { measureKeys, scope3Category1LocationKg } from "./measures";

describe("report model", () => {
  const { content } = fixtureModel();

  it("adds up: breakdowns, tags and the hourly check all equal the totals", () => {
    for (const breakdown of content.breakdowns) {
      const sum = breakdown.rows.reduce((n, r) => n + r.measures.co2eLocationKg, 0);
      expect(sum, breakdown.dimension).toBeCloseTo(content.totals.co2eLocationKg, 5);
    }
    expect(content.breakdowns.map((b) => b.dimension)).toEqual([
      "provider",
      "account",
      "service",
      "region",
      "tag:team",
      "tag:cost-centre",
    ]);
    // The fixture's one untagged line (GCP support) has no emissions: folded into "Other".
    expect(content.breakdowns.at(-1)!.rows.at(-1)!.key).toBe(ZERO_ROWS_KEY);
    expect(content.lineage.hourlyCheck.agrees).toBe(true);
    expect(content.customerView.scope3Category1LocationKg).toBeCloseTo(
      scope3Category1LocationKg(content.totals),
      6,
    );
    expect(content.trend).toHaveLength(13);
    expect(content.comparisons.map((c) => c.key)).toEqual([
      "previous_period",
      "same_period_last_year",
      "year_to_date",
      "previous_year_to_date",
    ]);
  });

  it("measures coverage of spend and keeps out-of-scope lines outside the share", () => {
    const coverage = content.dataQuality.coverage;
    expect(coverage.currency).toBe("EUR");
    // Tax (310.5) and marketplace (95) left out by the import, support (120) in the ledger.
    expect(coverage.spendFinancial).toBeCloseTo(310.5 + 95 + 120, 6);
    // CloudWatch requests (30, in EUR): no energy model and no spend-based factor for EUR.
    expect(coverage.spendUnsupported).toBeCloseTo(30, 6);
    expect(coverage.shareEstimated).toBeCloseTo(
      coverage.spendEstimated / (coverage.spendEstimated + 30),
      6,
    );
    const headlines = content.headlines!;
    expect(headlines.costNotModelledAmount).toBeCloseTo(30, 6);
    expect(headlines.costOutOfScopeAmount).toBeCloseTo(120, 6);
    expect(
      headlines.costCoveredAmount +
        headlines.costNotModelledAmount +
        headlines.costOutOfScopeAmount,
    ).toBeCloseTo(headlines.costTotalAmount, 6);
    expect(headlines.totalKg).toBeCloseTo(content.customerView.scope3Category1LocationKg, 6);
    expect(content.dataQuality.shareOnDefaults).toBeCloseTo(
      content.totals.co2eOnDefaultsKg / content.customerView.scope3Category1LocationKg,
      6,
    );
    expect(content.dataQuality.reconciliation.status).toBe("none");
  });

  it("hashes canonical JSON: key order does not matter, any figure does", () => {
    const reordered = JSON.parse(JSON.stringify(content, Object.keys(content).reverse()));
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    expect(contentSha256({ ...reordered, ...content })).toBe(contentSha256(content));
    const changed = structuredClone(content);
    changed.totals.co2eLocationKg += 0.001;
    expect(contentSha256(changed)).not.toBe(contentSha256(content));
  });

  it("treats re-summation noise as no change and shows real changes in the diff", () => {
    const noisy = structuredClone(content);
    noisy.totals.co2eLocationKg *= 1 + 1e-13;
    expect(sameContent(content, noisy)).toBe(true);
    const changed = structuredClone(content);
    changed.totals.co2eLocationKg += 5;
    changed.breakdowns[0]!.rows[0]!.measures.co2eLocationKg += 5;
    const diff = diffContents(
      { reportId: "r", version: 1, contentSha256: "abc", finalizedAt: null, content },
      changed,
    );
    expect(diff.changed).toBe(true);
    const line = diff.totals.find(
      (l) => l.metric === "Electricity, Scope 2 location-based (lifecycle grid factors)",
    )!;
    expect(line.delta).toBeCloseTo(5, 6);
    expect(diff.breakdown[0]).toMatchObject({ dimension: "provider", deltaKg: 5 });
  });

  it("folds groups without emissions into one last row that says how many, keeping the sums", () => {
    const services = content.breakdowns.find((b) => b.dimension === "service")!;
    const zero = services.rows.filter((r) => measureKeys.every((k) => r.measures[k] === 0));
    // Support (GCP) and CloudWatch requests (AWS) have no energy model: one row, not two 0 kg rows.
    expect(zero.map((r) => [r.key, r.label])).toEqual([
      [ZERO_ROWS_KEY, "Other: 2 services with 0 kg CO2e"],
    ]);
    expect(services.rows.at(-1)!.key).toBe(ZERO_ROWS_KEY);
    const spend = services.rows.reduce((n, r) => n + (r.spend[0]?.amount ?? 0), 0);
    expect(spend).toBeCloseTo(content.spend[0]!.amount, 6);
    for (const breakdown of content.breakdowns) {
      const rows = breakdown.rows.filter((r) => r.key !== ZERO_ROWS_KEY);
      expect(rows.every((r) => measureKeys.some((k) => r.measures[k] !== 0))).toBe(true);
    }
  });

  it("says 'not comparable' with both spans' days instead of a change when the spans differ", () => {
    const thin = structuredClone(content);
    const ytd = thin.comparisons.find((c) => c.key === "year_to_date")!;
    const pytd = thin.comparisons.find((c) => c.key === "previous_year_to_date")!;
    Object.assign(ytd, { daysWithData: 334, daysInPeriod: 334 });
    Object.assign(pytd, { daysWithData: 29, daysInPeriod: 334 });
    const line = comparisonLines(thin).find((l) => l.comparison.key === "previous_year_to_date")!;
    expect(line.comparable).toBe(false);
    expect(line.change).toBeNull();
    expect(line.notComparableReason).toMatch(/^not comparable: .*29 of 334 days.*334 of 334 days/);
    expect(comparisonChangeText(line, () => "+1,386.0 %")).toBe("not comparable");
    // The same spans (31 of 31 against 31 of 31) give a change.
    const previous = comparisonLines(content).find((l) => l.comparison.key === "previous_period")!;
    expect(previous.comparable).toBe(true);
    expect(previous.change).not.toBeNull();
    // A partial report month (9 of 31 days) is not compared with a full previous month.
    const partial = structuredClone(content);
    partial.dataDays.daysWithData = 9;
    const month = comparisonLines(partial).find((l) => l.comparison.key === "previous_period")!;
    expect(month).toMatchObject({ comparable: false, change: null });
  });

  it("states the boundary as the accounts with data in the period and counts those without", () => {
    const wide = structuredClone(content);
    const idle = Array.from({ length: 84 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      provider: "aws",
      displayName: `Idle ${i}`,
      providerAccountId: String(100000000000 + i),
    }));
    wide.boundary.accounts = [...wide.boundary.accounts, ...idle];
    const summary = boundarySummary(wide);
    expect(summary.withData.map((a) => a.displayName)).toEqual([
      "AWS Production",
      "GCP, ML project",
    ]);
    expect(summary.withoutDataCount).toBe(84);
    expect(summary.text).toBe(
      "2 accounts of the organization's 86 cloud accounts have data in March 2026 (84 have none): AWS Production (123456789012); GCP, ML project (ml-project)",
    );
    expect(summary.text).not.toMatch(/^All/);
    expect(boundarySummary(content).text).toBe(
      "All 2 cloud accounts of the organization have data in March 2026: AWS Production (123456789012); GCP, ML project (ml-project)",
    );
  });
});
