import { headersFor } from "./users";

/** Any route handler: its segment parameter is whatever its route declares. */
export type Handler = (request: Request, segment: never) => Promise<Response>;

/** Calls a route handler in-process as Next would, with a session cookie or an API key. */
export async function call(
  handler: Handler,
  options: {
    path: string;
    method?: string;
    credential?: { cookie?: string; apiKey?: string };
    params?: Record<string, string>;
    json?: unknown;
    body?: BodyInit;
    headers?: Record<string, string>;
  },
): Promise<{
  status: number;
  headers: Headers;
  body: Record<string, unknown> & {
    error?: { code: string; message: string; fields?: Record<string, string[]> };
  };
}> {
  // As a browser on the app's own page would (the origin check on cookie-authenticated changes).
  const headers = headersFor(options.credential ?? {}, {
    origin: "http://localhost:3999",
    ...options.headers,
  });
  if (options.json !== undefined) headers.set("content-type", "application/json");
  const request = new Request(`http://localhost:3999${options.path}`, {
    method: options.method ?? "GET",
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : (options.body ?? null),
    ...(options.body ? { duplex: "half" } : {}),
  } as RequestInit);
  const response = await handler(request, {
    params: Promise.resolve(options.params ?? {}),
  } as never);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : {},
  };
}
