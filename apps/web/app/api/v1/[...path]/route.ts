import { ApiError, errorResponse } from "@/lib/server/api-error";

export const dynamic = "force-dynamic";

const notFound = () =>
  errorResponse(new ApiError(404, "not_found", "No such endpoint; see /api/v1/openapi.json."));

// GET|POST|PUT|PATCH|DELETE /api/v1/* – unknown endpoints answer with the API's error body, not a page.
export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
