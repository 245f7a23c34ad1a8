"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTransition, type FormEvent } from "react";
import type { FilterOptions } from "@/lib/server/filter-options";

const GROUPS = [
  ["provider", "Provider"],
  ["account", "Account"],
  ["payer", "Payer / billing account"],
  ["service", "Service"],
  ["region", "Region"],
  ["scope", "Scope"],
  ["none", "Total"],
] as const;

/** Date range, provider, account, service, region and tag filters; all kept in the URL. */
export function DashboardFilters(props: {
  options: FilterOptions;
  range: { from: string; to: string };
  hourAllowed: boolean;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();

  const navigate = (next: URLSearchParams) =>
    startTransition(() => router.push(`${pathname}?${next.toString()}`, { scroll: false }));

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params.toString());
    next.set(key, value);
    navigate(next);
  };

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ["granularity", "groupBy", "table"]) {
      const value = params.get(key);
      if (value) next.set(key, value);
    }
    for (const [key, value] of form.entries()) {
      if (typeof value === "string" && value !== "") next.append(key, value);
    }
    navigate(next);
  }

  const selected = (key: string) => params.getAll(key).flatMap((v) => v.split(","));
  const granularity = params.get("granularity") ?? "month";

  return (
    <section className="card stack-lg" aria-label="Filters" aria-busy={pending}>
      <form
        className="filters"
        onSubmit={apply}
        key={`${params.toString()}|${props.range.from}|${props.range.to}`}
      >
        <label>
          From
          <input type="date" name="from" defaultValue={props.range.from} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={props.range.to} />
        </label>
        <label>
          Provider
          <select
            name="provider"
            aria-label="Provider"
            multiple
            defaultValue={selected("provider")}
          >
            {props.options.providers.map((p) => (
              <option key={p} value={p}>
                {p.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Account
          <select name="account" aria-label="Account" multiple defaultValue={selected("account")}>
            {props.options.accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Service
          <select name="service" aria-label="Service" multiple defaultValue={selected("service")}>
            {props.options.services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Region
          <select name="region" aria-label="Region" multiple defaultValue={selected("region")}>
            {props.options.regions.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag
          <input
            name="tag"
            placeholder="team=data"
            defaultValue={params.get("tag") ?? ""}
            size={12}
          />
        </label>
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? "Loading…" : "Apply"}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => navigate(new URLSearchParams())}
          >
            Reset
          </button>
        </div>
      </form>
      <div className="row between">
        <div className="row" role="group" aria-label="Granularity">
          <span className="muted small">Granularity</span>
          <div className="segmented">
            {(["hour", "day", "month"] as const).map((g) => (
              <button
                key={g}
                type="button"
                aria-pressed={granularity === g}
                disabled={g === "hour" && !props.hourAllowed}
                title={
                  g === "hour" && !props.hourAllowed
                    ? "Points per hour for ranges up to 14 days (the chart then gives their share on hourly grid factors)"
                    : undefined
                }
                onClick={() => setParam("granularity", g)}
              >
                {g[0]!.toUpperCase() + g.slice(1)}
              </button>
            ))}
          </div>
        </div>
        <label className="row small">
          Stack by
          <select
            aria-label="Stack by"
            value={params.get("groupBy") ?? "provider"}
            onChange={(e) => setParam("groupBy", e.target.value)}
          >
            {GROUPS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
    </section>
  );
}
