/**
 * Real browser (Debian's Chromium through playwright-core): sign up → create an organization → run
 * the AWS wizard to the file-import step → import a sample CUR → the dashboard's totals equal the
 * database's → switch granularity and filters → download the breakdown as CSV. Screenshots of every
 * page go to apps/web/test-artifacts/.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { parseEnv } from "@canopy/config";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startCanopy, type RunningCanopy } from "./boot";

const CHROMIUM = "/usr/bin/chromium";
const artifacts = path.resolve(import.meta.dirname, "../test-artifacts");
const sample = path.resolve(
  import.meta.dirname,
  "../../../packages/connectors/test/samples/aws/sample-anonymous-aws-export-dataset.csv",
);
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && parseEnv().CI)
  throw new Error(`${CHROMIUM} is required in CI (apt-get install -y chromium)`);

let db: TestDatabase;
let canopy: RunningCanopy;
let browser: Browser;
let page: Page;

const shot = (name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

describe.skipIf(!haveBrowser)("browser: onboarding to dashboard", () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    db = await createTestDatabase();
    canopy = await startCanopy(db);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      acceptDownloads: true,
      baseURL: canopy.baseUrl,
    });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await canopy?.stop();
    await db?.drop();
  });

  it("signs up, onboards an AWS account with a file import, and shows the database's totals", async () => {
    await page.goto("/sign-up");
    await page.getByLabel("Name").fill("Erin Example");
    await page.getByLabel("Email").fill("erin@example.test");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator(".field-error").first().textContent()).resolves.toMatch(
      /10 characters/,
    );
    await shot("01-sign-up-validation");
    await page.getByLabel("Password").fill("a-long-enough-password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL("**/onboarding");

    await page.getByLabel("Organization name").fill("Example Ltd");
    await shot("02-create-organization");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL("**/accounts/new");

    // Wizard: provider and account.
    await page.getByLabel("Amazon Web Services").check();
    await page.getByLabel("Name in Canopy").fill("Sample payer");
    await page.getByLabel("AWS account id").fill("1234");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("A 12-digit AWS account id").first().waitFor();
    await page.getByLabel("AWS account id").fill("123412340534");
    await shot("03-wizard-provider");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL("**/permissions");
    await page.getByText("s3:GetObject").waitFor();
    await shot("04-wizard-permissions");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/setup");
    const externalId = await page.getByTestId("external-id").textContent();
    expect(externalId).toMatch(/^canopy-[0-9a-f]{24}$/);
    await expect(page.locator("pre").first().textContent()).resolves.toContain(
      `sts:ExternalId: ${externalId}`,
    );
    await shot("05-wizard-setup");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/credentials");
    await page.getByLabel("Role ARN").fill("arn:aws:iam::123412340534:role/CanopyReadOnly");
    await page.getByLabel("Export bucket").fill("Not A Bucket");
    await page.getByRole("button", { name: "Save credentials" }).click();
    await page.getByText("The S3 bucket of the CUR 2.0").waitFor();
    await shot("06-wizard-credentials-validation");
    await page.getByLabel("Export bucket").fill("example-cur-exports");
    await page.getByRole("button", { name: "Save credentials" }).click();
    await page.waitForURL("**/test");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByTestId("test-result").textContent()).resolves.toMatch(
      /The connection test is not available yet/,
    );
    await shot("07-wizard-test-connection");
    await page.getByRole("link", { name: "Continue to scope" }).click();
    await page.waitForURL("**/scope");
    await shot("08-wizard-scope");
    await page.getByRole("button", { name: "Save scope" }).click();
    await page.waitForURL("**/import");

    // File import with live progress.
    await page.locator('input[type="file"]').setInputFiles(sample);
    await page.getByRole("button", { name: "Upload and import" }).click();
    const status = page.getByTestId("import-status");
    await status.waitFor();
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="import-status"]');
        return (
          el?.getAttribute("data-status") === "failed" ||
          el?.getAttribute("data-estimates") === "done"
        );
      },
      undefined,
      { timeout: 120_000 },
    );
    expect(await status.getAttribute("data-status")).toBe("succeeded");
    await expect(page.getByTestId("lines-imported").textContent()).resolves.toMatch(/^1,2\d\d$/);
    await page.getByTestId("import-totals").waitFor();
    await page.waitForTimeout(500);
    await shot("09-wizard-import-done");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/done");
    await page.getByRole("button", { name: "Finish" }).click();
    await page.getByRole("link", { name: "Go to the dashboard" }).waitFor();
    await shot("10-wizard-done");

    // Dashboard: the default range ends on the last day with data, so the imported month is in it.
    await page.getByRole("link", { name: "Go to the dashboard" }).click();
    await page.getByTestId("kpi-total").waitFor();
    await page.getByTestId("chart").waitFor();
    await page.waitForTimeout(800);
    await shot("11-dashboard-month");
    const tenant = await db.owner.pool.query<{ id: string }>(
      "SELECT id FROM tenants WHERE slug = 'example-ltd'",
    );
    const tenantId = tenant.rows[0]!.id;
    const expected = (
      await db.owner.pool.query<{
        loc: number;
        mkt: number;
        emb: number;
        kwh: number;
        water: number;
      }>(
        `SELECT sum(co2e_location_kg) AS loc, sum(co2e_market_kg) AS mkt, sum(co2e_embodied_kg) AS emb,
                sum(kwh_facility) AS kwh, sum(water_l) AS water FROM emissions_hourly WHERE tenant_id = $1`,
        [tenantId],
      )
    ).rows[0]!;
    expect(expected.loc).toBeGreaterThan(0);
    const shown = async (testId: string) =>
      Number(await page.getByTestId(testId).getAttribute("data-value"));
    expect(await shown("kpi-location")).toBeCloseTo(expected.loc, 6);
    expect(await shown("kpi-market")).toBeCloseTo(expected.mkt, 6);
    expect(await shown("kpi-embodied")).toBeCloseTo(expected.emb, 6);
    expect(await shown("kpi-kwh")).toBeCloseTo(expected.kwh, 6);
    expect(await shown("kpi-water")).toBeCloseTo(expected.water, 6);
    expect(await shown("kpi-total")).toBeCloseTo(expected.loc + expected.emb, 6);

    // Granularity: day, then hour on a one-week range.
    await page.getByRole("button", { name: "Day", exact: true }).click();
    await page.waitForURL(/granularity=day/);
    await page.locator('[data-testid="chart"][data-granularity="day"]').waitFor();
    await page.waitForTimeout(600);
    await shot("12-dashboard-day");
    const range = (await page.getByTestId("range").textContent())!;
    const lastDay = range.match(/to (\d{4}-\d{2}-\d{2})/)![1]!;
    const weekStart = new Date(Date.parse(`${lastDay}T00:00:00Z`) - 6 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    await page.getByLabel("From").fill(weekStart);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(new RegExp(`from=${weekStart}`));
    await page.getByRole("button", { name: "Hour", exact: true }).click();
    await page.locator('[data-testid="chart"][data-granularity="hour"]').waitFor();
    await page.waitForTimeout(600);
    await shot("13-dashboard-hour-week");

    // A service filter, kept in the URL.
    await page.getByRole("button", { name: "Reset" }).click();
    await page.waitForURL((url) => url.search === "");
    const service = (await page
      .getByRole("listbox", { name: "Service" })
      .locator("option")
      .first()
      .getAttribute("value"))!;
    await page.getByRole("listbox", { name: "Service" }).selectOption([service]);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/service=/);
    await page.getByTestId("kpi-location").waitFor();
    const filtered = (
      await db.owner.pool.query<{ loc: number }>(
        "SELECT sum(co2e_location_kg) AS loc FROM emissions_hourly WHERE tenant_id = $1 AND service = $2",
        [tenantId, service],
      )
    ).rows[0]!;
    expect(await shown("kpi-location")).toBeCloseTo(filtered.loc, 6);
    await page.getByRole("combobox", { name: "Group by" }).selectOption("region");
    await page.waitForURL(/table=region/);
    await page.waitForTimeout(500);
    await shot("14-dashboard-filtered");

    // CSV download of the breakdown table.
    await page.getByRole("button", { name: "Reset" }).click();
    await page.waitForURL((url) => url.search === "");
    await page.getByTestId("kpi-location").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).first().click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8")
      .trim()
      .split("\n");
    expect(csv[0]).toMatch(/^Service,CO2e \(kg\),Location-based/);
    const rowsShown = await page.locator("table.data").first().locator("tbody tr").count();
    expect(csv.length - 1).toBe(rowsShown);
    const csvLocation = csv.slice(1).reduce((sum, line) => sum + Number(line.split(",")[2]), 0);
    expect(csvLocation).toBeCloseTo(expected.loc, 6);

    // The other pages: imports, accounts, an invitation, an API key shown once, the audit log.
    for (const [name, url] of [
      ["15-imports", "/imports"],
      ["16-accounts", "/accounts"],
    ] as const) {
      await page.goto(url);
      await page.locator("h1").waitFor();
      await shot(name);
    }
    await page.goto("/members");
    await page.getByLabel("Email").fill("analyst@example.test");
    await page.getByRole("button", { name: "Invite" }).click();
    await expect(page.getByLabel("Invitation link").textContent()).resolves.toMatch(
      /\/invite\/[0-9a-f-]{36}$/,
    );
    await shot("17-members");
    await page.goto("/settings/api-keys");
    await page.getByLabel("Name").fill("BI export");
    await page.getByRole("button", { name: "Create key" }).click();
    const apiKey = (await page.getByLabel("New API key").textContent())!;
    expect(apiKey).toMatch(/^cnp_[a-z0-9]{8}_/);
    await shot("18-api-keys");
    const viaKey = await fetch(`${canopy.baseUrl}/api/v1/emissions/summary`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(
      ((await viaKey.json()) as { totals: { co2eLocationKg: number } }).totals.co2eLocationKg,
    ).toBeCloseTo(expected.loc, 6);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto("/?granularity=day&groupBy=service");
    await page.getByTestId("kpi-total").waitFor();
    await page.locator("canvas").first().waitFor();
    await page.waitForTimeout(600);
    await shot("20-dashboard-dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto("/audit");
    await page.locator("h1").waitFor();
    await shot("19-audit-log");
    const auditText = await page.locator("table").textContent();
    for (const action of [
      "account.create",
      "credentials.set",
      "import.create",
      "member.invite",
      "api_key.create",
    ])
      expect(auditText).toContain(action);
  }, 300_000);
});
