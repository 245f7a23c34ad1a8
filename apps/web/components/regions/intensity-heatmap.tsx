"use client";
import { useEffect, useRef } from "react";
import { init, use, type ComposeOption } from "echarts/core";
import { HeatmapChart, type HeatmapSeriesOption } from "echarts/charts";
import {
  GridSimpleComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  type GridComponentOption,
  type TooltipComponentOption,
  type VisualMapComponentOption,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([
  HeatmapChart,
  GridSimpleComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
]);

type Option = ComposeOption<
  HeatmapSeriesOption | GridComponentOption | TooltipComponentOption | VisualMapComponentOption
>;

export type HeatmapCell = { month: string; hourOfDay: number; meanGPerKwh: number };

const hoursOfDay = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`);

/** Mean grid intensity by UTC hour of day (x) and month (y): low is green, high is dark red. */
export function IntensityHeatmap(props: { months: string[]; cells: HeatmapCell[] }) {
  const element = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const node = element.current;
    if (!node) return;
    const dark = window.matchMedia("(prefers-color-scheme: dark)");
    const chart = init(node, dark.matches ? "dark" : undefined, { renderer: "canvas" });
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted").trim();
    const values = props.cells.map((c) => c.meanGPerKwh);
    const option: Option = {
      backgroundColor: "transparent",
      tooltip: {
        formatter: (params) => {
          const [hour, month, value] = (params as unknown as { value: [number, number, number] })
            .value;
          return `${props.months[month]} ${hoursOfDay[hour]} UTC: ${value.toFixed(0)} gCO2e/kWh`;
        },
      },
      grid: { left: 72, right: 16, top: 16, bottom: 72 },
      xAxis: { type: "category", data: hoursOfDay, axisLabel: { color: muted || undefined } },
      yAxis: { type: "category", data: props.months, axisLabel: { color: muted || undefined } },
      visualMap: {
        type: "continuous",
        min: Math.min(...values),
        max: Math.max(...values),
        calculable: true,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        text: ["gCO2e/kWh high", "low"],
        inRange: { color: ["#1f7a4d", "#f5d76e", "#b91c1c"] },
      },
      series: [
        {
          type: "heatmap",
          data: props.cells.map((c) => [
            c.hourOfDay,
            props.months.indexOf(c.month),
            Math.round(c.meanGPerKwh * 10) / 10,
          ]),
        },
      ],
    };
    chart.setOption(option);
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [props.months, props.cells]);

  return (
    <div
      ref={element}
      className="chart"
      role="img"
      aria-label="Mean grid intensity by hour of day (UTC) and month"
    />
  );
}
