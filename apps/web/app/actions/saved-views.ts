"use server";
import { z } from "zod";
import { deleteSavedView, listSavedViews, MAX_SAVED_VIEWS, saveView } from "@canopy/db";
import { normalizeViewQuery } from "@/lib/emissions/saved-view-query";
import { safeText } from "@/lib/emissions/params";
import { withTenantAction } from "@/lib/server/action";
import { ApiError, badRequest, notFound } from "@/lib/server/api-error";
import type { TenantScope } from "@/lib/server/tenant-scope";

/** Saved views belong to a person: only a signed-in session has one. */
function userOf(ctx: TenantScope): string {
  if (ctx.principal.kind !== "session" || !ctx.principal.userId)
    throw new ApiError(403, "forbidden", "Saved views belong to a signed-in user.");
  return ctx.principal.userId;
}

/** Saves the current dashboard view under a name (the same name replaces that view). */
export const saveViewAction = withTenantAction(
  z.object({
    name: safeText(1, 80)
      .transform((name) => name.trim())
      .pipe(z.string().min(1, "A name.")),
    query: z.string().max(4000, "This view's URL is too long to save."),
  }),
  async (input, ctx) => {
    const userId = userOf(ctx);
    const normalized = normalizeViewQuery(input.query);
    if (!normalized.ok) throw badRequest("This view cannot be saved.", normalized.fields);
    const saved = await ctx.sql((client) =>
      saveView(client, ctx.principal.tenantId, userId, {
        name: input.name,
        query: normalized.query,
      }),
    );
    if (!saved)
      throw badRequest(`You can keep up to ${MAX_SAVED_VIEWS} views; delete one first.`, {
        name: [`Up to ${MAX_SAVED_VIEWS} views.`],
      });
    return saved;
  },
  { permission: "views.save" },
);

export const deleteViewAction = withTenantAction(
  z.object({ id: z.uuid("Not a valid view id.") }),
  async (input, ctx) => {
    const userId = userOf(ctx);
    const deleted = await ctx.sql((client) => deleteSavedView(client, userId, input.id));
    if (!deleted) throw notFound("Saved view");
    return { id: input.id };
  },
  { permission: "views.save" },
);

/** The signed-in user's views in this organization. */
export const listViewsAction = withTenantAction(
  z.object({}),
  async (_input, ctx) => {
    const userId = userOf(ctx);
    return ctx.sql((client) => listSavedViews(client, userId));
  },
  { permission: "views.save" },
);
