#!/usr/bin/env node
// `canopy <command> [args]`: each command lives in src/commands/<name>.ts and exports `run(argv)`.
const commands: Record<
  string,
  {
    summary: string;
    ownHelp?: boolean;
    load: () => Promise<{ run(argv: string[]): Promise<number> }>;
  }
> = {
  accounts: {
    summary:
      "accounts list|precedence [account] --org <slug> [--set kinds | --default]  Accounts, payers and source precedence",
    load: () => import("./commands/accounts"),
  },
  estimate: {
    summary: "estimate <file>  Read a billing file and print carbon estimates (no database needed)",
    ownHelp: true,
    load: () => import("./commands/estimate"),
  },
  grid: {
    summary:
      "grid import <files...>  Load Electricity Maps hourly dataset files into the shared grid-intensity store",
    load: () => import("./commands/grid"),
  },
  import: {
    summary:
      "import <file> --org <slug> [--replace]  Import a billing file into an organization (usage, estimates, rollups)",
    load: () => import("./commands/import"),
  },
  "import-carbon": {
    summary:
      "import-carbon <file> --org <slug> [--provider aws|azure|gcp]  Import a provider's carbon export (AWS CARBON_EMISSIONS, GCP Carbon Footprint) for reconciliation",
    load: () => import("./commands/import-carbon"),
  },
  imports: {
    summary:
      "imports list|show|confirm|restore [id] --org <slug>  What imports and syncs replaced; confirm or restore",
    load: () => import("./commands/imports"),
  },
  migrate: {
    summary: "migrate          Apply database migrations and role grants",
    load: () => import("./commands/migrate"),
  },
  report: {
    summary:
      "report --org <slug> --month YYYY-MM [--format csv|xlsx|pdf] [--out file]  Write the organization's emissions report",
    load: () => import("./commands/report"),
  },
  "rotate-key": {
    summary: "rotate-key       Re-encrypt every stored credential with CANOPY_ENCRYPTION_KEY",
    load: () => import("./commands/rotate-key"),
  },
};

let unexpectedErrors = 0;

const isHelp = (arg: string) => arg === "--help" || arg === "-h";

async function main(argv: string[]): Promise<number> {
  // Jobs run in-process (inline driver) for import, report, …: a lost database connection or a poison
  // input fails that job with its reason (and the command exits non-zero), never crashes the command.
  const { guardProcess } = await import("@canopy/config");
  guardProcess({
    name: "canopy",
    log: (line) => process.stderr.write(`${line}\n`),
    onError: () => {
      unexpectedErrors++;
    },
  });
  const [name, ...rest] = argv;
  const usage = () =>
    `Usage:\n${Object.values(commands)
      .map((c) => `  canopy ${c.summary}`)
      .join("\n")}\n`;
  if (name === undefined || name === "help" || isHelp(name)) {
    process.stdout.write(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n${usage()}`);
    return 2;
  }
  // Commands with a help of their own (estimate) answer --help themselves; the others get their summary.
  if (rest.some(isHelp) && !command.ownHelp) {
    process.stdout.write(`Usage: canopy ${command.summary}\n`);
    return 0;
  }
  const module = await command.load();
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code === 0 && unexpectedErrors > 0 ? 1 : code;
  },
  (error: unknown) => {
    const reason = error instanceof Error && error.message ? error.message : String(error);
    process.stderr.write(
      `canopy: ${reason === "undefined" ? "failed without a reason" : reason}\n`,
    );
    process.exitCode = 1;
  },
);
