import { Lexer, type Token, type Tokens } from "marked";

/** Inline text with one style, as the PDF and XLSX renderers draw it. */
export type Segment = { text: string; style: "normal" | "bold" | "italic" | "code" };

/** A list item: its text, then any blocks nested in it (tables, formulas, sub-lists). */
export type ListItem = { segments: Segment[]; children: Block[] };

/** The methodology document as blocks both renderers understand (markdown parsed once, by marked). */
export type Block =
  | { type: "heading"; depth: number; text: string }
  | { type: "paragraph"; segments: Segment[] }
  | { type: "list"; ordered: boolean; items: ListItem[] }
  | {
      type: "table";
      header: string[];
      rows: string[][];
      align: ("left" | "right" | "center" | null)[];
    }
  | { type: "code"; text: string }
  | { type: "rule" };

export function markdownBlocks(markdown: string): Block[] {
  return Lexer.lex(markdown).flatMap(blockOf);
}

function blockOf(token: Token): Block[] {
  switch (token.type) {
    case "heading":
      return [
        {
          type: "heading",
          depth: (token as Tokens.Heading).depth,
          text: plainText((token as Tokens.Heading).tokens),
        },
      ];
    case "paragraph":
      return [{ type: "paragraph", segments: segmentsOf((token as Tokens.Paragraph).tokens) }];
    case "list": {
      const list = token as Tokens.List;
      return [{ type: "list", ordered: list.ordered, items: list.items.map(listItemOf) }];
    }
    case "table": {
      const table = token as Tokens.Table;
      return [
        {
          type: "table",
          header: table.header.map((cell) => plainText(cell.tokens)),
          rows: table.rows.map((row) => row.map((cell) => plainText(cell.tokens))),
          align: table.align,
        },
      ];
    }
    case "code":
      return [{ type: "code", text: (token as Tokens.Code).text }];
    case "hr":
      return [{ type: "rule" }];
    case "blockquote":
      return (token as Tokens.Blockquote).tokens.flatMap(blockOf);
    default:
      return [];
  }
}

function listItemOf(item: Tokens.ListItem): ListItem {
  const segments: Segment[] = [];
  const children: Block[] = [];
  for (const token of item.tokens) {
    const inline = token.type === "text" || token.type === "paragraph";
    if (inline && children.length === 0) {
      if (segments.length) segments.push({ text: " ", style: "normal" });
      segments.push(...segmentsOf("tokens" in token && token.tokens ? token.tokens : [token]));
    } else
      children.push(
        ...(inline
          ? [{ type: "paragraph" as const, segments: segmentsOf(token.tokens ?? [token]) }]
          : blockOf(token)),
      );
  }
  return { segments: merge(segments), children };
}

function segmentsOf(tokens: Token[] | undefined, style: Segment["style"] = "normal"): Segment[] {
  const segments: Segment[] = [];
  for (const token of tokens ?? []) {
    switch (token.type) {
      case "strong":
        segments.push(...segmentsOf((token as Tokens.Strong).tokens, "bold"));
        break;
      case "em":
        segments.push(
          ...segmentsOf((token as Tokens.Em).tokens, style === "bold" ? "bold" : "italic"),
        );
        break;
      case "codespan":
        segments.push({ text: decode((token as Tokens.Codespan).text), style: "code" });
        break;
      case "link":
        segments.push(...segmentsOf((token as Tokens.Link).tokens, style));
        break;
      case "br":
        segments.push({ text: "\n", style });
        break;
      case "space":
        segments.push({ text: " ", style });
        break;
      default:
        if ("tokens" in token && token.tokens?.length)
          segments.push(...segmentsOf(token.tokens, style));
        else
          segments.push({
            text: decode("text" in token ? String(token.text) : token.raw).replace(
              /\s*\n\s*/g,
              " ",
            ),
            style,
          });
    }
  }
  return merge(segments);
}

export function plainText(tokens: Token[] | undefined): string {
  return segmentsOf(tokens)
    .map((s) => s.text)
    .join("")
    .trim();
}

const entities: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};
const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => entities[m] ?? m);

function merge(segments: Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const segment of segments) {
    const last = merged[merged.length - 1];
    if (last && last.style === segment.style) last.text += segment.text;
    else if (segment.text) merged.push({ ...segment });
  }
  return merged;
}
