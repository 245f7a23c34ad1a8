import { z } from "zod";
import { monthsBetween, usageSpansByAccount, withTenantClient } from "@canopy/db";
import { createEstimator } from "@canopy/methodology";
import { defineJob } from "../contract";

/**
 * Re-runs the method over an organization's stored usage (after a methodology or data-pack change,
 * or when usage has no emissions yet): one estimate-window job per account and month, so each
 * transaction stays small and progress is visible. No provider is called again.
 */
export const reestimateTenant = defineJob({
  name: "reestimate-tenant",
  payload: z.object({ tenantId: z.uuid(), profile: z.enum(["canopy", "ccf"]).optional() }),
  options: { attempts: 3, backoffMs: 10_000, concurrency: 1 },
  async process(payload, deps) {
    const spans = await withTenantClient(deps.app, payload.tenantId, usageSpansByAccount);
    const version = createEstimator(
      payload.profile ? { profile: payload.profile } : {},
    ).methodologyVersion;
    let windows = 0;
    for (const span of spans) {
      for (const month of monthsBetween(span.first, span.last)) {
        await deps.enqueue(
          "estimate-window",
          {
            tenantId: payload.tenantId,
            cloudAccountId: span.cloudAccountId,
            windowStart: month.start,
            windowEnd: month.end,
            ...(payload.profile ? { profile: payload.profile } : {}),
          },
          { jobId: `estimate:${span.cloudAccountId}:${month.start}:${version}` },
        );
        windows++;
      }
    }
    return { windows, methodologyVersion: version };
  },
});
