"use client";
import { csvCell } from "@canopy/reports/csv-cell";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
} from "@tanstack/react-table";
import { drillInto } from "@/lib/emissions/drill";
import { formatKg, formatMoney, formatNumber, formatPercent, providerLabel } from "@/lib/format";

export type TableRow = {
  key: string;
  label: string;
  provider?: string | undefined;
  co2eTotalKg: number;
  co2eTotalLowKg: number;
  co2eTotalHighKg: number;
  co2eLocationKg: number;
  co2eMarketKg: number;
  co2eEmbodiedKg: number;
  co2eSpendBasedKg: number;
  kwhFacility: number;
  waterL: number;
  costAmount: number;
  costCoveredAmount: number;
  costOutOfScopeAmount: number;
  costNotModelledAmount: number;
  share: number;
  previousCo2eTotalKg?: number | null;
  changeShare?: number | null;
  region?:
    { gridIntensityGPerKwh: number; pue: number; cfeShare: number; quality: string } | undefined;
};

const helper = createColumnHelper<TableRow>();

type Column = {
  id: string;
  header: string;
  value: (row: TableRow) => number | string;
  show: (row: TableRow, currency: string | null) => string;
  numeric: boolean;
};

function columnsFor(
  kind: "breakdown" | "regions",
  groupLabel: string,
  marketLabel: string,
): Column[] {
  const num = (
    id: string,
    header: string,
    value: (r: TableRow) => number,
    show: (v: number, currency: string | null) => string,
  ): Column => ({
    id,
    header,
    value,
    show: (row, currency) => show(value(row), currency),
    numeric: true,
  });
  const label: Column = {
    id: "label",
    header: groupLabel,
    value: (r) => r.label,
    show: (r) => r.label,
    numeric: false,
  };
  const provider: Column = {
    id: "provider",
    header: "Provider",
    value: (r) => r.provider ?? "",
    show: (r) => (r.provider ? providerLabel(r.provider) : ""),
    numeric: false,
  };
  const co2e = num(
    "co2eTotalKg",
    "Total CO2e, location-based (lifecycle grid factors)",
    (r) => r.co2eTotalKg,
    formatKg,
  );
  // The total's range, sorted by its low end.
  // Period over period (the same filters over the previous period of the same length).
  const previous: Column = {
    id: "previousCo2eTotalKg",
    header: "Previous period",
    value: (r) => r.previousCo2eTotalKg ?? "",
    show: (r) =>
      r.previousCo2eTotalKg === null || r.previousCo2eTotalKg === undefined
        ? "not comparable"
        : formatKg(r.previousCo2eTotalKg),
    numeric: true,
  };
  const change: Column = {
    id: "changeShare",
    header: "Change",
    value: (r) => r.changeShare ?? "",
    show: (r) =>
      r.changeShare !== null && r.changeShare !== undefined
        ? `${r.changeShare > 0 ? "+" : r.changeShare < 0 ? "−" : "±"}${formatPercent(Math.abs(r.changeShare))}`
        : r.previousCo2eTotalKg === 0
          ? "new"
          : "not comparable",
    numeric: true,
  };
  const range: Column = {
    id: "co2eTotalRange",
    header: "Range (low – high)",
    value: (r) => r.co2eTotalLowKg,
    show: (r) => `${formatKg(r.co2eTotalLowKg)} – ${formatKg(r.co2eTotalHighKg)}`,
    numeric: true,
  };
  if (kind === "regions") {
    return [
      label,
      provider,
      num(
        "grid",
        "Grid intensity (g/kWh)",
        (r) => r.region?.gridIntensityGPerKwh ?? 0,
        (v) => formatNumber(v, 0),
      ),
      num(
        "pue",
        "PUE",
        (r) => r.region?.pue ?? 0,
        (v) => v.toFixed(2),
      ),
      num(
        "cfe",
        "Carbon-free share",
        (r) => r.region?.cfeShare ?? 0,
        (v) => formatPercent(v, 0),
      ),
      co2e,
      previous,
      change,
      num(
        "kwhFacility",
        "Energy (kWh)",
        (r) => r.kwhFacility,
        (v) => formatNumber(v),
      ),
      num(
        "share",
        "Share",
        (r) => r.share,
        (v) => formatPercent(v),
      ),
    ];
  }
  return [
    label,
    ...(groupLabel === "Account" || groupLabel === "Region" || groupLabel === "Payer"
      ? [provider]
      : []),
    co2e,
    previous,
    change,
    range,
    num(
      "co2eLocationKg",
      "Electricity, Scope 2 location-based (lifecycle grid factors)",
      (r) => r.co2eLocationKg,
      formatKg,
    ),
    num("co2eMarketKg", marketLabel, (r) => r.co2eMarketKg, formatKg),
    num("co2eEmbodiedKg", "Embodied", (r) => r.co2eEmbodiedKg, formatKg),
    num("co2eSpendBasedKg", "Spend-based", (r) => r.co2eSpendBasedKg, formatKg),
    num(
      "kwhFacility",
      "Energy (kWh)",
      (r) => r.kwhFacility,
      (v) => formatNumber(v),
    ),
    num(
      "waterL",
      "Water (L)",
      (r) => r.waterL,
      (v) => formatNumber(v),
    ),
    num("costCoveredAmount", "Cost covered", (r) => r.costCoveredAmount, formatMoney),
    num("costOutOfScopeAmount", "Cost out of scope", (r) => r.costOutOfScopeAmount, formatMoney),
    num("costNotModelledAmount", "Cost not modelled", (r) => r.costNotModelledAmount, formatMoney),
    num("costAmount", "Total cost", (r) => r.costAmount, formatMoney),
    num(
      "share",
      "Share",
      (r) => r.share,
      (v) => formatPercent(v),
    ),
  ];
}

/** Sortable breakdown (TanStack Table) with a CSV download of exactly the rows and columns shown. */
export function BreakdownTable(props: {
  rows: TableRow[];
  kind: "breakdown" | "regions";
  groupLabel: string;
  currency: string | null;
  fileName: string;
  caption: string;
  initialSort?: string;
  /** The market-based column's header, naming the basis its figures use. */
  marketLabel?: string;
  /** The grouping of the rows: a row's label links one level down when it can be drilled. */
  drillLevel?: string;
  /** The previous period the comparison columns read. */
  comparison?: { from: string; to: string; comparable: boolean; reason: string | null };
}) {
  const params = useSearchParams();
  const pathname = usePathname();
  const drillHref = (key: string) => {
    if (!props.drillLevel) return null;
    const next = drillInto(new URLSearchParams(params.toString()), props.drillLevel, key);
    return next ? `${pathname}?${next.toString()}` : null;
  };
  const marketLabel =
    props.marketLabel ??
    "Electricity, Scope 2 market-based (estimated: contractual coverage + residual mix)";
  const columns = useMemo(
    () => columnsFor(props.kind, props.groupLabel, marketLabel),
    [props.kind, props.groupLabel, marketLabel],
  );
  const [sorting, setSorting] = useState<SortingState>([
    { id: props.initialSort ?? "co2eTotalKg", desc: true },
  ]);
  const table = useReactTable({
    data: props.rows,
    columns: columns.map((c) =>
      helper.accessor((row) => c.value(row), {
        id: c.id,
        header: c.header,
        cell: (info) => c.show(info.row.original, props.currency),
        sortDescFirst: c.numeric,
      }),
    ),
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });

  function downloadCsv() {
    const header = columns.map((c) => csvCell(c.header)).join(",");
    const lines = table
      .getRowModel()
      .rows.map((row) => columns.map((c) => csvCell(c.value(row.original))).join(","));
    const blob = new Blob([[header, ...lines].join("\n") + "\n"], {
      type: "text/csv;charset=utf-8",
    });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = props.fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return (
    <div className="stack-lg">
      <div className="row between">
        <span className="muted small">
          {props.rows.length.toLocaleString("en")} rows
          {props.comparison && (
            <span data-testid="comparison" data-comparable={props.comparison.comparable}>
              {" · "}
              {props.comparison.comparable
                ? `compared with ${props.comparison.from} to ${props.comparison.to}`
                : `previous period (${props.comparison.from} to ${props.comparison.to}) not comparable: ${props.comparison.reason ?? ""}`}
            </span>
          )}
        </span>
        <button
          type="button"
          className="secondary small"
          onClick={downloadCsv}
          disabled={!props.rows.length}
        >
          Download CSV
        </button>
      </div>
      <div className="table-wrap">
        <table className="data">
          <caption className="sr-only">{props.caption}</caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const numeric = columns.find((c) => c.id === header.column.id)?.numeric;
                  return (
                    <th
                      key={header.id}
                      className={numeric ? "num" : undefined}
                      aria-sort={
                        sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"
                      }
                    >
                      <button type="button" onClick={header.column.getToggleSortingHandler()}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => {
              const href = drillHref(row.original.key);
              return (
                <tr
                  key={row.id}
                  data-key={row.original.key}
                  className={href ? "drillable" : undefined}
                >
                  {row.getVisibleCells().map((cell) => (
                    <td
                      key={cell.id}
                      className={
                        columns.find((c) => c.id === cell.column.id)?.numeric ? "num" : undefined
                      }
                    >
                      {cell.column.id === "label" && href ? (
                        <Link
                          href={href}
                          scroll={false}
                          title="Filter to this and go one level down"
                        >
                          {flexRender(cell.column.columnDef.cell, cell.getContext())}
                        </Link>
                      ) : (
                        flexRender(cell.column.columnDef.cell, cell.getContext())
                      )}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
