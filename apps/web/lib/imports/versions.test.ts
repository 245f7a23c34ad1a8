import { describe, expect, it } from "vitest";
import { dayCount, formatDays, replacedLine, type AccountReplacementView } from "./versions";

const replacement = (start: string, end: string, rows: number): AccountReplacementView => ({
  cloudAccountId: "00000000-0000-4000-8000-000000000001",
  provider: "aws",
  providerAccountId: "012345678901",
  start,
  end,
  stored: {
    rows,
    costAmount: 1,
    services: [],
    sourceKinds: ["cur"],
    kwhFacility: 0,
    co2eLocationKg: 0,
  },
  arriving: { rows: 1, costAmount: 0, services: [], sourceKinds: ["cur"] },
  reasons: [],
});

describe("import versions", () => {
  it("formats UTC days with an exclusive end", () => {
    expect(formatDays("2026-06-03T00:00:00.000Z", "2026-06-04T00:00:00.000Z")).toBe("2026-06-03");
    expect(formatDays("2026-06-01T00:00:00.000Z", "2026-06-08T00:00:00.000Z")).toBe(
      "2026-06-01 → 2026-06-07",
    );
    expect(dayCount("2026-06-01T00:00:00.000Z", "2026-06-08T00:00:00.000Z")).toBe(7);
  });

  it("sums the rows replaced over every account", () => {
    expect(
      replacedLine([
        replacement("2026-06-03T00:00:00.000Z", "2026-06-04T00:00:00.000Z", 1200),
        replacement("2026-06-03T00:00:00.000Z", "2026-06-04T00:00:00.000Z", 25),
      ]),
    ).toBe("Replaced: 1,225 rows over 2026-06-03 (previous version kept)");
  });
});
