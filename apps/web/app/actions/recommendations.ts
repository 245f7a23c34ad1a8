"use server";
import { z } from "zod";
import {
  findingStateChangeSchema,
  recommendationSettingsSchema,
} from "@/lib/api/recommendation-schemas";
import { withTenantAction } from "@/lib/server/action";
import { changeFindingState, queueRecompute, saveSettings } from "@/lib/server/recommendations";

/** Accept, dismiss (with a reason), mark done, or reopen a finding. */
export const changeFindingStateAction = withTenantAction(
  z.intersection(z.object({ id: z.uuid("Not a valid finding id.") }), findingStateChangeSchema),
  async (input, ctx) =>
    ctx.sql(async (client) => {
      const finding = await changeFindingState(client, ctx.principal, input.id, {
        state: input.state,
        reason: input.reason ?? null,
        ...(input.doneAt ? { doneAt: input.doneAt } : {}),
      });
      return { id: finding.id, state: finding.state };
    }),
  { permission: "recommendations.triage" },
);

export const recomputeRecommendationsAction = withTenantAction(
  z.object({}),
  async (_input, ctx) => queueRecompute(ctx.principal),
  { permission: "recommendations.triage" },
);

/** The organization's constraint set for region moves (admin). */
export const saveRecommendationSettingsAction = withTenantAction(
  recommendationSettingsSchema,
  async (input, ctx) => ctx.sql((client) => saveSettings(client, ctx.principal, input)),
  { permission: "recommendations.configure" },
);
