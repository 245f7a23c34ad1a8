import { describe, expect, it } from "vitest";
import { periodLabel, providerLabel } from "../format";
import { breadcrumb, drillInto, nextLevel } from "./drill";
import { partialPeriods } from "./params";

describe("drill-down URL state", () => {
  it("walks provider → account → service → region → instance type, keeping the other parameters", () => {
    const start = new URLSearchParams("from=2025-01-01&to=2025-03-31&granularity=day&page=3");
    const provider = drillInto(start, "provider", "gcp")!;
    expect(provider.toString()).toBe(
      "from=2025-01-01&to=2025-03-31&granularity=day&provider=gcp&table=account&groupBy=account",
    );
    expect(nextLevel("region")).toBe("instanceType");
    expect(nextLevel("instanceType")).toBeNull();
    expect(drillInto(start, "scope", "embodied")).toBeNull();
    expect(drillInto(start, "none", "")).toBeNull();
    // Usage without a region is a group, not a filter value.
    expect(drillInto(start, "region", "aws/")).toBeNull();
  });

  it("replaces a multi-value filter by the clicked value", () => {
    const next = drillInto(new URLSearchParams("service=A&service=B"), "service", "B")!;
    expect(next.getAll("service")).toEqual(["B"]);
    expect(next.get("table")).toBe("region");
  });

  it("breadcrumb: one crumb per drilled level, links drop the levels below", () => {
    const params = new URLSearchParams(
      "provider=aws&service=AmazonEC2&table=region&groupBy=region",
    );
    const crumbs = breadcrumb(params, "/", (level, values) => `${level}=${values.join("|")}`);
    expect(crumbs.map((c) => [c.label, c.current])).toEqual([
      ["All", false],
      ["provider=aws", false],
      ["service=AmazonEC2", true],
    ]);
    expect(crumbs[1]!.href).toBe("/?provider=aws&table=account&groupBy=account");
    expect(crumbs[0]!.href).toBe("/?table=provider&groupBy=provider");
  });
});

describe("chart labels", () => {
  it("formats periods for people, not as ISO strings", () => {
    expect(periodLabel("2025-03-01", "month")).toBe("Mar 2025");
    expect(periodLabel("2025-03-07", "day")).toBe("Mar 7");
    expect(periodLabel("2025-03-07T14:00:00Z", "hour")).toBe("Mar 7 14:00");
    expect(providerLabel("aws")).toBe("AWS");
    expect(providerLabel("azure")).toBe("Azure");
  });

  it("marks months cut by the range and periods still in progress as partial", () => {
    const months = ["2025-01-01", "2025-02-01", "2025-03-01"];
    expect(
      partialPeriods(months, "month", { from: "2025-01-15", to: "2025-03-31" }, "2026-01-01"),
    ).toEqual([true, false, false]);
    expect(
      partialPeriods(months, "month", { from: "2025-01-01", to: "2025-03-17" }, "2025-03-18"),
    ).toEqual([false, false, true]);
    expect(
      partialPeriods(
        ["2025-03-16", "2025-03-17"],
        "day",
        { from: "2025-03-16", to: "2025-03-17" },
        "2025-03-17",
      ),
    ).toEqual([false, true]);
  });
});
