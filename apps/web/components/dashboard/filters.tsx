"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState, useTransition, type FormEvent } from "react";
import type { FilterOptions } from "@/lib/server/filter-options";
import { MultiCombobox, type ComboOption } from "./combobox";

const GROUPS = [
  ["provider", "Provider"],
  ["account", "Account"],
  ["payer", "Payer / billing account"],
  ["service", "Service"],
  ["region", "Region"],
  ["instanceType", "Instance type"],
  ["scope", "Scope"],
  ["none", "Total"],
] as const;

type Selection = {
  from: string;
  to: string;
  provider: string[];
  account: string[];
  service: string[];
  region: string[];
  tag: string[];
};

const DIMENSIONS = ["provider", "account", "service", "region"] as const;

function selectionParams(selection: Selection): URLSearchParams {
  const params = new URLSearchParams();
  if (selection.from) params.set("from", selection.from);
  if (selection.to) params.set("to", selection.to);
  for (const key of DIMENSIONS) for (const value of selection[key]) params.append(key, value);
  for (const tag of selection.tag) params.append("tag", tag);
  return params;
}

const tagKeyOf = (tag: string) => tag.slice(0, tag.indexOf("="));
const tagValueOf = (tag: string) => tag.slice(tag.indexOf("=") + 1);

type OptionsBody = FilterOptions & { tagKeys: string[] | null; tagValues: string[] | null };

/** Fetches the options endpoint: the body, or the reason it failed (null when superseded). */
async function fetchOptions(
  params: URLSearchParams,
  signal: AbortSignal,
): Promise<{ body: OptionsBody } | { error: string } | null> {
  try {
    const response = await fetch(`/api/v1/emissions/options?${params.toString()}`, { signal });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as {
        error?: { message?: string };
      } | null;
      return {
        error: body?.error?.message ?? `The options could not be read (${response.status}).`,
      };
    }
    return { body: (await response.json()) as OptionsBody };
  } catch {
    return signal.aborted ? null : { error: "The options could not be read (network error)." };
  }
}

/**
 * Date range, provider, account, service, region and tag filters; all kept in the URL. Each list
 * offers the values with emissions in the range under the other filters (re-read as the choices
 * change), and tags are picked by key, then value, from the stored tags.
 */
export function DashboardFilters(props: {
  options: FilterOptions;
  range: { from: string; to: string };
  hourAllowed: boolean;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const listOf = (key: string) =>
    params
      .getAll(key)
      .flatMap((v) => (key === "tag" ? [v] : v.split(",")))
      .filter(Boolean);
  const initial = (): Selection => ({
    from: props.range.from,
    to: props.range.to,
    provider: listOf("provider"),
    account: listOf("account"),
    service: listOf("service"),
    region: listOf("region"),
    tag: listOf("tag"),
  });
  const [selection, setSelection] = useState<Selection>(initial);
  const [options, setOptions] = useState(props.options);
  const [tagKeys, setTagKeys] = useState<string[] | null>(null);
  const [tagKey, setTagKey] = useState<string>(() => tagKeyOf(listOf("tag")[0] ?? "="));
  const [tagValues, setTagValues] = useState<string[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [optionsError, setOptionsError] = useState<string | null>(null);
  const urlKey = `${params.toString()}|${props.range.from}|${props.range.to}`;
  const seen = useRef(urlKey);

  // A new URL (navigation, back button) resets the form to what the URL says.
  useEffect(() => {
    if (seen.current === urlKey) return;
    seen.current = urlKey;
    setSelection(initial());
    setOptions(props.options);
    setTagKeys(null);
    setTagValues(null);
  }, [urlKey]);

  // The lists follow the pending choices: re-read the options a moment after each change.
  const query = selectionParams(selection).toString();
  const firstQuery = useRef(query);
  useEffect(() => {
    if (query === firstQuery.current) return;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setLoading(true);
      const next = new URLSearchParams(query);
      if (tagKeys !== null) next.set("tagKeys", "true");
      if (tagKey) next.set("tagKey", tagKey);
      const result = await fetchOptions(next, controller.signal);
      if (result && "body" in result) {
        const body = result.body;
        setOptions((current) => ({ ...body, currency: current.currency }));
        if (body.tagKeys) setTagKeys(body.tagKeys);
        if (body.tagValues) setTagValues(body.tagValues);
        setOptionsError(null);
      } else if (result) setOptionsError(result.error);
      if (!controller.signal.aborted) setLoading(false);
    }, 250);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // Tag keys and the chosen key are read at the time of the change, not watched.
  }, [query]);

  async function loadTags(key: string | null) {
    const next = selectionParams(selection);
    next.set("tagKeys", "true");
    if (key) next.set("tagKey", key);
    setLoading(true);
    const result = await fetchOptions(next, new AbortController().signal);
    setLoading(false);
    if (!result || "error" in result) {
      // Stop showing "Loading…": say why, and let the next opening try again.
      setOptionsError(result?.error ?? "The tags could not be read.");
      setTagKeys((keys) => keys ?? []);
      setTagValues((values) => values ?? []);
      return;
    }
    setOptionsError(null);
    setTagKeys(result.body.tagKeys ?? []);
    setTagValues(result.body.tagValues);
  }

  const navigate = (next: URLSearchParams) =>
    startTransition(() => router.push(`${pathname}?${next.toString()}`, { scroll: false }));

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params.toString());
    next.set(key, value);
    navigate(next);
  };

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next = selectionParams(selection);
    for (const key of ["granularity", "groupBy", "table"]) {
      const value = params.get(key);
      if (value) next.set(key, value);
    }
    navigate(next);
  }

  const set = <K extends keyof Selection>(key: K, value: Selection[K]) =>
    setSelection((current) => ({ ...current, [key]: value }));
  const asOptions = (list: FilterOptions["providers"]): ComboOption[] => list;
  const keyTags = selection.tag.filter((t) => tagKeyOf(t) === tagKey);
  const otherTags = selection.tag.filter((t) => tagKeyOf(t) !== tagKey);
  const granularity = params.get("granularity") ?? "month";

  return (
    <section className="card stack-lg" aria-label="Filters" aria-busy={pending || loading}>
      <form className="filters" onSubmit={apply}>
        <label>
          From
          <input
            type="date"
            name="from"
            value={selection.from}
            onChange={(e) => set("from", e.target.value)}
          />
        </label>
        <label>
          To
          <input
            type="date"
            name="to"
            value={selection.to}
            onChange={(e) => set("to", e.target.value)}
          />
        </label>
        <MultiCombobox
          label="Provider"
          options={asOptions(options.providers)}
          value={selection.provider}
          onChange={(v) => set("provider", v)}
          placeholder={`All (${options.providers.length})`}
        />
        <MultiCombobox
          label="Account"
          options={asOptions(options.accounts)}
          value={selection.account}
          onChange={(v) => set("account", v)}
          placeholder={`All (${options.accounts.length})`}
        />
        <MultiCombobox
          label="Service"
          options={asOptions(options.services)}
          value={selection.service}
          onChange={(v) => set("service", v)}
          placeholder={`All (${options.services.length})`}
        />
        <MultiCombobox
          label="Region"
          options={asOptions(options.regions)}
          value={selection.region}
          onChange={(v) => set("region", v)}
          placeholder={`All (${options.regions.length})`}
        />
        <MultiCombobox
          label="Tag key"
          single
          options={(tagKeys ?? []).map((k) => ({ value: k, label: k }))}
          value={tagKey ? [tagKey] : []}
          loading={tagKeys === null}
          emptyText="No tags on the usage in this range."
          placeholder="Any tag"
          onOpen={() => {
            if (tagKeys === null) void loadTags(tagKey || null);
          }}
          onChange={(v) => {
            const key = v[0] ?? "";
            setTagKey(key);
            setTagValues(null);
            if (key) void loadTags(key);
          }}
        />
        {tagKey && (
          <MultiCombobox
            label={`Values of ${tagKey}`}
            options={(tagValues ?? []).map((v) => ({ value: v, label: v || "(empty)" }))}
            value={keyTags.map(tagValueOf)}
            loading={tagValues === null}
            onOpen={() => {
              if (tagValues === null) void loadTags(tagKey);
            }}
            onChange={(values) =>
              set("tag", [...otherTags, ...values.map((value) => `${tagKey}=${value}`)])
            }
          />
        )}
        {otherTags.length > 0 && (
          <div className="chips" aria-label="Other tag filters">
            {otherTags.map((tag) => (
              <span key={tag} className="chip">
                {tag}
                <button
                  type="button"
                  aria-label={`Remove tag filter ${tag}`}
                  onClick={() =>
                    set(
                      "tag",
                      selection.tag.filter((t) => t !== tag),
                    )
                  }
                >
                  ×
                </button>
              </span>
            ))}
          </div>
        )}
        {optionsError && (
          <p className="error small" role="status">
            {optionsError}
          </p>
        )}
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
