/**
 * The "Audit" tab (supervisors only): what agents and supervisors did, newest first, filtered by who,
 * what and when (GET /agent/api/audit), a page at a time ("more" loads older entries).
 */
import type { AuditEntryView } from '../console-api.js';
import { fullTime, h, icon, replace } from './dom.mjs';
import { code, t } from './i18n.mjs';
import { api, errorText } from './state.mjs';

const ACTIONS = ['agent', 'agent.login', 'agent.logout', 'handoff', 'handoff.claim', 'handoff.transfer', 'handoff.resolve', 'handoff.handback', 'handoff.close_ticket', 'request.review', 'canned', 'identity.unbind', 'knowledge', 'knowledge.paraphrase_add', 'knowledge.paraphrase_remove', 'knowledge.curated_add', 'knowledge.curated_remove', 'knowledge.proposal_create', 'knowledge.proposal_approve', 'knowledge.proposal_reject', 'knowledge.gap_handle', 'knowledge.gap_reopen'];

export interface AuditApi {
  reload(): Promise<void>;
}

/** A short, readable form of an entry's detail (`key: value` pairs). */
function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? Object.values(v as Record<string, unknown>).join(' ') : String(v)}`)
    .join(' · ');
}

export function mountAudit(container: HTMLElement): AuditApi {
  const actor = h('input', { type: 'text', id: 'audit-actor', 'data-testid': 'audit-actor', maxlength: 64, autocomplete: 'off' });
  const action = h('select', { id: 'audit-action', 'data-testid': 'audit-action' }, h('option', { value: '' }, t('auditAll')), ACTIONS.map((a) => h('option', { value: a }, code('auditAction', a))));
  const since = h('input', { type: 'date', id: 'audit-since', 'data-testid': 'audit-since' });
  const until = h('input', { type: 'date', id: 'audit-until', 'data-testid': 'audit-until' });
  const apply = h('button', { type: 'submit', class: 'btn small', 'data-testid': 'audit-apply' }, t('auditApply'));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('auditTitle') },
    h('label', { for: 'audit-actor', class: 'small muted' }, t('auditActor')),
    actor,
    h('label', { for: 'audit-action', class: 'small muted' }, t('auditAction')),
    action,
    h('label', { for: 'audit-since', class: 'small muted' }, t('dashFrom')),
    since,
    h('label', { for: 'audit-until', class: 'small muted' }, t('dashTo')),
    until,
    apply,
  );
  const body = h('tbody', { 'data-testid': 'audit-rows' });
  const table = h(
    'table',
    { class: 'grid' },
    h('thead', {}, h('tr', {}, [t('auditColTime'), t('auditColActor'), t('auditColAction'), t('auditColTarget'), t('auditColDetail')].map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
  const status = h('p', { class: 'muted small', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn ghost small', 'data-testid': 'audit-more', hidden: true }, t('auditMore'));
  const refresh = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('reqRefresh'), title: t('reqRefresh') }, icon('refresh'));
  replace(container, h('header', { class: 'view-head' }, h('h2', {}, t('auditTitle')), h('span', { class: 'spacer' }), refresh), form, h('div', { class: 'grid-wrap' }, table), status, more);

  let next: number | null = null;
  let seq = 0;

  const row = (e: AuditEntryView) =>
    h(
      'tr',
      { 'data-testid': 'audit-row', 'data-action': e.action },
      h('td', { class: 'nowrap' }, fullTime(e.at)),
      h('td', {}, e.actor.name, ' ', h('span', { class: `tag role-${e.actor.role}` }, t(e.actor.role === 'supervisor' ? 'role_supervisor' : 'role_agent'))),
      h('td', {}, code('auditAction', e.action)),
      h('td', { class: 'mono' }, `${e.targetType} ${e.targetId}`),
      h('td', { class: 'small' }, [detailText(e.detail), e.client ?? ''].filter(Boolean).join(' · ')),
    );

  async function load(append: boolean): Promise<void> {
    const mine = ++seq;
    status.textContent = t('loading');
    try {
      const page = await api.audit({
        actor: actor.value.trim(),
        action: action.value,
        since: since.value,
        // The "to" day is included: the query's `until` is exclusive.
        until: until.value ? new Date(Date.parse(`${until.value}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : '',
        before: append && next !== null ? next : undefined,
      });
      if (mine !== seq) return;
      if (!append) body.replaceChildren();
      body.append(...page.entries.map(row));
      next = page.next;
      more.hidden = next === null;
      status.textContent = body.children.length === 0 ? t('auditEmpty') : '';
    } catch (err) {
      if (mine === seq) status.textContent = errorText(err);
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load(false);
  });
  refresh.addEventListener('click', () => void load(false));
  more.addEventListener('click', () => void load(true));
  return { reload: () => load(false) };
}
