import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Test helpers over Debian's poppler-utils (pdftotext, pdftoppm): what a reader would see in a PDF.
 * CI installs poppler-utils (.ci/run); elsewhere the tests that need it say so and are skipped.
 */
export async function popplerAvailable(): Promise<boolean> {
  try {
    await run("pdftotext", ["-v"]);
    await run("pdftoppm", ["-v"]);
    return true;
  } catch {
    return false;
  }
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "canopy-pdf-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The text of every page, in reading order (pdftotext -layout). */
export function pdfText(pdf: Buffer): Promise<string> {
  return withTempDir(async (dir) => {
    const file = path.join(dir, "report.pdf");
    await writeFile(file, pdf);
    const { stdout } = await run("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  });
}

export type PageRaster = {
  page: number;
  width: number;
  height: number;
  inkShare: number;
  distinctLevels: number;
};

/**
 * Rasterizes every page in grey (pdftoppm -gray, PGM) and measures it: the share of pixels that are
 * not white, and how many grey levels occur. A blank page has no ink and one level. With `pngDir`,
 * PNG renderings are written there too (to look at).
 */
export function rasterizePages(
  pdf: Buffer,
  options: { dpi?: number; pngDir?: string } = {},
): Promise<PageRaster[]> {
  return withTempDir(async (dir) => {
    const file = path.join(dir, "report.pdf");
    await writeFile(file, pdf);
    const dpi = String(options.dpi ?? 40);
    await run("pdftoppm", ["-gray", "-r", dpi, file, path.join(dir, "page")]);
    if (options.pngDir)
      await run("pdftoppm", ["-png", "-r", "80", file, path.join(options.pngDir, "page")]);
    const files = (await readdir(dir)).filter((name) => name.endsWith(".pgm")).sort();
    return Promise.all(
      files.map(async (name, index) => ({
        page: index + 1,
        ...measurePgm(await readFile(path.join(dir, name))),
      })),
    );
  });
}

function measurePgm(data: Buffer): Omit<PageRaster, "page"> {
  // Binary PGM: "P5" <width> <height> <maxval> then one byte per pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 64).toString("latin1"));
  if (!header) throw new Error("not a binary PGM");
  const width = Number(header[1]);
  const height = Number(header[2]);
  const pixels = data.subarray(header[0].length);
  let ink = 0;
  const levels = new Set<number>();
  for (const value of pixels) {
    if (value < 245) ink++;
    levels.add(value);
  }
  return { width, height, inkShare: ink / (width * height), distinctLevels: levels.size };
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += char;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
