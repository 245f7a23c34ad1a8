import type { GridIntensityPoint, GridSourceNotice } from "./source";

/**
 * Electricity Maps hourly dataset files: the free yearly CSV per zone from the data portal
 * (https://www.electricitymaps.com/data-portal), published under the ODbL, named
 * `<zone>_<year>_hourly.csv` (e.g. `US-NY-NYIS_2024_hourly.csv`). One row per UTC hour with
 * `Datetime (UTC)`, `Zone id`, `Carbon intensity gCO₂eq/kWh (direct)`, `Carbon intensity gCO₂eq/kWh
 * (Life cycle)` (older files: `Carbon Intensity gCO₂eq/kWh (LCA)`), `Data estimated` (true/false)
 * and `Data estimation method`; the other columns (country, zone name, CFE %, RE %, data source)
 * are not read. The whole file is checked before anything is returned, so a bad file stores nothing.
 */
export const electricityMapsDatasetSourceName = "electricitymaps-dataset";

export const electricityMapsDatasetNotice: GridSourceNotice = {
  licence: "Open Database License (ODbL) 1.0",
  attribution: "Electricity Maps, ODbL (electricitymaps.com data portal)",
  url: "https://www.electricitymaps.com/data-portal",
};

/** A file that cannot be loaded; `line` is the 1-based line of the file (1 = header). */
export class GridDatasetError extends Error {
  constructor(
    readonly fileName: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${fileName}, line ${line}: ${detail}`);
    this.name = "GridDatasetError";
  }
}

export type GridDataset = {
  fileName: string;
  zone: string;
  /** Stored as source_version: the dataset year, so a re-release counts only changed values as revised. */
  sourceVersion: string;
  /** Data rows read (each gives a direct and a lifecycle point). */
  rows: number;
  firstHour: Date;
  lastHour: Date;
  points: GridIntensityPoint[];
};

const hourMs = 3_600_000;
const maxLineChars = 1 << 20;
/** Ten leap years of hours: far more than one yearly file holds, small enough to keep in memory. */
const maxRows = 10 * 8784;
const maxGPerKwh = 2000;

const columnNames = {
  datetime: ["datetime (utc)"],
  zone: ["zone id"],
  direct: ["carbon intensity gco₂eq/kwh (direct)"],
  lifecycle: [
    "carbon intensity gco₂eq/kwh (life cycle)",
    "carbon intensity gco₂eq/kwh (lca)",
    "carbon intensity gco₂eq/kwh (life cycle assessment)",
  ],
  estimated: ["data estimated"],
} as const;
type Column = keyof typeof columnNames;

/** `<zone>_<year>_hourly.csv` → zone and year; other names say neither. */
export function datasetNameParts(fileName: string): { zone?: string; year?: number } {
  const match = /^([A-Za-z]{2}(?:-[A-Za-z0-9]+)*)_(\d{4})_hourly\.csv$/i.exec(
    fileName.split(/[\\/]/).pop() ?? fileName,
  );
  return match ? { zone: match[1]!.toUpperCase(), year: Number(match[2]) } : {};
}

/**
 * Reads one dataset file (any byte or text chunks: a file stream, an uploaded Blob's stream) and
 * returns its points for both boundaries, or throws GridDatasetError naming the first bad line:
 * wrong columns, another zone than the name says (or than the first row), a year other than the
 * name's, an hour that is not whole, a duplicate or missing hour, an intensity outside 0–2,000
 * gCO2eq/kWh or missing, an estimated flag that is not true/false.
 */
export async function parseElectricityMapsDataset(
  fileName: string,
  chunks: AsyncIterable<Uint8Array | string>,
): Promise<GridDataset> {
  const named = datasetNameParts(fileName);
  const fail = (line: number, detail: string): never => {
    throw new GridDatasetError(fileName, line, detail);
  };
  let index: Record<Column, number> | undefined;
  let width = 0;
  let zone: string | undefined;
  let previousMs: number | undefined;
  let firstMs = 0;
  const seen = new Set<number>();
  const points: GridIntensityPoint[] = [];
  let rows = 0;

  const onLine = (text: string, line: number) => {
    if (index === undefined) {
      const header = splitCsvLine(text.replace(/^\uFEFF/, ""), line, fail).map((name) =>
        name.trim().toLowerCase(),
      );
      index = columnsOf(header, line, fail);
      width = header.length;
      return;
    }
    if (text.trim() === "") return;
    if (++rows > maxRows) fail(line, `more than ${maxRows} rows; one file holds one zone-year`);
    const cells = splitCsvLine(text, line, fail);
    if (cells.length !== width)
      fail(line, `${cells.length} cells where the header has ${width} columns`);
    const cell = (column: Column) => cells[index![column]]!.trim();

    const rowZone = cell("zone");
    if (named.zone !== undefined && rowZone.toUpperCase() !== named.zone)
      fail(line, `zone "${rowZone}" but the file name says ${named.zone}`);
    if (zone === undefined) {
      if (!/^[A-Z]{2}(?:-[A-Z0-9]+)*$/i.test(rowZone))
        fail(line, `"${rowZone}" is not a grid zone key`);
      zone = rowZone.toUpperCase();
    } else if (rowZone.toUpperCase() !== zone)
      fail(line, `zone "${rowZone}" after rows of ${zone}; a file holds one zone`);

    const hourMsOfRow = utcHourOf(cell("datetime"));
    if (hourMsOfRow === undefined)
      fail(line, `"${cell("datetime")}" is not the start of a UTC hour (YYYY-MM-DD HH:00:00)`);
    const ms = hourMsOfRow!;
    if (named.year !== undefined && new Date(ms).getUTCFullYear() !== named.year)
      fail(line, `${new Date(ms).toISOString()} is outside ${named.year}, the file name's year`);
    if (seen.has(ms)) fail(line, `${new Date(ms).toISOString()} appears twice`);
    if (previousMs !== undefined && ms !== previousMs + hourMs)
      fail(
        line,
        ms < previousMs
          ? `${new Date(ms).toISOString()} comes after ${new Date(previousMs).toISOString()}; rows must be in hour order`
          : ms === previousMs + 2 * hourMs
            ? `hour ${new Date(previousMs + hourMs).toISOString()} is missing (a gap)`
            : `hours ${new Date(previousMs + hourMs).toISOString()} to ${new Date(ms - hourMs).toISOString()} are missing (a gap)`,
      );
    if (previousMs === undefined) firstMs = ms;
    seen.add(ms);
    previousMs = ms;

    const estimatedText = cell("estimated").toLowerCase();
    if (estimatedText !== "true" && estimatedText !== "false")
      fail(line, `Data estimated is "${cell("estimated")}", not true or false`);
    const hour = new Date(ms);
    for (const boundary of ["direct", "lifecycle"] as const) {
      const text = cell(boundary);
      const g = text === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(g))
        fail(line, `the ${boundary} carbon intensity is ${text === "" ? "missing" : `"${text}"`}`);
      if (g < 0 || g > maxGPerKwh)
        fail(line, `the ${boundary} carbon intensity ${g} gCO2eq/kWh is outside 0–${maxGPerKwh}`);
      points.push({
        zone: zone!,
        hour,
        boundary,
        gCo2ePerKwh: g,
        estimated: estimatedText === "true",
      });
    }
  };

  let line = 0;
  let pending = "";
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of chunks) {
      pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        onLine(pending.slice(0, newline).replace(/\r$/, ""), ++line);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
      if (pending.length > maxLineChars) fail(line + 1, "a line longer than 1 MiB");
    }
    pending += decoder.decode();
  } catch (error) {
    if (error instanceof GridDatasetError) throw error;
    if (error instanceof TypeError) fail(line + 1, "the file is not UTF-8 text");
    throw error;
  }
  if (pending !== "") onLine(pending.replace(/\r$/, ""), ++line);
  if (index === undefined) fail(1, "the file is empty");
  if (rows === 0 || zone === undefined || previousMs === undefined)
    fail(line, "no data rows after the header");
  return {
    fileName,
    zone: zone!,
    sourceVersion: `hourly-${new Date(firstMs).getUTCFullYear()}`,
    rows,
    firstHour: new Date(firstMs),
    lastHour: new Date(previousMs!),
    points,
  };
}

function columnsOf(
  header: string[],
  line: number,
  fail: (line: number, detail: string) => never,
): Record<Column, number> {
  const found: Partial<Record<Column, number>> = {};
  const missing: string[] = [];
  for (const [column, names] of Object.entries(columnNames) as [Column, readonly string[]][]) {
    const at = header.findIndex((name) => names.includes(name));
    if (at === -1) missing.push(`"${names[0]}"`);
    else found[column] = at;
  }
  if (missing.length > 0)
    fail(
      line,
      `not an Electricity Maps hourly file: missing column(s) ${missing.join(", ")} (found ${header.map((h) => `"${h}"`).join(", ")})`,
    );
  return found as Record<Column, number>;
}

/** "2025-01-01 00:00:00" (the files' form, UTC by the column name) or ISO with Z → ms, whole hours only. */
function utcHourOf(text: string): number | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.0+)?)?(?:Z|\+00:00)?$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  if (mi !== 0 || (s ?? 0) !== 0 || mo! < 1 || mo! > 12 || h! > 23) return undefined;
  const ms = Date.UTC(y!, mo! - 1, d!, h!);
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

/** One CSV line (RFC 4180 quotes; a quoted field may not span lines in these files). */
function splitCsvLine(
  text: string,
  line: number,
  fail: (line: number, detail: string) => never,
): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) fail(line, "a quoted cell is not closed on its line");
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      cells.push(value);
      if (i < text.length && text[i] !== ",") fail(line, "text after a closing quote");
    } else {
      const comma = text.indexOf(",", i);
      cells.push(text.slice(i, comma === -1 ? text.length : comma));
      i = comma === -1 ? text.length : comma;
    }
    if (i >= text.length) return cells;
    i++; // the comma
  }
}
