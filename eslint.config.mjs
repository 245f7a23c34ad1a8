import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      "**/dist/**",
      "**/migrations/**",
      ".canopy/**",
      "**/next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read configuration through @canopy/config.",
        },
      ],
    },
  },
  {
    files: ["packages/config/src/**"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // Next.js entry points run before (or outside) the app's modules and read only the variables
    // Next itself sets and inlines: NODE_ENV and NEXT_RUNTIME.
    files: ["apps/web/instrumentation.ts", "apps/web/proxy.ts", "apps/web/next.config.ts"],
    rules: { "no-restricted-properties": "off" },
  },
);
