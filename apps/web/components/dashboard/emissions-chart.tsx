"use client";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";
import { drillInto } from "@/lib/emissions/drill";
import { periodLabel } from "@/lib/format";
import { init, use, type ComposeOption } from "echarts/core";
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from "echarts/charts";
import {
  DataZoomInsideComponent,
  GridSimpleComponent,
  LegendPlainComponent,
  TooltipComponent,
  type DataZoomComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

// Only the parts used here: keeps the dashboard's bundle small.
use([
  BarChart,
  LineChart,
  GridSimpleComponent,
  TooltipComponent,
  LegendPlainComponent,
  DataZoomInsideComponent,
  CanvasRenderer,
]);

type Option = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | DataZoomComponentOption
>;

/** One stacked series; `key` is its group (null for "Other" and the total: not drillable). */
export type ChartSeries = { name: string; key: string | null; values: number[] };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const kgText = (value: number, unit: string) =>
  `${value.toLocaleString("en", { maximumFractionDigits: 2 })} ${unit}`;

type TooltipItem = {
  seriesName?: string;
  seriesIndex?: number;
  value?: unknown;
  marker?: unknown;
  dataIndex?: number;
};

/** A share (0–1) per period, drawn as a dashed line on a percent axis of its own. */
export type ChartShare = { name: string; values: (number | null)[] };

const palette = [
  "#1f7a4d",
  "#3b82f6",
  "#f59e0b",
  "#8b5cf6",
  "#ef4444",
  "#14b8a6",
  "#ec4899",
  "#84cc16",
  "#64748b",
];

/** Stacked emissions over time on a canvas (bars for months, areas for days and hours). */
export function EmissionsChart(props: {
  periods: string[];
  series: ChartSeries[];
  granularity: string;
  /** The grouping of the series: clicking one drills into it (filter + one level down). */
  groupBy: string;
  /** Per period: covered only in part by the range, or still in progress. */
  partial: boolean[];
  unit: string;
  share?: ChartShare;
}) {
  const element = useRef<HTMLDivElement>(null);
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const paramsText = params.toString();

  useEffect(() => {
    const node = element.current;
    if (!node) return;
    const dark = window.matchMedia("(prefers-color-scheme: dark)");
    const chart = init(node, dark.matches ? "dark" : undefined, { renderer: "canvas" });
    const style = getComputedStyle(document.documentElement);
    const fg = style.getPropertyValue("--fg").trim() || "#17201b";
    const muted = style.getPropertyValue("--muted").trim() || "#5b6b61";
    const bar = props.granularity === "month";
    const label = (period: string, i: number) =>
      `${periodLabel(period, props.granularity)}${props.partial[i] ? " *" : ""}`;
    const stacked = props.series.length;
    // Partial periods are drawn faded (and their axis label starred), so they do not read as a drop.
    const point = (value: number, i: number) =>
      props.partial[i] ? { value, itemStyle: { opacity: 0.45 } } : value;
    const option: Option = {
      backgroundColor: "transparent",
      color: palette,
      animation: props.periods.length < 400,
      tooltip: {
        trigger: "axis",
        // The period, each series, then their total (names are escaped: they come from billing data).
        formatter: (raw) => {
          const items = (Array.isArray(raw) ? raw : [raw]) as TooltipItem[];
          const i = items[0]?.dataIndex ?? 0;
          const period = props.periods[i] ?? "";
          let total = 0;
          const lines = items.map((item) => {
            const value = Number(
              typeof item.value === "object" && item.value !== null
                ? (item.value as { value?: unknown }).value
                : item.value,
            );
            const isShare = (item.seriesIndex ?? 0) >= stacked;
            if (!isShare && Number.isFinite(value)) total += value;
            const shown = isShare
              ? `${Number.isFinite(value) ? value.toFixed(1) : "–"} %`
              : kgText(value, props.unit);
            return `${typeof item.marker === "string" ? item.marker : ""}${escapeHtml(item.seriesName ?? "")}: <b>${escapeHtml(shown)}</b>`;
          });
          const head = `${escapeHtml(periodLabel(period, props.granularity))}${props.partial[i] ? " (partial)" : ""}`;
          return [head, ...lines, `Total: <b>${escapeHtml(kgText(total, props.unit))}</b>`].join(
            "<br/>",
          );
        },
      },
      // The share line (e.g. disaggregated kWh) reads in percent on the right.
      legend: { bottom: 0, textStyle: { color: fg } },
      grid: { left: 56, right: 16, top: 24, bottom: 56 },
      xAxis: {
        type: "category",
        data: props.periods,
        axisLabel: {
          color: muted,
          formatter: (value: string, i: number) => label(value, i),
          hideOverlap: true,
        },
      },
      yAxis: [
        {
          type: "value",
          name: props.unit,
          nameTextStyle: { color: muted },
          axisLabel: { color: muted },
        },
        ...(props.share
          ? [
              {
                type: "value" as const,
                min: 0,
                max: 100,
                name: "%",
                position: "right" as const,
                splitLine: { show: false },
                nameTextStyle: { color: muted },
                axisLabel: { color: muted },
              },
            ]
          : []),
      ],
      // Wheel and drag zoom on long series (the slider component would add ~20 kB).
      dataZoom: props.periods.length > 60 ? [{ type: "inside" }] : [],
      series: (
        props.series.map((s) =>
          bar
            ? ({
                type: "bar",
                name: s.name,
                stack: "total",
                data: s.values.map(point),
                barMaxWidth: 48,
              } satisfies BarSeriesOption)
            : ({
                type: "line",
                name: s.name,
                stack: "total",
                areaStyle: {},
                symbol: "none",
                sampling: "lttb",
                data: s.values.map(point),
              } satisfies LineSeriesOption),
        ) as (BarSeriesOption | LineSeriesOption)[]
      ).concat(
        props.share
          ? [
              {
                type: "line",
                name: props.share.name,
                yAxisIndex: 1,
                symbol: "none",
                lineStyle: { type: "dashed", width: 1.5 },
                tooltip: { valueFormatter: (value) => `${Number(value).toFixed(1)} %` },
                data: props.share.values.map((v) => (v === null ? null : v * 100)),
              } satisfies LineSeriesOption,
            ]
          : [],
      ),
    };
    chart.setOption(option);
    // Clicking a series (a bar, an area, or its legend entry with a modifier key) drills into it.
    const drill = (seriesIndex: number | undefined) => {
      const key = seriesIndex === undefined ? null : props.series[seriesIndex]?.key;
      if (!key) return;
      const next = drillInto(new URLSearchParams(paramsText), props.groupBy, key);
      if (next) router.push(`${pathname}?${next.toString()}`, { scroll: false });
    };
    chart.on("click", (event) => drill(event.seriesIndex));
    node.style.cursor = "pointer";
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [
    props.periods,
    props.series,
    props.granularity,
    props.unit,
    props.share,
    props.partial,
    props.groupBy,
    paramsText,
    pathname,
    router,
  ]);

  const drillable = props.series.flatMap((series) => {
    const next = series.key ? drillInto(params, props.groupBy, series.key) : null;
    return next ? [{ name: series.name, href: `${pathname}?${next.toString()}` }] : [];
  });
  return (
    <>
      <div
        ref={element}
        className="chart"
        role="img"
        aria-label={`Stacked ${props.unit} by ${props.granularity}: ${props.series.map((s) => s.name).join(", ")}`}
      />
      {drillable.length > 0 && (
        <nav className="row small series-links" aria-label="Drill into a series">
          <span className="muted">Drill into:</span>
          {drillable.map((link) => (
            <Link key={link.href} href={link.href} scroll={false}>
              {link.name}
            </Link>
          ))}
        </nav>
      )}
    </>
  );
}
