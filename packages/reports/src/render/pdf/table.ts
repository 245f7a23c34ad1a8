import {
  colors,
  contentBottom,
  contentLeft,
  contentWidth,
  setFont,
  type FontName,
  type PDFDoc,
} from "./document";

export type Column = {
  title: string;
  /** Share of the table width (weights are normalized). */
  weight: number;
  align?: "left" | "right" | "center";
  font?: FontName;
};

export type TableRow = { cells: string[]; bold?: boolean; fill?: string };

export type TableOptions = {
  fontSize?: number;
  /** Repeats the header row on each new page (default true). */
  repeatHeader?: boolean;
  width?: number;
  left?: number;
};

const PAD_X = 3.5;
const PAD_Y = 2.6;

/**
 * Draws a table that wraps cell text, breaks across pages between rows and repeats its header.
 * Rows alternate a light fill so long rows stay readable.
 */
export function drawTable(
  doc: PDFDoc,
  columns: Column[],
  rows: TableRow[],
  options: TableOptions = {},
): void {
  const fontSize = options.fontSize ?? 8;
  const width = options.width ?? contentWidth;
  const left = options.left ?? contentLeft;
  const totalWeight = columns.reduce((n, c) => n + c.weight, 0);
  const widths = columns.map((c) => (c.weight / totalWeight) * width);
  const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((n, w) => n + w, 0));

  const measure = (cells: string[], bold: boolean) =>
    Math.max(
      ...cells.map((cell, i) => {
        setFont(doc, bold ? "bold" : (columns[i]?.font ?? "body"), fontSize);
        return doc.heightOfString(cell || " ", { width: widths[i]! - 2 * PAD_X, lineGap: 0 });
      }),
    ) +
    2 * PAD_Y;

  const drawRow = (
    cells: string[],
    y: number,
    height: number,
    bold: boolean,
    fill: string | undefined,
  ) => {
    if (fill) doc.rect(left, y, width, height).fill(fill);
    cells.forEach((cell, i) => {
      setFont(doc, bold ? "bold" : (columns[i]?.font ?? "body"), fontSize);
      doc.text(cell, xs[i]! + PAD_X, y + PAD_Y, {
        width: widths[i]! - 2 * PAD_X,
        align: columns[i]?.align ?? "left",
        lineGap: 0,
      });
    });
  };

  const header = columns.map((c) => c.title);
  const headerHeight = measure(header, true);
  const drawHeader = () => {
    const y = doc.y;
    drawRow(header, y, headerHeight, true, colors.headerFill);
    doc
      .moveTo(left, y + headerHeight)
      .lineTo(left + width, y + headerHeight)
      .lineWidth(0.6)
      .strokeColor(colors.brand)
      .stroke();
    doc.y = y + headerHeight;
  };

  const firstRowHeight = rows[0] ? measure(rows[0].cells, rows[0].bold ?? false) : 0;
  if (doc.y + headerHeight + firstRowHeight > contentBottom) doc.addPage();
  drawHeader();
  rows.forEach((row, index) => {
    const height = measure(row.cells, row.bold ?? false);
    if (doc.y + height > contentBottom) {
      doc.addPage();
      if (options.repeatHeader ?? true) drawHeader();
    }
    const y = doc.y;
    drawRow(
      row.cells,
      y,
      height,
      row.bold ?? false,
      row.fill ?? (index % 2 === 1 ? colors.zebra : undefined),
    );
    doc.y = y + height;
  });
  const y = doc.y;
  doc
    .moveTo(left, y)
    .lineTo(left + width, y)
    .lineWidth(0.4)
    .strokeColor(colors.rule)
    .stroke();
  doc.x = contentLeft;
  doc.y = y + 6;
  setFont(doc, "body", 9);
}
