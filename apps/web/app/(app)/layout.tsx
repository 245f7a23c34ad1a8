import type { ReactNode } from "react";
import { NavLinks } from "@/components/nav-links";
import { OrgSwitcher } from "@/components/org-switcher";
import { SignOutButton } from "@/components/sign-out-button";
import type { Permission } from "@/lib/permissions";
import { isInstanceAdmin } from "@/lib/server/instance-admin";
import { allowed, requireMember } from "@/lib/server/page-context";
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
    { href: "/allocation", label: "Allocation" },
    { href: "/reports", label: "Reports" },
    { href: "/methodology", label: "Method" },
  ];
  if (allowed(principal, "imports.read")) links.push({ href: "/imports", label: "Imports" });
  const adminLinks: { href: string; label: string; permission: Permission }[] = [
    { href: "/accounts", label: "Cloud accounts", permission: "accounts.manage" },
    { href: "/members", label: "Members", permission: "members.manage" },
    { href: "/settings/api-keys", label: "API keys", permission: "apiKeys.manage" },
    {
      href: "/settings/recommendations",
      label: "Recommendation constraints",
      permission: "recommendations.configure",
    },
    { href: "/audit", label: "Audit log", permission: "audit.read" },
  ];
  for (const { permission, ...link } of adminLinks)
    if (allowed(principal, permission)) links.push(link);
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
