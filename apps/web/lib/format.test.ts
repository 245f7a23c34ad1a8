import { describe, expect, it } from "vitest";
import { formatDelta, formatKg, formatNumber } from "./format";

describe("formatting", () => {
  it("chooses g, kg or t and keeps small values visible", () => {
    expect(formatKg(0)).toBe("0 kg");
    expect(formatKg(0.0000045)).toBe("4.5 mg");
    expect(formatKg(1e-9)).toBe("< 1 mg");
    expect(formatKg(0.0148)).toBe("14.8 g");
    expect(formatKg(12.345)).toBe("12.3 kg");
    expect(formatKg(12_345)).toBe("12.3 t");
    expect(formatNumber(0.01234)).toBe("0.0123");
    expect(formatNumber(1234.5)).toBe("1,235");
  });

  it("signs relative changes", () => {
    expect(formatDelta(110, 100)).toEqual({ text: "+10%", direction: "up" });
    expect(formatDelta(90, 100).direction).toBe("down");
    expect(formatDelta(5, 0).text).toBe("n/a");
  });
});
