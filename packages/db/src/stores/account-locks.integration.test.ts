import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantClient } from "../tenant";
import { createTestDatabase, type TestDatabase } from "../testing";
import { lockAccountMonths, lockAccounts } from "./usage";
import type { AccountWindow } from "./windows";

/**
 * Emission writers of one account serialize per month, usage writers per account: a holder of
 * March's emissions lock blocks March and the account's usage writers, never April.
 */
describe("account locks", () => {
  let database: TestDatabase;
  let tenantId: string;
  const cloudAccountId = randomUUID();
  const month = (start: string, end: string): AccountWindow => ({
    cloudAccountId,
    start: new Date(start),
    end: new Date(end),
  });
  const march = month("2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z");
  const april = month("2025-04-01T00:00:00Z", "2025-05-01T00:00:00Z");
  const midMarchToMidApril = month("2025-03-15T00:00:00Z", "2025-04-15T00:00:00Z");

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (
      await database.owner.pool.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('Locks', 'locks') RETURNING id",
      )
    ).rows[0]!.id;
  });
  afterAll(async () => database?.drop());

  /** Whether `take` gets its locks within 200 ms while another transaction holds March's. */
  async function acquiresWhileMarchIsHeld(
    take: (client: Parameters<typeof lockAccounts>[0]) => Promise<void>,
  ): Promise<boolean> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = withTenantClient(database.app, tenantId, async (client) => {
      await lockAccountMonths(client, march);
      locked();
      await held;
    });
    await isLocked;
    try {
      return await withTenantClient(database.app, tenantId, async (client) => {
        await client.query("SET LOCAL lock_timeout = '200ms'");
        try {
          await take(client);
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === "55P03") return false; // lock_not_available
          throw error;
        }
      });
    } finally {
      release();
      await holder;
    }
  }

  it("lets another month of the same account be written at the same time", async () => {
    expect(await acquiresWhileMarchIsHeld((c) => lockAccountMonths(c, april))).toBe(true);
  });

  it("makes a writer of the same month wait, also for a window that only overlaps it", async () => {
    expect(await acquiresWhileMarchIsHeld((c) => lockAccountMonths(c, march))).toBe(false);
    expect(await acquiresWhileMarchIsHeld((c) => lockAccountMonths(c, midMarchToMidApril))).toBe(
      false,
    );
  });

  it("makes a usage writer of the account wait, and not one of another account", async () => {
    expect(await acquiresWhileMarchIsHeld((c) => lockAccounts(c, [april]))).toBe(false);
    const other = { ...april, cloudAccountId: randomUUID() };
    expect(await acquiresWhileMarchIsHeld((c) => lockAccounts(c, [other]))).toBe(true);
  });
});
