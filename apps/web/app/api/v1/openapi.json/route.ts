import { openApiDocument } from "@/lib/api/openapi";
import { publicUrl } from "@/lib/server/env";

export const dynamic = "force-dynamic";

// GET /api/v1/openapi.json – the OpenAPI 3 document, generated from the routes' zod schemas (public).
export function GET() {
  return Response.json(openApiDocument(publicUrl()));
}
