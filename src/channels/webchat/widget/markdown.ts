/**
 * A small, safe markdown renderer for bot messages. It never parses HTML: every piece of message text
 * reaches the page through `textContent` / text nodes, so `<img src=x onerror=…>` stays literal text.
 * Supported: paragraphs and line breaks, `- ` / `* ` and `1. ` lists, `#` headings (as bold lines),
 * `**bold**`, `` `code` ``, `[label](https://…)` and bare http(s) URLs as links.
 */

const INLINE = /\*\*(.+?)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"'（）【】「」《》，。；！？、]+)/g;
const TRAILING = /[.,;:!?)\]'"]+$/;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, parent?: Node): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (parent) parent.appendChild(node);
  return node;
}

/** A link element only for an http(s) URL; anything else comes back as plain text. */
export function safeLink(href: string, label: string): Node {
  let url: URL | undefined;
  try {
    url = new URL(href);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return document.createTextNode(label);
  const a = el('a');
  a.href = url.href;
  a.textContent = label;
  a.rel = 'noopener noreferrer';
  a.target = '_blank';
  return a;
}

function inline(parent: Node, text: string): void {
  const re = new RegExp(INLINE.source, 'g');
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    last = re.lastIndex;
    if (m[1] !== undefined) {
      inline(el('strong', parent), m[1]);
    } else if (m[2] !== undefined) {
      el('code', parent).textContent = m[2];
    } else if (m[3] !== undefined && m[4] !== undefined) {
      parent.appendChild(safeLink(m[4], m[3]));
    } else if (m[5] !== undefined) {
      const url = m[5];
      const tail = TRAILING.exec(url)?.[0] ?? '';
      const clean = url.slice(0, url.length - tail.length);
      parent.appendChild(safeLink(clean, clean));
      if (tail) parent.appendChild(document.createTextNode(tail));
    }
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

export function renderMarkdown(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/);
  for (const block of blocks) {
    if (!block.trim()) continue;
    let para: HTMLElement | undefined;
    let list: HTMLElement | undefined;
    for (const line of block.split('\n')) {
      const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      const numbered = bullet ? null : /^\s*(\d{1,3})(?:[.)]\s+|、\s*)(.*)$/.exec(line);
      const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        const tag = bullet ? 'ul' : 'ol';
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = el(tag, frag);
          if (numbered && numbered[1] !== '1') (list as HTMLOListElement).start = Number(numbered[1]);
        }
        inline(el('li', list), bullet ? bullet[1]! : numbered![2]!);
        para = undefined;
        continue;
      }
      list = undefined;
      if (heading) {
        inline(el('strong', el('p', frag)), heading[1]!);
        para = undefined;
        continue;
      }
      if (!line.trim()) continue;
      if (para) para.appendChild(el('br'));
      else para = el('p', frag);
      inline(para, line);
    }
  }
  return frag;
}
