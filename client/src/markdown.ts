/**
 * A small, safe markdown subset for the round's instructions (shared/src/quiz.ts): every character of the
 * text is HTML-escaped first, so no tag, attribute or entity of the teacher's text reaches the page; then
 * only these shapes become markup:
 *
 *   # Heading / ## Heading      a heading (h3 / h4)
 *   - item / * item             a bulleted list (consecutive lines)
 *   1. item                     a numbered list (consecutive lines)
 *   blank line                  a new paragraph; a single line feed is a line break
 *   **bold**, *italic*, `code`  inline, within one line
 *
 * No links, images or raw HTML: a URL stays plain text.
 */
import { esc } from "./format.ts";

/** Inline marks of one escaped line. */
function inline(escaped: string): string {
  return escaped
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<i>$2</i>");
}

/** HTML of `text` (markdown subset above). Safe for innerHTML whatever `text` holds. */
export function markdownHtml(text: string): string {
  const out: string[] = [];
  let para: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | null = null;
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.join("<br>")}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${i}</li>`).join("")}</${list.tag}>`);
    list = null;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    const heading = /^(#{1,2})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (!line.trim()) {
      flushPara();
      flushList();
      continue;
    }
    if (heading) {
      flushPara();
      flushList();
      out.push(`<h${heading[1]!.length + 2}>${inline(esc(heading[2]))}</h${heading[1]!.length + 2}>`);
      continue;
    }
    const item = bullet ?? numbered;
    if (item) {
      flushPara();
      const tag = bullet ? "ul" : "ol";
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push(inline(esc(item[1])));
      continue;
    }
    flushList();
    para.push(inline(esc(line)));
  }
  flushPara();
  flushList();
  return out.join("");
}
