import type { z } from "zod";
import { searchParamsToObject } from "../emissions/params";

/** The request's query string parsed by `schema` (a ZodError becomes a 400 with field messages). */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  return schema.parse(searchParamsToObject(new URL(request.url).searchParams));
}

/** A JSON body parsed by `schema`. */
export async function parseJson<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    body = undefined;
  }
  return schema.parse(body ?? {});
}

/** A response validated against its schema: what the OpenAPI document promises is what is sent. */
export function json<S extends z.ZodType>(schema: S, data: z.input<S>, status = 200): Response {
  return Response.json(schema.parse(data), { status, headers: { "cache-control": "no-store" } });
}
