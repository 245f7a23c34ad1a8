import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { MAX_SAVED_VIEWS } from "@canopy/db";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { addMember, createOrganization, signUp, type TestUser } from "./users";
import { deleteViewAction, listViewsAction, saveViewAction } from "@/app/actions/saved-views";

/** Saved dashboard views: per user, per organization, only dashboard parameters, validated. */
let db: TestDatabase;
let alice: TestUser;
let bob: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  alice = await signUp("alice@views.test");
  bob = await signUp("bob@views.test");
  outsider = await signUp("outsider@views.test");
  const tenantId = await createOrganization(alice, "Views Org");
  await addMember(db, tenantId, bob, "viewer");
  await createOrganization(outsider, "Other Views Org");
});

afterAll(async () => {
  await tearDownWebTestDatabase(db);
});

const ok = <T>(result: { ok: true; data: T } | { ok: false; error: { message: string } }) => {
  if (!result.ok) throw new Error(result.error.message);
  return result.data;
};

describe("saved views", () => {
  it("keep the dashboard parameters only, in a fixed order, and list per user", async () => {
    actAs(alice);
    const saved = ok(
      await saveViewAction({
        name: " AWS prod ",
        query: "?table=service&utm=x&provider=aws&from=2025-01-01&tag=team=a,b",
      }),
    );
    expect(saved.name).toBe("AWS prod");
    expect(saved.query).toBe("from=2025-01-01&provider=aws&tag=team%3Da%2Cb&table=service");
    expect(ok(await listViewsAction({})).map((v) => v.name)).toEqual(["AWS prod"]);
    // The same name replaces the view's query.
    ok(await saveViewAction({ name: "AWS prod", query: "provider=aws&table=account" }));
    const views = ok(await listViewsAction({}));
    expect(views).toHaveLength(1);
    expect(views[0]!.query).toBe("provider=aws&table=account");
    const stored = await db.owner.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM saved_views",
    );
    expect(stored.rows[0]!.n).toBe(1);
  });

  it("are private: another member, or another organization, sees and deletes none of them", async () => {
    actAs(alice);
    const [view] = ok(await listViewsAction({}));
    actAs(bob);
    expect(ok(await listViewsAction({}))).toEqual([]);
    const denied = await deleteViewAction({ id: view!.id });
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.error.code).toBe("not_found");
    actAs(outsider);
    expect(ok(await listViewsAction({}))).toEqual([]);
    actAs(alice);
    expect(ok(await listViewsAction({}))).toHaveLength(1);
    ok(await deleteViewAction({ id: view!.id }));
    expect(ok(await listViewsAction({}))).toEqual([]);
  });

  it("refuse a view the dashboard could not show, naming the field", async () => {
    actAs(alice);
    const bad = await saveViewAction({ name: "Broken", query: "provider=linode&table=none" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe("validation_error");
      expect(Object.keys(bad.error.fields ?? {}).sort()).toEqual(["provider.0", "table"]);
    }
    const unnamed = await saveViewAction({ name: "   ", query: "" });
    expect(unnamed.ok).toBe(false);
  });

  it(`stop at ${MAX_SAVED_VIEWS} views per user`, async () => {
    actAs(bob);
    for (let i = 0; i < MAX_SAVED_VIEWS; i++)
      ok(
        await saveViewAction({
          name: `v${i}`,
          query: `table=service&from=2025-01-${String((i % 28) + 1).padStart(2, "0")}`,
        }),
      );
    const over = await saveViewAction({ name: "one more", query: "" });
    expect(over.ok).toBe(false);
    // Replacing an existing one is still allowed.
    ok(await saveViewAction({ name: "v0", query: "table=region" }));
  });

  it("need a signed-in session", async () => {
    actAs({});
    const anonymous = await listViewsAction({});
    expect(anonymous.ok).toBe(false);
    if (!anonymous.ok) expect(anonymous.error.code).toBe("unauthorized");
  });
});
