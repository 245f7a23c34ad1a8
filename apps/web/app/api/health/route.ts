import { appDb } from "@/lib/server/db";

export const dynamic = "force-dynamic";

// GET /api/health – 200 when the web app can reach its database, 503 otherwise.
export async function GET() {
  try {
    await appDb().pool.query("SELECT 1");
    return Response.json({ status: "ok" });
  } catch (error) {
    return Response.json(
      { status: "unavailable", error: (error as Error).message },
      { status: 503 },
    );
  }
}
