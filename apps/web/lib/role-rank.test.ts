import { describe, expect, it } from "vitest";
import { hasRole } from "./role-rank";

describe("hasRole", () => {
  it("orders owner > admin > analyst, finance > viewer", () => {
    expect(hasRole("owner", "admin")).toBe(true);
    expect(hasRole("admin", "owner")).toBe(false);
    expect(hasRole("finance", "analyst")).toBe(true);
    expect(hasRole("analyst", "admin")).toBe(false);
    expect(hasRole("viewer", "analyst")).toBe(false);
    expect(hasRole("viewer", "viewer")).toBe(true);
  });
});
