/**
 * Entry point of the agent console (dist/public/agent/console.js, served at /agent/console.js): checks the
 * session (GET /agent/api/me), shows the sign-in or the console, keeps the live socket, and wires the
 * views together: the top bar (tabs, presence, notifications, sound, language, sign-out), the queue,
 * the chat, the package, the requests and the canned replies. Keyboard shortcuts: see `SHORTCUTS`.
 */
import type { HandoffSummary, LoginResponse, Presence, ServerEvent } from '../console-api.js';
import { announce, askNotificationPermission, beep, isSoundOn, mountAlerts, notificationPermission, notify, setSound, toast, unlockAudio } from './alerts.mjs';
import { ApiError } from './api.mjs';
import { mountAudit, type AuditApi } from './audit.mjs';
import { loadCanned, mountCannedView } from './canned.mjs';
import { mountDashboard, type DashboardApi } from './dashboard.mjs';
import { messagePreview, mountChat, type ChatApi } from './chat.mjs';
import { openDialog } from './dialog.mjs';
import { h, icon, isTyping, tickClocks } from './dom.mjs';
import { code, fmt, getLocale, setLocale, t, toLocale, type Locale, type StringKey } from './i18n.mjs';
import { renderLogin } from './login.mjs';
import { mountPackage } from './package.mjs';
import { mountQueue, queueOrder, waitingCount } from './queue.mjs';
import { mountRequests, type RequestsApi } from './requests.mjs';
import { ConsoleSocket, type SocketState } from './socket.mjs';
import { api, emit, isMine, on, putEvent, putHandoff, refreshHandoffs, replaceHandoffs, resetState, showError, state, type View } from './state.mjs';

const LANG_KEY = 'pos-assist-agent:lang';
const ACTIVITY_EVERY = 30_000;

const SHORTCUTS: [string, StringKey][] = [
  ['Alt + ↓', 'scNext'],
  ['Alt + ↑', 'scPrev'],
  ['Alt + C', 'scClaim'],
  ['Alt + M', 'scComposer'],
  ['Alt + N', 'scNote'],
  ['Alt + /', 'scCanned'],
  ['Alt + 1 / 2 / 3', 'scTabs'],
  ['Enter', 'scSend'],
  ['Esc', 'scEscape'],
  ['?', 'scHelp'],
];

const root = (() => {
  let el = document.getElementById('app');
  if (!el) {
    el = document.createElement('div');
    el.id = 'app';
    document.body.appendChild(el);
  }
  return el;
})();

function storedLocale(): Locale | undefined {
  try {
    return toLocale(localStorage.getItem(LANG_KEY));
  } catch {
    return undefined;
  }
}

function initialLocale(): Locale {
  const stored = storedLocale();
  if (stored) return stored;
  for (const l of navigator.languages?.length ? navigator.languages : [navigator.language]) {
    const x = toLocale(l);
    if (x) return x;
  }
  return 'en';
}

function applyLocale(locale: Locale): void {
  setLocale(locale);
  document.documentElement.lang = locale;
}

function storeLocale(locale: Locale): void {
  try {
    localStorage.setItem(LANG_KEY, locale);
  } catch {
    /* private mode */
  }
}

// ------------------------------------------------------------------ session

let session: Shell | null = null;

function showLogin(info?: string): void {
  session?.destroy();
  session = null;
  resetState();
  const draw = (msg?: string) =>
    renderLogin(root, {
      info: msg,
      onLoggedIn: (res) => enter(res),
      onToggleLang: () => {
        const name = (document.getElementById('login-name') as HTMLInputElement | null)?.value ?? '';
        const next: Locale = getLocale() === 'en' ? 'zh-CN' : 'en';
        applyLocale(next);
        storeLocale(next);
        draw(msg);
        const input = document.getElementById('login-name') as HTMLInputElement | null;
        if (input) input.value = name;
        document.querySelector<HTMLElement>('[data-testid="lang-toggle"]')?.focus();
      },
    });
  draw(info);
}

function enter(res: LoginResponse): void {
  session?.destroy();
  resetState();
  api.csrf = res.csrfToken;
  state.me = { ...res.agent };
  session = new Shell();
}

async function boot(): Promise<void> {
  applyLocale(initialLocale());
  mountAlerts();
  api.locale = getLocale;
  api.onUnauthorized = () => {
    if (session) showLogin(t('loginExpired'));
  };
  try {
    enter(await api.me());
  } catch (err) {
    showLogin(err instanceof ApiError && err.status !== 401 ? (err.status === 0 ? t('network') : err.message) : undefined);
  }
}

// ------------------------------------------------------------------ the console

class Shell {
  private readonly socket: ConsoleSocket;
  private readonly chat: ChatApi;
  private readonly requests: RequestsApi;
  private readonly timers: number[] = [];
  private readonly unbind: (() => void)[] = [];
  private requestsLoaded = false;
  private readonly audit: AuditApi;
  private readonly dashboard: DashboardApi;
  private lastActivity = 0;
  private everOpen = false;
  private checkingSession = false;
  private lastSessionCheck = 0;

  private readonly ws: HTMLElement;
  private readonly tabs: Record<View, HTMLButtonElement>;
  private readonly panels: Record<View, HTMLElement>;
  private readonly waitingBadge: HTMLElement;
  private readonly connEl: HTMLElement;
  private readonly presenceBtn: HTMLButtonElement;
  private readonly notifyBtn: HTMLButtonElement;
  private readonly soundBtn: HTMLButtonElement;
  private readonly helpBtn: HTMLButtonElement;
  private readonly langBtn: HTMLButtonElement;
  private readonly logoutBtn: HTMLButtonElement;
  private readonly whoEl: HTMLElement;
  private readonly brand: HTMLElement;
  private readonly skip: HTMLAnchorElement;
  private readonly nav: HTMLElement;
  private readonly queueBox: HTMLElement;

  constructor() {
    // ---- top bar
    this.skip = h('a', { class: 'skip', href: '#chat' }, t('skipToMain'));
    this.brand = h('span', { class: 'brand-name' }, t('brand'));
    this.waitingBadge = h('span', { class: 'badge', hidden: true, 'data-testid': 'waiting-badge' });
    const mkTab = (v: View, key: StringKey, testid: string, extra?: Node) => {
      const b = h(
        'button',
        { type: 'button', role: 'tab', id: `tab-${v}`, class: 'tab', 'aria-controls': `panel-${v}`, 'aria-selected': 'false', tabindex: -1, 'data-testid': testid },
        h('span', { class: 'tab-label' }, t(key)),
        extra ?? null,
      );
      b.addEventListener('click', () => this.setView(v));
      return b;
    };
    this.tabs = {
      conversations: mkTab('conversations', 'tabConversations', 'conversations-tab', this.waitingBadge),
      requests: mkTab('requests', 'tabRequests', 'requests-tab'),
      canned: mkTab('canned', 'tabCanned', 'canned-tab'),
      dashboard: mkTab('dashboard', 'tabDashboard', 'dashboard-tab'),
      audit: mkTab('audit', 'tabAudit', 'audit-tab'),
    };
    // Supervisors' tabs are shown once the session says who is signed in (renderMe).
    this.tabs.dashboard.hidden = true;
    this.tabs.audit.hidden = true;
    this.nav = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': t('mainNav') }, Object.values(this.tabs));
    this.nav.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const order = (Object.keys(this.tabs) as View[]).filter((v) => !this.tabs[v].hidden);
      const i = order.indexOf(state.view);
      const next = order[(i + (ev.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length]!;
      ev.preventDefault();
      this.setView(next);
      this.tabs[next].focus();
    });

    this.connEl = h('span', { class: 'conn', role: 'status', 'data-testid': 'conn', 'data-state': 'connecting' });
    this.notifyBtn = h('button', { type: 'button', class: 'icon-btn', 'data-testid': 'notify-toggle' }, icon('bell'));
    this.notifyBtn.addEventListener('click', () => {
      unlockAudio();
      void askNotificationPermission().then(() => this.renderNotify());
    });
    this.soundBtn = h('button', { type: 'button', class: 'icon-btn', 'data-testid': 'sound-toggle' });
    this.soundBtn.addEventListener('click', () => {
      setSound(!isSoundOn());
      this.renderSound();
      if (isSoundOn()) beep(true);
    });
    this.helpBtn = h('button', { type: 'button', class: 'icon-btn', 'data-testid': 'shortcuts', 'aria-keyshortcuts': '?' }, icon('keyboard'));
    this.helpBtn.addEventListener('click', () => this.showShortcuts());
    this.presenceBtn = h('button', { type: 'button', class: 'presence', 'data-testid': 'presence' });
    this.presenceBtn.addEventListener('click', () => void this.togglePresence());
    this.whoEl = h('span', { class: 'who-am-i', 'data-testid': 'me' });
    this.langBtn = h('button', { type: 'button', class: 'btn ghost small lang', 'data-testid': 'lang-toggle' });
    this.langBtn.addEventListener('click', () => this.toggleLang());
    this.logoutBtn = h('button', { type: 'button', class: 'icon-btn', 'data-testid': 'logout' }, icon('logout'));
    this.logoutBtn.addEventListener('click', () => void this.logout());

    const top = h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'PA'), this.brand),
      this.nav,
      h('div', { class: 'spacer' }),
      this.connEl,
      this.notifyBtn,
      this.soundBtn,
      this.helpBtn,
      this.presenceBtn,
      this.whoEl,
      this.langBtn,
      this.logoutBtn,
    );

    // ---- conversations workspace
    this.queueBox = h('section', { class: 'queue', 'data-testid': 'queue', 'aria-label': t('queue') });
    const chatBox = h('section', { class: 'chat', id: 'chat', tabindex: -1 });
    const pkgBox = h('aside', { class: 'package', id: 'package', 'data-testid': 'package' });
    this.ws = h('div', { class: 'ws', id: 'panel-conversations', role: 'tabpanel', 'aria-labelledby': 'tab-conversations' }, this.queueBox, chatBox, pkgBox);
    const reqBox = h('div', { class: 'requests', id: 'panel-requests', role: 'tabpanel', 'aria-labelledby': 'tab-requests', hidden: true, 'data-testid': 'requests-view' });
    const cannedBox = h('div', { class: 'canned', id: 'panel-canned', role: 'tabpanel', 'aria-labelledby': 'tab-canned', hidden: true, 'data-testid': 'canned-view' });
    const auditBox = h('div', { class: 'supervise', id: 'panel-audit', role: 'tabpanel', 'aria-labelledby': 'tab-audit', hidden: true, 'data-testid': 'audit-view' });
    const dashBox = h('div', { class: 'supervise', id: 'panel-dashboard', role: 'tabpanel', 'aria-labelledby': 'tab-dashboard', hidden: true, 'data-testid': 'dashboard-view' });
    this.panels = { conversations: this.ws, requests: reqBox, canned: cannedBox, dashboard: dashBox, audit: auditBox };

    root.replaceChildren(this.skip, top, h('main', { class: 'main', id: 'main' }, Object.values(this.panels)));

    mountQueue(this.queueBox, (id) => {
      this.chat.select(id);
      this.ws.classList.remove('pkg-open');
    });
    this.chat = mountChat(chatBox, () => this.togglePackage());
    mountPackage(
      pkgBox,
      (id) => this.openRequest(id),
      () => this.togglePackage(false),
    );
    this.requests = mountRequests(reqBox);
    this.audit = mountAudit(auditBox);
    this.dashboard = mountDashboard(dashBox);
    mountCannedView(cannedBox, (text) => {
      this.setView('conversations');
      if (!this.chat.insertText(text)) toast(t('chatClaimFirst'), 'info');
    });

    on('queue', () => this.renderWaiting());
    on('me', () => this.renderMe());
    on('lang', () => this.relabel());

    this.socket = new ConsoleSocket(
      (ev) => this.onServerEvent(ev),
      (s) => this.onSocketState(s),
      () => {
        if (session === this) showLogin(t('loginExpired'));
      },
    );

    this.relabel();
    this.setView('conversations');
    this.listen();
    this.timers.push(window.setInterval(() => tickClocks(), 1000));

    void Promise.all([refreshHandoffs().catch(showError), this.loadAgents(), loadCanned()]);
    this.socket.start();
    document.title = t('appTitle');
  }

  destroy(): void {
    this.socket.stop();
    for (const id of this.timers) window.clearInterval(id);
    for (const off of this.unbind) off();
    document.querySelectorAll('dialog').forEach((d) => d.remove());
  }

  // ---- wiring

  private listen(): void {
    const add = <K extends keyof WindowEventMap>(type: K, fn: (ev: WindowEventMap[K]) => void, opts: AddEventListenerOptions = {}) => {
      window.addEventListener(type, fn, opts);
      this.unbind.push(() => window.removeEventListener(type, fn, opts));
    };
    const activity = () => this.activity();
    for (const type of ['keydown', 'pointerdown', 'mousemove', 'wheel', 'touchstart', 'focus'] as const) add(type, activity, { passive: true, capture: true });
    add('keydown', (ev) => this.shortcut(ev));
    add('online', () => this.socket.kick());
    const unlock = () => unlockAudio();
    add('pointerdown', unlock, { once: true, capture: true });
    add('keydown', unlock, { once: true, capture: true });
    const onVisible = () => {
      if (!document.hidden) this.socket.kick();
    };
    document.addEventListener('visibilitychange', onVisible);
    this.unbind.push(() => document.removeEventListener('visibilitychange', onVisible));
  }

  /** Presence: tell the server the agent is here, at most every 30 s (not while set away by hand). */
  private activity(): void {
    if (!state.me || state.manualAway) return;
    const now = Date.now();
    if (now - this.lastActivity < ACTIVITY_EVERY) return;
    if (this.socket.send({ type: 'activity' })) this.lastActivity = now;
  }

  private onSocketState(s: SocketState): void {
    state.conn = s;
    this.renderConn();
    if (s === 'open') {
      this.lastActivity = 0;
      this.activity();
      if (this.everOpen) {
        // Catch up on what happened while disconnected.
        void refreshHandoffs().catch(() => undefined);
        if (state.selectedId) this.chat.select(state.selectedId);
        if (this.requestsLoaded) void this.requests.reload();
      }
      this.everOpen = true;
    } else if (s === 'reconnecting' && Date.now() - this.lastSessionCheck > 5000) void this.checkSession();
  }

  /** The socket closed: is the session still valid? (A 401 returns to the sign-in.) */
  private async checkSession(): Promise<void> {
    if (this.checkingSession) return;
    this.checkingSession = true;
    this.lastSessionCheck = Date.now();
    try {
      const me = await api.me();
      api.csrf = me.csrfToken;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && session === this) showLogin(t('loginExpired'));
    } finally {
      this.checkingSession = false;
    }
  }

  private onServerEvent(ev: ServerEvent): void {
    switch (ev.type) {
      case 'hello':
        if (state.me && ev.agent.id === state.me.id) {
          // A new socket counts as "online" on the server: keep an away chosen by hand.
          if (state.manualAway && ev.agent.presence !== 'away') {
            api.presence('away').catch(() => undefined);
            state.me = { ...state.me, ...ev.agent, presence: 'away' };
          } else state.me = { ...state.me, ...ev.agent };
          emit('me');
        }
        break;
      case 'queue':
        replaceHandoffs(ev.handoffs);
        break;
      case 'handoff.new': {
        const known = state.handoffs.has(ev.handoff.id);
        putHandoff(ev.handoff);
        emit('queue');
        if (!known) this.alertNew(ev.handoff);
        break;
      }
      case 'handoff.updated': {
        const prev = state.handoffs.get(ev.handoff.id);
        putHandoff(ev.handoff);
        emit('queue');
        const me = state.me?.id;
        if (prev && prev.status === 'active' && prev.agent?.id !== me && isMine(ev.handoff)) {
          toast(t('transferredToYou'), 'info');
          beep();
          notify(t('transferredToYou'), `${ev.handoff.userId ?? ''} · ${code('reason', ev.handoff.reason)}`, `transfer-${ev.handoff.id}`, () => this.focusHandoff(ev.handoff.id));
        }
        break;
      }
      case 'event': {
        const { handoffId, event } = ev;
        const added = putEvent(handoffId, event);
        if (added) emit('event', { handoffId, event });
        if (event.kind === 'message_in') {
          const x = state.handoffs.get(handoffId);
          if (x && event.text) x.preview = event.text;
          if (isMine(x) && (handoffId !== state.selectedId || document.hidden)) {
            if (handoffId !== state.selectedId) state.unread.set(handoffId, (state.unread.get(handoffId) ?? 0) + 1);
            beep(true);
            notify(t('newMessageTitle'), messagePreview(event), `msg-${handoffId}`, () => this.focusHandoff(handoffId));
          }
          emit('queue');
        }
        break;
      }
      case 'typing':
        emit('typing', { handoffId: ev.handoffId, from: ev.from });
        break;
      case 'agents': {
        state.agents = ev.agents;
        const mine = state.me ? ev.agents.find((a) => a.id === state.me!.id) : undefined;
        if (mine && state.me && mine.presence !== state.me.presence && !(state.manualAway && mine.presence === 'online')) {
          state.me = { ...state.me, presence: mine.presence };
          emit('me');
        }
        emit('agents');
        break;
      }
      case 'requests.changed':
        if (this.requestsLoaded) void this.requests.reload();
        break;
      default:
        break;
    }
  }

  private alertNew(x: HandoffSummary): void {
    if (x.status !== 'waiting') return;
    beep();
    const body = `${fmt('newHandoffBody', { channel: code('channel', x.channelId), reason: code('reason', x.reason) })}${x.preview ? `\n${x.preview}` : ''}`;
    notify(t('newHandoffTitle'), body, `handoff-${x.id}`, () => this.focusHandoff(x.id));
    announce(fmt('announceNewHandoff', { reason: code('reason', x.reason) }));
  }

  private focusHandoff(id: string): void {
    this.setView('conversations');
    this.chat.select(id);
    this.queueBox.querySelector<HTMLElement>(`.qi[data-handoff-id="${CSS.escape(id)}"]`)?.focus();
  }

  private async loadAgents(): Promise<void> {
    try {
      state.agents = (await api.agents()).agents;
      emit('agents');
    } catch (err) {
      showError(err);
    }
  }

  /** The package as a drawer (below 1200 px): open / close, focus moves into it and back. */
  private togglePackage(open = !this.ws.classList.contains('pkg-open')): void {
    this.ws.classList.toggle('pkg-open', open);
    const toggle = this.ws.querySelector<HTMLElement>('[data-testid="package-toggle"]');
    toggle?.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) this.ws.querySelector<HTMLElement>('[data-testid="package-close"]')?.focus();
    else toggle?.focus();
  }

  private openRequest(id: string): void {
    this.setView('requests');
    this.requests.open(id);
  }

  private setView(v: View): void {
    state.view = v;
    for (const k of Object.keys(this.tabs) as View[]) {
      const on = k === v;
      this.tabs[k].setAttribute('aria-selected', on ? 'true' : 'false');
      this.tabs[k].tabIndex = on ? 0 : -1;
      this.panels[k].hidden = !on;
    }
    if (v === 'requests' && !this.requestsLoaded) {
      this.requestsLoaded = true;
      void this.requests.reload();
    }
    if (v === 'audit') void this.audit.reload();
    if (v === 'dashboard') void this.dashboard.reload();
    emit('view', v);
  }

  private async togglePresence(): Promise<void> {
    if (!state.me) return;
    const next: Presence = state.me.presence === 'online' ? 'away' : 'online';
    this.presenceBtn.disabled = true;
    try {
      await api.presence(next);
      state.manualAway = next === 'away';
      state.me = { ...state.me, presence: next };
      if (next === 'online') {
        this.lastActivity = 0;
        this.activity();
      }
      emit('me');
      toast(fmt('presenceChanged', { presence: t(`presence_${next}`) }), 'ok', 2500);
    } catch (err) {
      showError(err);
    } finally {
      this.presenceBtn.disabled = false;
    }
  }

  private toggleLang(): void {
    const next: Locale = getLocale() === 'en' ? 'zh-CN' : 'en';
    applyLocale(next);
    storeLocale(next);
    emit('lang');
    this.langBtn.focus();
  }

  private async logout(): Promise<void> {
    this.logoutBtn.disabled = true;
    try {
      await api.logout();
    } catch {
      /* the session may be gone already */
    }
    showLogin(t('loginLoggedOut'));
  }

  private showShortcuts(): void {
    void openDialog({
      title: t('scTitle'),
      testid: 'shortcuts-dialog',
      body: [h('dl', { class: 'shortcuts' }, SHORTCUTS.map(([k, label]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, t(label))]))],
    });
  }

  private shortcut(ev: KeyboardEvent): void {
    if (document.querySelector('dialog[open]')) return;
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      let handled = true;
      switch (ev.code) {
        case 'ArrowDown':
        case 'ArrowUp': {
          this.setView('conversations');
          const order = queueOrder();
          if (order.length === 0) break;
          const i = state.selectedId ? order.indexOf(state.selectedId) : -1;
          const next = ev.code === 'ArrowDown' ? (i + 1) % order.length : i <= 0 ? order.length - 1 : i - 1;
          this.focusHandoff(order[next]!);
          break;
        }
        case 'KeyC':
          this.setView('conversations');
          this.chat.claimSelected();
          break;
        case 'KeyM':
          this.setView('conversations');
          this.chat.focusComposer();
          break;
        case 'KeyN':
          this.setView('conversations');
          this.chat.focusNote();
          break;
        case 'Slash':
          this.setView('conversations');
          this.chat.openCanned();
          break;
        case 'Digit1':
          this.setView('conversations');
          this.tabs.conversations.focus();
          break;
        case 'Digit2':
          this.setView('requests');
          this.tabs.requests.focus();
          break;
        case 'Digit3':
          this.setView('canned');
          this.tabs.canned.focus();
          break;
        default:
          handled = false;
      }
      if (handled) ev.preventDefault();
      return;
    }
    if (ev.key === 'Escape' && this.ws.classList.contains('pkg-open')) {
      this.togglePackage(false);
      return;
    }
    if (ev.key === '?' && !ev.ctrlKey && !ev.metaKey && !isTyping(ev.target)) {
      ev.preventDefault();
      this.showShortcuts();
    }
  }

  // ---- rendering of the top bar

  private relabel(): void {
    this.skip.textContent = t('skipToMain');
    this.brand.textContent = t('brand');
    this.nav.setAttribute('aria-label', t('mainNav'));
    const labels: Record<View, StringKey> = { conversations: 'tabConversations', requests: 'tabRequests', canned: 'tabCanned', dashboard: 'tabDashboard', audit: 'tabAudit' };
    for (const k of Object.keys(labels) as View[]) this.tabs[k].querySelector('.tab-label')!.textContent = t(labels[k]);
    this.queueBox.setAttribute('aria-label', t('queue'));
    this.helpBtn.setAttribute('aria-label', t('shortcuts'));
    this.helpBtn.title = `${t('shortcuts')} (?)`;
    this.logoutBtn.setAttribute('aria-label', t('logout'));
    this.logoutBtn.title = t('logout');
    this.langBtn.textContent = t('langButton');
    this.langBtn.setAttribute('aria-label', t('switchLang'));
    this.langBtn.title = t('switchLang');
    this.langBtn.setAttribute('lang', getLocale() === 'en' ? 'zh-CN' : 'en');
    this.renderConn();
    this.renderNotify();
    this.renderSound();
    this.renderMe();
    this.renderWaiting();
  }

  private renderConn(): void {
    const s = state.conn;
    this.connEl.dataset.state = s;
    const long = s === 'open' ? t('connLive') : s === 'reconnecting' ? t('connReconnecting') : t('connConnecting');
    this.connEl.title = long;
    this.connEl.setAttribute('aria-label', long);
    this.connEl.textContent = s === 'open' ? t('connShortLive') : s === 'reconnecting' ? t('connShortDown') : '…';
  }

  private renderNotify(): void {
    const p = notificationPermission();
    this.notifyBtn.hidden = p === 'unsupported' || p === 'granted';
    const label = p === 'denied' ? t('notifyDenied') : p === 'granted' ? t('notifyOn') : t('notifyEnable');
    this.notifyBtn.setAttribute('aria-label', label);
    this.notifyBtn.title = label;
    this.notifyBtn.dataset.permission = p;
    this.notifyBtn.classList.toggle('attention', p === 'default');
  }

  private renderSound(): void {
    const on = isSoundOn();
    this.soundBtn.replaceChildren(icon(on ? 'sound' : 'mute'));
    this.soundBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
    this.soundBtn.setAttribute('aria-label', on ? t('soundOn') : t('soundOff'));
    this.soundBtn.title = on ? t('soundOn') : t('soundOff');
  }

  private renderMe(): void {
    const me = state.me;
    if (!me) return;
    const p = me.presence === 'online' ? 'online' : 'away';
    this.presenceBtn.dataset.presence = me.presence;
    this.presenceBtn.setAttribute('aria-pressed', p === 'online' ? 'true' : 'false');
    const label = p === 'online' ? t('presenceSetAway') : t('presenceSetOnline');
    this.presenceBtn.setAttribute('aria-label', `${t('presenceLabel')}: ${t(`presence_${me.presence}`)}. ${label}`);
    this.presenceBtn.title = label;
    this.presenceBtn.replaceChildren(h('span', { class: 'pdot', 'aria-hidden': 'true' }), h('span', {}, t(`presence_${me.presence}`)));
    this.tabs.audit.hidden = me.role !== 'supervisor';
    this.tabs.dashboard.hidden = me.role !== 'supervisor';
    this.whoEl.replaceChildren(icon('user'), h('span', { class: 'me-name' }, me.name), h('span', { class: `tag role-${me.role}` }, t(me.role === 'supervisor' ? 'role_supervisor' : 'role_agent')));
  }

  private renderWaiting(): void {
    const n = waitingCount();
    this.waitingBadge.hidden = n === 0;
    this.waitingBadge.textContent = String(n);
    this.waitingBadge.setAttribute('aria-label', fmt('waitingCount', { n }));
    document.title = n > 0 ? `(${n}) ${t('appTitle')}` : t('appTitle');
  }
}

void boot();
