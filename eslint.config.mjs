import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

/**
 * Package layers, lowest first: apps → jobs → (connectors, reports → db) → methodology → config.
 * A package imports only from layers below it, and no app imports another app.
 */
const canopy = (names) => names.map((name) => `@canopy/${name}`);
const apps = canopy(["web", "cli", "worker"]);
const onlyBelow = (files, forbidden) => ({
  files,
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            group: forbidden.flatMap((name) => [name, `${name}/*`]),
            message: "Layers: apps → jobs → (connectors, reports → db) → methodology → config.",
          },
        ],
      },
    ],
  },
});
const otherApps = (app) => ({
  files: [`apps/${app}/**`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            group: ["web", "cli", "worker"]
              .filter((other) => other !== app)
              .flatMap((other) => [
                `@canopy/${other}`,
                `@canopy/${other}/*`,
                `../${other}/*`,
                `../../${other}/*`,
                `../../../${other}/*`,
              ]),
            message: "An app does not import another app: move what they share into a package.",
          },
        ],
      },
    ],
  },
});
const layers = [
  onlyBelow(
    ["packages/config/**"],
    canopy(["methodology", "db", "connectors", "reports", "jobs"]).concat(apps),
  ),
  onlyBelow(
    ["packages/methodology/**"],
    canopy(["db", "connectors", "reports", "jobs"]).concat(apps),
  ),
  onlyBelow(["packages/db/**"], canopy(["connectors", "reports", "jobs"]).concat(apps)),
  onlyBelow(["packages/connectors/**"], canopy(["db", "reports", "jobs"]).concat(apps)),
  onlyBelow(["packages/reports/**"], canopy(["connectors", "jobs"]).concat(apps)),
  onlyBelow(["packages/jobs/**"], apps),
  ...["web", "cli", "worker"].map(otherApps),
];

/**
 * Raw SQL lives in the store modules of @canopy/db (packages/db/src/stores/, one per table or tight
 * group of tables), each function taking a tenant-scoped client (withTenantClient) or, for
 * cross-tenant maintenance, the owner connection. Elsewhere a `.query(` call is refused, as reading
 * process.env is outside config. Enforced for apps/web, apps/cli, packages/reports and packages/jobs.
 */
const rawSqlOutsideStores = {
  files: [
    "apps/web/**/*.{ts,tsx}",
    "apps/cli/src/**/*.ts",
    "packages/reports/src/**/*.ts",
    "packages/jobs/src/**/*.ts",
  ],
  ignores: [
    "**/*.test.ts",
    "**/*.test.tsx",
    "**/test/**",
    "**/bench/**",
    "**/e2e/**",
    "**/testing/**",
    "**/testing.ts",
  ],
  rules: {
    "no-restricted-syntax": [
      "error",
      {
        selector: "CallExpression[callee.property.name='query']",
        message:
          "No raw SQL here: add a typed function to the table's store module in packages/db/src/stores/ (taking a tenant-scoped PoolClient, or the owner connection for cross-tenant maintenance) and call it.",
      },
    ],
  },
};

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
  ...layers,
  rawSqlOutsideStores,
);
