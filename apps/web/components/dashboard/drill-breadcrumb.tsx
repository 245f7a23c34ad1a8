"use client";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { breadcrumb, type DrillLevel } from "@/lib/emissions/drill";
import { providerLabel } from "@/lib/format";

const levelNames: Record<DrillLevel, string> = {
  provider: "Provider",
  account: "Account",
  service: "Service",
  region: "Region",
  instanceType: "Instance type",
};

/** Where the drill-down stands (All › AWS › Production › AmazonEC2), each step a link back up. */
export function DrillBreadcrumb(props: { accountNames: Record<string, string> }) {
  const params = useSearchParams();
  const pathname = usePathname();
  const crumbs = breadcrumb(new URLSearchParams(params.toString()), pathname, (level, values) => {
    const names = values.map((v) =>
      level === "provider"
        ? providerLabel(v)
        : level === "account"
          ? (props.accountNames[v] ?? v)
          : v,
    );
    const shown =
      names.length > 2 ? `${names.slice(0, 2).join(", ")} +${names.length - 2}` : names.join(", ");
    return `${levelNames[level]}: ${shown}`;
  });
  return (
    <nav aria-label="Drill-down" className="breadcrumb small" data-testid="breadcrumb">
      <ol>
        {crumbs.map((crumb) => (
          <li key={crumb.href + crumb.label}>
            {crumb.current ? (
              <span aria-current="page">{crumb.label}</span>
            ) : (
              <Link href={crumb.href} scroll={false}>
                {crumb.label}
              </Link>
            )}
          </li>
        ))}
      </ol>
      {crumbs.length === 1 && (
        <span className="muted breadcrumb-hint">
          Click a chart series or a breakdown row to filter to it and go one level down.
        </span>
      )}
    </nav>
  );
}
