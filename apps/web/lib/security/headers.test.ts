import { createRequire } from "node:module";
import { describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import config from "../../next.config";
import { config as proxyConfig, proxy } from "../../proxy";
import { contentSecurityPolicy } from "./headers";

const headerMap = async (production: boolean) => {
  vi.stubEnv("NODE_ENV", production ? "production" : "development");
  try {
    const rules = await config.headers!();
    const all = rules.find((rule) => rule.source === "/:path*")!;
    return new Map(all.headers.map((h) => [h.key.toLowerCase(), h.value]));
  } finally {
    vi.unstubAllEnvs();
  }
};

describe("security headers", () => {
  it("next.config sets frame, sniffing and referrer headers on every path; HSTS in production only", async () => {
    const production = await headerMap(true);
    expect(production.get("x-frame-options")).toBe("DENY");
    expect(production.get("x-content-type-options")).toBe("nosniff");
    expect(production.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(production.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
    expect((await headerMap(false)).has("strict-transport-security")).toBe(false);
  });

  it("the proxy gives pages a nonce CSP (fresh per request, no unsafe-inline for scripts or <style>)", () => {
    const first = proxy(new NextRequest("http://localhost:3000/reports"));
    const second = proxy(new NextRequest("http://localhost:3000/reports"));
    const csp = first.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(nonce).toBeTruthy();
    expect(second.headers.get("content-security-policy")).not.toContain(nonce);
    const directives = Object.fromEntries(
      csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]),
    );
    expect(directives["script-src"]).toContain(`'nonce-${nonce}'`);
    expect(directives["script-src"]).not.toContain("unsafe-inline");
    expect(directives["style-src"]).not.toContain("unsafe-inline");
    expect(directives["frame-ancestors"]).toBe("'none'");
    expect(directives["object-src"]).toBe("'none'");
    // Next.js reads the nonce from the request's CSP header: the proxy passes it on.
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
  });

  it("API responses get a policy that allows nothing", () => {
    const response = proxy(new NextRequest("http://localhost:3000/api/v1/emissions"));
    expect(response.headers.get("content-security-policy")).toBe(
      contentSecurityPolicy({ kind: "api" }),
    );
  });

  it("the upload route bypasses the proxy (Next.js would read its whole body first) and gets the API policy from next.config", async () => {
    // Next.js's own matcher compilation, as the server applies proxy.ts's `config.matcher`.
    const require = createRequire(import.meta.url);
    const { getMiddlewareMatchers } = require("next/dist/build/analysis/get-page-static-info") as {
      getMiddlewareMatchers(matcher: unknown, nextConfig: object): unknown[];
    };
    const { getMiddlewareRouteMatcher } =
      require("next/dist/shared/lib/router/utils/middleware-route-matcher") as {
        getMiddlewareRouteMatcher(
          matchers: unknown[],
        ): (pathname: string, request: unknown, query: object) => boolean;
      };
    const matches = getMiddlewareRouteMatcher(getMiddlewareMatchers(proxyConfig.matcher, {}));
    const proxied = (pathname: string) => matches(pathname, { headers: {} }, {});
    expect(proxied("/api/v1/imports")).toBe(false);
    expect(proxied("/api/v1/imports/")).toBe(false);
    for (const pathname of [
      "/",
      "/imports",
      "/api/v1/imports/0b7e7d2a-5b7e-4c1e-9a57-8d1c7b1f2e3a",
      "/api/v1/imports/0b7e7d2a-5b7e-4c1e-9a57-8d1c7b1f2e3a/confirm",
      "/api/v1/emissions",
      "/api/auth/sign-in/email",
    ])
      expect(proxied(pathname), pathname).toBe(true);
    const rules = await config.headers!();
    expect(rules.find((rule) => rule.source === "/api/v1/imports")?.headers).toEqual([
      { key: "Content-Security-Policy", value: contentSecurityPolicy({ kind: "api" }) },
    ]);
  });
});

describe("GET /api/health", () => {
  it("answers 503 without the database's error when the database is unreachable", async () => {
    const pools = globalThis as unknown as Record<string, unknown>;
    pools.canopyApp = {
      pool: {
        query: async () => {
          throw new Error('password authentication failed for user "canopy_app" at db.internal');
        },
      },
    };
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const { GET } = await import("../../app/api/health/route");
      const response = await GET();
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: "error", database: "unreachable" });
    } finally {
      delete pools.canopyApp;
      error.mockRestore();
    }
  });
});
