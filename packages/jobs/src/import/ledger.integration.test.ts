import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceRank, type SourceKind } from "@canopy/db";
import { confirmImport, ImportStateError, restoreRun } from "./versions";
import { createImportHarness } from "./testing";

const ACCOUNT = "012345678901";
const HOUR_MS = 3_600_000;

type Line = {
  start: number;
  usageType: string;
  amount: number;
  cost: number;
  service: "ec2" | "s3";
};

/** EC2 instance-hours every hour and a day of S3 storage per day, for `days` days from `firstDay`. */
function usage(firstDay: string, days: number, scale = 1): Line[] {
  const lines: Line[] = [];
  const start = Date.parse(firstDay);
  for (let h = 0; h < days * 24; h++) {
    lines.push({
      start: start + h * HOUR_MS,
      usageType: "USE1-BoxUsage:m5.large",
      amount: 2 * scale,
      cost: 0.192 * scale,
      service: "ec2",
    });
    if (h % 24 === 0)
      lines.push({
        start: start + h * HOUR_MS,
        usageType: "USE1-TimedStorage-ByteHrs",
        amount: 100 * scale,
        cost: 2.3 * scale,
        service: "s3",
      });
  }
  return lines;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
const end = (l: Line) => l.start + (l.service === "s3" ? 24 : 1) * HOUR_MS;

/** The same lines as a legacy CUR, a CUR 2.0 and a FOCUS 1.x export of one account. */
const files: Record<"cur" | "cur2" | "focus", (lines: Line[]) => string> = {
  cur: (lines) =>
    [
      "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,bill/PayerAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region,pricing/unit",
      ...lines.map(
        (l) =>
          `Usage,${iso(l.start)},${iso(end(l))},${ACCOUNT},${ACCOUNT},${l.service === "ec2" ? "AmazonEC2" : "AmazonS3"},${l.usageType},${l.amount},${l.cost},USD,us-east-1,${l.service === "ec2" ? "Hrs" : "GB-Mo"}`,
      ),
    ].join("\n") + "\n",
  cur2: (lines) =>
    [
      "bill_payer_account_name,bill_payer_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_usage_account_id,line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,product_region_code,pricing_unit",
      ...lines.map(
        (l) =>
          `Payer,${ACCOUNT},Usage,${iso(l.start)},${iso(end(l))},${ACCOUNT},${l.service === "ec2" ? "AmazonEC2" : "AmazonS3"},${l.usageType},${l.amount},${l.cost},USD,us-east-1,${l.service === "ec2" ? "Hrs" : "GB-Mo"}`,
      ),
    ].join("\n") + "\n",
  focus: (lines) =>
    [
      "ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceName,BilledCost,BillingCurrency,ConsumedQuantity,ConsumedUnit,PricingUnit,RegionId,SubAccountId,BillingAccountId,x_UsageType,x_ServiceCode,ChargeDescription",
      ...lines.map(
        (l) =>
          `Usage,${iso(l.start)},${iso(end(l))},AWS,${l.service === "ec2" ? "Amazon Elastic Compute Cloud" : "Amazon Simple Storage Service"},${l.cost},USD,${l.amount},${l.service === "ec2" ? "Hrs" : "GB-Mo"},${l.service === "ec2" ? "Hrs" : "GB-Mo"},us-east-1,${ACCOUNT.replace(/^0/, "")},${ACCOUNT},${l.usageType},${l.service === "ec2" ? "AmazonEC2" : "AmazonS3"},usage`,
      ),
    ].join("\n") + "\n",
};

describe("the ledger: one source per account and day, nothing replaced silently, nothing lost", () => {
  let h: Awaited<ReturnType<typeof createImportHarness>>;
  beforeAll(async () => {
    h = await createImportHarness();
  });
  afterAll(async () => h?.close());

  it("imports the same month through every pair of formats and counts one source, not the sum", async () => {
    const month = usage("2026-05-01T00:00:00Z", 31);
    const kinds = Object.keys(files) as (keyof typeof files)[];
    const single = new Map<string, Awaited<ReturnType<typeof h.totals>>>();
    for (const kind of kinds) {
      const tenant = await h.newTenant();
      expect((await h.importText(tenant, files[kind](month))).status).toBe("succeeded");
      single.set(kind, await h.totals(tenant));
      const accounts = await h.database.owner.pool.query(
        "SELECT provider_account_id AS id, parent_account_id AS parent FROM cloud_accounts WHERE tenant_id = $1",
        [tenant],
      );
      // One identity whatever the format (the FOCUS file drops the leading zero).
      expect(accounts.rows).toEqual([{ id: ACCOUNT, parent: ACCOUNT }]);
    }
    for (const first of kinds) {
      for (const second of kinds) {
        if (first === second) continue;
        const tenant = await h.newTenant();
        await h.importText(tenant, files[first](month));
        // Replacing another kind of source asks first; confirmed up front here.
        const run = await h.importText(tenant, files[second](month), { replace: true });
        expect(run.status).toBe("succeeded");
        const winner =
          sourceRank(second as SourceKind) <= sourceRank(first as SourceKind) ? second : first;
        const expected = single.get(winner)!;
        const actual = await h.totals(tenant);
        expect(actual.usageRows, `${first} then ${second}`).toBe(expected.usageRows);
        expect(actual.cost, `${first} then ${second}`).toBeCloseTo(expected.cost, 6);
        expect(actual.co2eKg, `${first} then ${second}`).toBeCloseTo(expected.co2eKg, 9);
        expect(actual.dailyCo2eKg).toBeCloseTo(expected.co2eKg, 9);
        if (winner === first) expect(run.details.outranked).toHaveLength(1);
      }
    }
    // The cost of the month ties out to the file's own total, whichever format it came in.
    const fileCost = month.reduce((sum, l) => sum + l.cost, 0);
    for (const kind of kinds) expect(single.get(kind)!.cost).toBeCloseTo(fileCost, 6);
  });

  it("does not let a one-day partial CUR replace a week without confirmation; restores the previous version", async () => {
    const tenant = await h.newTenant();
    const week = await h.importText(tenant, files.cur(usage("2026-06-01T00:00:00Z", 7)));
    expect(week.status).toBe("succeeded");
    const before = await h.totals(tenant);

    // 25 lines of one day, EC2 only, tiny amounts.
    const partial = usage("2026-06-03T00:00:00Z", 1, 0.0001).filter((l) => l.service === "ec2");
    const waiting = await h.importText(tenant, files.cur(partial.concat(partial[0]!)));
    expect(waiting.status).toBe("awaiting_confirmation");
    expect(waiting.error).toMatch(/replaces stored usage it does not re-supply/);
    expect(waiting.details.preview?.accounts).toEqual([
      expect.objectContaining({
        providerAccountId: ACCOUNT,
        start: "2026-06-03T00:00:00.000Z",
        end: "2026-06-04T00:00:00.000Z",
        stored: expect.objectContaining({ rows: 25, services: ["AmazonEC2", "AmazonS3"] }),
        arriving: expect.objectContaining({ rows: 24, services: ["AmazonEC2"] }),
        reasons: [
          expect.stringMatching(/removes 1 service\(s\) it does not re-supply: AmazonS3/),
          expect.stringMatching(/cost falls from 6\.91 to 0\.00/),
        ],
      }),
    ]);
    expect(waiting.details.preview?.accounts[0]?.stored.co2eLocationKg).toBeGreaterThan(0);
    expect(await h.totals(tenant)).toEqual(before);

    await confirmImport({
      app: h.database.app,
      driver: h.driver,
      tenantId: tenant,
      syncRunId: waiting.id,
    });
    await h.driver.drain();
    const confirmed = await h.run(tenant, waiting.id);
    expect(confirmed.status).toBe("succeeded");
    expect(confirmed.details.replaced?.[0]?.stored.rows).toBe(25);
    const after = await h.totals(tenant);
    expect(after.co2eKg).toBeLessThan(before.co2eKg);
    await expect(
      confirmImport({
        app: h.database.app,
        driver: h.driver,
        tenantId: tenant,
        syncRunId: waiting.id,
      }),
    ).rejects.toThrow(/is succeeded, not awaiting confirmation/);

    // Restore: the week counts again, re-estimated and rolled up.
    const restored = await restoreRun({
      app: h.database.app,
      driver: h.driver,
      tenantId: tenant,
      syncRunId: waiting.id,
    });
    await h.driver.drain();
    expect(restored).toMatchObject({ rowsWithdrawn: 24, rowsRestored: 25 });
    const back = await h.totals(tenant);
    expect(back.usageRows).toBe(before.usageRows);
    expect(back.cost).toBeCloseTo(before.cost, 9);
    expect(back.co2eKg).toBeCloseTo(before.co2eKg, 9);
    expect(back.dailyCo2eKg).toBeCloseTo(before.dailyCo2eKg, 9);
    await expect(
      restoreRun({
        app: h.database.app,
        driver: h.driver,
        tenantId: tenant,
        syncRunId: waiting.id,
      }),
    ).rejects.toBeInstanceOf(ImportStateError);
  });

  it("refuses a restore whose days were replaced since, with the reason", async () => {
    const tenant = await h.newTenant();
    const first = await h.importText(tenant, files.cur(usage("2026-07-01T00:00:00Z", 2)));
    const second = await h.importText(tenant, files.cur(usage("2026-07-01T00:00:00Z", 2, 1.1)));
    await expect(
      restoreRun({ app: h.database.app, driver: h.driver, tenantId: tenant, syncRunId: first.id }),
    ).rejects.toThrow(new RegExp(`replaced since by import ${second.id}.*restore that one first`));
  });

  it("imports the wizard's file only into the account being set up, or says which accounts it holds", async () => {
    const tenant = await h.newTenant();
    const other = await h.database.owner.pool.query<{ id: string }>(
      `INSERT INTO cloud_accounts (tenant_id, provider, display_name, provider_account_id)
       VALUES ($1, 'aws', 'Being set up', '999999999999') RETURNING id`,
      [tenant],
    );
    const refused = await h.importText(tenant, files.cur(usage("2026-08-01T00:00:00Z", 1)), {
      cloudAccountId: other.rows[0]!.id,
    });
    expect(refused.status).toBe("failed");
    expect(refused.error).toBe(
      `This file holds usage of AWS account ${ACCOUNT}, not only of AWS account 999999999999. Nothing was imported.`,
    );
    expect(refused.details.otherAccounts).toEqual([
      { provider: "aws", providerAccountId: ACCOUNT },
    ]);
    expect((await h.totals(tenant)).usageRows).toBe(0);
  });
});
