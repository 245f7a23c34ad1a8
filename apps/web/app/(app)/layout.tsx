import type { ReactNode } from "react";
import { NavLinks } from "@/components/nav-links";
import { OrgSwitcher } from "@/components/org-switcher";
import { SignOutButton } from "@/components/sign-out-button";
import { isAdmin, hasRole } from "@/lib/role-rank";
import { isInstanceAdmin } from "@/lib/server/instance-admin";
import { requireMember } from "@/lib/server/page-context";
import { organizationsOf } from "@/lib/server/principal";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const { principal } = await requireMember();
  const organizations = await organizationsOf(principal.userId);
  const links = [
    { href: "/", label: "Dashboard" },
    { href: "/regions", label: "Regions" },
    { href: "/reconciliation", label: "Reconciliation" },
    { href: "/alerts", label: "Alerts" },
    { href: "/recommendations", label: "Recommendations" },
    { href: "/reports", label: "Reports" },
    { href: "/methodology", label: "Method" },
  ];
  if (hasRole(principal.role, "analyst")) links.push({ href: "/imports", label: "Imports" });
  if (isAdmin(principal.role)) {
    links.push(
      { href: "/accounts", label: "Cloud accounts" },
      { href: "/members", label: "Members" },
      { href: "/settings/api-keys", label: "API keys" },
      { href: "/settings/recommendations", label: "Recommendation constraints" },
      { href: "/audit", label: "Audit log" },
    );
  }
  if (isInstanceAdmin(principal)) links.push({ href: "/settings/grid", label: "Grid intensity" });
  return (
    <>
      <a href="#content" className="sr-only">
        Skip to content
      </a>
      <header className="top">
        <div className="top-left">
          <a className="brand" href="/">
            Canopy
          </a>
          <NavLinks links={links} />
        </div>
        <div className="top-right">
          <OrgSwitcher current={principal.tenantId} organizations={organizations} />
          <span
            className="muted small who"
            title={`${principal.email} (${principal.role})`}
            data-testid="who"
          >
            {principal.email} ({principal.role})
          </span>
          <SignOutButton />
        </div>
      </header>
      <div id="content">{children}</div>
    </>
  );
}
