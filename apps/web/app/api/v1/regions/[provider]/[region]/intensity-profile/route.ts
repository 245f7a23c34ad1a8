import { json, parseQuery } from "@/lib/api/http";
import {
  intensityProfileQuerySchema,
  intensityProfileResponseSchema,
  regionParamsSchema,
} from "@/lib/api/region-schemas";
import { notFound } from "@/lib/server/api-error";
import { loadIntensityProfile } from "@/lib/server/regions";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/regions/{provider}/{region}/intensity-profile – the zone's hourly intensity profile and
// best window for shiftable work, for a region the organization uses (404 for any other).
export const GET = withTenantRoute<{ provider: string; region: string }>(
  async (ctx) => {
    const { provider, region } = regionParamsSchema.parse(ctx.params);
    const { hours } = parseQuery(ctx.request, intensityProfileQuerySchema);
    const profile = await ctx.sql((client) =>
      loadIntensityProfile(client, provider, region, hours),
    );
    if (!profile) throw notFound("Region");
    return json(intensityProfileResponseSchema, profile);
  },
  { permission: "emissions.read" },
);
