import { describe, expect, it } from "vitest";
import { fixtureModel } from "../testing/fixture";
import { canonicalJson, contentSha256 } from "./content-hash";
import { diffContents, sameContent } from "./diff";
import { scope3Category1LocationKg } from "./measures";

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
    expect(content.breakdowns.at(-1)!.rows.some((r) => r.key === "(untagged)")).toBe(true);
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
});
