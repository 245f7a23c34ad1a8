import { parseQuery, json } from "@/lib/api/http";
import { filterOptionsQuerySchema, filterOptionsResponseSchema } from "@/lib/api/schemas";
import { rangeFor } from "@/lib/server/emissions";
import { filterOptions, tagKeys, tagValues } from "@/lib/server/filter-options";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/emissions/options – what each filter can take in the range under the other filters.
export const GET = withTenantRoute(
  async (ctx) => {
    const query = parseQuery(ctx.request, filterOptionsQuerySchema);
    const body = await ctx.sql(async (client) => {
      const range = await rangeFor(client, query);
      const options = await filterOptions(client, query, range);
      return {
        range: { from: range.from, to: range.to },
        providers: options.providers,
        accounts: options.accounts,
        services: options.services,
        regions: options.regions,
        tagKeys: query.tagKeys === "true" ? await tagKeys(client, query, range) : null,
        tagValues: query.tagKey ? await tagValues(client, query, range, query.tagKey) : null,
      };
    });
    return json(filterOptionsResponseSchema, body);
  },
  { permission: "emissions.read", emissionRead: true },
);
