import { pingDatabase } from "@canopy/db";
import { appDb } from "@/lib/server/db";

export const dynamic = "force-dynamic";

// GET /api/health – 200 when the web app can reach its database, 503 otherwise. Public: the database's
// error (host names, role names) is logged, never answered.
export async function GET() {
  try {
    await pingDatabase(appDb());
    return Response.json({ status: "ok" });
  } catch (error) {
    console.error(`canopy-web: health check: database unreachable: ${(error as Error).message}`);
    return Response.json({ status: "error", database: "unreachable" }, { status: 503 });
  }
}
