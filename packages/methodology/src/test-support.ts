import { expect } from "vitest";
import { usageRecordSchema, type UsageRecord } from "./usage-record";

/**
 * Test helpers (not exported from the package). `record()` validates through the real schema,
 * so every fixture is a record a connector could legally produce.
 */
export function record(
  fields: Partial<UsageRecord> & Pick<UsageRecord, "provider" | "kind" | "unit" | "quantity">,
): UsageRecord {
  return usageRecordSchema.parse({
    accountId: "123456789012",
    periodStart: "2024-06-01T00:00:00Z",
    periodHours: 1,
    service: "AmazonEC2",
    region: "us-east-1",
    ...fields,
  });
}

/** Relative closeness (default 1e-9), with a readable failure message. */
export function expectClose(actual: number, expected: number, relativeTolerance = 1e-9): void {
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  const error = Math.abs(actual - expected) / scale;
  expect(
    error,
    `expected ${actual} to be within ${relativeTolerance} (relative) of ${expected}`,
  ).toBeLessThanOrEqual(relativeTolerance);
}
