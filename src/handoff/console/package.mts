/**
 * The right column: the handoff package — reason, summary, flow and slots, attachments, what the bot
 * tried, channel and identity, the merchant's requests, and the whole transcript (collapsible).
 */
import type { HandoffDetails } from '../console-api.js';
import { attachments } from './dialog.mjs';
import { fullTime, h, icon, replace, time, type Child } from './dom.mjs';
import { code, fmt, t } from './i18n.mjs';
import { toast } from './alerts.mjs';
import { api, isSupervisor, on, showError, state } from './state.mjs';

function section(title: string, testid: string, ...body: Child[]): HTMLElement {
  return h('section', { class: 'pkg-sec', 'data-testid': testid }, h('h3', {}, title), ...body);
}

function dl(rows: [string, Child][]): HTMLElement {
  return h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Who the merchant has proven to be; a supervisor may remove a binding made in error. */
function identity(channel: HandoffDetails['package']['channel']): Child {
  const verified = channel.verified ?? [];
  if (!verified.length || !channel.userId) return h('span', { class: 'tag warn', 'data-testid': 'package-identity', 'data-verified': 'false', title: t('idUnverifiedHint') }, t('idUnverified'));
  return h(
    'span',
    { 'data-testid': 'package-identity', 'data-verified': 'true' },
    verified.map((b) => {
      const row = h('span', { class: 'id-binding' }, h('span', { class: 'tag good' }, `${t('idVerified')} ${b.merchantId}`), ' ', h('span', { class: 'muted small' }, code('idMethod', b.method)));
      if (isSupervisor()) {
        const button = h('button', { type: 'button', class: 'btn small', 'data-testid': 'unbind' }, t('idUnbind'));
        button.addEventListener('click', () => {
          if (!confirm(fmt('idUnbindConfirm', { merchant: b.merchantId }))) return;
          api.unbind(channel.id, channel.userId!, b.merchantId).then(
            () => {
              row.remove();
              toast(t('idUnbound'), 'ok');
            },
            showError,
          );
        });
        row.append(' ', button);
      }
      return row;
    }),
  );
}

function none(): HTMLElement {
  return h('p', { class: 'muted small' }, t('none'));
}

function render(d: HandoffDetails, openRequest: (id: string) => void): Child[] {
  const p = d.package;
  const x = d.handoff;
  const out: Child[] = [];

  out.push(
    h(
      'section',
      { class: 'pkg-sec reason' },
      h('h3', {}, t('pkgReason')),
      h('p', { class: `pkg-reason r-${p.reason}`, 'data-testid': 'package-reason', 'data-reason': p.reason }, code('reason', p.reason)),
      p.summary ? h('p', { class: 'pkg-summary', 'data-testid': 'package-summary', 'data-by': p.summaryBy ?? 'template' }, p.summary) : null,
      p.summaryBy === 'model' ? h('p', { class: 'pkg-note', 'data-testid': 'package-summary-by' }, t('pkgSummaryByModel')) : null,
    ),
  );

  if (x.status === 'ticket' || x.callbackPhone || x.message) {
    out.push(
      section(
        t('queueTickets'),
        'package-ticket',
        dl([
          [t('pkgCallback'), x.callbackPhone ?? '—'],
          [t('pkgMessage'), x.message ?? '—'],
        ]),
      ),
    );
  }

  if (p.flow) {
    const f = p.flow;
    out.push(
      section(
        t('pkgFlow'),
        'package-flow',
        h('p', { class: 'flow-title' }, h('strong', {}, f.title || f.id), h('span', { class: 'muted small' }, ` · ${t('pkgStage')}: ${f.stage}`)),
        f.pending ? h('p', { class: 'flow-pending' }, `${t('pkgPending')}: `, h('code', {}, code('slot', f.pending))) : null,
        f.values.length ? dl(f.values.map((v) => [code('slot', v.name), v.display])) : h('p', { class: 'muted small' }, t('pkgNoValues')),
      ),
    );
  } else out.push(section(t('pkgFlow'), 'package-flow', h('p', { class: 'muted small' }, t('pkgNoFlow'))));

  out.push(section(`${t('pkgAttachments')} (${p.attachments.length})`, 'package-attachments', attachments(p.attachments) ?? none()));

  out.push(
    section(
      t('pkgBotTried'),
      'package-bot-tried',
      p.botTried.length
        ? h(
            'ol',
            { class: 'tried' },
            p.botTried.map((b) =>
              h(
                'li',
                { class: b.answered ? 'ok' : 'no' },
                h('span', { class: 'tried-q' }, b.question),
                h('span', { class: `tag ${b.answered ? 'good' : 'bad'}` }, b.answered ? t('pkgAnswered') : t('pkgNotAnswered')),
                b.sources.length ? h('span', { class: 'tried-src muted small' }, `${t('pkgSources')}: ${b.sources.join(' · ')}`) : null,
              ),
            ),
          )
        : none(),
    ),
  );

  out.push(
    section(
      t('pkgChannel'),
      'package-channel',
      dl([
        [t('pkgChannelId'), `${code('channel', p.channel.id)} (${p.channel.id})`],
        [t('pkgUserId'), p.channel.userId ?? t('unknownUser')],
        [t('pkgIdentity'), identity(p.channel)],
        [t('pkgConversationId'), h('code', { class: 'wrap' }, p.channel.conversationId)],
        [t('merchantLocale'), code('locale', x.locale)],
        [t('pkgStarted'), h('span', { title: fullTime(x.createdAt) }, time(x.createdAt))],
      ]),
    ),
  );

  out.push(
    section(
      t('pkgRequests'),
      'package-requests',
      p.requests.length
        ? h(
            'ul',
            { class: 'pkg-reqs' },
            p.requests.map((r) => {
              const b = h(
                'button',
                { type: 'button', class: 'linkish', title: t('reqOpenFromPackage'), 'data-testid': 'package-request', 'data-request-id': r.id },
                h('span', { class: 'mono' }, r.ticket),
                ` ${code('requestKind', r.kind)} `,
                h('span', { class: `tag rs-${r.status}` }, code('requestStatus', r.status)),
                h('span', { class: 'muted small' }, ` ${time(r.createdAt)}`),
              );
              b.addEventListener('click', () => openRequest(r.id));
              return h('li', {}, b);
            }),
          )
        : none(),
    ),
  );

  const transcript = h(
    'details',
    { class: 'pkg-sec transcript', 'data-testid': 'package-transcript' },
    h('summary', {}, fmt('pkgTranscript', { n: p.transcript.length })),
    p.transcript.length
      ? h(
          'ol',
          { class: 'tx' },
          p.transcript.map((m) =>
            h(
              'li',
              { class: `tx-${m.from}` },
              h('span', { class: 'tx-meta' }, h('strong', {}, t(`from_${m.from}`)), ' ', h('time', { datetime: m.at, title: fullTime(m.at) }, time(m.at))),
              h('span', { class: 'tx-text' }, m.text),
              attachments(m.attachments, true),
            ),
          ),
        )
      : none(),
  );
  out.push(transcript);
  return out;
}

/** `close` hides the package when it is a drawer (narrow screens). */
export function mountPackage(container: HTMLElement, openRequest: (id: string) => void, close: () => void): void {
  const body = h('div', { class: 'pkg-body' });
  const label = h('span', {}, t('pkg'));
  const closeBtn = h('button', { type: 'button', class: 'icon-btn small pkg-close', 'data-testid': 'package-close', 'aria-label': t('close'), title: t('close') }, icon('close'));
  closeBtn.addEventListener('click', close);
  const heading = h('h2', { class: 'pkg-title', id: 'pkg-title' }, label, closeBtn);
  container.setAttribute('aria-labelledby', 'pkg-title');
  replace(container, heading, body);

  const draw = () => {
    label.textContent = t('pkg');
    closeBtn.setAttribute('aria-label', t('close'));
    closeBtn.title = t('close');
    const id = state.selectedId;
    const d = id ? state.details.get(id) : undefined;
    const open = container.querySelector<HTMLDetailsElement>('details.transcript')?.open ?? false;
    if (!id) replace(body, h('p', { class: 'muted' }, t('chatEmpty')));
    else if (!d) replace(body, h('p', { class: 'muted' }, t('chatLoading')));
    else {
      replace(body, ...render(d, openRequest));
      const tx = body.querySelector<HTMLDetailsElement>('details.transcript');
      if (tx && open) tx.open = true;
    }
  };
  on('selected', () => {
    draw();
    container.scrollTop = 0;
  });
  on('details', (id) => {
    if (id === state.selectedId) draw();
  });
  on('lang', draw);
  draw();
}
