import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createImportHarness, TEST_CUR_HEADER, testCurLine } from "./testing";

// Before any module reads the configuration (loadConfig caches it per test file).
vi.hoisted(() => vi.stubEnv("CANOPY_IMPORT_MAX_LINES", "3"));

let harness: Awaited<ReturnType<typeof createImportHarness>>;

beforeAll(async () => {
  harness = await createImportHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

const curOf = (hours: number) =>
  [
    TEST_CUR_HEADER,
    ...Array.from({ length: hours }, (_, h) =>
      testCurLine(
        `2026-03-01T${String(h).padStart(2, "0")}:00:00Z`,
        `2026-03-01T${String(h + 1).padStart(2, "0")}:00:00Z`,
      ),
    ),
  ].join("\n") + "\n";

describe("lines per import (CANOPY_IMPORT_MAX_LINES)", () => {
  it("imports a file at the limit", async () => {
    const tenantId = await harness.newTenant();
    const run = await harness.importText(tenantId, curOf(3));
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.details.linesRead).toBe(3);
  });

  it("refuses a file past it at the first line over, naming the limit, and stores nothing", async () => {
    const tenantId = await harness.newTenant();
    const run = await harness.importText(tenantId, curOf(5));
    expect(run.status).toBe("failed");
    expect(run.error).toBe(
      "Line 5: the file has more than 3 lines, the import limit (CANOPY_IMPORT_MAX_LINES): nothing was " +
        "imported. Split the file (by month or by account) or raise the limit.",
    );
    expect((await harness.totals(tenantId)).usageRows).toBe(0);
  });
});
