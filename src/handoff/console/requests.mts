/**
 * The "Requests" tab: the list (filtered by status), one request's details (slots, files, supplements,
 * history) and the review: approve, reject, ask for more materials, mark in review. Reject and "more
 * materials" need a reason; the merchant receives it.
 */
import type { RequestDetailsView } from '../console-api.js';
import { toast } from './alerts.mjs';
import { ApiError } from './api.mjs';
import { attachments } from './dialog.mjs';
import { fullTime, h, icon, replace, time, valueText, type Child } from './dom.mjs';
import { code, fmt, t, type StringKey } from './i18n.mjs';
import { actorName, api, errorText, on, showError, state } from './state.mjs';

const STATUSES = ['submitted', 'in_review', 'needs_more_info', 'approved', 'rejected', 'closed'] as const;

/** The request status machine (as src/requests/status.ts): which review actions each status allows. */
const TRANSITIONS: Record<string, readonly string[]> = {
  submitted: ['in_review', 'needs_more_info', 'approved', 'rejected'],
  in_review: ['needs_more_info', 'approved', 'rejected'],
  needs_more_info: ['in_review'],
  approved: ['closed'],
  rejected: ['closed'],
  closed: [],
};
const REASON_REQUIRED = ['needs_more_info', 'rejected'];

const ACTIONS: { status: string; label: StringKey; testid: string; cls: string }[] = [
  { status: 'approved', label: 'reqApprove', testid: 'review-approve', cls: 'ok' },
  { status: 'rejected', label: 'reqReject', testid: 'review-reject', cls: 'danger' },
  { status: 'needs_more_info', label: 'reqMore', testid: 'review-more', cls: 'warn' },
  { status: 'in_review', label: 'reqInReview', testid: 'review-in-review', cls: '' },
];

export interface RequestsApi {
  open(id: string): void;
  reload(): Promise<void>;
}

export function mountRequests(container: HTMLElement): RequestsApi {
  const filter = h(
    'select',
    { id: 'request-filter', 'data-testid': 'request-filter' },
    h('option', { value: '' }, t('reqAll')),
    STATUSES.map((s) => h('option', { value: s }, code('requestStatus', s))),
  );
  const filterLabel = h('label', { for: 'request-filter', class: 'small muted' }, t('reqFilter'));
  const refresh = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('reqRefresh'), title: t('reqRefresh'), 'data-testid': 'request-refresh' }, icon('refresh'));
  const listTitle = h('h2', { id: 'req-list-title' }, t('reqList'));
  const list = h('div', { class: 'req-list', 'aria-labelledby': 'req-list-title' });
  const detail = h('section', { class: 'req-detail', 'data-testid': 'request-detail', 'aria-live': 'polite', 'aria-busy': 'false' });
  replace(
    container,
    h('div', { class: 'req-side' }, h('header', { class: 'view-head' }, listTitle, h('span', { class: 'spacer' }), filterLabel, filter, refresh), list),
    detail,
  );

  let current: RequestDetailsView | null = null;
  /** The review the agent is preparing (kept across re-renders). */
  let review: { id: string; status: string | null; reason: string } = { id: '', status: null, reason: '' };
  let listSeq = 0;
  let detailSeq = 0;

  function renderList(): void {
    const focused = (document.activeElement as HTMLElement | null)?.getAttribute?.('data-request-id');
    if (state.requests.length === 0) {
      replace(list, h('p', { class: 'muted empty-note' }, t('reqEmpty')));
      return;
    }
    replace(
      list,
      h(
        'ul',
        { class: 'q-list' },
        state.requests.map((r) => {
          const sel = r.id === state.selectedRequestId;
          const b = h(
            'button',
            { type: 'button', class: `ri${sel ? ' selected' : ''}`, 'data-testid': 'request-item', 'data-request-id': r.id, 'data-status': r.status, 'aria-current': sel ? 'true' : null },
            h(
              'span',
              { class: 'qi-top' },
              h('span', { class: 'mono ri-ticket' }, r.ticket),
              r.noticeFailed ? h('span', { class: 'tag warn', 'data-testid': 'notice-failed', title: t('reqNoticeFailedHint') }, t('reqNoticeFailed')) : null,
              h('span', { class: `tag rs-${r.status}` }, code('requestStatus', r.status)),
            ),
            h('span', { class: 'qi-tags' }, h('span', {}, code('requestKind', r.kind)), h('span', { class: 'muted' }, ` · ${r.merchantId}`)),
            h('span', { class: 'muted small', title: fullTime(r.updatedAt) }, `${t('reqUpdated')} ${time(r.updatedAt)}`),
          );
          b.addEventListener('click', () => open(r.id));
          return h('li', {}, b);
        }),
      ),
    );
    if (focused) list.querySelector<HTMLElement>(`[data-request-id="${CSS.escape(focused)}"]`)?.focus();
  }

  async function reload(): Promise<void> {
    const seq = ++listSeq;
    try {
      const { requests } = await api.requests(state.requestFilter || undefined);
      if (seq !== listSeq) return;
      state.requests = requests;
      renderList();
    } catch (err) {
      if (seq === listSeq) {
        replace(list, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
        showError(err);
      }
    }
  }

  async function loadDetail(id: string): Promise<void> {
    const seq = ++detailSeq;
    if (!current || current.request.id !== id) replace(detail, h('p', { class: 'muted' }, t('loading')));
    try {
      const d = await api.request(id);
      if (seq !== detailSeq) return;
      current = d;
      renderDetail();
    } catch (err) {
      if (seq !== detailSeq) return;
      replace(detail, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  function open(id: string): void {
    state.selectedRequestId = id;
    if (review.id !== id) review = { id, status: null, reason: '' };
    renderList();
    void loadDetail(id);
  }

  function reviewPanel(d: RequestDetailsView): HTMLElement {
    const r = d.request;
    const allowed = TRANSITIONS[r.status] ?? [];
    const possible = ACTIONS.filter((a) => allowed.includes(a.status));
    if (review.status && !allowed.includes(review.status)) review.status = null;
    const reasonId = 'review-reason';
    const required = !!review.status && REASON_REQUIRED.includes(review.status);
    const label = h('label', { for: reasonId }, required ? t('reqReason') : t('reqReasonOptional'), required ? h('span', { class: 'req-star', 'aria-hidden': 'true' }, ' *') : null);
    const reason = h('textarea', { id: reasonId, rows: 3, maxlength: 1000, 'data-testid': 'review-reason', placeholder: t('reqReasonPlaceholder'), required, 'aria-required': required ? 'true' : 'false' });
    reason.value = review.reason;
    reason.addEventListener('input', () => {
      review.reason = reason.value;
      if (reason.value.trim()) {
        err.hidden = true;
        reason.removeAttribute('aria-invalid');
      }
    });
    const err = h('p', { class: 'form-error', role: 'alert', id: 'review-error', 'data-testid': 'review-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'review-submit', disabled: !review.status }, t('reqSubmit'));
    const buttons = ACTIONS.map((a) => {
      const ok = allowed.includes(a.status);
      const b = h(
        'button',
        { type: 'button', class: `btn seg ${a.cls}`, 'data-testid': a.testid, 'data-status': a.status, 'aria-pressed': review.status === a.status ? 'true' : 'false', disabled: !ok },
        t(a.label),
      );
      b.addEventListener('click', () => {
        review.status = a.status;
        review.reason = reason.value;
        renderDetail();
        const area = detail.querySelector<HTMLTextAreaElement>('#review-reason');
        area?.focus();
      });
      return b;
    });
    const form = h(
      'form',
      { class: 'review', 'data-testid': 'review', novalidate: true, 'aria-describedby': 'review-error' },
      h('h3', {}, t('reqReview')),
      possible.length === 0 ? h('p', { class: 'muted' }, t('reqNoActions')) : null,
      h('div', { class: 'seg-group', role: 'group', 'aria-label': t('reqReview') }, buttons),
      possible.length ? h('div', { class: 'field' }, label, reason) : null,
      err,
      possible.length ? h('div', { class: 'review-foot' }, review.status ? h('span', { class: 'muted small' }, fmt('reqChosen', { action: t(ACTIONS.find((a) => a.status === review.status)!.label) })) : null, h('span', { class: 'spacer' }), submit) : null,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const status = review.status;
      if (!status) return;
      const text = reason.value.trim();
      if (REASON_REQUIRED.includes(status) && !text) {
        err.textContent = t('reqReasonRequired');
        err.hidden = false;
        reason.setAttribute('aria-invalid', 'true');
        reason.focus();
        return;
      }
      submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      api
        .review(r.id, status, text || undefined)
        .then((res) => {
          current = res;
          review = { id: r.id, status: null, reason: '' };
          toast(fmt('reqDone', { status: code('requestStatus', res.request.status) }), 'ok');
          renderDetail();
          void reload();
        })
        .catch((e: unknown) => {
          submit.disabled = false;
          form.removeAttribute('aria-busy');
          err.textContent = errorText(e);
          err.hidden = false;
          if (e instanceof ApiError && e.status === 409) void loadDetail(r.id);
        });
    });
    return form;
  }

  function renderDetail(): void {
    const d = current;
    if (!d || d.request.id !== state.selectedRequestId) {
      replace(detail, h('p', { class: 'muted empty-note' }, t('reqSelect')));
      return;
    }
    const r = d.request;
    const slots = Object.entries(r.slots ?? {});
    const body: Child[] = [
      h(
        'header',
        { class: 'req-head' },
        h('h2', {}, h('span', { class: 'mono' }, r.ticket), ' ', code('requestKind', r.kind)),
        h('span', { class: `tag rs-${r.status}`, 'data-testid': 'request-status', 'data-status': r.status }, code('requestStatus', r.status)),
        r.identity?.verified
          ? h('span', { class: 'tag good', 'data-testid': 'request-identity', 'data-verified': 'true' }, t('idVerified'))
          : h('span', { class: 'tag warn', 'data-testid': 'request-identity', 'data-verified': 'false', title: t('idUnverifiedHint') }, t('idUnverified')),
        h(
          'p',
          { class: 'muted small' },
          `${t('reqMerchant')} ${r.merchantId} · ${t('reqCreated')} `,
          h('span', { title: fullTime(r.createdAt) }, time(r.createdAt)),
          ` · ${t('reqUpdated')} `,
          h('span', { title: fullTime(r.updatedAt) }, time(r.updatedAt)),
        ),
      ),
      reviewPanel(d),
      h(
        'section',
        { class: 'pkg-sec' },
        h('h3', {}, t('reqSlots')),
        slots.length
          ? h('dl', { class: 'kv', 'data-testid': 'request-slots' }, slots.map(([k, v]) => [h('dt', { title: k }, code('slot', k)), h('dd', {}, valueText(v))]))
          : h('p', { class: 'muted small' }, t('none')),
      ),
      h('section', { class: 'pkg-sec', 'data-testid': 'request-files' }, h('h3', {}, `${t('reqFiles')} (${r.attachments.length})`), attachments(r.attachments) ?? h('p', { class: 'muted small' }, t('reqNoFiles'))),
    ];
    if (d.supplements.length) {
      body.push(
        h(
          'section',
          { class: 'pkg-sec', 'data-testid': 'request-supplements' },
          h('h3', {}, t('reqSupplements')),
          h(
            'ol',
            { class: 'supp' },
            d.supplements.map((s) =>
              h('li', {}, h('time', { datetime: s.at, title: fullTime(s.at) }, time(s.at)), s.note ? h('p', {}, s.note) : null, attachments(s.files, true)),
            ),
          ),
        ),
      );
    }
    body.push(
      h(
        'section',
        { class: 'pkg-sec', 'data-testid': 'request-history' },
        h('h3', {}, t('reqHistory')),
        d.history.length
          ? h(
              'ol',
              { class: 'history' },
              d.history.map((x) =>
                h(
                  'li',
                  {},
                  h('span', { class: 'hist-when', title: fullTime(x.at) }, time(x.at)),
                  h(
                    'span',
                    { class: 'hist-what' },
                    x.from ? fmt('reqTransition', { from: code('requestStatus', x.from), to: code('requestStatus', x.to) }) : code('requestStatus', x.to),
                  ),
                  h('span', { class: 'hist-actor muted' }, actorName(x.actor)),
                  x.noticeFailed ? h('span', { class: 'tag warn', 'data-testid': 'history-notice-failed', title: t('reqNoticeFailedHint') }, t('reqNoticeFailed')) : null,
                  x.reason ? h('p', { class: 'hist-reason' }, x.reason) : null,
                ),
              ),
            )
          : h('p', { class: 'muted small' }, t('reqNoHistory')),
      ),
    );
    const focusedTestid = (document.activeElement as HTMLElement | null)?.dataset?.testid;
    replace(detail, ...body);
    if (focusedTestid && detail.contains(document.activeElement) === false) {
      detail.querySelector<HTMLElement>(`[data-testid="${CSS.escape(focusedTestid)}"]:not([disabled])`)?.focus();
    }
  }

  filter.addEventListener('change', () => {
    state.requestFilter = filter.value;
    void reload();
  });
  refresh.addEventListener('click', () => {
    void reload();
    if (state.selectedRequestId) void loadDetail(state.selectedRequestId);
  });
  list.addEventListener('keydown', (ev) => {
    const items = Array.from(list.querySelectorAll<HTMLElement>('.ri'));
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const next = ev.key === 'ArrowDown' ? i + 1 : ev.key === 'ArrowUp' ? i - 1 : -2;
    if (next === -2) return;
    ev.preventDefault();
    items[Math.max(0, Math.min(items.length - 1, next))]?.focus();
  });

  on('lang', () => {
    filterLabel.textContent = t('reqFilter');
    listTitle.textContent = t('reqList');
    refresh.setAttribute('aria-label', t('reqRefresh'));
    refresh.title = t('reqRefresh');
    const opts = Array.from(filter.options);
    opts.forEach((o) => (o.textContent = o.value ? code('requestStatus', o.value) : t('reqAll')));
    renderList();
    renderDetail();
  });

  renderDetail();
  return {
    open,
    reload: async () => {
      await reload();
      if (state.selectedRequestId) await loadDetail(state.selectedRequestId);
    },
  };
}
