/**
 * Real browser (Debian's Chromium through playwright-core): sign up → create an organization → run
 * the AWS wizard to the file-import step → import a sample CUR → the dashboard's totals equal the
 * database's → switch granularity and filters → download the breakdown as CSV → a partial one-day
 * file asks before replacing (the preview), is confirmed, and is restored from /imports, after which
 * the figures are those from before. Screenshots of every page go to apps/web/test-artifacts/.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { parseEnv } from "@canopy/config";
import { createTestDatabase, type TestDatabase } from "@canopy/db/testing";
import { startFakeAws, type FakeAws } from "@canopy/connectors/testing";
import { storeReportedCarbon } from "@canopy/jobs";
import { parseCsv } from "@canopy/reports/testing";
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
let fakeAws: FakeAws;
let canopy: RunningCanopy;
const roleArn = "arn:aws:iam::123412340534:role/CanopyReadOnly";
const canopySourceKey = "AKIAE2ECANOPYSOURCE1";
let browser: Browser;
let page: Page;

const shot = (name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

describe.skipIf(!haveBrowser)("browser: onboarding to dashboard", () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    db = await createTestDatabase();
    // The connection test calls a local fake AWS: the SDK's standard variables point Canopy's own
    // identity and every AWS endpoint at it (the role trusts the wizard's external id once known).
    fakeAws = await startFakeAws({
      roleArn,
      externalId: "set-after-the-setup-step",
      sourceAccessKeyId: canopySourceKey,
    });
    fakeAws.setAthenaResult(["line_item_usage_start_date"], () => [["2026-11-01 00:00:00"]]);
    fakeAws.setAccounts([
      { Id: "123412340534", Name: "Sample payer", Status: "ACTIVE" },
      { Id: "567856780987", Name: "Sample prod", Status: "ACTIVE" },
    ]);
    canopy = await startCanopy(db, {
      AWS_ENDPOINT_URL: fakeAws.url,
      AWS_ACCESS_KEY_ID: canopySourceKey,
      AWS_SECRET_ACCESS_KEY: "e2e-canopy-source-secret",
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    });
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
    await fakeAws?.close();
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
    fakeAws.trust({ externalId: externalId! });
    await expect(page.locator("pre").first().textContent()).resolves.toContain(
      `sts:ExternalId: ${externalId}`,
    );
    await shot("05-wizard-setup");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/credentials");
    await page.getByLabel("Role ARN").fill(roleArn);
    await page.getByLabel("Export bucket").fill("Not A Bucket");
    await page.getByLabel("Athena database").fill("cur");
    await page.getByRole("button", { name: "Save credentials" }).click();
    await page.getByText("The S3 bucket of the CUR 2.0").waitFor();
    await page.getByText("Name the CUR 2.0 table").waitFor();
    await shot("06-wizard-credentials-validation");
    await page.getByLabel("Export bucket").fill("example-cur-exports");
    await page.getByLabel("CUR 2.0 table").fill("data");
    await page.getByRole("button", { name: "Save credentials" }).click();
    await page.waitForURL("**/test");

    // Live test against the fake: a missing Athena permission is named with its fix, beside the
    // checks that passed; once granted, everything passes and the linked accounts are listed.
    fakeAws.deny("S3.GetObject", "s3:GetObject");
    await page.getByRole("button", { name: "Test connection" }).click();
    const result = page.getByTestId("test-result");
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute("data-status")).toBe("failed");
    await expect(result.textContent()).resolves.toContain("s3:GetObject");
    const check = (permission: string) =>
      page.locator(`[data-testid="test-checks"] tr[data-check="${permission}"]`);
    expect(await check("sts:AssumeRole").getAttribute("data-status")).toBe("passed");
    expect(await check("athena:StartQueryExecution").getAttribute("data-status")).toBe("passed");
    expect(await check("s3:GetObject").getAttribute("data-status")).toBe("failed");
    await expect(check("s3:GetObject").textContent()).resolves.toMatch(/Fix:.*s3:GetObject/);
    await shot("07-wizard-test-connection-failed");
    fakeAws.deny("S3.GetObject", "");
    await page.getByRole("button", { name: "Test again" }).click();
    await page.locator('[data-testid="test-result"][data-status="passed"]').waitFor({
      timeout: 60_000,
    });
    await expect(page.getByTestId("discovered").textContent()).resolves.toContain("567856780987");
    await shot("07-wizard-test-connection-passed");
    await page.getByRole("link", { name: "Continue to scope" }).click();
    await page.waitForURL("**/scope");
    await expect(page.locator("textarea").inputValue()).resolves.toContain("567856780987");
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
        spend: number;
        low: number;
        high: number;
        kwh: number;
        water: number;
      }>(
        `SELECT sum(co2e_location_kg) AS loc, sum(co2e_market_kg) AS mkt, sum(co2e_embodied_kg) AS emb,
                sum(co2e_spend_based_kg) AS spend, sum(co2e_low_kg) AS low, sum(co2e_high_kg) AS high,
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
    // Total = electricity (location-based) + embodied + spend-based, with the summed row range
    const total = expected.loc + expected.emb + expected.spend;
    expect(await shown("kpi-total")).toBeCloseTo(total, 6);
    const totalRange = page.getByTestId("kpi-total-range");
    expect(Number(await totalRange.getAttribute("data-low"))).toBeCloseTo(expected.low, 6);
    expect(Number(await totalRange.getAttribute("data-high"))).toBeCloseTo(expected.high, 6);
    expect(expected.low).toBeLessThanOrEqual(total);
    expect(expected.high).toBeGreaterThanOrEqual(total);

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
    // The searchable combobox, by keyboard: type, Enter picks, Escape closes.
    const serviceBox = page.getByRole("combobox", { name: "Service", exact: true });
    const serviceList = page.getByRole("listbox", { name: "Service", exact: true });
    await serviceBox.click();
    expect(await serviceBox.getAttribute("aria-expanded")).toBe("true");
    const service = (await serviceList.getByRole("option").first().getAttribute("data-value"))!;
    await serviceBox.fill(service);
    await serviceBox.press("Enter");
    await expect
      .poll(() =>
        serviceList
          .locator(`[role="option"][data-value="${service}"]`)
          .getAttribute("aria-selected"),
      )
      .toBe("true");
    await serviceBox.press("Escape");
    expect(await serviceBox.getAttribute("aria-expanded")).toBe("false");
    // Options follow the pending choice: with one service picked, the regions offered are its own.
    const [shownFrom, shownTo] = (await page.getByTestId("range").textContent())!.match(
      /\d{4}-\d{2}-\d{2}/g,
    )!;
    const regionsOfService = (
      await db.owner.pool.query<{ region: string }>(
        `SELECT DISTINCT region FROM emissions_daily
         WHERE tenant_id = $1 AND service = $2 AND region <> '' AND day BETWEEN $3 AND $4`,
        [tenantId, service, shownFrom, shownTo],
      )
    ).rows
      .map((r) => r.region)
      .sort();
    const regionBox = page.getByRole("combobox", { name: "Region", exact: true });
    await regionBox.click();
    await expect
      .poll(async () =>
        (
          await page
            .getByRole("listbox", { name: "Region", exact: true })
            .getByRole("option")
            .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-value")))
        ).sort(),
      )
      .toEqual(regionsOfService);
    await regionBox.press("Escape");
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

    // Drill-down: a provider row filters to it and groups by account; the breadcrumb goes back.
    await page.goto("/?table=provider");
    await page.getByTestId("kpi-location").waitFor();
    await page.locator("table.data tbody tr.drillable a").first().click();
    await page.waitForURL(/provider=aws.*table=account|table=account.*provider=aws/);
    await expect
      .poll(() => page.getByTestId("breadcrumb").textContent())
      .toContain("Provider: AWS");
    expect(await page.getByTestId("comparison").count()).toBeGreaterThan(0);
    await shot("14b-dashboard-drilled");
    await page.getByTestId("breadcrumb").getByRole("link", { name: "All" }).click();
    await page.waitForURL((url) => !url.searchParams.has("provider"));
    expect(new URL(page.url()).searchParams.get("table")).toBe("provider");

    // CSV download of the breakdown table.
    await page.getByRole("button", { name: "Reset" }).click();
    await page.waitForURL((url) => url.search === "");
    await page.getByTestId("kpi-location").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).first().click(),
    ]);
    const [header, ...csvRows] = parseCsv(readFileSync((await download.path())!, "utf8").trim());
    expect(header?.slice(0, 2)).toEqual([
      "Service",
      "Total CO2e, location-based (lifecycle grid factors)",
    ]);
    const rowsShown = await page.locator("table.data").first().locator("tbody tr").count();
    expect(csvRows.length).toBe(rowsShown);
    const column = (name: string) => header!.findIndex((cell) => cell.startsWith(name));
    const sumOf = (index: number) => csvRows.reduce((sum, row) => sum + Number(row[index]), 0);
    expect(sumOf(column("Electricity, Scope 2 location-based"))).toBeCloseTo(expected.loc, 6);
    expect(sumOf(column("Total CO2e, location-based"))).toBeCloseTo(total, 6);

    // A partial re-export of one day (a handful of EC2 lines, far less cost, fewer services than
    // stored): the import asks first, with the preview; replaced on confirmation; then the previous
    // version restored from /imports, and the figures are those from before the partial upload.
    const counted = async () =>
      (
        await db.owner.pool.query<{
          rows: number;
          cost: number;
          loc: number;
          daily: number;
          monthly: number;
        }>(
          `SELECT (SELECT count(*)::int FROM usage_hourly WHERE tenant_id = $1) AS rows,
                  (SELECT coalesce(sum(cost_amount), 0)::float8 FROM usage_hourly WHERE tenant_id = $1) AS cost,
                  (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_hourly WHERE tenant_id = $1) AS loc,
                  (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_daily WHERE tenant_id = $1) AS daily,
                  (SELECT coalesce(sum(co2e_location_kg), 0) FROM emissions_monthly WHERE tenant_id = $1) AS monthly`,
          [tenantId],
        )
      ).rows[0]!;
    const beforePartial = await counted();
    const partialDay = Date.parse("2023-11-07T00:00:00Z");
    const stamp = (ms: number) => new Date(ms).toISOString().replace(".000", "");
    const partialCsv =
      [
        "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,bill/PayerAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,pricing/unit",
        ...Array.from(
          { length: 6 },
          (_, i) =>
            `Usage,${stamp(partialDay + i * 3_600_000)},${stamp(partialDay + (i + 1) * 3_600_000)},123412340534,123412340534,AmazonEC2,USE1-BoxUsage:t3.micro,0.01,0.001,USD,us-east-1,Hrs`,
        ),
      ].join("\n") + "\n";
    await page.goto("/imports");
    await page.locator('input[type="file"]').setInputFiles({
      name: "partial-2023-11-07.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(partialCsv),
    });
    await page.getByRole("button", { name: "Upload and import" }).click();
    const preview = page.getByTestId("import-preview");
    await preview.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("import-status").getAttribute("data-status")).toBe(
      "awaiting_confirmation",
    );
    const account = preview.locator('[data-testid="replacement-account"]');
    expect(await account.getAttribute("data-account")).toBe("123412340534");
    await expect(account.locator("h3").textContent()).resolves.toContain("2023-11-07");
    await expect(account.getByTestId("replacement-stored").textContent()).resolves.toMatch(
      /^Stored now\d[\d,]* rows, cost \$[\d.,]+, services [A-Za-z].* kWh, .* CO2e \(location-based\)from AWS legacy CUR file/,
    );
    await expect(account.getByTestId("replacement-arriving").textContent()).resolves.toMatch(
      /^This file6 rows, cost \$0\.01, services AmazonEC2from AWS legacy CUR file/,
    );
    const reasons = await account
      .getByTestId("replacement-reasons")
      .locator("li")
      .allTextContents();
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/removes \d+ service\(s\) it does not re-supply: /),
        expect.stringMatching(/cost falls from [\d.]+ to 0\.01/),
      ]),
    );
    await page.waitForTimeout(300);
    await shot("15a-import-preview");
    // Nothing changed until the user decides; /imports lists it as awaiting confirmation too.
    expect(await counted()).toEqual(beforePartial);
    const other = await page.context().newPage();
    await other.goto("/imports");
    const waiting = other.getByTestId("awaiting-run");
    await waiting.waitFor();
    await expect(waiting.getByTestId("replacement-reasons").textContent()).resolves.toMatch(
      /removes \d+ service\(s\)/,
    );
    await other.getByRole("link", { name: "awaiting confirmation" }).waitFor();
    expect(await waiting.getByRole("button", { name: "Replace stored data" }).count()).toBe(1);
    expect(await waiting.getByRole("button", { name: "Don't import" }).count()).toBe(1);
    await other.screenshot({
      path: path.join(artifacts, "15a-imports-awaiting.png"),
      fullPage: true,
    });
    await other.close();
    await page.getByRole("button", { name: "Replace stored data" }).click();
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="import-status"]');
        return (
          el?.getAttribute("data-status") === "failed" ||
          (el?.getAttribute("data-status") === "succeeded" &&
            el?.getAttribute("data-estimates") === "done")
        );
      },
      undefined,
      { timeout: 120_000 },
    );
    expect(await page.getByTestId("import-status").getAttribute("data-status")).toBe("succeeded");
    await expect(page.getByTestId("import-replaced").textContent()).resolves.toMatch(
      /^Replaced: [\d,]+ rows over 2023-11-07 \(previous version kept\)/,
    );
    await shot("15b-import-replaced");
    const afterPartial = await counted();
    expect(afterPartial.loc).toBeLessThan(beforePartial.loc);
    expect(afterPartial.cost).toBeLessThan(beforePartial.cost);
    const partialId = (
      await db.owner.pool.query<{ id: string }>(
        "SELECT id FROM sync_runs WHERE tenant_id = $1 AND details->>'fileName' = 'partial-2023-11-07.csv'",
        [tenantId],
      )
    ).rows[0]!.id;
    await page.goto("/imports");
    const partialRun = page.locator(`[data-testid="run"][data-run="${partialId}"]`);
    await expect(partialRun.getByTestId("run-versions").textContent()).resolves.toMatch(
      /Replaced: [\d,]+ rows over 2023-11-07 \(previous version kept\)/,
    );
    await shot("15c-imports-replaced");
    await partialRun.getByRole("button", { name: "Restore previous version" }).click();
    await partialRun.getByTestId("run-restored").waitFor();
    await expect(partialRun.getByTestId("run-restored").textContent()).resolves.toMatch(
      /^Restored on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/,
    );
    await shot("15d-imports-restored");
    // The restore re-estimates the month: wait for the rollups, then the figures are the old ones.
    let restored = await counted();
    for (let i = 0; i < 120 && Math.abs(restored.monthly - beforePartial.monthly) > 1e-6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      restored = await counted();
    }
    expect(restored.rows).toBe(beforePartial.rows);
    expect(restored.cost).toBeCloseTo(beforePartial.cost, 9);
    expect(restored.loc).toBeCloseTo(beforePartial.loc, 9);
    expect(restored.daily).toBeCloseTo(beforePartial.daily, 9);
    expect(restored.monthly).toBeCloseTo(beforePartial.monthly, 9);
    await page.goto("/");
    await page.getByTestId("kpi-total").waitFor();
    expect(await shown("kpi-location")).toBeCloseTo(expected.loc, 6);
    expect(await shown("kpi-market")).toBeCloseTo(expected.mkt, 6);
    expect(await shown("kpi-embodied")).toBeCloseTo(expected.emb, 6);
    expect(await shown("kpi-kwh")).toBeCloseTo(expected.kwh, 6);
    expect(await shown("kpi-total")).toBeCloseTo(total, 6);
    await page.waitForTimeout(600);
    await shot("15e-dashboard-after-restore");
    // Creating a second organization can be abandoned: the onboarding page leads back.
    await page.goto("/onboarding");
    await page.getByTestId("onboarding-back").click();
    await page.getByTestId("kpi-total").waitFor();

    // The other pages: imports, accounts, an invitation, an API key shown once, the audit log.
    for (const [name, url] of [
      ["15-imports", "/imports"],
      ["16-accounts", "/accounts"],
    ] as const) {
      await page.goto(url);
      await page.locator("h1").waitFor();
      await shot(name);
    }
    // Only a file import so far: no provider figures, and the page says when they arrive.
    await page.goto("/reconciliation");
    await page.getByTestId("reconciliation-empty").waitFor();
    await expect(page.getByTestId("reconciliation-empty").textContent()).resolves.toMatch(
      /AWS publishes month M between the 15th and 21st/,
    );
    await shot("16-reconciliation-empty");
    // Once AWS's figure for the imported month is stored (as fetch-reported-carbon does), the page
    // compares it with Canopy's estimate: AWS total (v3: Scope 1–3) against location-based + embodied.
    const month = (
      await db.owner.pool.query<{
        id: string;
        month: string;
        loc: number;
        emb: number;
        spend: number;
      }>(
        `SELECT cloud_account_id AS id, to_char(month, 'YYYY-MM-DD') AS month, sum(co2e_location_kg)::float8 AS loc,
                sum(co2e_embodied_kg)::float8 AS emb, sum(co2e_spend_based_kg)::float8 AS spend
         FROM emissions_monthly WHERE tenant_id = $1 GROUP BY 1, 2 ORDER BY 2 DESC LIMIT 1`,
        [tenantId],
      )
    ).rows[0]!;
    const awsKg = (month.loc + month.emb) * 1.25;
    await storeReportedCarbon(db.app, tenantId, month.id, [
      {
        provider: "aws",
        providerAccountId: "123412340534",
        month: month.month,
        scope: "total",
        co2eKg: awsKg,
        source: "aws-carbon-emissions-export",
        modelVersion: "v3.0.0",
      },
    ]);
    await page.reload();
    const reconciled = page.locator(
      `[data-testid="reconciliation"] tr[data-provider="aws"][data-month="${month.month}"]`,
    );
    await reconciled.waitFor();
    const cell = (n: number) => reconciled.locator("td").nth(n);
    expect(Number(await cell(3).getAttribute("data-value"))).toBeCloseTo(awsKg, 6);
    expect(Number(await cell(4).getAttribute("data-value"))).toBeCloseTo(
      month.loc + month.emb - awsKg,
      6,
    );
    await expect(cell(5).textContent()).resolves.toBe("−20%");
    await expect(cell(6).textContent()).resolves.toMatch(/Scope coverage/);
    await shot("16-reconciliation");
    // Finance report for the imported month: generate, the figures equal the database's, download
    // the PDF, finalize (the owner has finance rights).
    await page.goto("/reports");
    await page.getByTestId("reports-empty").waitFor();
    await page.getByLabel("Month", { exact: true }).fill(month.month.slice(0, 7));
    await page.getByRole("button", { name: "Generate" }).click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    const figure = page.getByTestId("figure-scope3-location");
    // the report's total: electricity (location-based) + embodied + spend-based, as on the dashboard
    expect(Number(await figure.getAttribute("data-value"))).toBeCloseTo(
      month.loc + month.emb + month.spend,
      3,
    );
    await shot("17-report-draft");
    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-pdf").click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(/^canopy-report-.+-v1-draft\.pdf$/);
    expect(
      readFileSync((await pdf.path())!)
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByTestId("finalize-report").click();
    await page
      .locator('[data-testid="report"][data-status="final"], [data-testid="finalize-error"]')
      .first()
      .waitFor();
    const refused = page.getByTestId("finalize-error");
    expect((await refused.count()) ? await refused.textContent() : null).toBeNull();
    await shot("17-report-final");
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
    // The API reference, linked from the keys page, served by the app from the OpenAPI document.
    await page.getByRole("link", { name: "API reference" }).click();
    await page.locator('[data-operation="get /api/v1/emissions"]').waitFor();
    expect(
      await page.locator('[data-schema="EmissionsSeries"]').getByText("points").count(),
    ).toBeGreaterThan(0);
    await shot("18-api-reference");
    const viaKey = await fetch(`${canopy.baseUrl}/api/v1/emissions/summary`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(
      ((await viaKey.json()) as { totals: { co2eLocationKg: number } }).totals.co2eLocationKg,
    ).toBeCloseTo(expected.loc, 6);
    // Allocation: a cost centre and a tag rule from the page; what no rule matches stays unallocated.
    await page.goto("/allocation");
    await page.getByLabel("New cost centre").fill("Platform");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel("Tag key").waitFor();
    await page.getByLabel("Tag key").fill("team");
    await page.getByLabel("Tag value").fill("platform");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByText("tag team = platform → Platform (by fixed weights)").waitFor();
    await page.locator('[data-cost-centre="unallocated"]').waitFor();
    await shot("18-allocation");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto("/?granularity=day&groupBy=service");
    await page.getByTestId("kpi-total").waitFor();
    await page.locator("canvas").first().waitFor();
    await page.waitForTimeout(600);
    await shot("20-dashboard-dark");
    // Dark mode: the Hour/Day/Month buttons and the filter inputs read against their background.
    const contrasts = await page.evaluate(() => {
      const rgb = (value: string) => (value.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const luminance = (c: number[]) => {
        const [r, g, b] = c.map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const background = (node: Element | null): number[] => {
        for (let at = node; at; at = at.parentElement) {
          const value = getComputedStyle(at).backgroundColor;
          const alpha = value.startsWith("rgba") ? Number(value.split(",")[3]) : 1;
          if (alpha > 0.5) return rgb(value);
        }
        return [255, 255, 255];
      };
      const ratio = (node: Element) => {
        const a = luminance(rgb(getComputedStyle(node).color));
        const b = luminance(background(node));
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      };
      const controls = [
        ...document.querySelectorAll(
          '.segmented button, .filters input[type="date"], .combo input, .filters > .row button, select',
        ),
      ];
      return controls.map((node) => ({
        name: node.textContent?.trim() || node.getAttribute("aria-label") || node.id,
        ratio: ratio(node),
      }));
    });
    expect(contrasts.length).toBeGreaterThan(5);
    for (const control of contrasts)
      expect(control.ratio, `contrast of ${control.name}`).toBeGreaterThanOrEqual(4.5);

    // Phone width (390 px), light and dark: the header's email and Sign out stay on screen, the
    // navigation folds behind Menu, and nothing makes the page scroll sideways.
    for (const colorScheme of ["light", "dark"] as const) {
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        colorScheme,
        baseURL: canopy.baseUrl,
        storageState: await page.context().storageState(),
      });
      const mobile = await phone.newPage();
      await mobile.goto("/");
      await mobile.getByTestId("kpi-total").waitFor();
      for (const element of [
        mobile.getByRole("button", { name: "Sign out" }),
        mobile.getByTestId("who"),
        mobile.getByRole("button", { name: "Menu" }),
        mobile.getByRole("combobox", { name: "Switch organization" }),
      ]) {
        const box = (await element.boundingBox())!;
        expect(box, `${colorScheme}: header element on screen`).not.toBeNull();
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
      expect(await mobile.getByRole("navigation", { name: "Main" }).isVisible()).toBe(false);
      const header = (await mobile.locator("header.top").boundingBox())!;
      expect(header.height).toBeLessThan(844 / 3);
      expect(await mobile.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      await mobile.waitForTimeout(600);
      await mobile.screenshot({
        path: path.join(artifacts, `21-dashboard-390-${colorScheme}.png`),
        fullPage: true,
      });
      await mobile.getByRole("button", { name: "Menu" }).click();
      await mobile
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Reports" })
        .waitFor();
      await mobile.screenshot({ path: path.join(artifacts, `22-menu-390-${colorScheme}.png`) });
      await phone.close();
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto("/audit");
    await page.locator("h1").waitFor();
    await shot("19-audit-log");
    const auditText = await page.locator("table").textContent();
    for (const action of [
      "account.create",
      "credentials.set",
      "import.create",
      "import.confirm_replacement",
      "import.restore",
      "member.invite",
      "api_key.create",
      "cost_centre.create",
      "allocation_rules.replace",
    ])
      expect(auditText).toContain(action);
  }, 300_000);
});
