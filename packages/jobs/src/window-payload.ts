import { z } from "zod";
import type { AccountWindow } from "@canopy/db";

/** Payload of jobs that work on one account window: ids and the window only. */
export const windowPayload = z
  .object({
    tenantId: z.uuid(),
    cloudAccountId: z.uuid(),
    windowStart: z.iso.datetime({ offset: true }),
    windowEnd: z.iso.datetime({ offset: true }),
    profile: z.enum(["canopy", "ccf"]).optional(),
    /** Set when a grid-intensity restatement queued the window (grid-restatement.ts). */
    gridLoadId: z.uuid().optional(),
  })
  .refine(
    (p) => Date.parse(p.windowStart) < Date.parse(p.windowEnd),
    "windowStart must be before windowEnd",
  );

export type WindowPayload = z.infer<typeof windowPayload>;

export const toWindow = (payload: WindowPayload): AccountWindow => ({
  cloudAccountId: payload.cloudAccountId,
  start: new Date(payload.windowStart),
  end: new Date(payload.windowEnd),
});
