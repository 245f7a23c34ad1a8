import { defineConfig } from "drizzle-kit";

// `pnpm --filter @canopy/db generate` writes SQL migrations from src/schema.ts; no database needed.
// emissions_hourly is partitioned, which drizzle-kit cannot express: its CREATE TABLE was moved by
// hand from 0001 into the hand-written 0002 migration; later ALTERs that drizzle-kit generates for it
// apply to the partitioned table as they are.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./migrations",
});
