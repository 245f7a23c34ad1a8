import { vi } from "vitest";

/** The request headers server actions see (next/headers is mocked in action tests). */
export const requestHeaders = { current: new Headers() };

export function actAs(credential: { cookie?: string; apiKey?: string }) {
  const headers = new Headers();
  if (credential.cookie) headers.set("cookie", credential.cookie);
  if (credential.apiKey) headers.set("authorization", `Bearer ${credential.apiKey}`);
  requestHeaders.current = headers;
}

vi.mock("next/headers", () => ({
  headers: async () => requestHeaders.current,
  cookies: async () => ({
    get: () => undefined,
    getAll: () => [],
    set: () => undefined,
    delete: () => undefined,
    has: () => false,
  }),
}));
