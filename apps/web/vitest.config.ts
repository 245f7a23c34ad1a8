import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside React server bundles; tests run the server modules directly.
      "server-only": path.resolve(import.meta.dirname, "test/server-only.ts"),
    },
  },
  // tsconfig keeps JSX for Next; tests that import a page compile it with the automatic runtime.
  oxc: { jsx: { runtime: "automatic" } },
  test: {
    include: ["**/*.test.ts", "e2e/**/*.spec.ts"],
    exclude: ["node_modules/**", ".next/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ["../../packages/db/src/test-server.ts"],
  },
});
