/**
 * Small DOM helpers. Server text only ever reaches the page through `textContent` / text nodes / attributes
 * (never innerHTML): `h` appends strings as text nodes.
 */
import { getLocale } from './i18n.mjs';

type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((ev: never) => void)>;
export type Child = Node | string | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') node.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) node.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

export function append(node: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function replace(node: Node, ...children: Child[]): void {
  clear(node);
  append(node, children);
}

const ICONS = {
  send: 'M4 12l16-8-6 16-2.5-6.5z',
  clip: 'M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9',
  doc: 'M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8zM14 3v5h5',
  bell: 'M18 16v-5a6 6 0 0 0-12 0v5l-2 2h16zM10 20a2 2 0 0 0 4 0',
  sound: 'M4 9v6h4l5 4V5L8 9zM16 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12',
  mute: 'M4 9v6h4l5 4V5L8 9zM16 9l5 6M21 9l-5 6',
  keyboard: 'M3 6h18v12H3zM7 10h.01M11 10h.01M15 10h.01M7 14h10',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  quick: 'M13 3L5 14h6l-1 7 8-11h-6z',
  close: 'M6 6l12 12M18 6L6 18',
  refresh: 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0',
  panel: 'M3 4h18v16H3zM15 4v16',
  check: 'M5 12l5 5L20 7',
  x: 'M6 6l12 12M18 6L6 18',
} as const;
export type IconName = keyof typeof ICONS;

export function icon(name: IconName, cls = 'ic'): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', cls);
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  const filled = name === 'send' || name === 'quick';
  path.setAttribute('fill', filled ? 'currentColor' : 'none');
  path.setAttribute('stroke', filled ? 'none' : 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.appendChild(path);
  return svg;
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** 14:03 today, otherwise 11-28 14:03 (or with the year when it is not this year). */
export function time(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return '';
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  const opts: Intl.DateTimeFormatOptions = sameDay
    ? { hour: '2-digit', minute: '2-digit', hour12: false }
    : { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) };
  return new Intl.DateTimeFormat(getLocale(), opts).format(d);
}

/** The full date and time, for titles. */
export function fullTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'medium', timeStyle: 'medium', hour12: false }).format(d);
}

/** Milliseconds since `iso` (0 when it is in the future or unknown). */
export function since(iso: string | null | undefined): number {
  const d = parse(iso);
  return d ? Math.max(0, Date.now() - d.getTime()) : 0;
}

/** 0:07, 12:45, 1:02:03. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const p = (n: number) => String(n).padStart(2, '0');
  return hh > 0 ? `${hh}:${p(mm)}:${p(ss)}` : `${mm}:${p(ss)}`;
}

/** An element whose text is the time elapsed since `iso`, refreshed every second by `tickClocks`. */
export function clock(iso: string | null | undefined, cls = 'clock', template?: (d: string) => string): HTMLElement {
  const el = h('span', { class: cls, 'data-since': iso ?? '' });
  if (template) clockTemplates.set(el, template);
  el.textContent = template ? template(duration(since(iso))) : duration(since(iso));
  return el;
}

const clockTemplates = new WeakMap<Element, (d: string) => string>();

export function tickClocks(root: ParentNode = document): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('[data-since]'))) {
    const d = duration(since(el.dataset.since));
    const tpl = clockTemplates.get(el);
    el.textContent = tpl ? tpl(d) : d;
    const s = since(el.dataset.since);
    el.classList.toggle('late', el.classList.contains('wait') && s >= 180_000);
  }
}

/** Is the element (or the focus) inside something that takes typing? */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || /^(?:INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
}

/** A value of a request slot as text (arrays joined, objects as JSON). */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v || '—';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(', ') || '—';
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** A URL safe to put in href/src: same-origin paths only (the API gives `/agent/api/files/<file>`). */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    if (u.origin !== location.origin) return null;
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.pathname + u.search;
  } catch {
    return null;
  }
}

let idSeq = 0;
export function uid(prefix: string): string {
  idSeq += 1;
  return `${prefix}-${idSeq}`;
}
