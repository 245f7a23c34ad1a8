import { json, parseJson } from "@/lib/api/http";
import * as s from "@/lib/api/allocation-schemas";
import * as allocation from "@/lib/server/allocation";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/allocation/rules – the rules in the order they are read.
export const GET = withTenantRoute(
  async (ctx) =>
    json(s.allocationRuleListSchema, await ctx.sql((client) => allocation.allocationRules(client))),
  { permission: "emissions.read" },
);

// PUT /api/v1/allocation/rules – replaces the whole list (the previous one is kept in the audit log).
export const PUT = withTenantRoute(
  async (ctx) => {
    const { rules } = await parseJson(ctx.request, s.allocationRulesPutSchema);
    return json(
      s.allocationRuleListSchema,
      await ctx.sql((client) => allocation.setAllocationRules(client, ctx.principal, rules)),
    );
  },
  { permission: "allocation.configure" },
);
