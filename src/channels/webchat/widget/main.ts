/**
 * Entry point of widget.js: reads the attributes of its own <script> tag and mounts the chat widget.
 *
 *   <script src="https://chat.example.com/widget.js" data-title="POS Assist 智能客服"
 *           data-locale="zh-CN" data-color="#0b63ce" async></script>
 *
 * data-origin (default: where the script came from), data-title, data-locale (zh-CN | en),
 * data-color (#rgb or #rrggbb; anything else is ignored), data-token-url (default /api/webchat/token).
 */
import { toLocale } from './i18n';
import { Widget, type WidgetConfig } from './widget';

declare global {
  interface Window {
    PosAssist?: { open(): void; close(): void };
  }
}

function httpOrigin(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function tokenUrl(value: string | null, origin: string): string {
  if (value && /^\/(?!\/)/.test(value)) return origin + value;
  if (value && /^https?:\/\//i.test(value) && httpOrigin(value)) return value;
  return `${origin}/api/webchat/token`;
}

(() => {
  if (window.PosAssist) return; // the script was included twice
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-title],script[src*="widget.js"]');
  const attr = (name: string) => script?.getAttribute(`data-${name}`)?.trim() || null;
  const origin = httpOrigin(attr('origin')) ?? httpOrigin(script?.src) ?? location.origin;
  const color = attr('color');
  const config: WidgetConfig = {
    origin,
    tokenUrl: tokenUrl(attr('token-url'), origin),
    title: attr('title'),
    locale: toLocale(attr('locale')) ?? 'zh-CN',
    color: color && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) ? color : null,
  };
  const mount = () => {
    const widget = new Widget(config);
    window.PosAssist = { open: () => widget.open(), close: () => widget.close() };
  };
  window.PosAssist = { open: () => undefined, close: () => undefined };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
