/**
 * The methodology appendix is docs/methodology.md written for an auditor: the document also tells
 * developers where each rule lives (`packages/…/headlines.ts`, "test in `src/…`"), which means nothing
 * to a reader of the report. This removes those references when the appendix is built
 * (scripts/build-appendix.ts) and keeps everything else, word for word.
 */

const codeSpan = /`([^`]+)`/g;
// Paths inside this repository (a path in another project's repository, cited as a source, stays).
const internalRoot = /^(?:packages|apps|src|scripts|stores|data)\/|^\/work\/|^@canopy\//;
const codeFile = /^[\w./{}<>*-]+\.(?:ts|tsx|js|mjs|cjs)$/;
const dataFile = /\.(?:json|csv)$/;
const camelIdentifier = /^`[a-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:\([^`]*\))?`$/;

/** A code span's text that names a source file or folder of Canopy. */
export function isCodePath(text: string): boolean {
  const t = text.trim();
  // A command line naming a script (`pnpm exec tsx scripts/build-pack.ts`) counts too.
  return (
    internalRoot.test(t) ||
    codeFile.test(t) ||
    /\s(?:packages|apps|src|scripts|bench)\/\S/.test(t) ||
    /@canopy\//.test(t) ||
    /\s\S+\.tsx?(?:\s|$)/.test(t)
  );
}

const hasCodePath = (text: string) =>
  [...text.matchAll(codeSpan)].some((match) => isCodePath(match[1]!));

/** Splits on , and ; outside code spans, each part keeping the separator before it. */
function parts(text: string): { separator: string; body: string }[] {
  const out: { separator: string; body: string }[] = [];
  let inCode = false;
  let separator = "";
  let body = "";
  for (const ch of text) {
    if (ch === "`") inCode = !inCode;
    if (!inCode && (ch === "," || ch === ";")) {
      out.push({ separator, body });
      separator = ch;
      body = "";
    } else body += ch;
  }
  out.push({ separator, body });
  return out;
}

/** Drops the parts of a parenthetical that cite code (and a function name cited with them). */
function cleanParenthetical(inner: string): string {
  const all = parts(inner);
  // "(see `path`, "Section")": the rest only makes sense with the reference.
  if (all.some((part) => hasCodePath(part.body) && /^\s*see\b/.test(part.body))) return "";
  const kept = all
    // "`path` validates every value: …" keeps what it says, with Canopy as the subject.
    .map((part) => ({
      ...part,
      body: part.body.replace(/^(\s*)`([^`]+)`(?=\s+[a-z])/, (span, lead: string, inner: string) =>
        isCodePath(inner) ? `${lead}Canopy` : span,
      ),
    }))
    .filter((part) => !hasCodePath(part.body) && !camelIdentifier.test(part.body.trim()));
  return kept
    .map((part, i) => (i === 0 ? part.body.trimStart() : `${part.separator}${part.body}`))
    .join("");
}

const sentenceEnd = /[.!?](?=\s|$)/g;
const blockStart = /\n\s*\n|\n\s*(?:[-*]|\d+\.)\s|\n#+\s/g;

/** Removes each sentence that still names a code path (developer instructions). */
function dropSentences(text: string): string {
  let out = text;
  for (;;) {
    const match = [...out.matchAll(codeSpan)].find((m) => isCodePath(m[1]!));
    if (!match) return out;
    const at = match.index;
    let start = 0;
    for (const m of out.slice(0, at).matchAll(sentenceEnd)) start = m.index + 1;
    for (const m of out.slice(0, at).matchAll(blockStart))
      start = Math.max(start, m.index + m[0].length);
    let end = out.length;
    const after = at + match[0].length;
    sentenceEnd.lastIndex = 0;
    const stop = [...out.slice(after).matchAll(sentenceEnd)][0];
    if (stop) end = after + stop.index + 1;
    const block = [...out.slice(after).matchAll(blockStart)][0];
    if (block) end = Math.min(end, after + block.index);
    // After a sentence end the rest keeps its leading space; at the start of a block it loses it.
    const atBlockStart = start === 0 || !/[.!?]/.test(out[start - 1]!);
    const rest = out.slice(end);
    out = `${out.slice(0, start)}${atBlockStart ? rest.replace(/^[ \t]+/, "") : rest}`;
  }
}

/** The document without references to Canopy's source files; code blocks and tables are left as they are. */
export function auditorAppendix(markdown: string): string {
  // Fenced code blocks (formulas) are kept verbatim; the prose between them is cleaned.
  return markdown
    .split(/(^```[^\n]*\n[\s\S]*?^```[ \t]*$)/m)
    .map((segment, i) => (i % 2 === 1 ? segment : cleanProse(segment)))
    .join("")
    .replace(/\n{3,}/g, "\n\n");
}

function cleanProse(markdown: string): string {
  let text = markdown
    // A data file keeps its name, not the folder it sits in.
    .replace(codeSpan, (span, inner: string) =>
      isCodePath(inner) && dataFile.test(inner.trim())
        ? `\`${inner.trim().slice(inner.trim().lastIndexOf("/") + 1)}\``
        : span,
    )
    .replace(/`\/work\/shared\/reference\/?`/g, "the reference data Canopy draws on")
    .replace(/Tests in `([^`]+)`/g, (phrase, inner: string) =>
      isCodePath(inner) ? "Canopy's tests" : phrase,
    )
    .replace(/,? and (?:checked|tested) in `([^`]+)`/g, (phrase, inner: string) =>
      isCodePath(inner) ? "" : phrase,
    );
  // A parenthetical, whose code spans may hold parentheses of their own (`regionFactors()`).
  text = text.replace(
    /([ \t]*\n?[ \t]*)\(((?:`[^`]*`|[^()`])*)\)/g,
    (whole, space: string, inner: string) => {
      if (!hasCodePath(inner)) return whole;
      const cleaned = cleanParenthetical(inner);
      return cleaned.trim() ? `${space}(${cleaned.trim()})` : "";
    },
  );
  return (
    dropSentences(text)
      .replace(/[ \t]+\n/g, "\n")
      .replace(/ +([.,;:])(?=\s)/g, "$1")
      // A list item whose only sentence was a developer instruction.
      .replace(/^[ \t]*[-*][ \t]*\n/gm, "")
  );
}
