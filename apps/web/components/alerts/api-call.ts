/** Calls /api/v1 from the browser with the session cookie; resolves to the body or throws its message. */
export async function apiCall<T = unknown>(
  path: string,
  method: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const error = data.error as { message?: string; fields?: Record<string, string[]> } | undefined;
    const fields = Object.entries(error?.fields ?? {})
      .map(([field, messages]) => `${field}: ${messages.join(" ")}`)
      .join("; ");
    throw new Error(
      [error?.message ?? `HTTP ${response.status}`, fields].filter(Boolean).join(" "),
    );
  }
  return data as T;
}
