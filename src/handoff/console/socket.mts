/**
 * The console's WebSocket (`/agent/api/socket`, same origin; ws: or wss: after the page's protocol).
 * Reconnects with exponential backoff and jitter (1 s … 30 s); the backoff resets once a connection has
 * lasted a few seconds. Messages are `ServerEvent` JSON; anything else is ignored.
 */
import type { ServerEvent } from '../console-api.js';

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

const MAX_DELAY = 30_000;
/** The server's close code for a socket whose session ended (console-hub.ts). */
const SESSION_ENDED = 4401;

export class ConsoleSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer = 0;
  private openedAt = 0;
  private stopped = true;

  constructor(
    private readonly onEvent: (event: ServerEvent) => void,
    private readonly onState: (state: SocketState, attempt: number) => void,
    /** The server closed the socket because the session ended (logout elsewhere, expiry, account disabled). */
    private readonly onSessionEnded: () => void = () => undefined,
  ) {}

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.onerror = null;
      try {
        ws.close(1000, 'logout');
      } catch {
        /* already closed */
      }
    }
    this.onState('closed', 0);
  }

  send(data: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(data));
      return true;
    } catch {
      return false;
    }
  }

  /** Reconnect now (e.g. the network came back) instead of waiting for the backoff. */
  kick(): void {
    if (this.stopped || this.isOpen || this.ws?.readyState === WebSocket.CONNECTING) return;
    window.clearTimeout(this.timer);
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.onState(this.attempt === 0 ? 'connecting' : 'reconnecting', this.attempt);
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${proto}//${location.host}/agent/api/socket`);
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.openedAt = Date.now();
      this.onState('open', this.attempt);
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let data: unknown;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string') this.onEvent(data as ServerEvent);
    };
    ws.onerror = () => undefined; // onclose follows
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      // 4401: the session is over; reconnecting would only be refused again.
      if (event.code === SESSION_ENDED) {
        this.stop();
        this.onSessionEnded();
        return;
      }
      if (this.openedAt && Date.now() - this.openedAt > 5000) this.attempt = 0;
      this.openedAt = 0;
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.attempt += 1;
    const base = Math.min(MAX_DELAY, 1000 * 2 ** Math.min(this.attempt - 1, 5));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.onState('reconnecting', this.attempt);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.connect(), delay);
  }
}
