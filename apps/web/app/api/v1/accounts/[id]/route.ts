import { setSourcePrecedence, SourcePrecedenceError } from "@canopy/db";
import { json, parseJson } from "@/lib/api/http";
import { accountSchema, accountUpdateSchema, idParamSchema } from "@/lib/api/schemas";
import { badRequest, notFound } from "@/lib/server/api-error";
import { getAccount } from "@/lib/server/accounts";
import { writeAudit } from "@/lib/server/audit";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/accounts/{id} – one cloud account of the organization (404 for any other).
export const GET = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    return json(accountSchema, await ctx.sql((client) => getAccount(client, id)));
  },
  { permission: "accounts.read" },
);

// PATCH /api/v1/accounts/{id} – the account's source precedence (null: the default order).
export const PATCH = withTenantRoute<{ id: string }>(
  async (ctx) => {
    const { id } = idParamSchema.parse(ctx.params);
    const { sourcePrecedence } = await parseJson(ctx.request, accountUpdateSchema);
    const account = await ctx.sql(async (client) => {
      try {
        if (!(await setSourcePrecedence(client, id, sourcePrecedence)))
          throw notFound("Cloud account");
      } catch (error) {
        if (error instanceof SourcePrecedenceError)
          throw badRequest(error.message, { sourcePrecedence: [error.message] });
        throw error;
      }
      await writeAudit(
        client,
        ctx.principal,
        "account.source_precedence",
        { type: "cloud_account", id },
        { sourcePrecedence },
      );
      return getAccount(client, id);
    });
    return json(accountSchema, account);
  },
  { permission: "accounts.manage" },
);
