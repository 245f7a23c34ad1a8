"use client";
import dynamic from "next/dynamic";
import type { HeatmapCell } from "./intensity-heatmap";

/** ECharts loads after the page (the tables first), like the dashboard's chart. */
const HeatmapOnClient = dynamic(
  () => import("./intensity-heatmap").then((module) => module.IntensityHeatmap),
  {
    ssr: false,
    loading: () => <div className="chart skeleton" aria-busy="true" aria-label="Loading chart" />,
  },
);

export function LazyIntensityHeatmap(props: { months: string[]; cells: HeatmapCell[] }) {
  return <HeatmapOnClient {...props} />;
}
