/**
 * The live queue (left column): waiting (longest first, waiting time counting up), mine, other agents',
 * tickets, and the conversations that ended during this session. Arrow keys move between items.
 */
import type { HandoffSummary } from '../console-api.js';
import { clock, fullTime, h, replace, time } from './dom.mjs';
import { code, fmt, t } from './i18n.mjs';
import { isMine, on, state } from './state.mjs';

interface Section {
  key: string;
  title: string;
  items: HandoffSummary[];
  empty: string;
}

const by = (f: (h: HandoffSummary) => string | null) => (a: HandoffSummary, b: HandoffSummary) => (f(a) ?? '').localeCompare(f(b) ?? '');

function sections(): Section[] {
  const all = Array.from(state.handoffs.values());
  const waiting = all.filter((x) => x.status === 'waiting').sort(by((x) => x.createdAt));
  const active = all.filter((x) => x.status === 'active').sort(by((x) => x.claimedAt ?? x.createdAt));
  const tickets = all.filter((x) => x.status === 'ticket').sort(by((x) => x.createdAt));
  const ended = state.ended.map((id) => state.handoffs.get(id)).filter((x): x is HandoffSummary => !!x && x.status === 'ended');
  return [
    { key: 'waiting', title: t('queueWaiting'), items: waiting, empty: t('queueEmptyWaiting') },
    { key: 'mine', title: t('queueMine'), items: active.filter((x) => isMine(x)), empty: t('queueEmpty') },
    { key: 'others', title: t('queueOthers'), items: active.filter((x) => !isMine(x)), empty: t('queueEmpty') },
    { key: 'tickets', title: t('queueTickets'), items: tickets, empty: t('queueEmpty') },
    { key: 'ended', title: t('queueEnded'), items: ended, empty: '' },
  ];
}

/** The handoff ids in the order shown (for Alt+↑ / Alt+↓). */
export function queueOrder(): string[] {
  return sections().flatMap((s) => s.items.map((x) => x.id));
}

export function waitingCount(): number {
  let n = 0;
  for (const x of state.handoffs.values()) if (x.status === 'waiting') n += 1;
  return n;
}

function who(x: HandoffSummary): string {
  return x.userId || t('unknownUser');
}

function item(x: HandoffSummary, onSelect: (id: string) => void): HTMLElement {
  const unread = state.unread.get(x.id) ?? 0;
  const selected = state.selectedId === x.id;
  const right =
    x.status === 'waiting'
      ? clock(x.createdAt, 'clock wait')
      : x.status === 'active'
        ? clock(x.claimedAt ?? x.createdAt, 'clock')
        : h('span', { class: 'clock muted', title: fullTime(x.createdAt) }, time(x.createdAt));
  const third =
    x.status === 'ticket'
      ? h(
          'span',
          { class: 'qi-preview' },
          x.callbackPhone ? h('span', { class: 'phone' }, `${t('queueCallback')} ${x.callbackPhone}`) : null,
          x.message ? ` ${x.message}` : x.callbackPhone ? '' : x.preview,
        )
      : h('span', { class: 'qi-preview' }, x.preview || '—');
  const btn = h(
    'button',
    {
      type: 'button',
      class: `qi s-${x.status}${selected ? ' selected' : ''}${unread ? ' has-unread' : ''}`,
      'data-testid': 'queue-item',
      'data-status': x.status,
      'data-handoff-id': x.id,
      'aria-current': selected ? 'true' : null,
      title: fullTime(x.createdAt),
    },
    h(
      'span',
      { class: 'qi-top' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      h('span', { class: 'qi-who' }, who(x)),
      h('span', { class: 'qi-chan' }, code('channel', x.channelId)),
      unread ? h('span', { class: 'badge', 'aria-label': fmt('queueUnread', { n: unread }) }, String(unread)) : null,
      right,
    ),
    h(
      'span',
      { class: 'qi-tags' },
      h('span', { class: `tag r-${x.reason}` }, code('reason', x.reason)),
      h('span', { class: 'tag lang', title: t('merchantLocale') }, x.locale === 'en' ? 'EN' : '中'),
      x.status === 'active' && !isMine(x) && x.agent ? h('span', { class: 'tag owner' }, fmt('queueWith', { name: x.agent.name })) : null,
    ),
    third,
  );
  btn.addEventListener('click', () => onSelect(x.id));
  return h('li', {}, btn);
}

export function mountQueue(container: HTMLElement, onSelect: (id: string) => void): void {
  const render = () => {
    const focusedId = (document.activeElement as HTMLElement | null)?.closest?.('.qi')?.getAttribute('data-handoff-id') ?? null;
    const parts: HTMLElement[] = [];
    for (const s of sections()) {
      if (s.key === 'ended' && s.items.length === 0) continue;
      const hid = `q-${s.key}`;
      parts.push(
        h(
          'section',
          { class: `q-section q-${s.key}`, 'aria-labelledby': hid, 'data-testid': `queue-${s.key}` },
          h('h2', { id: hid, class: 'q-head' }, h('span', {}, s.title), h('span', { class: 'count', 'data-testid': `queue-count-${s.key}` }, String(s.items.length))),
          s.items.length
            ? h('ul', { class: 'q-list', role: 'list' }, s.items.map((x) => item(x, onSelect)))
            : h('p', { class: 'q-empty' }, s.empty),
        ),
      );
    }
    replace(container, ...parts);
    if (focusedId) container.querySelector<HTMLElement>(`.qi[data-handoff-id="${CSS.escape(focusedId)}"]`)?.focus();
  };

  container.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const items = Array.from(container.querySelectorAll<HTMLElement>('.qi'));
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    let next = -1;
    if (ev.key === 'ArrowDown') next = Math.min(items.length - 1, i + 1);
    else if (ev.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = items.length - 1;
    if (next < 0) return;
    ev.preventDefault();
    items[next]?.focus();
  });

  on('queue', render);
  on('selected', render);
  on('me', render);
  on('lang', render);
  render();
}
