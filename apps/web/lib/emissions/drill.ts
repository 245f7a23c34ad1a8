/**
 * Drill-down on the dashboard: a breakdown row or a chart series becomes a filter, and the grouping
 * moves one level down the path provider → account → service → region → instance type. Everything
 * lives in the URL (shareable views); these pure functions compute the next URL's parameters.
 */
export const DRILL_PATH = ["provider", "account", "service", "region", "instanceType"] as const;
export type DrillLevel = (typeof DRILL_PATH)[number];

/** The filter parameter each level sets (instance types are the last level: no filter below). */
const FILTER_OF: Record<DrillLevel, string | null> = {
  provider: "provider",
  account: "account",
  service: "service",
  region: "region",
  instanceType: null,
};

export const isDrillLevel = (value: string | null | undefined): value is DrillLevel =>
  (DRILL_PATH as readonly string[]).includes(value ?? "");

/** The level below `level`, or null at the bottom. */
export function nextLevel(level: DrillLevel): DrillLevel | null {
  return DRILL_PATH[DRILL_PATH.indexOf(level) + 1] ?? null;
}

/**
 * The filter value of a group key: region keys are "provider/region" (one region code can exist at
 * two providers), so a region drill sets both the region and its provider.
 */
function filterValues(level: DrillLevel, key: string): [string, string][] {
  if (level === "region") {
    const slash = key.indexOf("/");
    if (slash > 0)
      return [
        ["provider", key.slice(0, slash)],
        ["region", key.slice(slash + 1)],
      ];
  }
  const param = FILTER_OF[level];
  return param ? [[param, key]] : [];
}

/**
 * Parameters after clicking the group `key` of a table (`table` param) or chart (`groupBy` param)
 * grouped by `level`: the group becomes the only value of its filter, and both the table and the
 * chart group by the next level. Null when the level cannot be drilled (bottom, payer, scope).
 */
export function drillInto(
  params: URLSearchParams,
  level: string,
  key: string,
): URLSearchParams | null {
  if (!isDrillLevel(level)) return null;
  const below = nextLevel(level);
  if (!below) return null;
  // A group without a value (usage with no region) cannot become a filter.
  const values = filterValues(level, key);
  if (values.some(([, value]) => value === "")) return null;
  const next = new URLSearchParams(params.toString());
  for (const [param, value] of values) next.set(param, value);
  next.set("table", below);
  next.set("groupBy", below);
  next.delete("page");
  return next;
}

export type Crumb = { label: string; level: DrillLevel | null; href: string; current: boolean };

/**
 * The breadcrumb of the drill filters in `params`: "All", then each level of the path whose filter
 * has values. Each crumb's link keeps the filters down to that level, removes those below and groups
 * by the level under it; the last crumb is the current view.
 */
export function breadcrumb(
  params: URLSearchParams,
  pathname: string,
  labelOf: (level: DrillLevel, values: string[]) => string,
): Crumb[] {
  const active = DRILL_PATH.filter((level) => {
    const param = FILTER_OF[level];
    return param !== null && params.getAll(param).some(Boolean);
  });
  const hrefAt = (depth: number) => {
    const next = new URLSearchParams(params.toString());
    for (const level of active.slice(depth)) next.delete(FILTER_OF[level]!);
    const group = depth === 0 ? "provider" : nextLevel(active[depth - 1]!);
    if (group) {
      next.set("table", group);
      next.set("groupBy", group);
    }
    const query = next.toString();
    return query ? `${pathname}?${query}` : pathname;
  };
  const values = (level: DrillLevel) =>
    params
      .getAll(FILTER_OF[level]!)
      .flatMap((v) => v.split(","))
      .filter(Boolean);
  return [
    { label: "All", level: null, href: hrefAt(0), current: active.length === 0 },
    ...active.map((level, i) => ({
      label: labelOf(level, values(level)),
      level,
      href: hrefAt(i + 1),
      current: i === active.length - 1,
    })),
  ];
}
