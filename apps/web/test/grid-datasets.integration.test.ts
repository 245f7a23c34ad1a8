import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import { call } from "./call";
import * as datasets from "@/app/api/v1/grid/datasets/route";

const header =
  "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method";

/** `hours` rows of Sweden from 2025-01-01 in the data portal's layout; `lifecycle(i)` per hour. */
function swedenFile(hours: number, lifecycle: (i: number) => string = (i) => String(30 + i / 10)) {
  const rows = Array.from({ length: hours }, (_, i) => {
    const stamp = new Date(Date.UTC(2025, 0, 1, i)).toISOString().slice(0, 19).replace("T", " ");
    return `${stamp},Sweden,Sweden,SE,${(2.5 + i / 100).toFixed(2)},${lifecycle(i)},99,60,svk.se,false,`;
  });
  return [header, ...rows].join("\n") + "\n";
}

const upload = (user: TestUser, name: string, text: string) => {
  const form = new FormData();
  form.set("file", new File([text], name, { type: "text/csv" }));
  return call(datasets.POST, {
    path: "/api/v1/grid/datasets",
    method: "POST",
    credential: { cookie: user.cookie },
    body: form,
  });
};

describe("POST /api/v1/grid/datasets (Electricity Maps hourly files)", () => {
  let db: TestDatabase;
  let owner: TestUser;
  let admin: TestUser;
  let viewer: TestUser;
  let otherOwner: TestUser;
  const stored = async () =>
    (
      await db.owner.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM grid_intensity_hourly WHERE source = 'electricitymaps-dataset'",
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    db = await setUpWebTestDatabase();
    // The instance administrator happens to own an organization; owning one is not what qualifies.
    vi.stubEnv("CANOPY_INSTANCE_ADMINS", "ops@example.org, Grid-Owner@example.com");
    owner = await signUp("grid-owner@example.com");
    const tenantId = await createOrganization(owner, "Grid Org");
    admin = await signUp("grid-admin@example.com");
    await addMember(db, tenantId, admin, "admin");
    viewer = await signUp("grid-viewer@example.com");
    await addMember(db, tenantId, viewer, "viewer");
    otherOwner = await signUp("another-owner@example.com");
    await createOrganization(otherOwner, "Other Org");
  });
  afterAll(() => tearDownWebTestDatabase(db));

  it("the instance administrator uploads a file: both boundaries stored, the load listed with the ODbL notice", async () => {
    const result = await upload(owner, "SE_2025_hourly.csv", swedenFile(24));
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      fileName: "SE_2025_hourly.csv",
      zone: "SE",
      hours: 24,
      rowsWritten: 48,
      rowsRevised: 0,
      firstHour: "2025-01-01T00:00:00.000Z",
      lastHour: "2025-01-01T23:00:00.000Z",
      // No organization has usage in SE yet: the restatement hook ran and found nothing to re-estimate.
      restatement: { status: "nothing to restate", windows: 0 },
    });
    expect(await stored()).toBe(48);
    const list = await call(datasets.GET, {
      path: "/api/v1/grid/datasets",
      credential: { cookie: owner.cookie },
    });
    expect(list.status).toBe(200);
    const items = list.body.items as { label: string; rowsWritten: number; zones: string[] }[];
    expect(items.map((i) => [i.label, i.rowsWritten, i.zones])).toEqual([
      ["SE_2025_hourly.csv", 48, ["SE"]],
    ]);
    expect((list.body.notice as { attribution: string }).attribution).toMatch(
      /Electricity Maps, ODbL/,
    );
  });

  it("members who are not instance administrators, owners included, are refused (403)", async () => {
    for (const user of [viewer, admin, otherOwner]) {
      const result = await upload(
        user,
        "SE_2025_hourly.csv",
        swedenFile(24, () => "40"),
      );
      expect(result.status).toBe(403);
      expect(result.body.error?.message).toMatch(
        /instance administrator \(CANOPY_INSTANCE_ADMINS\)/,
      );
    }
    expect(await stored()).toBe(48);
    const list = await call(datasets.GET, {
      path: "/api/v1/grid/datasets",
      credential: { cookie: viewer.cookie },
    });
    expect(list.status).toBe(403);
  });

  it("a wrong file is refused with 422 naming the row, and nothing of it is stored", async () => {
    const before = await stored();
    const outOfRange = swedenFile(48, (i) => (i === 30 ? "2450" : "31"));
    const result = await upload(owner, "SE_2025_hourly.csv", outOfRange);
    expect(result.status).toBe(422);
    expect(result.body.error?.code).toBe("invalid_dataset");
    // Hour 30 is data row 31, line 32 of the file (the header is line 1).
    expect(result.body.error?.message).toBe(
      "SE_2025_hourly.csv, line 32: the lifecycle carbon intensity 2450 gCO2eq/kWh is outside 0–2000. Nothing was stored.",
    );
    expect(result.body.error?.fields).toEqual({ file: ["line 32"] });
    expect(await stored()).toBe(before);
    const otherZone = await upload(owner, "DE_2025_hourly.csv", swedenFile(2));
    expect(otherZone.status).toBe(422);
    expect(otherZone.body.error?.message).toMatch(/line 2: zone "SE" but the file name says DE/);
    const loads = await db.owner.pool.query("SELECT 1 FROM grid_intensity_loads");
    expect(loads.rowCount).toBe(1);
  });
});
