import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const cliDir = path.resolve(__dirname, "..");
const canopy = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: cliDir,
    encoding: "utf8",
  });

describe("canopy <command>", () => {
  it("prints the usage of every command for --help, -h and help, exit 0", () => {
    for (const flag of ["--help", "-h", "help"]) {
      const result = canopy(flag);
      expect(result.status, flag).toBe(0);
      expect(result.stdout).toMatch(/^Usage:\n {2}canopy accounts /);
      expect(result.stdout).toContain("canopy report --org <slug> --month YYYY-MM");
    }
  });

  it("answers --help on a command with its usage, without running it", () => {
    const result = canopy("import", "--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      "Usage: canopy import <file> --org <slug> [--replace]  Import a billing file into an organization (usage, estimates, rollups)\n",
    );
    expect(canopy("estimate", "-h").stdout).toContain("-h, --help");
  });

  it("refuses an unknown command with exit 2 and the usage", () => {
    const result = canopy("bogus");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Unknown command "bogus"\.\nUsage:\n/);
  });
});
