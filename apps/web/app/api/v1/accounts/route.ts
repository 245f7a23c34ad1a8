import { parseQuery, json } from "@/lib/api/http";
import { accountListSchema, pageQuerySchema } from "@/lib/api/schemas";
import { listAccounts } from "@/lib/server/accounts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/accounts – the organization's cloud accounts (page/limit pagination).
export const GET = withTenantRoute(
  async (ctx) => {
    const page = parseQuery(ctx.request, pageQuerySchema);
    const { items, total } = await ctx.sql((client) =>
      listAccounts(client, { limit: page.limit, offset: (page.page - 1) * page.limit }),
    );
    return json(accountListSchema, {
      page: page.page,
      limit: page.limit,
      totalItems: total,
      items,
    });
  },
  { permission: "accounts.read" },
);
