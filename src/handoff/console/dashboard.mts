/**
 * The "Dashboard" tab (supervisors only): a range of days and a channel, then the numbers of
 * GET /agent/api/dashboard — the totals as cards, the table by day and channel, handoffs by reason,
 * requests by status and age, 👍/👎 by section — and CSV downloads of the tables. Under them the
 * questions the guide did not answer well: open groups first, each markable handled; the handled ones
 * (who, when, by which edit) apart, each reopenable.
 */
import type { DashboardView, DashboardRowView, GapGroupView } from '../console-api.js';
import { h, icon, replace, type Child } from './dom.mjs';
import { code, fmt, t, type StringKey } from './i18n.mjs';
import { mountKnowledge } from './knowledge.mjs';
import { api, errorText } from './state.mjs';
import { queryString } from './api.mjs';

const CHANNELS = ['directline', 'telegram', 'wechat', 'wechat-official', 'wecom-kf', 'terminal'];
const AGES = ['<1d', '1-3d', '3-7d', '>7d'];

export interface DashboardApi {
  reload(): Promise<void>;
}

const pct = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 1000) / 10}%`);

/** Seconds as "45s", "3m 20s", "2h 5m". */
function duration(s: number | null): string {
  if (s === null) return '–';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
}

/** A table; `numeric(i)`: column i holds numbers (right-aligned). */
function table(testid: string, head: string[], rows: Child[][], numeric: (i: number) => boolean = (i) => i >= 1): HTMLElement {
  return h(
    'div',
    { class: 'grid-wrap' },
    h(
      'table',
      { class: 'grid', 'data-testid': testid },
      h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { scope: 'col', class: numeric(i) ? 'num' : '' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { class: numeric(i) ? 'num' : '' }, c))))),
    ),
  );
}

function card(testid: string, label: StringKey, value: string, sub?: string): HTMLElement {
  return h('div', { class: 'card', 'data-testid': testid }, h('span', { class: 'small muted' }, t(label)), h('strong', {}, value), sub ? h('span', { class: 'small muted' }, sub) : null);
}

export function mountDashboard(container: HTMLElement): DashboardApi {
  const from = h('input', { type: 'date', id: 'dash-from', 'data-testid': 'dash-from' });
  const to = h('input', { type: 'date', id: 'dash-to', 'data-testid': 'dash-to' });
  const channel = h('select', { id: 'dash-channel', 'data-testid': 'dash-channel' }, h('option', { value: '' }, t('auditAll')), CHANNELS.map((c) => h('option', { value: c }, code('channel', c))));
  const apply = h('button', { type: 'submit', class: 'btn small', 'data-testid': 'dash-apply' }, t('auditApply'));
  const downloads = h('span', { class: 'downloads' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('dashTitle') },
    h('label', { for: 'dash-from', class: 'small muted' }, t('dashFrom')),
    from,
    h('label', { for: 'dash-to', class: 'small muted' }, t('dashTo')),
    to,
    h('label', { for: 'dash-channel', class: 'small muted' }, t('dashChannel')),
    channel,
    apply,
    h('span', { class: 'spacer' }),
    downloads,
  );
  const body = h('div', { class: 'dash-body', 'data-testid': 'dash-body', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('reqRefresh'), title: t('reqRefresh') }, icon('refresh'));
  replace(container, h('header', { class: 'view-head' }, h('h2', {}, t('dashTitle')), h('span', { class: 'spacer' }), refresh), form, body);

  let seq = 0;

  const csvLink = (tableName: string, label: StringKey, query: Record<string, string | undefined>) =>
    h('a', { class: 'btn ghost small', href: `/agent/api/dashboard.csv${queryString({ ...query, table: tableName })}`, download: '', 'data-testid': `dash-csv-${tableName}` }, t(label));

  function render(d: DashboardView): void {
    if (!from.value) from.value = d.from;
    if (!to.value) to.value = d.to;
    const query = { from: d.from, to: d.to, channel: d.channel ?? undefined };
    downloads.replaceChildren(csvLink('daily', 'dashCsvDaily', query), csvLink('sections', 'dashCsvSections', query), csvLink('requests', 'dashCsvRequests', query));
    const tot = d.total;
    const cards = h(
      'div',
      { class: 'cards' },
      card('dash-conversations', 'dashConversations', String(tot.conversations)),
      card('dash-deflection', 'dashDeflection', pct(tot.deflectionRate), fmt('dashDeflectedOf', { n: tot.deflected, total: tot.conversations })),
      card('dash-handoff-rate', 'dashHandoffRate', pct(tot.handoffRate), fmt('dashHandoffsN', { n: tot.handoffs })),
      card('dash-claim', 'dashClaim', duration(tot.claim.p50), `p90 ${duration(tot.claim.p90)}`),
      card('dash-resolve', 'dashResolve', duration(tot.resolve.p50), `p90 ${duration(tot.resolve.p90)}`),
      card('dash-csat', 'dashCsat', pct(tot.ratings.csat), fmt('dashRatingsN', { n: tot.ratings.count, avg: tot.ratings.average ?? '–' })),
    );
    const reasonText = (r: DashboardRowView) =>
      Object.entries(r.byReason)
        .map(([reason, n]) => `${code('reason', reason)} ${n}`)
        .join(' · ');
    const daily = table(
      'dash-daily',
      [t('dashDay'), t('dashChannel'), t('dashConversations'), t('dashDeflection'), t('dashHandoffRate'), t('dashClaim'), t('dashResolve'), t('dashCsat'), t('dashByReason')],
      [...d.rows, tot].map((r) => [
        r.day === 'total' ? t('dashTotal') : r.day,
        r.channel === 'all' ? t('auditAll') : code('channel', r.channel),
        String(r.conversations),
        pct(r.deflectionRate),
        `${pct(r.handoffRate)} (${r.handoffs})`,
        `${duration(r.claim.p50)} / ${duration(r.claim.p90)}`,
        `${duration(r.resolve.p50)} / ${duration(r.resolve.p90)}`,
        r.ratings.count ? `${pct(r.ratings.csat)} (${r.ratings.count})` : '–',
        reasonText(r),
      ]),
      (i) => i >= 2 && i <= 7,
    );
    const reasons = table('dash-reasons', [t('dashReason'), t('dashCount'), t('dashHandoffRate')], d.reasons.map((r) => [code('reason', r.reason), String(r.count), pct(tot.conversations ? r.count / tot.conversations : null)]));
    const statuses = [...new Set(d.requests.map((r) => r.status))];
    const requests = table(
      'dash-requests',
      [t('dashStatus'), ...AGES],
      statuses.map((s) => [code('requestStatus', s), ...AGES.map((a) => String(d.requests.find((r) => r.status === s && r.age === a)?.count ?? 0))]),
    );
    const sections = table('dash-sections', [t('dashSection'), t('dashUp'), t('dashDown')], d.sections.map((s) => [`《${s.title}》› ${s.section}`, String(s.up), String(s.down)]));
    const block = (title: StringKey, content: HTMLElement, empty: boolean) => h('section', { class: 'dash-block' }, h('h3', {}, t(title)), empty ? h('p', { class: 'muted small' }, t('dashNone')) : content);
    replace(
      body,
      cards,
      block('dashDaily', daily, d.rows.length === 0),
      h('div', { class: 'dash-pair' }, block('dashByReason', reasons, d.reasons.length === 0), block('dashRequests', requests, d.requests.length === 0)),
      block('dashSections', sections, d.sections.length === 0),
      gapsBox,
      upkeep.element,
    );
  }

  const gapsBox = h('section', { class: 'dash-block', 'data-testid': 'dash-gaps' });
  const gapsNote = h('p', { class: 'small muted', 'aria-live': 'polite', 'data-testid': 'dash-gaps-note' });
  // Knowledge upkeep: a gap's wording goes into its form with one click; a change there reloads the gaps.
  const upkeep = mountKnowledge(() => void reloadGaps());
  const pickButton = (question: string, group: readonly string[]) => {
    const b = h('button', { type: 'button', class: 'btn small', 'data-testid': 'kb-pick', title: question }, t('kbPick'));
    b.addEventListener('click', () => upkeep.pick(question, group));
    return b;
  };
  const markButton = (g: GapGroupView, how: 'handle' | 'reopen') => {
    const b = h('button', { type: 'button', class: 'btn small ghost', 'data-testid': how === 'handle' ? 'gap-handle' : 'gap-reopen', title: g.examples[0] ?? '' }, t(how === 'handle' ? 'gapHandle' : 'gapReopen'));
    b.addEventListener('click', () => {
      void api
        .call('POST', `/knowledge/gaps/${how}`, { questions: g.questions })
        .then(() => {
          gapsNote.textContent = t(how === 'handle' ? 'gapMarked' : 'gapReopened');
          return reloadGaps();
        })
        .catch((err: unknown) => (gapsNote.textContent = errorText(err)));
    });
    return b;
  };
  const handledText = (g: GapGroupView) => {
    const x = g.handled!;
    const edit = x.edit ? fmt(x.edit.kind === 'paraphrase' ? 'gapByParaphrase' : 'gapByCurated', { id: x.edit.id }) : t('gapNoEdit');
    return `${fmt('gapHandledBy', { name: x.by, time: x.at.slice(0, 16).replace('T', ' ') })} · ${edit}`;
  };
  function renderGaps(groups: GapGroupView[], handled: GapGroupView[]): void {
    const rows = groups.map((g) => [
      h('span', {}, g.examples.map((e, i) => [i ? h('br') : null, e, ' ', pickButton(e, g.questions)])),
      String(g.count),
      String(g.misses),
      String(g.down),
      g.sections.map((s) => `《${s.title}》› ${s.section}`).join('；'),
      markButton(g, 'handle'),
    ]);
    const done = handled.map((g) => [h('span', {}, g.examples.map((e, i) => [i ? h('br') : null, e])), String(g.count), handledText(g), markButton(g, 'reopen')]);
    replace(
      gapsBox,
      h('h3', {}, t('dashGaps')),
      gapsNote,
      groups.length
        ? table('dash-gaps-table', [t('dashGapQuestions'), t('dashCount'), t('dashGapMisses'), t('dashDown'), t('dashGapSections'), ''], rows, (i) => i >= 1 && i <= 3)
        : h('p', { class: 'muted small' }, t('dashNone')),
      h(
        'details',
        { class: 'gaps-handled', 'data-testid': 'dash-gaps-handled' },
        h('summary', { class: 'small' }, fmt('gapHandled', { n: handled.length })),
        handled.length ? table('dash-gaps-handled-table', [t('dashGapQuestions'), t('dashCount'), t('gapHandledCol'), ''], done, (i) => i === 1) : h('p', { class: 'muted small' }, t('gapHandledNone')),
      ),
    );
  }
  /** The gaps again (after a mark or an edit), for the range shown. */
  async function reloadGaps(): Promise<void> {
    try {
      const gaps = await api.gaps({ from: from.value, to: to.value });
      renderGaps(gaps.groups, gaps.handled);
    } catch (err) {
      gapsNote.textContent = errorText(err);
    }
  }

  async function load(): Promise<void> {
    const mine = ++seq;
    body.setAttribute('aria-busy', 'true');
    try {
      const query = { from: from.value, to: to.value, channel: channel.value };
      const [d, gaps] = await Promise.all([api.dashboard(query), api.gaps({ from: query.from, to: query.to }), upkeep.reload()]);
      if (mine === seq) {
        renderGaps(gaps.groups, gaps.handled);
        render(d);
      }
    } catch (err) {
      if (mine === seq) replace(body, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    } finally {
      if (mine === seq) body.setAttribute('aria-busy', 'false');
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  refresh.addEventListener('click', () => void load());
  return { reload: load };
}
