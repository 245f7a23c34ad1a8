import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  allocate,
  allocationSumKeys as headlineSumKeys,
  matchingRule,
  zeroAllocationSums as zeroHeadlineSums,
  type AllocationGroup,
  type AllocationRule,
  type AllocationSums as HeadlineSums,
} from "./allocation";

const costCentres = ["cc-a", "cc-b", "cc-c", "cc-d"];
const days = ["2026-05-01", "2026-05-02", "2026-05-03"];

const sumsArb: fc.Arbitrary<HeadlineSums> = fc
  .array(fc.double({ min: -50, max: 1000, noNaN: true }), {
    minLength: headlineSumKeys.length,
    maxLength: headlineSumKeys.length,
  })
  .map(
    (values) =>
      Object.fromEntries(headlineSumKeys.map((key, i) => [key, values[i]!])) as HeadlineSums,
  );

const ruleArb = (id: string): fc.Arbitrary<AllocationRule> =>
  fc.record({
    id: fc.constant(id),
    tagKey: fc.constant(null),
    tagValue: fc.constant(null),
    service: fc.constant(null),
    cloudAccountId: fc.constant(null),
    split: fc.constantFrom("fixed" as const, "proportional" as const),
    targets: fc.array(
      fc.record({
        costCentreId: fc.constantFrom(...costCentres),
        weight: fc.double({ min: 0, max: 10, noNaN: true }),
      }),
      { maxLength: 4 },
    ),
  });

const setup = fc
  .array(fc.nat(1000), { minLength: 1, maxLength: 6 })
  .chain((seeds) =>
    fc.tuple(fc.tuple(...seeds.map((_, i) => ruleArb(`r${i}`))), fc.constant(seeds.length)),
  )
  .chain(([rules, n]) =>
    fc.tuple(
      fc.constant(rules),
      fc.array(
        fc.record({
          ruleId: fc.option(fc.constantFrom(...Array.from({ length: n }, (_, i) => `r${i}`)), {
            nil: null,
          }),
          day: fc.constantFrom(...days),
          sums: sumsArb,
        }),
        { maxLength: 40 },
      ),
    ),
  );

describe("allocation conserves the total (docs/methodology.md section 22)", () => {
  it("per day and per figure: allocated + unallocated = the rows, whatever the rules", () => {
    fc.assert(
      fc.property(setup, ([rules, groups]: [AllocationRule[], AllocationGroup[]]) => {
        const result = allocate(groups, rules);
        for (const day of days) {
          const expected = zeroHeadlineSums();
          for (const g of groups.filter((g) => g.day === day))
            for (const key of headlineSumKeys) expected[key] += g.sums[key];
          const actual = zeroHeadlineSums();
          const parts = [...result.byCostCentre.values(), result.unallocated].flatMap((list) =>
            list.filter((d) => d.day === day),
          );
          for (const part of parts)
            for (const key of headlineSumKeys) actual[key] += part.sums[key];
          for (const key of headlineSumKeys) {
            expect(Math.abs(actual[key] - expected[key])).toBeLessThanOrEqual(
              1e-9 * Math.max(1, Math.abs(expected[key])) * 64,
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("fixed weights split exactly; a proportional rule uses what the fixed rules gave its targets", () => {
    const sums = (kg: number): HeadlineSums => ({ ...zeroHeadlineSums(), co2eLocationKg: kg });
    const rules: AllocationRule[] = [
      {
        id: "team-a",
        tagKey: "team",
        tagValue: "a",
        service: null,
        cloudAccountId: null,
        split: "fixed",
        targets: [{ costCentreId: "A", weight: 1 }],
      },
      {
        id: "team-b",
        tagKey: "team",
        tagValue: "b",
        service: null,
        cloudAccountId: null,
        split: "fixed",
        targets: [{ costCentreId: "B", weight: 1 }],
      },
      {
        id: "shared-net",
        tagKey: null,
        tagValue: null,
        service: "Networking",
        cloudAccountId: null,
        split: "proportional",
        targets: [
          { costCentreId: "A", weight: 1 },
          { costCentreId: "B", weight: 1 },
        ],
      },
      {
        id: "split-ops",
        tagKey: "team",
        tagValue: "ops",
        service: null,
        cloudAccountId: null,
        split: "fixed",
        targets: [
          { costCentreId: "A", weight: 3 },
          { costCentreId: "B", weight: 1 },
        ],
      },
    ];
    const result = allocate(
      [
        { ruleId: "team-a", day: "2026-05-01", sums: sums(30) },
        { ruleId: "team-b", day: "2026-05-01", sums: sums(10) },
        { ruleId: "shared-net", day: "2026-05-01", sums: sums(8) },
        { ruleId: "split-ops", day: "2026-05-01", sums: sums(4) },
        { ruleId: null, day: "2026-05-01", sums: sums(5) },
      ],
      rules,
    );
    const kg = (id: string) => result.byCostCentre.get(id)?.[0]?.sums.co2eLocationKg;
    // fixed totals: A = 30 + 3, B = 10 + 1 → the shared 8 kg splits 33 : 11
    expect(kg("A")).toBeCloseTo(30 + 3 + 8 * (33 / 44), 12);
    expect(kg("B")).toBeCloseTo(10 + 1 + 8 * (11 / 44), 12);
    expect(result.unallocated[0]?.sums.co2eLocationKg).toBe(5);
  });

  it("a proportional rule whose targets got nothing leaves its rows unallocated, with the reason", () => {
    const rule: AllocationRule = {
      id: "p",
      tagKey: null,
      tagValue: null,
      service: null,
      cloudAccountId: null,
      split: "proportional",
      targets: [{ costCentreId: "A", weight: 1 }],
    };
    const result = allocate(
      [{ ruleId: "p", day: "2026-05-01", sums: { ...zeroHeadlineSums(), co2eLocationKg: 2 } }],
      [rule],
    );
    expect(result.unallocated[0]?.sums.co2eLocationKg).toBe(2);
    expect(result.notes.get("p")).toMatch(/stay unallocated/);
  });

  it("the first matching rule wins; a tag rule needs its value, filters combine", () => {
    const base = {
      tagKey: null,
      tagValue: null,
      service: null,
      cloudAccountId: null,
      split: "fixed" as const,
      targets: [],
    };
    const rules: AllocationRule[] = [
      { ...base, id: "ns", tagKey: "k8s-namespace", tagValue: "checkout" },
      { ...base, id: "svc-acct", service: "Amazon S3", cloudAccountId: "acct-1" },
      { ...base, id: "rest" },
    ];
    expect(
      matchingRule(rules, {
        tags: { "k8s-namespace": "checkout" },
        cloudAccountId: "acct-1",
        service: "Amazon S3",
      })?.id,
    ).toBe("ns");
    expect(
      matchingRule(rules, {
        tags: { "k8s-namespace": "search" },
        cloudAccountId: "acct-1",
        service: "Amazon S3",
      })?.id,
    ).toBe("svc-acct");
    expect(
      matchingRule(rules, { tags: {}, cloudAccountId: "acct-2", service: "Amazon S3" })?.id,
    ).toBe("rest");
    expect(
      matchingRule(rules.slice(0, 2), { tags: {}, cloudAccountId: "acct-2", service: "Amazon S3" }),
    ).toBeNull();
  });
});
