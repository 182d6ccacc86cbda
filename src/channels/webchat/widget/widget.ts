/**
 * The chat UI: a launcher button and a panel in an open Shadow DOM. Message text reaches the page only
 * as text nodes (user messages verbatim, bot messages through the safe markdown renderer).
 */
import { DirectLineClient, HttpError, type Status } from './client';
import { STRINGS, type Locale, type StringKey } from './i18n';
import { renderMarkdown, safeLink } from './markdown';
import { CSS } from './styles';
import type { Activity, Attachment, CardAction } from './types';

export interface WidgetConfig {
  origin: string;
  tokenUrl: string;
  title: string | null;
  locale: Locale;
  color: string | null;
}

const ACCEPTED: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  pdf: 'application/pdf',
};
const MAX_BYTES = 10 * 1024 * 1024;
const MAX_FILES = 5;
const TYPING_MS = 5000;
/** A streamed reply silent this long is no longer "busy" for screen readers (its bubble stays). */
const STREAM_IDLE_MS = 15_000;

const ICONS = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  close: 'M6 6l12 12M18 6L6 18',
  minus: 'M5 12h14',
  clip: 'M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9',
  send: 'M4 12l16-8-6 16-2.5-6.5z',
  doc: 'M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8zM14 3v5h5',
};

type Attrs = Record<string, string>;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const k of Object.keys(attrs)) node.setAttribute(k, attrs[k]!);
  node.append(...children);
  return node;
}

function icon(name: keyof typeof ICONS, cls = ''): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  if (cls) svg.setAttribute('class', cls);
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  const filled = name === 'chat' || name === 'send';
  path.setAttribute('fill', filled ? 'currentColor' : 'none');
  path.setAttribute('stroke', filled ? 'none' : 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.appendChild(path);
  return svg;
}

export function uuid(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 15) | 64;
  b[8] = (b[8]! & 63) | 128;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Black or white, whichever reads better on the accent colour. */
function onColor(hex: string): string {
  let x = hex.slice(1);
  if (x.length === 3) x = x.replace(/./g, '$&$&');
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(x.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#111' : '#fff';
}

/** The accepted type of a file ('' when not accepted): its declared type, or its extension when undeclared. */
function fileType(f: File): string {
  const known = Object.keys(ACCEPTED).map((k) => ACCEPTED[k]);
  if (known.includes(f.type)) return f.type;
  if (f.type && f.type !== 'application/octet-stream') return '';
  return ACCEPTED[(f.name.split('.').pop() ?? '').toLowerCase()] ?? '';
}

/** The livestreaming convention (src/channels/streaming.ts): interim typing activities, then a final message. */
function streamOf(a: Activity): { final: boolean; id: string; seq: number } | null {
  const d = a.channelData;
  if (!d || (d.streamType !== 'streaming' && d.streamType !== 'final') || typeof d.streamId !== 'string') return null;
  return { final: d.streamType === 'final', id: d.streamId, seq: typeof d.streamSequence === 'number' ? d.streamSequence : 0 };
}

interface LiveStream {
  el: HTMLElement;
  seq: number;
  timer: number;
}

interface LocalFile {
  file: File;
  url: string;
}

interface Outgoing {
  id: string;
  text: string;
  files: LocalFile[];
  el: HTMLElement;
}

export class Widget {
  private locale: Locale;
  private readonly client: DirectLineClient;
  private readonly binds: Array<() => void> = [];
  private readonly seen = new Map<string, HTMLElement>();
  private readonly outgoing = new Map<string, Outgoing>();
  /** Streamed replies being written (by stream id), and streams already ended by their final message. */
  private readonly streams = new Map<string, LiveStream>();
  private readonly ended = new Set<string>();
  private files: LocalFile[] = [];
  private status: Status = 'connecting';
  private actionsRow: HTMLElement | null = null;
  private typingTimer = 0;
  private stick = true;
  private alertConn = false;

  private readonly root: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly log: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly typing: HTMLElement;
  private readonly alert: HTMLElement;
  private readonly pending: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;

  constructor(private readonly cfg: WidgetConfig) {
    const store = `pos-assist:${cfg.origin}`;
    this.locale = this.storedLocale(`${store}:locale`) ?? cfg.locale;
    this.client = new DirectLineClient(cfg.origin, cfg.tokenUrl, store, {
      activities: (list, history) => {
        for (const a of list) this.receive(a, history);
      },
      status: (s) => {
        this.status = s;
        this.refreshText();
      },
      started: (replaced) => {
        if (replaced) this.note(this.t('newConversation'));
      },
      problem: (message) => {
        if (message) this.showAlert(message, true);
        else if (this.alertConn) this.showAlert('');
      },
      locale: () => this.locale,
    });

    const host = document.createElement('pos-assist-widget');
    host.style.cssText = 'all:initial';
    const shadow = host.attachShadow({ mode: 'open' });
    const style = h('style');
    style.textContent = CSS;

    this.root = h('div', { class: 'root' });
    if (cfg.color) {
      this.root.style.setProperty('--pa-accent', cfg.color);
      this.root.style.setProperty('--pa-on', onColor(cfg.color));
    }

    // Launcher
    this.badge = h('span', { class: 'badge', hidden: '' });
    this.launcher = h('button', { type: 'button', class: 'launcher', 'data-testid': 'pos-assist-launcher', 'aria-expanded': 'false', 'aria-controls': 'pa-panel', 'aria-haspopup': 'dialog' });
    this.launcher.append(icon('chat', 'c'), icon('close', 'x'), this.badge);
    this.bind(() => {
      const label = this.t(this.isOpen() ? 'close' : 'open');
      this.launcher.setAttribute('aria-label', this.badge.hidden ? label : `${label} · ${this.t('unread')}`);
    });
    this.launcher.addEventListener('click', () => (this.isOpen() ? this.close() : this.open()));

    // Header
    const title = h('h2', { id: 'pa-title' });
    this.bind(() => (title.textContent = cfg.title ?? this.t('title')));
    this.statusEl = h('p', { class: 'status', role: 'status', 'data-testid': 'pos-assist-status' });
    const lang = h('button', { type: 'button', class: 'icon lang', 'data-testid': 'pos-assist-lang' });
    this.bind(() => {
      lang.textContent = this.t('langButton');
      lang.setAttribute('aria-label', this.t('switchLang'));
      lang.setAttribute('lang', this.locale === 'en' ? 'zh-CN' : 'en');
    });
    lang.addEventListener('click', () => this.setLocale(this.locale === 'en' ? 'zh-CN' : 'en', `${store}:locale`));
    const min = h('button', { type: 'button', class: 'icon', 'data-testid': 'pos-assist-minimise' }, icon('minus'));
    this.bind(() => {
      min.setAttribute('aria-label', this.t('minimise'));
      min.title = this.t('minimise');
    });
    min.addEventListener('click', () => this.close());
    const head = h('div', { class: 'head' }, h('div', { class: 'avatar', 'aria-hidden': 'true' }, icon('chat')), h('div', { class: 'titles' }, title, this.statusEl), lang, min);

    // Message list
    this.empty = h('p', { class: 'empty' });
    this.bind(() => (this.empty.textContent = this.t('empty')));
    const typingLabel = h('span', { class: 'sr' });
    this.bind(() => (typingLabel.textContent = this.t('typing')));
    this.typing = h('div', { class: 'typing', hidden: '' }, h('i'), h('i'), h('i'), typingLabel);
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' }, this.empty, this.typing);
    this.bind(() => this.log.setAttribute('aria-label', this.t('log')));
    this.log.addEventListener('scroll', () => {
      this.stick = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 60;
    });

    this.alert = h('p', { class: 'alert', role: 'alert', hidden: '' });
    this.pending = h('div', { class: 'pending', hidden: '' });

    // Composer
    this.fileInput = h('input', { type: 'file', multiple: '', hidden: '', tabindex: '-1', accept: 'image/jpeg,image/png,image/webp,image/gif,application/pdf,.pdf', 'data-testid': 'pos-assist-attach' });
    this.fileInput.addEventListener('change', () => {
      if (this.fileInput.files) this.addFiles(Array.from(this.fileInput.files));
      this.fileInput.value = '';
    });
    const attach = h('button', { type: 'button', class: 'icon attach', 'data-testid': 'pos-assist-attach-button' }, icon('clip'));
    this.bind(() => {
      attach.setAttribute('aria-label', this.t('attach'));
      attach.title = this.t('attach');
    });
    attach.addEventListener('click', () => this.fileInput.click());
    this.input = h('textarea', { rows: '1', 'data-testid': 'pos-assist-input', enterkeyhint: 'send', autocomplete: 'off' });
    this.bind(() => {
      this.input.placeholder = this.t('placeholder');
      this.input.setAttribute('aria-label', this.t('placeholder'));
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.autosize());
    this.input.addEventListener('paste', (e) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (!files.length) return;
      this.addFiles(files);
      if (!e.clipboardData?.getData('text')) e.preventDefault();
    });
    const send = h('button', { type: 'submit', class: 'icon send', 'data-testid': 'pos-assist-send' }, icon('send'));
    this.bind(() => {
      send.setAttribute('aria-label', this.t('send'));
      send.title = this.t('send');
    });
    const form = h('form', { class: 'composer' }, attach, this.fileInput, this.input, send);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });

    this.panel = h('section', { class: 'panel', id: 'pa-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'pa-title', tabindex: '-1', 'data-testid': 'pos-assist-panel', hidden: '' }, head, this.log, this.alert, this.pending, form);
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.isComposing) {
        e.stopPropagation();
        this.close();
      }
    });
    this.panel.addEventListener('dragover', (e) => e.preventDefault());
    this.panel.addEventListener('drop', (e) => {
      e.preventDefault();
      if (e.dataTransfer?.files.length) this.addFiles(Array.from(e.dataTransfer.files));
    });

    this.root.append(this.launcher, this.panel);
    shadow.append(style, this.root);
    document.body.appendChild(host);
    this.bind(() => this.root.setAttribute('lang', this.locale));
    this.refreshText();
    this.fitViewport();

    // Elements of the host page with data-pos-assist-open open the chat (no inline script needed).
    document.addEventListener('click', (e) => {
      const target = e.target as Element | null;
      if (target && typeof target.closest === 'function' && target.closest('[data-pos-assist-open]')) {
        e.preventDefault();
        this.open();
      }
    });

    // A returning visitor: reconnect at once (keeps the token fresh while the page is open).
    try {
      if (localStorage.getItem(store)) this.client.start();
    } catch {
      /* storage unavailable */
    }
  }

  // ── Text and language ──────────────────────────────────────────────────────────────────────────────

  private t(key: StringKey): string {
    return STRINGS[this.locale][key];
  }

  private bind(fn: () => void): void {
    this.binds.push(fn);
  }

  private refreshText(): void {
    for (const fn of this.binds) fn();
    this.statusEl.textContent = this.t(this.status);
    this.statusEl.setAttribute('data-state', this.status);
    for (const b of Array.from(this.log.querySelectorAll('.retry'))) b.textContent = this.t('retry');
  }

  private storedLocale(key: string): Locale | null {
    try {
      const v = localStorage.getItem(key);
      return v === 'en' || v === 'zh-CN' ? v : null;
    } catch {
      return null;
    }
  }

  private setLocale(locale: Locale, key: string): void {
    this.locale = locale;
    try {
      localStorage.setItem(key, locale);
    } catch {
      /* not remembered */
    }
    this.refreshText();
  }

  // ── Open and close ─────────────────────────────────────────────────────────────────────────────────

  private isOpen(): boolean {
    return !this.panel.hidden;
  }

  open(): void {
    if (this.isOpen()) return;
    this.panel.hidden = false;
    this.root.classList.add('open');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.badge.hidden = true;
    this.refreshText();
    this.client.start();
    this.scrollEnd();
    // On touch screens focusing the input would cover the conversation with the keyboard.
    const coarse = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
    (coarse ? this.panel : this.input).focus();
  }

  close(): void {
    if (!this.isOpen()) return;
    this.panel.hidden = true;
    this.root.classList.remove('open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.refreshText();
    this.launcher.focus();
  }

  /** Keeps the full-screen panel inside the visible area when the on-screen keyboard opens. */
  private fitViewport(): void {
    const vv = window.visualViewport;
    if (!vv) return;
    const fit = () => {
      this.panel.style.setProperty('--pa-vh', `${vv.height}px`);
      this.panel.style.setProperty('--pa-top', `${vv.offsetTop}px`);
      if (this.stick) this.scrollEnd();
    };
    vv.addEventListener('resize', fit);
    vv.addEventListener('scroll', fit);
    fit();
  }

  // ── Receiving ──────────────────────────────────────────────────────────────────────────────────────

  private isMine(a: Activity): boolean {
    const uid = this.client.session?.userId;
    return a.from?.role === 'user' || (!!uid && a.from?.id === uid);
  }

  private receive(a: Activity, history: boolean): void {
    if (a.type === 'typing') {
      if (this.isMine(a)) return;
      const s = streamOf(a);
      if (s && !s.final) this.grow(a, s.id, s.seq);
      else this.showTyping();
      return;
    }
    if (a.type !== 'message' && a.type !== undefined) return;
    const id = typeof a.id === 'string' ? a.id : '';
    const mine = this.isMine(a);
    if (mine) {
      const cid = a.channelData?.clientActivityID;
      const out = typeof cid === 'string' ? this.outgoing.get(cid) : undefined;
      if (out) {
        // The echo of our own message: the optimistic bubble becomes the sent one.
        this.outgoing.delete(out.id);
        out.el.setAttribute('data-state', 'sent');
        out.el.querySelector('.meta')?.remove();
        if (id) {
          out.el.setAttribute('data-activity-id', id);
          this.seen.set(id, out.el);
        }
        // The server may have masked a card number: show what was stored.
        const text = out.el.querySelector('.text');
        if (text && typeof a.text === 'string' && a.text !== out.text) text.textContent = a.text;
        return;
      }
    }
    if (id && this.seen.has(id)) return;
    if (!mine) this.hideTyping();
    const s = mine ? null : streamOf(a);
    // The final message of a streamed reply takes the place of its growing bubble: one bubble, never two.
    const live = s?.final ? this.endStream(s.id) : null;
    const fresh = this.message(mine ? 'user' : 'bot', a, []);
    const el = live ?? fresh;
    if (live) live.replaceChildren(...Array.from(fresh.childNodes));
    if (id) {
      el.setAttribute('data-activity-id', id);
      this.seen.set(id, el);
    }
    el.setAttribute('data-state', 'sent');
    if (!live) this.append(el, false);
    else if (this.stick) this.scrollEnd();
    const actions = a.suggestedActions?.actions;
    if (!mine && Array.isArray(actions) && actions.length) this.actions(actions);
    if (!mine && !history && !this.isOpen() && this.badge.hidden) {
      this.badge.hidden = false;
      this.refreshText();
    }
  }

  /**
   * An interim activity of a streamed reply: the first one opens a bot bubble, later ones replace its
   * text (an older one arriving late is ignored). The log is aria-busy meanwhile, so screen readers read
   * the answer once it is complete rather than every chunk.
   */
  private grow(a: Activity, id: string, seq: number): void {
    if (this.ended.has(id)) return;
    let live = this.streams.get(id);
    if (live && seq <= live.seq) return;
    this.hideTyping();
    this.log.setAttribute('aria-busy', 'true');
    if (live) live.el.querySelector('.text')?.replaceWith(this.text('bot', a));
    else {
      const el = this.message('bot', a, []);
      el.setAttribute('data-streaming', '');
      this.append(el, false);
      live = { el, seq, timer: 0 };
      this.streams.set(id, live);
      if (!this.isOpen() && this.badge.hidden) {
        this.badge.hidden = false;
        this.refreshText();
      }
    }
    live.seq = seq;
    clearTimeout(live.timer);
    live.timer = window.setTimeout(() => this.log.removeAttribute('aria-busy'), STREAM_IDLE_MS);
    if (this.stick) this.scrollEnd();
  }

  /** The stream is over: its bubble (if one was shown), no longer marked as growing. */
  private endStream(id: string): HTMLElement | null {
    this.ended.add(id);
    const live = this.streams.get(id);
    if (!live) return null;
    clearTimeout(live.timer);
    this.streams.delete(id);
    live.el.removeAttribute('data-streaming');
    if (!this.streams.size) this.log.removeAttribute('aria-busy');
    return live.el;
  }

  private text(role: 'user' | 'bot', a: Activity): HTMLElement {
    const text = h('div', { class: 'text' });
    const raw = typeof a.text === 'string' ? a.text : '';
    if (role === 'user' || a.textFormat === 'plain') {
      text.textContent = raw;
      if (role === 'bot') text.style.whiteSpace = 'pre-wrap';
    } else text.append(renderMarkdown(raw));
    return text;
  }

  private message(role: 'user' | 'bot', a: Activity, local: LocalFile[]): HTMLElement {
    const text = this.text(role, a);
    const who = h('span', { class: 'sr' }, `${this.t(role === 'user' ? 'you' : 'bot')}: `);
    const bubble = h('div', { class: 'bubble' }, who, text);
    const files = h('div', { class: 'files' });
    for (const f of local) files.append(this.attachment({ contentType: fileType(f.file), name: f.file.name }, f.url));
    if (!local.length) for (const att of Array.isArray(a.attachments) ? a.attachments : []) files.append(this.attachment(att));
    if (files.childNodes.length) bubble.append(files);
    return h('div', { class: `msg ${role}`, 'data-testid': 'pos-assist-message', 'data-role': role }, bubble);
  }

  private attachment(att: Attachment, localUrl?: string): Node {
    const type = typeof att.contentType === 'string' ? att.contentType : '';
    const url = typeof att.contentUrl === 'string' ? att.contentUrl : '';
    const name = typeof att.name === 'string' && att.name ? att.name : '';
    const own = !!url && this.client.isOwnUrl(url);
    if (type.startsWith('image/') && (localUrl || own || url.startsWith('data:image/'))) {
      const img = h('img', { class: 'img', alt: name || this.t('image') });
      img.addEventListener('load', () => this.stick && this.scrollEnd());
      const link = h('a', { target: '_blank', rel: 'noopener noreferrer' }, img);
      const show = (src: string) => {
        img.src = src;
        link.setAttribute('href', src);
      };
      if (localUrl || url.startsWith('data:')) show(localUrl ?? url);
      else
        this.client.fetchFile(url).then(
          (blob) => show(URL.createObjectURL(blob)),
          () => img.setAttribute('data-error', ''),
        );
      return link;
    }
    const card = att.content as { title?: unknown; text?: unknown } | null | undefined;
    if (!url && card && typeof card === 'object' && (typeof card.title === 'string' || typeof card.text === 'string')) {
      const div = h('div', { class: 'text' });
      if (typeof card.title === 'string') div.append(h('p', {}, h('strong', {}, card.title)));
      if (typeof card.text === 'string') div.append(renderMarkdown(card.text));
      return div;
    }
    const label = h('span', {}, name || this.t('file'));
    if (localUrl || own) {
      const chip = h('a', { class: 'chip', target: '_blank', rel: 'noopener noreferrer', href: localUrl ?? '#' }, icon('doc'), label);
      if (!localUrl) {
        chip.addEventListener('click', (e) => {
          if (chip.getAttribute('href') !== '#') return;
          e.preventDefault();
          this.client.fetchFile(url).then((blob) => {
            chip.setAttribute('href', URL.createObjectURL(blob));
            chip.click();
          }, () => undefined);
        });
      }
      return chip;
    }
    const link = url ? safeLink(url, name || url) : null;
    if (link instanceof HTMLAnchorElement) {
      link.className = 'chip';
      link.prepend(icon('doc'));
      return link;
    }
    return h('span', { class: 'chip' }, icon('doc'), label);
  }

  private actions(list: CardAction[]): void {
    const row = h('div', { class: 'actions', role: 'group', 'aria-label': this.t('suggestions') });
    for (const act of list) {
      if (!act || typeof act !== 'object') continue;
      if (act.type === 'openUrl' && typeof act.value === 'string') {
        const a = safeLink(act.value, act.title || act.value);
        if (a instanceof HTMLAnchorElement) {
          a.className = 'action';
          row.append(a);
        }
        continue;
      }
      const value = typeof act.value === 'string' && act.value ? act.value : act.text || act.title;
      if (!value) continue;
      const btn = h('button', { type: 'button', class: 'action', 'data-testid': 'pos-assist-suggested' }, act.title || value);
      btn.addEventListener('click', () => {
        this.dropActions();
        this.dispatch(value, []);
      });
      row.append(btn);
    }
    if (!row.childNodes.length) return;
    this.insert(row);
    this.actionsRow = row;
    if (this.stick) this.scrollEnd();
  }

  /** Suggested actions belong to the latest bot message only: any newer message removes them. */
  private dropActions(): void {
    const row = this.actionsRow;
    if (!row) return;
    this.actionsRow = null;
    const active = (this.root.getRootNode() as ShadowRoot).activeElement;
    const hadFocus = !!active && row.contains(active);
    row.remove();
    if (hadFocus) this.input.focus();
  }

  private showTyping(): void {
    this.typing.hidden = false;
    this.log.appendChild(this.typing);
    if (this.stick) this.scrollEnd();
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.hideTyping(), TYPING_MS);
  }

  private hideTyping(): void {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  }

  private note(text: string): void {
    this.insert(h('p', { class: 'note' }, text));
    this.scrollEnd();
  }

  private insert(node: Node): void {
    this.log.insertBefore(node, this.typing);
  }

  private append(el: HTMLElement, force: boolean): void {
    this.dropActions();
    this.empty.hidden = true;
    this.insert(el);
    if (force || this.stick) this.scrollEnd();
  }

  private scrollEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
    this.stick = true;
  }

  private showAlert(message: string, conn = false): void {
    this.alert.textContent = message;
    this.alert.hidden = !message;
    this.alertConn = conn && !!message;
  }

  // ── Sending ────────────────────────────────────────────────────────────────────────────────────────

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text && !this.files.length) return;
    const files = this.files;
    this.files = [];
    this.renderPending();
    this.input.value = '';
    this.autosize();
    this.dispatch(text, files);
  }

  private dispatch(text: string, files: LocalFile[]): void {
    this.showAlert('');
    const out: Outgoing = { id: uuid(), text, files, el: this.message('user', { text }, files) };
    this.outgoing.set(out.id, out);
    this.append(out.el, true);
    void this.deliver(out);
  }

  private async deliver(out: Outgoing): Promise<void> {
    out.el.setAttribute('data-state', 'sending');
    out.el.querySelector('.meta')?.remove();
    const status = h('div', { class: 'meta' }, this.t('sending'));
    out.el.append(status);
    this.client.start();
    const activity: Activity = { type: 'message', locale: this.locale, channelData: { clientActivityID: out.id } };
    if (out.text) activity.text = out.text;
    try {
      const id = out.files.length ? await this.client.upload(activity, out.files.map((f) => f.file)) : await this.client.send(activity);
      if (this.outgoing.has(out.id) && id) {
        out.el.setAttribute('data-activity-id', id);
        this.seen.set(id, out.el);
      }
    } catch (e) {
      if (!this.outgoing.has(out.id)) return;
      if (e instanceof HttpError && e.status < 500) {
        // Refused (too long, too fast, token, file): give the text and files back so nothing is lost.
        this.outgoing.delete(out.id);
        out.el.remove();
        if (!this.log.querySelector('.msg')) this.empty.hidden = false;
        this.input.value = this.input.value ? `${out.text}\n${this.input.value}` : out.text;
        this.autosize();
        this.files = out.files.concat(this.files).slice(0, MAX_FILES);
        this.renderPending();
        this.showAlert(e.message || this.t('failed'));
        this.input.focus();
        return;
      }
      // Network or server trouble: the bubble stays, marked, and a click retries with the same id.
      out.el.setAttribute('data-state', 'failed');
      status.remove();
      const retry = h('button', { type: 'button', class: 'retry meta', 'data-testid': 'pos-assist-retry' }, this.t('retry'));
      retry.addEventListener('click', () => void this.deliver(out));
      out.el.append(retry);
      this.showAlert(e instanceof HttpError && e.message ? e.message : this.t('network'));
    }
  }

  private addFiles(list: File[]): void {
    const problems: string[] = [];
    for (const f of list) {
      if (!fileType(f)) problems.push(this.t('fileType') + f.name);
      else if (f.size > MAX_BYTES) problems.push(this.t('fileSize') + f.name);
      else if (this.files.length >= MAX_FILES) {
        problems.push(this.t('fileCount'));
        break;
      } else this.files.push({ file: f, url: URL.createObjectURL(f) });
    }
    this.showAlert(problems.join('\n'));
    this.renderPending();
  }

  private renderPending(): void {
    this.pending.textContent = '';
    this.pending.hidden = !this.files.length;
    for (const f of this.files) {
      const isImage = fileType(f.file).startsWith('image/');
      const thumb = isImage ? h('img', { src: f.url, alt: '' }) : h('span', { class: 'doc' }, icon('doc'));
      const remove = h('button', { type: 'button', class: 'icon', 'aria-label': `${this.t('remove')} ${f.file.name}`, title: this.t('remove') }, icon('close'));
      remove.addEventListener('click', () => {
        this.files = this.files.filter((x) => x !== f);
        URL.revokeObjectURL(f.url);
        this.renderPending();
        this.input.focus();
      });
      this.pending.append(h('div', { class: 'pchip' }, thumb, h('span', {}, f.file.name), remove));
    }
  }
}
