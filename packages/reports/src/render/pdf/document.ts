import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import PDFDocument from "pdfkit";

const fontFiles = {
  body: "DejaVuSansCondensed.ttf",
  bold: "DejaVuSansCondensed-Bold.ttf",
  italic: "DejaVuSansCondensed-Oblique.ttf",
  mono: "DejaVuSansMono.ttf",
} as const;
export type FontName = keyof typeof fontFiles;

let fontDirectory: string | undefined;

/**
 * Where the embedded fonts (DejaVu, from the dejavu-fonts-ttf package: every character of the method,
 * CO₂, ≥, →; no system fonts needed) are read from. Found on first use (see defaultFontDirectory); a
 * deployment that moves a bundled server away from its node_modules points this at a copy of the ttf folder.
 */
export function usePdfFontDirectory(dir: string): void {
  fontDirectory = dir;
}

/**
 * The package's ttf folder, resolved from this module; when a bundler (the Next.js server build) has
 * turned that resolution into a module id, the package as installed under the working directory (the
 * app's folder, where `next start` runs).
 */
function defaultFontDirectory(): string {
  const candidates: string[] = [];
  try {
    const packageJson: unknown = createRequire(import.meta.url).resolve(
      "dejavu-fonts-ttf/package.json",
    );
    if (typeof packageJson === "string")
      candidates.push(path.join(path.dirname(packageJson), "ttf"));
  } catch {
    // Not resolvable from here: try the working directory.
  }
  candidates.push(path.join(process.cwd(), "node_modules", "dejavu-fonts-ttf", "ttf"));
  return candidates.find((dir) => existsSync(path.join(dir, fontFiles.body))) ?? candidates[0]!;
}

function fontPath(name: FontName): string {
  fontDirectory ??= defaultFontDirectory();
  return path.join(fontDirectory, fontFiles[name]);
}

export const colors = {
  text: "#1d2421",
  muted: "#5b6660",
  rule: "#c9d2cc",
  headerFill: "#e8f0ea",
  zebra: "#f5f8f6",
  brand: "#1f6f4a",
  brandDark: "#164f35",
  brandLight: "#9cc9b1",
  accent: "#d08c2c",
  draft: "#b3261e",
} as const;

export type PDFDoc = InstanceType<typeof PDFDocument>;

/** A4 in points, with room for the running header and footer. */
export const page = {
  width: 595.28,
  height: 841.89,
  margin: { top: 56, bottom: 62, left: 48, right: 48 },
} as const;
export const contentWidth = page.width - page.margin.left - page.margin.right;
export const contentLeft = page.margin.left;
export const contentBottom = page.height - page.margin.bottom;

export function createDocument(info: {
  title: string;
  author: string;
  subject: string;
  created: Date;
}): PDFDoc {
  const doc = new PDFDocument({
    size: "A4",
    margins: page.margin,
    bufferPages: true,
    font: fontPath("body"),
    autoFirstPage: true,
    info: {
      Title: info.title,
      Author: info.author,
      Subject: info.subject,
      Creator: "Canopy",
      CreationDate: info.created,
      ModDate: info.created,
    },
  });
  // Fonts are selected by file path, not by registered name: pdfkit caches a font under the key it was
  // first opened with, and re-reads and re-parses a registered alias of an already open file each time.
  doc.fontSize(9).fillColor(colors.text);
  return doc;
}

export async function finish(doc: PDFDoc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

/** Starts a new page when fewer than `height` points are left. */
export function ensureSpace(doc: PDFDoc, height: number): void {
  if (doc.y + height > contentBottom) doc.addPage();
}

export function setFont(
  doc: PDFDoc,
  font: FontName,
  size: number,
  color: string = colors.text,
): PDFDoc {
  return doc.font(fontPath(font)).fontSize(size).fillColor(color);
}

/** A section heading (keeps at least `keepWith` points of what follows on the same page). */
export function heading(doc: PDFDoc, text: string, level: 1 | 2 | 3 = 1, keepWith = 80): void {
  const size = level === 1 ? 15 : level === 2 ? 11.5 : 10;
  ensureSpace(doc, size * 2 + keepWith);
  if (doc.y > page.margin.top + 2) doc.moveDown(level === 1 ? 0.8 : 0.5);
  setFont(doc, "bold", size, level === 1 ? colors.brandDark : colors.text);
  doc.text(text, contentLeft, doc.y, { width: contentWidth });
  if (level === 1) {
    const y = doc.y + 2;
    doc
      .moveTo(contentLeft, y)
      .lineTo(contentLeft + contentWidth, y)
      .lineWidth(0.8)
      .strokeColor(colors.brand)
      .stroke();
    doc.y = y + 6;
  } else {
    doc.moveDown(0.25);
  }
  setFont(doc, "body", 9);
}

export function paragraph(
  doc: PDFDoc,
  text: string,
  options: { size?: number; color?: string; font?: FontName } = {},
): void {
  setFont(doc, options.font ?? "body", options.size ?? 9, options.color ?? colors.text);
  const height = doc.heightOfString(text, { width: contentWidth });
  ensureSpace(doc, Math.min(height, 60));
  doc.text(text, contentLeft, doc.y, { width: contentWidth });
  doc.moveDown(0.4);
  setFont(doc, "body", 9);
}
