import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { JobEnqueue, QueueDriver } from "./contract";
import { jobs, parsePayload, type JobName } from "./registry";

const window = {
  tenantId: randomUUID(),
  cloudAccountId: randomUUID(),
  windowStart: "2026-03-01T00:00:00.000Z",
  windowEnd: "2026-04-01T00:00:00.000Z",
};

/**
 * Checked by `tsc` (pnpm typecheck), never called: each `@ts-expect-error` fails the typecheck if its
 * line compiles, so a wrong payload or an unknown name for the registry's jobs cannot be written.
 */
export function typedCalls(enqueue: JobEnqueue, driver: QueueDriver) {
  void enqueue("rollup-days", window);
  void driver.enqueue("estimate-window", window, { jobId: "x" });
  // @ts-expect-error windowStart is a string (an ISO instant), not a Date
  void enqueue("rollup-days", { ...window, windowStart: new Date() });
  // @ts-expect-error rollup-days needs the account of its window
  void driver.enqueue("rollup-days", { tenantId: window.tenantId });
  // @ts-expect-error no job is called "roll-up-days"
  void enqueue("roll-up-days", window);
  // @ts-expect-error nor can a schedule name an unknown job
  void driver.schedule("daily", "refresh-stale-estimate", {}, { everyMs: 1 });
}

describe("typed job calls", () => {
  it("types exactly the registry's names, and the registry refuses the rest at run time", () => {
    const names: JobName[] = ["rollup-days", "import-file", "sync-account"];
    for (const name of names) expect(jobs.has(name)).toBe(true);
    expect(parsePayload("rollup-days", window)).toEqual(window);
    expect(() => parsePayload("rollup-days", { ...window, windowStart: new Date() })).toThrow(
      /Invalid payload for job "rollup-days": windowStart /,
    );
    expect(() => parsePayload("roll-up-days", window)).toThrow(/Unknown job "roll-up-days"/);
  });
});
