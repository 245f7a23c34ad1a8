"use client";
import { useEffect, useRef } from "react";
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

export type ChartSeries = { name: string; values: number[] };

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
  unit: string;
  share?: ChartShare;
}) {
  const element = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const node = element.current;
    if (!node) return;
    const dark = window.matchMedia("(prefers-color-scheme: dark)");
    const chart = init(node, dark.matches ? "dark" : undefined, { renderer: "canvas" });
    const style = getComputedStyle(document.documentElement);
    const fg = style.getPropertyValue("--fg").trim() || "#17201b";
    const muted = style.getPropertyValue("--muted").trim() || "#5b6b61";
    const bar = props.granularity === "month";
    const option: Option = {
      backgroundColor: "transparent",
      color: palette,
      animation: props.periods.length < 400,
      tooltip: {
        trigger: "axis",
        valueFormatter: (value) =>
          `${Number(value).toLocaleString("en", { maximumFractionDigits: 2 })} ${props.unit}`,
      },
      // The share line (e.g. disaggregated kWh) reads in percent on the right.
      legend: { bottom: 0, textStyle: { color: fg } },
      grid: { left: 56, right: 16, top: 24, bottom: 56 },
      xAxis: { type: "category", data: props.periods, axisLabel: { color: muted } },
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
                data: s.values,
                barMaxWidth: 48,
              } satisfies BarSeriesOption)
            : ({
                type: "line",
                name: s.name,
                stack: "total",
                areaStyle: {},
                symbol: "none",
                sampling: "lttb",
                data: s.values,
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
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [props.periods, props.series, props.granularity, props.unit, props.share]);

  return (
    <div
      ref={element}
      className="chart"
      role="img"
      aria-label={`Stacked ${props.unit} by ${props.granularity}: ${props.series.map((s) => s.name).join(", ")}`}
    />
  );
}
