import { loadOrganization, sciSeries } from "@canopy/db";
import { impactManifest } from "@/lib/server/impact-manifest";
import { withTenantRoute } from "@/lib/server/route";

export const dynamic = "force-dynamic";

// GET /api/v1/functional-units/manifest – the SCI points as an Impact Framework manifest.
export const GET = withTenantRoute(
  async (ctx) => {
    const manifest = await ctx.sql(async (client) =>
      impactManifest(
        (await loadOrganization(client))?.name ?? "organization",
        await sciSeries(client),
      ),
    );
    return new Response(`${JSON.stringify(manifest, null, 2)}\n`, {
      headers: {
        "content-type": "application/yaml; charset=utf-8",
        "content-disposition": 'attachment; filename="canopy-sci.manifest.yaml"',
      },
    });
  },
  { permission: "emissions.read" },
);
