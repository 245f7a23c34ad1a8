import { z } from "zod";

export type ErrorBody = {
  error: { code: string; message: string; fields?: Record<string, string[]> };
};

/** An error with an HTTP status and a stable code; every handler's errors end up in this shape. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found.`);
export const badRequest = (message: string, fields?: Record<string, string[]>) =>
  new ApiError(400, "validation_error", message, fields);

/** Field-level messages of a zod error, keyed by dotted path ("" for the whole input). */
export function zodFields(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".");
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/** Any thrown value as a status and error body; unexpected errors are logged and hidden. */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ApiError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.fields) body.error.fields = error.fields;
    return { status: error.status, body };
  }
  if (error instanceof z.ZodError) {
    return {
      status: 400,
      body: {
        error: {
          code: "validation_error",
          message: "Some fields are invalid.",
          fields: zodFields(error),
        },
      },
    };
  }
  console.error("canopy-web: unexpected error", error);
  return {
    status: 500,
    body: { error: { code: "internal_error", message: "Something went wrong on our side." } },
  };
}

export function errorResponse(error: unknown): Response {
  const { status, body } = toErrorBody(error);
  return Response.json(body, { status });
}
