import type { ReactNode } from "react";
import {
  markdownBlocks,
  methodologyMarkdown,
  methodologySha256,
  type MarkdownBlock,
} from "@canopy/reports";
import { requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

type Segments = Extract<MarkdownBlock, { type: "paragraph" }>["segments"];

/** GitHub's heading anchors ("## 8. Quality" → #8-quality), so the document's own links work. */
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .trim()
    .replace(/\s/g, "-");

function inline(segments: Segments): ReactNode[] {
  return segments.map((s, i) =>
    s.style === "bold" ? (
      <strong key={i}>{s.text}</strong>
    ) : s.style === "italic" ? (
      <em key={i}>{s.text}</em>
    ) : s.style === "code" ? (
      <code key={i}>{s.text}</code>
    ) : (
      <span key={i}>{s.text}</span>
    ),
  );
}

function block(b: MarkdownBlock, key: number): ReactNode {
  switch (b.type) {
    case "heading": {
      const Tag = `h${Math.min(b.depth, 6)}` as "h2";
      return (
        <Tag key={key} id={slug(b.text)}>
          {b.text}
        </Tag>
      );
    }
    case "paragraph":
      return <p key={key}>{inline(b.segments)}</p>;
    case "list": {
      const List = b.ordered ? "ol" : "ul";
      return (
        <List key={key}>
          {b.items.map((item, i) => (
            <li key={i}>
              {inline(item.segments)}
              {item.children.map(block)}
            </li>
          ))}
        </List>
      );
    }
    case "table":
      return (
        <div key={key} className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                {b.header.map((h, i) => (
                  <th key={i}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((row, i) => (
                <tr key={i}>
                  {row.map((cell, j) => (
                    <td key={j} className={b.align[j] === "right" ? "num" : undefined}>
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case "code":
      return (
        <pre key={key} className="code">
          {b.text}
        </pre>
      );
    case "rule":
      return <hr key={key} />;
  }
}

/** The estimation method (docs/methodology.md, as the report appendix carries it), in the app. */
export default async function MethodologyPage() {
  await requireMember();
  return (
    <main className="methodology">
      <p className="muted small">
        The document every figure on the dashboard and in reports follows. Each emissions row
        records the method version that produced it. Document SHA-256{" "}
        <code>{methodologySha256.slice(0, 12)}…</code>
      </p>
      {markdownBlocks(methodologyMarkdown).map(block)}
    </main>
  );
}
