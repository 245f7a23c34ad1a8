import { parseQuery, json } from "@/lib/api/http";
import { jobListSchema, jobQuerySchema } from "@/lib/api/schemas";
import { listJobRuns } from "@/lib/server/accounts";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/jobs – recent sync runs and failures (optional ?status=failed), page/limit.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, jobQuerySchema);
    const { items, total } = await ctx.sql((client) =>
      listJobRuns(client, {
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
        status: query.status,
      }),
    );
    return json(jobListSchema, { page: query.page, limit: query.limit, totalItems: total, items });
  },
  { permission: "imports.read" },
);
