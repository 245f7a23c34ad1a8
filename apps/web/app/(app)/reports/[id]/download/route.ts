import { downloadReport, isReportFormat, reportFormats } from "@canopy/reports";
import { ApiError, badRequest, errorResponse } from "@/lib/server/api-error";
import { auth } from "@/lib/server/auth";
import { appDb } from "@/lib/server/db";
import { resolvePrincipal } from "@/lib/server/principal";
import { isReportId, reportActor, reportCall, reportFileResponse } from "@/lib/server/reports";

export const dynamic = "force-dynamic";

/**
 * GET /reports/<id>/download?format=pdf|xlsx|csv — the link in the worker's report emails and the
 * report page's download buttons. Browser session only, like the pages: signed out, it sends the
 * browser to sign-in and back here; errors are `{ error: { code, message } }` with 400 (format),
 * 403 or 404 (unknown id, or another organization's).
 */
export async function GET(request: Request, segment: { params: Promise<{ id: string }> }) {
  try {
    const requestHeaders = new Headers(request.headers);
    requestHeaders.delete("authorization");
    const principal = await resolvePrincipal(requestHeaders);
    if (!principal) {
      const url = new URL(request.url);
      const session = await auth().api.getSession({ headers: requestHeaders });
      const target = session
        ? "/onboarding"
        : `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`;
      return new Response(null, { status: 303, headers: { location: target } });
    }
    const { id } = await segment.params;
    const format = new URL(request.url).searchParams.get("format") ?? "pdf";
    if (!isReportFormat(format)) {
      throw badRequest(`Unknown format ${JSON.stringify(format)}.`, {
        format: [`Expected one of ${reportFormats.join(", ")}.`],
      });
    }
    if (!isReportId(id)) throw new ApiError(404, "not_found", "Report not found.");
    const file = await reportCall(() =>
      downloadReport(appDb(), principal.tenantId, id, format, reportActor(principal)),
    );
    return reportFileResponse(file);
  } catch (error) {
    return errorResponse(error);
  }
}
