import { z } from "zod";
import { ensureEmissionsPartitions } from "@canopy/db";
import { defineJob } from "../contract";

/** Keeps emissions_hourly partitions created ahead of time (runs daily). */
export const maintainPartitions = defineJob({
  name: "maintain-partitions",
  payload: z.object({ monthsAhead: z.number().int().min(1).max(24).default(3) }),
  options: { attempts: 5, backoffMs: 10_000, concurrency: 1 },
  async process(payload, deps) {
    const created = await ensureEmissionsPartitions(
      deps.owner.pool,
      new Date(),
      payload.monthsAhead + 1,
    );
    if (created > 0)
      deps.log(`maintain-partitions: created ${created} emissions_hourly partition(s)`);
    return { created };
  },
});
