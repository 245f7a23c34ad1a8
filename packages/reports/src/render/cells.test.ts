import { describe, expect, it } from "vitest";
import { comparisonLines } from "../model/comparisons";
import { diffContents } from "../model/diff";
import { fixtureModel } from "../testing/fixture";
import { breakdownCells, comparisonCells, diffGroupCells, diffTotalCells } from "./cells";

// One format for every quantity in the report's tables: grouped, one decimal, a real minus sign.
const quantity = /^[+−±]?\d{1,3}(,\d{3})*\.\d$/;
const change = /^([+−]\d{1,3}(,\d{3})*\.\d|0\.0)\u00a0%$|^–$|^not comparable$/;

describe("report table cells", () => {
  const { content } = fixtureModel();

  it("formats the diff, breakdown and comparison tables with the same number format", () => {
    const changed = structuredClone(content);
    changed.totals.co2eLocationKg += 1234.56789;
    changed.totals.kwhFacility += 0.25;
    changed.breakdowns[0]!.rows[0]!.measures.co2eLocationKg += 1234.56789;
    const diff = diffContents(
      { reportId: "r", version: 1, contentSha256: "abc", finalizedAt: null, content },
      changed,
    );
    expect(diff.totals.length).toBeGreaterThan(3);
    for (const line of diff.totals) {
      const cells = diffTotalCells(line);
      for (const cell of [cells.locked, cells.current, cells.delta]) expect(cell).toMatch(quantity);
      expect(cells.change).toMatch(change);
    }
    for (const line of diff.breakdown)
      for (const cell of Object.values(diffGroupCells(line))) expect(cell).toMatch(quantity);
    expect(diffGroupCells(diff.breakdown[0]!).delta).toBe("+1,234.6");

    const total = content.customerView.scope3Category1LocationKg;
    for (const breakdown of content.breakdowns)
      for (const row of breakdown.rows) {
        const cells = breakdownCells(row, total);
        for (const cell of [cells.locationKg, cells.marketKg, cells.kwhFacility])
          expect(cell).toMatch(quantity);
      }
    for (const line of comparisonLines(content)) {
      const cells = comparisonCells(line);
      expect(cells.locationKg).toMatch(quantity);
      expect(cells.change).toMatch(change);
    }
  });
});
