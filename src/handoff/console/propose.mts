/**
 * Proposing one's own reply as a curated answer, from the conversation: on a handoff
 * the agent is resolving, or one resolved, each of their text replies gets a 建议为精选答复 / Propose
 * button; the dialog is prefilled with the question that led to the handoff. The proposal waits for a
 * supervisor (knowledge.mts); a reply proposed already shows its state instead of the button.
 */
import type { HandoffDetails, HandoffSummary, ProposalView } from '../console-api.js';
import { toast } from './alerts.mjs';
import { ApiError } from './api.mjs';
import { openDialog } from './dialog.mjs';
import { h } from './dom.mjs';
import { t } from './i18n.mjs';
import { api, isMine, state } from './state.mjs';

/** Per handoff: each proposed reply's (event id's) newest proposal status. */
const proposed = new Map<string, Map<number, ProposalView['status']>>();

/** Replies may be proposed while the agent resolves the conversation, or once it was resolved (not handed back). */
function eligible(x: HandoffSummary, d: HandoffDetails): boolean {
  if (x.status === 'active') return isMine(x);
  return x.status === 'ended' && d.events.some((e) => e.kind === 'ended' && e.text === 'resolved');
}

/** The question that led to the handoff: the last one the bot could not answer, else the last it tried, else the merchant's last words. */
export function handoffQuestion(d: HandoffDetails): string {
  const tried = d.package.botTried;
  const missed = [...tried].reverse().find((b) => !b.answered) ?? tried.at(-1);
  if (missed) return missed.question;
  return [...d.package.transcript].reverse().find((m) => m.from === 'merchant')?.text ?? '';
}

/** Fetches which replies of the handoff were proposed (then `done` redraws). */
export async function loadProposals(id: string, done: () => void): Promise<void> {
  try {
    const { proposals } = await api.call<{ proposals: ProposalView[] }>('GET', `/handoffs/${encodeURIComponent(id)}/proposals`);
    // Newest first: the first seen per reply is its state.
    const byEvent = new Map<number, ProposalView['status']>();
    for (const p of proposals) if (!byEvent.has(p.eventId)) byEvent.set(p.eventId, p.status);
    proposed.set(id, byEvent);
    done();
  } catch {
    // Without the list the buttons still work; the server refuses a second proposal (409).
  }
}

async function propose(x: HandoffSummary, d: HandoffDetails, eventId: number, reply: string, redraw: () => void): Promise<void> {
  const question = h('input', { type: 'text', id: 'propose-question', 'data-testid': 'propose-question', maxlength: 500, value: handoffQuestion(d) });
  const ok = await openDialog({
    title: t('proposeTitle'),
    testid: 'propose-dialog',
    wide: true,
    body: [
      h('label', { for: 'propose-question', class: 'small muted' }, t('proposeQuestion')),
      question,
      h('p', { class: 'small muted' }, t('proposeAnswer')),
      h('blockquote', { class: 'propose-reply' }, reply),
      h('p', { class: 'small muted' }, t('proposeHint')),
    ],
    submit: {
      label: t('proposeSubmit'),
      testid: 'propose-submit',
      run: async () => {
        if (!question.value.trim()) throw new Error(t('kbNeedQuestion'));
        try {
          await api.call('POST', `/handoffs/${encodeURIComponent(x.id)}/proposals`, { eventId, question: question.value.trim() });
        } catch (err) {
          throw err instanceof ApiError && err.status === 409 ? new Error(t('proposeConflict')) : err;
        }
      },
    },
  });
  if (ok) {
    toast(t('proposeDone'), 'ok');
    await loadProposals(x.id, redraw);
  }
}

/** Adds the button (or the proposal's state) to each of my text replies shown in `log`. */
export function decorateReplies(log: HTMLElement, x: HandoffSummary | null, d: HandoffDetails | undefined, redraw: () => void): void {
  if (!x || !d || !state.me || !eligible(x, d)) return;
  const mine = `agent:${state.me.name}`;
  const known = proposed.get(x.id);
  for (const e of d.events) {
    if (e.kind !== 'message_out' || e.actor !== mine || !e.text?.trim()) continue;
    const meta = log.querySelector<HTMLElement>(`[data-event-id="${e.id}"] .ev-meta`);
    if (!meta) continue;
    meta.querySelector('.propose')?.remove();
    const status = known?.get(e.id);
    if (status === 'pending' || status === 'approved') {
      meta.appendChild(h('span', { class: 'propose tag', 'data-testid': 'propose-state', 'data-status': status }, status === 'pending' ? t('proposePending') : t('proposeApproved')));
      continue;
    }
    const btn = h('button', { type: 'button', class: 'propose btn ghost small', 'data-testid': 'propose' }, t('propose'));
    const text = e.text;
    btn.addEventListener('click', () => void propose(x, d, e.id, text, redraw));
    meta.appendChild(btn);
  }
}
