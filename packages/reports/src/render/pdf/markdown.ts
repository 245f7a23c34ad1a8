import { markdownBlocks, type Block, type Segment } from "../../methodology/blocks";
import {
  colors,
  contentLeft,
  contentWidth,
  ensureSpace,
  heading,
  setFont,
  type FontName,
  type PDFDoc,
} from "./document";
import { drawTable } from "./table";

const fontOf: Record<Segment["style"], FontName> = {
  normal: "body",
  bold: "bold",
  italic: "italic",
  code: "mono",
};
const BODY_SIZE = 8.2;

/** Renders the methodology document: headings, paragraphs, lists, tables and formulas. */
export function renderMarkdown(doc: PDFDoc, markdown: string): void {
  let first = true;
  for (const block of markdownBlocks(markdown)) {
    // The document's own title is replaced by the appendix heading.
    if (!(first && block.type === "heading" && block.depth === 1)) renderBlock(doc, block);
    first = false;
  }
  setFont(doc, "body", 9);
}

function renderList(doc: PDFDoc, block: Extract<Block, { type: "list" }>): void {
  block.items.forEach((item, i) => {
    const marker = block.ordered ? `${i + 1}.` : "•";
    setFont(doc, "body", BODY_SIZE);
    ensureSpace(doc, 22);
    const y = doc.y;
    doc.text(marker, contentLeft + 4, y, { width: 12, lineBreak: false });
    doc.y = y;
    segments(doc, item.segments, contentLeft + 16, contentWidth - 16);
    doc.moveDown(0.2);
    for (const child of item.children) renderBlock(doc, child);
  });
  doc.moveDown(0.3);
}

function renderBlock(doc: PDFDoc, block: Block): void {
  switch (block.type) {
    case "heading":
      heading(doc, block.text, block.depth <= 2 ? 2 : 3, 50);
      break;
    case "paragraph":
      segments(doc, block.segments, contentLeft, contentWidth);
      doc.moveDown(0.45);
      break;
    case "list":
      renderList(doc, block);
      break;
    case "table": {
      const lengths = block.header.map((h, c) =>
        Math.max(h.length, ...block.rows.map((r) => Math.min((r[c] ?? "").length, 90))),
      );
      const columns = block.header.map((title, c) => ({
        title,
        weight: Math.max(5, Math.sqrt(lengths[c]!) * 3 + lengths[c]! * 0.35),
        align: block.align[c] === "right" ? ("right" as const) : ("left" as const),
      }));
      drawTable(
        doc,
        columns,
        block.rows.map((cells) => ({ cells: block.header.map((_, c) => cells[c] ?? "") })),
        {
          fontSize: block.header.length > 5 ? 6.2 : 7,
        },
      );
      break;
    }
    case "code": {
      setFont(doc, "mono", 7);
      const height = doc.heightOfString(block.text, { width: contentWidth - 12 }) + 8;
      ensureSpace(doc, Math.min(height, 200));
      const y = doc.y;
      doc.rect(contentLeft, y, contentWidth, height).fill(colors.zebra);
      setFont(doc, "mono", 7);
      doc.text(block.text, contentLeft + 6, y + 4, { width: contentWidth - 12 });
      doc.x = contentLeft;
      doc.y = Math.max(doc.y, y + height) + 6;
      break;
    }
    case "rule":
      doc.moveDown(0.5);
      break;
  }
}

function segments(doc: PDFDoc, parts: Segment[], x: number, width: number): void {
  setFont(doc, "body", BODY_SIZE);
  const plain = parts.map((p) => p.text).join("");
  ensureSpace(doc, Math.min(doc.heightOfString(plain, { width }), 40));
  parts.forEach((part, i) => {
    setFont(
      doc,
      fontOf[part.style],
      part.style === "code" ? BODY_SIZE - 0.8 : BODY_SIZE,
      part.style === "code" ? colors.brandDark : colors.text,
    );
    const options = { width, continued: i < parts.length - 1, lineGap: 1 };
    if (i === 0) doc.text(part.text, x, doc.y, options);
    else doc.text(part.text, options);
  });
  doc.x = contentLeft;
}
