"use client";
import dynamic from "next/dynamic";
import type { ChartSeries, ChartShare } from "./emissions-chart";

/**
 * ECharts is the largest dependency of the dashboard: it loads after the page (figures and tables
 * first), with a placeholder of the same size meanwhile.
 */
const ChartOnClient = dynamic(
  () => import("./emissions-chart").then((module) => module.EmissionsChart),
  {
    ssr: false,
    loading: () => <div className="chart skeleton" aria-busy="true" aria-label="Loading chart" />,
  },
);

export function LazyEmissionsChart(props: {
  periods: string[];
  series: ChartSeries[];
  granularity: string;
  groupBy: string;
  partial: boolean[];
  unit: string;
  share?: ChartShare;
}) {
  return <ChartOnClient {...props} />;
}
