/**
 * Invitations are emailed through the configured transport (here the outbox: one .eml per message in
 * CANOPY_HOME/outbox) with the accept link, and the action says what happened to the email.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { canopyHome, loadConfig } from "@canopy/config";
import type { TestDatabase } from "@canopy/db/testing";
import "./next-headers-mock";
import { actAs } from "./next-headers-mock";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp } from "./users";
import { inviteMember } from "@/app/actions/members";

let db: TestDatabase;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  vi.stubEnv("CANOPY_EMAIL_TRANSPORT", "outbox");
  vi.stubEnv("CANOPY_EMAIL_FROM", "Canopy <canopy@example.test>");
});
afterAll(async () => tearDownWebTestDatabase(db));

describe("invitation email", () => {
  it("writes the invitation with its link to the outbox and reports it sent", async () => {
    const owner = await signUp("owner@invite-mail.test", "Olive Owner");
    await createOrganization(owner, "Mail Org");
    actAs(owner);
    const result = await inviteMember({ email: "new.person@invite-mail.test", role: "analyst" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.email).toEqual({ status: "sent", transport: "outbox" });
    expect(result.data.link).toMatch(/^http:\/\/localhost:3999\/invite\/[0-9a-f-]{36}$/);

    const outbox = path.join(canopyHome(loadConfig()), "outbox");
    const files = readdirSync(outbox).filter((name) => name.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const eml = readFileSync(path.join(outbox, files[0]!), "utf8");
    expect(eml).toContain("To: new.person@invite-mail.test");
    expect(eml).toContain("Subject: Olive Owner invited you to Mail Org on Canopy");
    expect(eml).toContain(`Accept the invitation: ${result.data.link}`);
    expect(eml).toContain("as analyst");
  });
});
