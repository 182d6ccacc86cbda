/**
 * The Direct Line 3.0 client: token from the page's token route, conversation start, the WebSocket
 * stream with reconnection from the last watermark (polling when WebSockets keep failing), token refresh
 * at half-life, and the session kept in localStorage so a reload continues the same conversation.
 */
import type { Activity, ActivitySet } from './types';

export interface Session {
  conversationId: string;
  token: string;
  userId: string;
  watermark: string | null;
  expiresAt: number;
}

export type Status = 'connecting' | 'connected' | 'reconnecting';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientHooks {
  /** Activities in order; the same activity may come twice (the UI dedupes by id). */
  activities(list: Activity[], history: boolean): void;
  status(status: Status): void;
  /** A new conversation started; `replaced` when it replaces an expired one. */
  started(replaced: boolean): void;
  /** A user-facing message about a failure to connect (from the server when it gave one). */
  problem(message: string | null): void;
  locale(): string;
}

interface TokenAnswer {
  token: string;
  conversationId: string;
  userId?: string;
  expires_in?: number;
  streamUrl?: string;
}

const MAX_BACKOFF = 30_000;
const PING_MS = 30_000;
const POLL_MS = 2_000;
const WS_FAILURES_BEFORE_POLLING = 3;

const enc = encodeURIComponent;
const now = () => Date.now();
/** The token no longer works or the conversation is gone: only a new conversation helps. */
const isGone = (e: unknown) => e instanceof HttpError && (e.status === 401 || e.status === 403 || e.status === 404);

export class DirectLineClient {
  session: Session | null = null;
  private ready = false;
  private waiters: Array<(s: Session) => void> = [];
  private ws: WebSocket | null = null;
  private wsFailures = 0;
  private attempt = 0;
  private retryTimer = 0;
  private retryFn: (() => void) | null = null;
  private refreshTimer = 0;
  private pingTimer = 0;
  private pollTimer = 0;
  private polling = false;
  private started = false;
  private recovering = false;

  constructor(
    private readonly origin: string,
    private readonly tokenUrl: string,
    private readonly key: string,
    private readonly hooks: ClientHooks,
  ) {}

  /** Connects (once): restores a stored conversation or starts a new one. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.hooks.status('connecting');
    void this.boot(false);
    addEventListener('online', () => this.wake());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.wake();
    });
  }

  /** Resolves with the session once a conversation is connected. */
  whenReady(): Promise<Session> {
    const s = this.session;
    if (this.ready && s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async send(activity: Activity): Promise<string> {
    const s = await this.whenReady();
    return this.guard(
      this.req<{ id: string }>('POST', `/conversations/${enc(s.conversationId)}/activities`, { ...activity, from: { id: s.userId } }),
    );
  }

  async upload(activity: Activity, files: File[]): Promise<string> {
    const s = await this.whenReady();
    const form = new FormData();
    const json = JSON.stringify({ ...activity, from: { id: s.userId } });
    form.append('activity', new Blob([json], { type: 'application/vnd.microsoft.activity' }));
    for (const f of files) form.append('file', f, f.name);
    return this.guard(this.req<{ id: string }>('POST', `/conversations/${enc(s.conversationId)}/upload?userId=${enc(s.userId)}`, form));
  }

  /** Same-origin attachment URLs need the bearer token; other URLs are never given it. */
  isOwnUrl(url: string): boolean {
    try {
      return new URL(url, this.origin).origin === this.origin;
    } catch {
      return false;
    }
  }

  async fetchFile(url: string): Promise<Blob> {
    const s = await this.whenReady();
    const res = await fetch(new URL(url, this.origin).href, { headers: { Authorization: `Bearer ${s.token}` }, credentials: 'omit' });
    if (!res.ok) throw new HttpError(res.status, `HTTP_${res.status}`, '');
    return res.blob();
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────────────

  private async req<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { 'Accept-Language': this.hooks.locale() };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (auth && this.session) headers.Authorization = `Bearer ${this.session.token}`;
    const url = /^https?:\/\//i.test(path) ? path : `${this.origin}${auth ? '/v3/directline' : ''}${path}`;
    const res = await fetch(url, { method, headers, body: payload, credentials: 'omit', cache: 'no-store' });
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      throw new HttpError(res.status, String(err?.code ?? `HTTP_${res.status}`), typeof err?.message === 'string' ? err.message : '');
    }
    return data as T;
  }

  /** A send rejected for the token: recover in the background (the caller still gets the error). */
  private async guard<T extends { id: string }>(p: Promise<T>): Promise<string> {
    try {
      return (await p).id;
    } catch (e) {
      if (isGone(e)) this.recover();
      throw e;
    }
  }

  // ── Connection life cycle ──────────────────────────────────────────────────────────────────────────

  private async boot(replaced: boolean): Promise<void> {
    try {
      const saved = this.load();
      if (saved && saved.expiresAt > now() + 5_000) {
        this.session = saved;
        try {
          await this.refresh();
          await this.restore();
          return;
        } catch (e) {
          if (!isGone(e)) throw e;
        }
      }
      await this.create(replaced || !!saved);
    } catch (e) {
      this.hooks.status('reconnecting');
      this.hooks.problem(e instanceof HttpError && e.message ? e.message : null);
      this.later(() => void this.boot(replaced));
    }
  }

  private async create(replaced: boolean): Promise<void> {
    this.forget();
    const t = await this.req<TokenAnswer>('POST', this.tokenUrl, {}, false);
    this.session = { conversationId: t.conversationId, token: t.token, userId: t.userId ?? '', watermark: null, expiresAt: now() + (t.expires_in ?? 1800) * 1000 };
    const c = await this.req<TokenAnswer>('POST', '/conversations', { locale: this.hooks.locale() });
    this.apply(c);
    this.hooks.started(replaced);
    this.setReady();
    this.open(c.streamUrl);
  }

  /** After a reload: the whole history once, then the stream from its watermark. */
  private async restore(): Promise<void> {
    const s = this.session!;
    const set = await this.req<ActivitySet>('GET', `/conversations/${enc(s.conversationId)}/activities`);
    this.deliver(set, true);
    this.setReady();
    await this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const wm = s.watermark ? `?watermark=${enc(s.watermark)}` : '';
    const c = await this.req<TokenAnswer>('GET', `/conversations/${enc(s.conversationId)}${wm}`);
    this.apply(c);
    this.open(c.streamUrl);
  }

  private reconnectLater(): void {
    this.hooks.status('reconnecting');
    this.later(() => {
      this.reconnect().catch((e: unknown) => (isGone(e) ? this.recover() : this.reconnectLater()));
    });
  }

  /** The token or conversation is no longer valid: start a new conversation and say so. */
  private recover(): void {
    if (this.recovering) return;
    this.recovering = true;
    this.hooks.status('connecting');
    this.forget();
    void this.boot(true).finally(() => {
      this.recovering = false;
    });
  }

  /** Drops the session (storage, stream, timers) before a new conversation. */
  private forget(): void {
    this.ready = false;
    this.session = null;
    this.close();
    clearTimeout(this.refreshTimer);
    try {
      localStorage.removeItem(this.key);
    } catch {
      /* storage unavailable */
    }
  }

  private setReady(): void {
    this.ready = true;
    const s = this.session!;
    for (const w of this.waiters.splice(0)) w(s);
  }

  private later(fn: () => void): void {
    clearTimeout(this.retryTimer);
    const delay = Math.min(MAX_BACKOFF, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    this.retryFn = fn;
    this.retryTimer = window.setTimeout(() => {
      this.retryFn = null;
      fn();
    }, delay);
  }

  /** Back online or visible again: retry now instead of waiting, and refresh a token that is due. */
  private wake(): void {
    const s = this.session;
    if (s && this.ready) {
      if (s.expiresAt <= now()) {
        this.recover();
        return;
      }
      this.scheduleRefresh();
    }
    const fn = this.retryFn;
    if (fn) {
      clearTimeout(this.retryTimer);
      this.retryFn = null;
      this.attempt = 0;
      fn();
    }
  }

  // ── Tokens ─────────────────────────────────────────────────────────────────────────────────────────

  private async refresh(): Promise<void> {
    this.apply(await this.req<TokenAnswer>('POST', '/tokens/refresh'));
  }

  /** Takes a new token (and its lifetime) from an answer, stores the session, plans the next refresh. */
  private apply(answer: Partial<TokenAnswer>): void {
    const s = this.session;
    if (!s) return;
    if (answer.token) s.token = answer.token;
    if (answer.expires_in) s.expiresAt = now() + answer.expires_in * 1000;
    this.save();
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    const s = this.session;
    if (!s) return;
    clearTimeout(this.refreshTimer);
    // Half of the remaining lifetime: at half of expires_in right after a token was issued.
    const due = Math.max(5_000, (s.expiresAt - now()) / 2);
    this.refreshTimer = window.setTimeout(() => {
      this.refresh().catch((e: unknown) => {
        if (isGone(e)) this.recover();
        else if (this.session && this.session.expiresAt > now() + 10_000) {
          clearTimeout(this.refreshTimer);
          this.refreshTimer = window.setTimeout(() => this.scheduleRefresh(), 15_000);
        }
      });
    }, due);
  }

  // ── Stream and polling ─────────────────────────────────────────────────────────────────────────────

  private open(streamUrl: string | undefined): void {
    this.close();
    if (!streamUrl || typeof WebSocket === 'undefined' || this.wsFailures >= WS_FAILURES_BEFORE_POLLING) {
      this.poll();
      return;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(streamUrl);
    } catch {
      this.wsFailures += 1;
      this.reconnectLater();
      return;
    }
    this.ws = ws;
    let openedAt = 0;
    ws.onopen = () => {
      openedAt = now();
      this.attempt = 0;
      this.hooks.status('connected');
      this.hooks.problem(null);
      this.pingTimer = window.setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(''), PING_MS);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string' || !ev.data.trim()) return;
      try {
        this.deliver(JSON.parse(ev.data) as ActivitySet, false);
      } catch {
        /* not JSON: ignore the frame */
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      // A socket that never opened, or dropped at once, counts against WebSockets.
      if (!openedAt || now() - openedAt < 5_000) this.wsFailures += 1;
      else this.wsFailures = 0;
      if (ev.code === 4401 || ev.code === 4403) {
        this.recover();
        return;
      }
      this.reconnectLater();
    };
  }

  private close(): void {
    const ws = this.ws;
    this.ws = null;
    clearInterval(this.pingTimer);
    clearTimeout(this.pollTimer);
    clearTimeout(this.retryTimer);
    this.retryFn = null;
    this.polling = false;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
  }

  private poll(): void {
    this.polling = true;
    let failures = 0;
    const tick = async () => {
      const s = this.session;
      if (!this.polling || !s) return;
      const wm = s.watermark ? `?watermark=${enc(s.watermark)}` : '';
      try {
        this.deliver(await this.req<ActivitySet>('GET', `/conversations/${enc(s.conversationId)}/activities${wm}`), false);
        failures = 0;
        this.hooks.status('connected');
      } catch (e) {
        if (isGone(e)) {
          this.recover();
          return;
        }
        failures += 1;
        this.hooks.status('reconnecting');
      }
      if (this.polling && this.session === s) {
        this.pollTimer = window.setTimeout(tick, Math.min(MAX_BACKOFF, POLL_MS * 2 ** Math.min(failures, 4)));
      }
    };
    void tick();
  }

  /** Hands activities to the UI, then advances the watermark (never backwards) and stores it. */
  private deliver(set: ActivitySet | null, history: boolean): void {
    if (!set || typeof set !== 'object') return;
    const list = Array.isArray(set.activities) ? set.activities.filter((a) => a && typeof a === 'object') : [];
    if (list.length || history) this.hooks.activities(list, history);
    const s = this.session;
    const wm = set.watermark;
    if (s && wm !== undefined && wm !== null && wm !== '') {
      const next = String(wm);
      if (s.watermark === null || !(Number(next) < Number(s.watermark))) {
        s.watermark = next;
        this.save();
      }
    }
  }

  // ── Storage ────────────────────────────────────────────────────────────────────────────────────────

  private load(): Session | null {
    try {
      const raw = localStorage.getItem(this.key);
      const s = raw ? (JSON.parse(raw) as Partial<Session>) : null;
      if (s && typeof s.conversationId === 'string' && typeof s.token === 'string' && typeof s.expiresAt === 'number') {
        return {
          conversationId: s.conversationId,
          token: s.token,
          userId: typeof s.userId === 'string' ? s.userId : '',
          watermark: typeof s.watermark === 'string' ? s.watermark : null,
          expiresAt: s.expiresAt,
        };
      }
    } catch {
      /* unreadable: start afresh */
    }
    return null;
  }

  private save(): void {
    try {
      if (this.session) localStorage.setItem(this.key, JSON.stringify(this.session));
    } catch {
      /* storage full or disabled: the conversation just won't survive a reload */
    }
  }
}
