/**
 * The centre column: the selected conversation's header and actions (claim, transfer, hand back,
 * resolve, close ticket), its events (merchant, bot and agent messages, internal notes, system events),
 * the typing indicator, the reply composer (Enter sends, Shift+Enter new line, image attach / paste /
 * drop, canned replies) and the internal-note box.
 */
import type { FileView, HandoffEvent, HandoffSummary } from '../console-api.js';
import { toast } from './alerts.mjs';
import { ApiError } from './api.mjs';
import { openCannedPicker } from './canned.mjs';
import { decorateReplies, loadProposals } from './propose.mjs';
import { attachments, openDialog } from './dialog.mjs';
import { clock, fullTime, h, icon, replace, time } from './dom.mjs';
import { code, fmt, t } from './i18n.mjs';
import { formatSize } from '../../core/sizes.js';
import {
  actorName,
  api,
  draft,
  emit,
  errorText,
  isMine,
  on,
  putEvent,
  putHandoff,
  refreshHandoffs,
  selected,
  showError,
  state,
} from './state.mjs';

const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/pdf'];
const EXT: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', pdf: 'application/pdf' };
const MAX_BYTES = 10 * 1024 * 1024;
const TYPING_EVERY = 2000;
const TYPING_SHOWN = 5000;

export interface ChatApi {
  select(id: string | null): void;
  focusComposer(): void;
  focusNote(): void;
  claimSelected(): void;
  openCanned(): void;
  /** Puts text into the reply box (at the cursor) when the agent may reply. */
  insertText(text: string): boolean;
}

function fileType(f: File): string {
  if (ACCEPTED.includes(f.type)) return f.type;
  if (f.type && f.type !== 'application/octet-stream') return '';
  return EXT[(f.name.split('.').pop() ?? '').toLowerCase()] ?? '';
}

/** One event of the conversation. */
export function eventNode(e: HandoffEvent): HTMLElement {
  const attrs = { 'data-testid': 'chat-event', 'data-kind': e.kind, 'data-event-id': String(e.id), 'data-actor': e.actor };
  const at = h('time', { datetime: e.at, title: fullTime(e.at) }, time(e.at));
  const files = attachments(e.attachments);
  if (e.kind === 'message_in' || e.kind === 'message_out' || e.kind === 'bot') {
    const side = e.kind === 'message_in' ? 'in' : e.kind === 'bot' ? 'bot' : 'out';
    return h(
      'article',
      { class: `ev msg ${side}`, ...attrs, 'aria-label': `${actorName(e.actor)} ${time(e.at)}` },
      h('div', { class: 'ev-meta' }, h('span', { class: 'who' }, actorName(e.actor)), at),
      h('div', { class: 'bubble' }, e.text ? h('p', { class: 'text' }, e.text) : null, files),
    );
  }
  if (e.kind === 'note') {
    return h(
      'article',
      { class: 'ev note', ...attrs },
      h('div', { class: 'ev-meta' }, h('span', { class: 'note-tag', 'data-testid': 'note-tag' }, t('noteTag')), h('span', { class: 'who' }, actorName(e.actor)), at),
      e.text ? h('p', { class: 'text' }, e.text) : null,
      files,
    );
  }
  return h(
    'div',
    { class: `ev sys k-${e.kind}`, ...attrs },
    h('span', { class: 'sys-kind' }, code('eventKind', e.kind)),
    e.actor.startsWith('agent:') ? h('span', { class: 'sys-actor' }, actorName(e.actor)) : null,
    e.text ? h('span', { class: 'sys-text' }, e.text) : null,
    at,
    files,
  );
}

export function mountChat(container: HTMLElement, togglePackage: () => void): ChatApi {
  // ---- header
  const title = h('h2', { class: 'chat-title', id: 'chat-title', 'data-testid': 'chat-title' });
  const meta = h('div', { class: 'chat-meta' });
  const claimBtn = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'claim', 'aria-keyshortcuts': 'Alt+C' }, t('claim'));
  const transferBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'transfer' }, t('transfer'));
  const handbackBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'handback' }, t('handback'));
  const resolveBtn = h('button', { type: 'button', class: 'btn ok', 'data-testid': 'resolve' }, t('resolve'));
  const closeTicketBtn = h('button', { type: 'button', class: 'btn ok', 'data-testid': 'close-ticket' }, t('closeTicket'));
  const pkgBtn = h('button', { type: 'button', class: 'btn ghost pkg-toggle', 'data-testid': 'package-toggle', 'aria-controls': 'package' }, icon('panel'), h('span', {}, t('showPackage')));
  pkgBtn.addEventListener('click', togglePackage);
  const actions = h('div', { class: 'chat-actions', role: 'toolbar', 'aria-label': t('chatLog') }, claimBtn, transferBtn, handbackBtn, resolveBtn, closeTicketBtn, pkgBtn);
  const head = h('header', { class: 'chat-head' }, h('div', { class: 'chat-titles' }, title, meta), actions);
  const banner = h('div', { class: 'chat-banner', role: 'status', 'data-testid': 'chat-banner', hidden: true });
  let flash: { text: string; kind: 'error' | 'info' } | null = null;

  // ---- log
  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-labelledby': 'chat-title', tabindex: 0, 'data-testid': 'chat-log' });
  const newPill = h('button', { type: 'button', class: 'new-pill', hidden: true, 'data-testid': 'new-messages' }, t('chatNewMessages'));
  const typing = h('div', { class: 'typing', 'aria-live': 'polite', 'data-testid': 'typing', hidden: true });
  let typingTimer = 0;

  // ---- composer
  const fileInput = h('input', { type: 'file', id: 'composer-file', class: 'sr', tabindex: -1, accept: ACCEPTED.join(','), 'data-testid': 'composer-file', 'aria-hidden': 'true' });
  const attachBtn = h('button', { type: 'button', class: 'icon-btn', 'data-testid': 'composer-attach', 'aria-label': t('attach'), title: `${t('attach')} · ${t('attachHint')}` }, icon('clip'));
  const cannedBtn = h('button', { type: 'button', class: 'btn ghost small', 'data-testid': 'canned-open', 'aria-haspopup': 'listbox', 'aria-keyshortcuts': 'Alt+/', title: t('cannedPick') }, icon('quick'), h('span', {}, t('canned')));
  const input = h('textarea', { id: 'composer-input', class: 'composer-input', rows: 2, 'data-testid': 'composer-input', 'aria-keyshortcuts': 'Alt+M', maxlength: 4000 });
  const inputLabel = h('label', { for: 'composer-input', class: 'sr' }, t('composerLabel'));
  const sendBtn = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'composer-send' }, icon('send'), h('span', {}, t('send')));
  const pending = h('div', { class: 'pending', hidden: true, 'data-testid': 'composer-pending' });
  const hint = h('span', { class: 'composer-hint' }, t('composerPlaceholder'));
  const composer = h(
    'form',
    { class: 'composer', 'data-testid': 'composer', novalidate: true },
    pending,
    inputLabel,
    input,
    h('div', { class: 'composer-bar' }, attachBtn, fileInput, cannedBtn, hint, sendBtn),
  );
  let pendingFile: { file: File; url: string } | null = null;
  let sending = false;
  let lastTyping = 0;

  // ---- note
  const noteInput = h('textarea', { id: 'note-input', class: 'note-input', rows: 1, 'data-testid': 'note-input', 'aria-keyshortcuts': 'Alt+N', maxlength: 4000 });
  const noteLabel = h('label', { for: 'note-input', class: 'note-label' }, t('noteLabel'));
  const noteSend = h('button', { type: 'submit', class: 'btn note-btn', 'data-testid': 'note-send' }, t('noteSend'));
  const noteForm = h('form', { class: 'note-row', 'data-testid': 'note-form', novalidate: true }, noteLabel, h('div', { class: 'note-line' }, noteInput, noteSend));

  const empty = h('div', { class: 'chat-empty', 'data-testid': 'chat-empty' });
  const main = h('div', { class: 'chat-main', hidden: true }, head, banner, h('div', { class: 'log-wrap' }, log, newPill), typing, composer, noteForm);
  replace(container, empty, main);

  let loadSeq = 0;

  const current = (): HandoffSummary | null => selected();

  // ---- rendering
  function renderEmpty(): void {
    replace(empty, h('p', { class: 'big' }, t('chatEmpty')), h('p', { class: 'muted' }, t('chatEmptyHint')));
  }

  function renderHead(): void {
    const x = current();
    empty.hidden = !!x;
    main.hidden = !x;
    if (!x) return;
    replace(title, x.userId || t('unknownUser'), h('span', { class: 'chat-chan' }, code('channel', x.channelId)));
    const status = h('span', { class: `tag st-${x.status}`, 'data-testid': 'chat-status', 'data-status': x.status }, code('handoffStatus', x.status));
    const parts: (Node | null)[] = [
      status,
      h('span', { class: `tag r-${x.reason}` }, code('reason', x.reason)),
      h('span', { class: 'tag lang', title: t('merchantLocale') }, code('locale', x.locale)),
    ];
    if (x.status === 'waiting') parts.push(clock(x.createdAt, 'clock wait', (d) => fmt('chatWaitingFor', { time: d })));
    if (x.status === 'active') {
      if (x.agent) parts.push(h('span', { class: 'owner' }, isMine(x) ? `${x.agent.name} ✓` : fmt('queueWith', { name: x.agent.name })));
      parts.push(clock(x.claimedAt ?? x.createdAt, 'clock', (d) => fmt('chatActiveFor', { time: d })));
    }
    if (x.status === 'ticket' && x.callbackPhone) parts.push(h('span', { class: 'phone', 'data-testid': 'callback-phone' }, `${t('queueCallback')} ${x.callbackPhone}`));
    replace(meta, ...parts);

    const mine = isMine(x);
    claimBtn.hidden = x.status !== 'waiting';
    transferBtn.hidden = !mine;
    handbackBtn.hidden = !mine;
    resolveBtn.hidden = !mine;
    closeTicketBtn.hidden = x.status !== 'ticket';

    // banner
    let info = '';
    if (x.status === 'waiting') info = t('chatClaimFirst');
    else if (x.status === 'active' && !mine) info = fmt('chatOwnedBy', { name: x.agent?.name ?? '?' });
    else if (x.status === 'ended') info = t('chatEnded');
    else if (x.status === 'ticket') info = t('chatTicket');
    const parts2: (Node | string)[] = [];
    if (flash) parts2.push(h('strong', { class: `flash ${flash.kind}`, 'data-testid': 'chat-flash' }, flash.text));
    if (x.status === 'ticket' && x.message) parts2.push(h('span', { class: 'ticket-msg' }, `${t('pkgMessage')}: ${x.message}`));
    if (info) parts2.push(h('span', {}, info));
    replace(banner, ...parts2);
    banner.hidden = parts2.length === 0;
    banner.className = `chat-banner${flash?.kind === 'error' ? ' error' : ''}`;

    // composer and note availability
    const canReply = mine;
    input.disabled = !canReply;
    sendBtn.disabled = !canReply || sending;
    attachBtn.disabled = !canReply;
    cannedBtn.disabled = !canReply;
    fileInput.disabled = !canReply;
    input.placeholder = canReply ? t('composerPlaceholder') : info || t('chatClaimFirst');
    composer.classList.toggle('disabled', !canReply);
    const canNote = x.status !== 'ended';
    noteInput.disabled = !canNote;
    noteSend.disabled = !canNote;
    noteInput.placeholder = t('notePlaceholder');
  }

  function nearBottom(): boolean {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollDown(): void {
    log.scrollTop = log.scrollHeight;
    newPill.hidden = true;
  }

  function renderLog(): void {
    const id = state.selectedId;
    if (!id) return;
    const d = state.details.get(id);
    log.setAttribute('aria-busy', 'true');
    if (!d) {
      replace(log, h('p', { class: 'log-note' }, t('chatLoading')));
    } else if (d.events.length === 0) {
      replace(log, h('p', { class: 'log-note' }, t('noEvents')));
    } else {
      replace(log, ...d.events.map(eventNode));
      decorate();
    }
    log.removeAttribute('aria-busy');
    scrollDown();
  }

  /** My replies' 建议为精选答复 buttons, where the conversation allows them. */
  function decorate(): void {
    decorateReplies(log, current(), state.selectedId ? state.details.get(state.selectedId) : undefined, decorate);
  }

  function renderLoadError(err: unknown, id: string): void {
    const retry = h('button', { type: 'button', class: 'btn small' }, t('retry'));
    retry.addEventListener('click', () => void load(id));
    const msg = err instanceof ApiError && err.status === 404 ? t('notFound') : `${t('chatLoadFailed')}: ${errorText(err)}`;
    replace(log, h('div', { class: 'log-note error', role: 'alert' }, h('p', {}, msg), retry));
  }

  function appendEvent(e: HandoffEvent): void {
    const stick = nearBottom();
    log.querySelector('.log-note')?.remove();
    const node = eventNode(e);
    // Keep the order by time even when an event arrives late.
    const after = Array.from(log.querySelectorAll<HTMLElement>('[data-testid="chat-event"]')).find((n) => {
      const at = n.querySelector('time')?.getAttribute('datetime') ?? '';
      return at > e.at;
    });
    if (after) log.insertBefore(node, after);
    else log.appendChild(node);
    decorate();
    if (stick) scrollDown();
    else newPill.hidden = false;
    if (e.kind === 'message_in') hideTyping();
  }

  function renderDraft(): void {
    const id = state.selectedId;
    const d = id ? draft(id) : { reply: '', note: '' };
    input.value = d.reply;
    noteInput.value = d.note;
    grow(input, 160);
    grow(noteInput, 90);
  }

  function grow(el: HTMLTextAreaElement, max: number): void {
    el.style.height = 'auto';
    el.style.height = `${Math.min(max, el.scrollHeight + 2)}px`;
  }

  // ---- typing
  function hideTyping(): void {
    window.clearTimeout(typingTimer);
    typing.hidden = true;
    typing.textContent = '';
  }

  on('typing', (arg) => {
    const ev = arg as { handoffId: string; from: 'merchant' | 'agent' };
    if (ev.handoffId !== state.selectedId) return;
    const x = current();
    if (ev.from === 'agent' && isMine(x)) return; // my own typing, echoed
    typing.textContent = ev.from === 'merchant' ? t('chatMerchantTyping') : t('chatAgentTyping');
    typing.dataset.from = ev.from;
    typing.hidden = false;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(hideTyping, TYPING_SHOWN);
  });

  // ---- loading
  async function load(id: string): Promise<void> {
    const seq = ++loadSeq;
    try {
      const d = await api.handoff(id);
      if (seq !== loadSeq || state.selectedId !== id) return;
      state.details.set(id, d);
      for (const e of state.pendingEvents.get(id) ?? []) putEvent(id, e);
      state.pendingEvents.delete(id);
      putHandoff(d.handoff);
      emit('details', id);
      emit('queue');
    } catch (err) {
      if (seq !== loadSeq || state.selectedId !== id) return;
      if (err instanceof ApiError && err.status === 401) return;
      if (!state.details.has(id)) renderLoadError(err, id);
      else showError(err);
    }
  }

  function select(id: string | null): void {
    if (state.selectedId === id) {
      if (id) void load(id);
      return;
    }
    saveDraft();
    clearPending();
    hideTyping();
    flash = null;
    state.selectedId = id;
    state.pendingEvents.clear();
    if (id) state.unread.delete(id);
    emit('selected', id);
    if (id) void load(id);
  }

  function saveDraft(): void {
    const id = state.selectedId;
    if (!id) return;
    const d = draft(id);
    d.reply = input.value;
    d.note = noteInput.value;
  }

  // ---- actions
  async function busy(btn: HTMLButtonElement, fn: () => Promise<void>): Promise<void> {
    if (btn.disabled) return;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } finally {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  }

  /** A 409 on something I tried: say so, and refresh the queue and the conversation. */
  async function conflict(id: string, message: string): Promise<void> {
    if (state.selectedId === id) {
      flash = { text: message, kind: 'error' };
      renderHead();
    }
    toast(message, 'error');
    await refreshHandoffs().catch(() => undefined);
    if (state.selectedId === id) await load(id);
  }

  async function act(
    btn: HTMLButtonElement,
    run: (id: string) => Promise<{ handoff: HandoffSummary }>,
    okText: string | ((h: HandoffSummary) => string),
    conflictText = t('conflict'),
  ): Promise<void> {
    const x = current();
    if (!x) return;
    await busy(btn, async () => {
      try {
        const res = await run(x.id);
        putHandoff(res.handoff);
        flash = null;
        emit('queue');
        toast(typeof okText === 'function' ? okText(res.handoff) : okText, 'ok');
        void load(x.id);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) await conflict(x.id, conflictText);
        else showError(err);
      }
    });
  }

  function claimSelected(): void {
    const x = current();
    if (!x || x.status !== 'waiting') return;
    void act(claimBtn, (id) => api.claim(id), t('claimed'), t('claimTaken')).then(() => {
      if (isMine(current())) input.focus();
    });
  }
  claimBtn.addEventListener('click', claimSelected);
  resolveBtn.addEventListener('click', () => void act(resolveBtn, (id) => api.resolve(id), t('resolved')));
  handbackBtn.addEventListener('click', () => void act(handbackBtn, (id) => api.handback(id), t('handedBack')));

  transferBtn.addEventListener('click', () => {
    const x = current();
    if (!x || !isMine(x)) return;
    void busy(transferBtn, async () => {
      try {
        state.agents = (await api.agents()).agents;
        emit('agents');
      } catch (err) {
        showError(err);
        return;
      }
      const others = state.agents.filter((a) => a.id !== state.me?.id).sort((a, b) => Number(b.presence === 'online') - Number(a.presence === 'online') || a.name.localeCompare(b.name));
      const online = others.filter((a) => a.presence === 'online');
      const list = h(
        'fieldset',
        { class: 'agent-pick', 'data-testid': 'transfer-list' },
        h('legend', {}, t('transferPick')),
        others.length === 0 || online.length === 0 ? h('p', { class: 'muted' }, t('transferNone')) : null,
        others.map((a) =>
          h(
            'label',
            { class: `agent-opt p-${a.presence}`, 'data-testid': 'transfer-agent', 'data-agent-id': String(a.id) },
            h('input', { type: 'radio', name: 'transfer-agent', value: String(a.id), disabled: a.presence !== 'online' }),
            h('span', { class: 'pdot', 'aria-hidden': 'true' }),
            h('span', { class: 'agent-name' }, a.name),
            h('span', { class: 'muted small' }, `${t(a.role === 'supervisor' ? 'role_supervisor' : 'role_agent')} · ${t(`presence_${a.presence}`)}`),
          ),
        ),
      );
      const firstOnline = list.querySelector<HTMLInputElement>('input:not([disabled])');
      if (firstOnline) firstOnline.checked = true;
      await openDialog({
        title: t('transferTitle'),
        testid: 'transfer-dialog',
        body: [list],
        submit: {
          label: t('transferSubmit'),
          testid: 'transfer-submit',
          run: async () => {
            const sel = list.querySelector<HTMLInputElement>('input:checked');
            if (!sel) throw new Error(t('transferPick'));
            const agent = others.find((a) => String(a.id) === sel.value);
            try {
              const res = await api.transfer(x.id, Number(sel.value));
              putHandoff(res.handoff);
              emit('queue');
              toast(fmt('transferred', { name: agent?.name ?? sel.value }), 'ok');
              void load(x.id);
            } catch (err) {
              if (err instanceof ApiError && err.status === 409) {
                void conflict(x.id, t('conflict'));
                return true;
              }
              throw new Error(errorText(err));
            }
            return true;
          },
        },
      });
    });
  });

  closeTicketBtn.addEventListener('click', () => {
    const x = current();
    if (!x || x.status !== 'ticket') return;
    const note = h('textarea', { id: 'close-ticket-note', rows: 3, maxlength: 2000, 'data-testid': 'close-ticket-note' });
    void openDialog({
      title: t('closeTicketTitle'),
      testid: 'close-ticket-dialog',
      body: [
        x.callbackPhone ? h('p', {}, h('strong', {}, `${t('pkgCallback')}: `), x.callbackPhone) : null,
        x.message ? h('p', { class: 'quote' }, x.message) : null,
        h('div', { class: 'field' }, h('label', { for: 'close-ticket-note' }, t('closeTicketNote')), note),
      ],
      submit: {
        label: t('closeTicket'),
        testid: 'close-ticket-submit',
        run: async () => {
          try {
            const res = await api.closeTicket(x.id, note.value.trim() || undefined);
            putHandoff(res.handoff);
            emit('queue');
            toast(t('ticketClosed'), 'ok');
          } catch (err) {
            if (err instanceof ApiError && err.status === 409) {
              void conflict(x.id, t('conflict'));
              return true;
            }
            throw new Error(errorText(err));
          }
          return true;
        },
      },
    });
  });

  // ---- composer behaviour
  function clearPending(): void {
    if (pendingFile) URL.revokeObjectURL(pendingFile.url);
    pendingFile = null;
    pending.hidden = true;
    pending.replaceChildren();
    fileInput.value = '';
  }

  function attach(file: File): void {
    const type = fileType(file);
    if (!type) {
      toast(fmt('fileType', { name: file.name }), 'error');
      return;
    }
    if (file.size > MAX_BYTES) {
      toast(fmt('fileSize', { name: file.name }), 'error');
      return;
    }
    clearPending();
    const url = URL.createObjectURL(file);
    pendingFile = { file, url };
    const remove = h('button', { type: 'button', class: 'icon-btn small', 'aria-label': t('removeFile'), title: t('removeFile'), 'data-testid': 'composer-remove-file' }, icon('close'));
    remove.addEventListener('click', () => {
      clearPending();
      input.focus();
    });
    pending.replaceChildren(
      type.startsWith('image/') ? h('img', { src: url, alt: file.name }) : icon('doc'),
      h('span', { class: 'pending-name' }, file.name),
      h('span', { class: 'muted small' }, formatSize(file.size)),
      remove,
    );
    pending.hidden = false;
  }

  attachBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    if (f) attach(f);
    input.focus();
  });
  input.addEventListener('paste', (ev) => {
    const f = Array.from(ev.clipboardData?.files ?? []).find((x) => x.type.startsWith('image/'));
    if (f && isMine(current())) {
      ev.preventDefault();
      attach(f);
    }
  });
  main.addEventListener('dragover', (ev) => {
    if (!isMine(current()) || !ev.dataTransfer?.types.includes('Files')) return;
    ev.preventDefault();
    main.classList.add('dropping');
  });
  main.addEventListener('dragleave', (ev) => {
    if (ev.target === main || !main.contains(ev.relatedTarget as Node | null)) main.classList.remove('dropping');
  });
  main.addEventListener('drop', (ev) => {
    main.classList.remove('dropping');
    const f = ev.dataTransfer?.files?.[0];
    if (!f || !isMine(current())) return;
    ev.preventDefault();
    attach(f);
  });

  input.addEventListener('input', () => {
    grow(input, 160);
    const x = current();
    if (!x || !isMine(x) || !input.value.trim()) return;
    const now = Date.now();
    if (now - lastTyping >= TYPING_EVERY) {
      lastTyping = now;
      api.typing(x.id).catch(() => undefined);
    }
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });

  async function send(): Promise<void> {
    const x = current();
    if (!x || !isMine(x) || sending) return;
    const text = input.value.trim();
    const file = pendingFile?.file ?? null;
    if (!text && !file) {
      input.focus();
      return;
    }
    sending = true;
    sendBtn.disabled = true;
    composer.setAttribute('aria-busy', 'true');
    try {
      if (file) {
        const res = await api.sendFile(x.id, file);
        clearPending();
        if (putEvent(x.id, res.event) && state.selectedId === x.id) appendEvent(res.event);
      }
      if (text) {
        input.value = '';
        draft(x.id).reply = '';
        grow(input, 160);
        try {
          const res = await api.send(x.id, text);
          if (putEvent(x.id, res.event) && state.selectedId === x.id) appendEvent(res.event);
        } catch (err) {
          if (state.selectedId === x.id && !input.value) input.value = text;
          else draft(x.id).reply ||= text;
          throw err;
        }
      }
      lastTyping = 0;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) await conflict(x.id, t('conflict'));
      else showError(err);
    } finally {
      sending = false;
      composer.removeAttribute('aria-busy');
      renderHead();
      if (state.selectedId === x.id && isMine(current())) input.focus();
    }
  }
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void send();
  });

  /** Puts text at the cursor of the reply box (a canned reply). */
  function insertText(text: string): boolean {
    if (input.disabled || main.hidden) return false;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, 'end');
    input.focus();
    input.dispatchEvent(new Event('input'));
    return true;
  }

  function openCanned(): void {
    if (input.disabled || main.hidden) return;
    openCannedPicker(cannedBtn, insertText, () => input.focus());
  }
  cannedBtn.addEventListener('click', openCanned);

  // ---- notes
  async function sendNote(): Promise<void> {
    const x = current();
    if (!x) return;
    const text = noteInput.value.trim();
    if (!text) {
      noteInput.focus();
      return;
    }
    await busy(noteSend, async () => {
      try {
        const res = await api.note(x.id, text);
        noteInput.value = '';
        draft(x.id).note = '';
        grow(noteInput, 90);
        if (putEvent(x.id, res.event) && state.selectedId === x.id) appendEvent(res.event);
        toast(t('noteSaved'), 'ok', 2500);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) await conflict(x.id, t('conflict'));
        else showError(err);
      }
    });
    noteInput.focus();
  }
  noteForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void sendNote();
  });
  noteInput.addEventListener('input', () => grow(noteInput, 90));
  noteInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      noteForm.requestSubmit();
    }
  });

  newPill.addEventListener('click', () => {
    scrollDown();
    log.focus();
  });
  log.addEventListener('scroll', () => {
    if (nearBottom()) newPill.hidden = true;
  });

  // ---- labels (language)
  function renderLabels(): void {
    claimBtn.textContent = t('claim');
    transferBtn.textContent = t('transfer');
    handbackBtn.textContent = t('handback');
    resolveBtn.textContent = t('resolve');
    closeTicketBtn.textContent = t('closeTicket');
    pkgBtn.lastElementChild!.textContent = t('showPackage');
    actions.setAttribute('aria-label', t('chatLog'));
    newPill.textContent = t('chatNewMessages');
    attachBtn.setAttribute('aria-label', t('attach'));
    attachBtn.title = `${t('attach')} · ${t('attachHint')}`;
    cannedBtn.title = t('cannedPick');
    cannedBtn.lastElementChild!.textContent = t('canned');
    inputLabel.textContent = t('composerLabel');
    sendBtn.lastElementChild!.textContent = t('send');
    hint.textContent = t('composerPlaceholder');
    noteLabel.textContent = t('noteLabel');
    noteSend.textContent = t('noteSend');
  }

  on('selected', () => {
    renderHead();
    renderDraft();
    renderLog();
  });
  on('queue', renderHead);
  on('me', renderHead);
  on('details', (id) => {
    if (id === state.selectedId) {
      renderHead();
      renderLog();
      if (typeof id === 'string') void loadProposals(id, decorate);
    }
  });
  on('event', (arg) => {
    const { handoffId, event } = arg as { handoffId: string; event: HandoffEvent };
    if (handoffId === state.selectedId && state.details.has(handoffId)) appendEvent(event);
  });
  on('lang', () => {
    renderLabels();
    renderEmpty();
    renderHead();
    renderLog();
  });

  renderLabels();
  renderEmpty();
  renderHead();

  return {
    select,
    focusComposer: () => {
      if (!input.disabled && !main.hidden) input.focus();
    },
    focusNote: () => {
      if (!noteInput.disabled && !main.hidden) noteInput.focus();
    },
    claimSelected,
    openCanned,
    insertText,
  };
}

/** Text for a desktop notification of a merchant message. */
export function messagePreview(e: HandoffEvent): string {
  if (e.text) return e.text.length > 120 ? `${e.text.slice(0, 117)}…` : e.text;
  const f: FileView | undefined = e.attachments[0];
  return f ? `[${/^image\//.test(f.contentType) ? t('image') : t('file')}] ${f.name}` : '';
}
