/**
 * The console's HTTP client for `/agent/api/` (contract: ../console-api.ts). Same-origin fetch with the
 * session cookie; every call that changes something carries the CSRF token in `x-csrf-token`. Errors
 * become `ApiError` with the HTTP status, the server's code and message (and Retry-After on 429).
 * A 401 on any call but the login itself calls `onUnauthorized` (the app returns to the login screen).
 */
import type {
  AgentView,
  AuditPage,
  CannedReply,
  DashboardView,
  GapGroupView,
  HandoffDetails,
  HandoffEvent,
  HandoffSummary,
  LoginResponse,
  Presence,
  RequestDetailsView,
  RequestSummary,
} from '../console-api.js';

export const BASE = '/agent/api';

/** `?a=1&b=x` of the values given (none: ''). */
export function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from Retry-After (or the body's `error.retryAfterSeconds`) on 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Body = Record<string, unknown> | FormData | undefined;

export class Api {
  csrf = '';
  /** Called on a 401 from anything but the login. */
  onUnauthorized: () => void = () => undefined;
  /** The UI language, sent as Accept-Language so the server may localise its messages. */
  locale: () => string = () => 'zh-CN';

  async call<T>(method: string, path: string, body?: Body, opts: { login?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'accept-language': this.locale() };
    if (method !== 'GET' && method !== 'HEAD' && this.csrf) headers['x-csrf-token'] = this.csrf;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(BASE + path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
    }
    if (res.status === 204) return undefined as T;
    let data: unknown = null;
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const e = (data as { error?: { code?: unknown; message?: unknown; retryAfterSeconds?: unknown }; retryAfter?: unknown } | null) ?? null;
      const code = typeof e?.error?.code === 'string' ? e.error.code : `HTTP_${res.status}`;
      const message = typeof e?.error?.message === 'string' && e.error.message ? e.error.message : res.statusText || `HTTP ${res.status}`;
      let retry: number | null = null;
      const header = res.headers.get('retry-after');
      if (header && /^\d+$/.test(header.trim())) retry = Number(header.trim());
      else if (header) {
        const at = Date.parse(header);
        if (!Number.isNaN(at)) retry = Math.max(0, Math.round((at - Date.now()) / 1000));
      }
      if (retry === null && typeof e?.error?.retryAfterSeconds === 'number') retry = e.error.retryAfterSeconds;
      if (retry === null && typeof e?.retryAfter === 'number') retry = e.retryAfter;
      const error = new ApiError(res.status, code, message, retry);
      if (res.status === 401 && !opts.login) this.onUnauthorized();
      throw error;
    }
    return data as T;
  }

  private id(id: string | number): string {
    return encodeURIComponent(String(id));
  }

  login(name: string, password: string): Promise<LoginResponse> {
    return this.call('POST', '/login', { name, password }, { login: true });
  }
  logout(): Promise<void> {
    return this.call('POST', '/logout');
  }
  /** The current session; `login: true` so that a 401 here does not count as an expired session. */
  me(): Promise<LoginResponse> {
    return this.call('GET', '/me', undefined, { login: true });
  }
  presence(presence: Presence): Promise<void> {
    return this.call('POST', '/presence', { presence });
  }

  handoffs(): Promise<{ handoffs: HandoffSummary[] }> {
    return this.call('GET', '/handoffs');
  }
  handoff(id: string): Promise<HandoffDetails> {
    return this.call('GET', `/handoffs/${this.id(id)}`);
  }
  claim(id: string): Promise<{ handoff: HandoffSummary }> {
    return this.call('POST', `/handoffs/${this.id(id)}/claim`);
  }
  send(id: string, text: string): Promise<{ event: HandoffEvent }> {
    return this.call('POST', `/handoffs/${this.id(id)}/messages`, { text });
  }
  sendFile(id: string, file: File): Promise<{ event: HandoffEvent }> {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.call('POST', `/handoffs/${this.id(id)}/messages`, form);
  }
  typing(id: string): Promise<void> {
    return this.call('POST', `/handoffs/${this.id(id)}/typing`);
  }
  note(id: string, text: string): Promise<{ event: HandoffEvent }> {
    return this.call('POST', `/handoffs/${this.id(id)}/notes`, { text });
  }
  transfer(id: string, agentId: number): Promise<{ handoff: HandoffSummary }> {
    return this.call('POST', `/handoffs/${this.id(id)}/transfer`, { agentId });
  }
  resolve(id: string): Promise<{ handoff: HandoffSummary }> {
    return this.call('POST', `/handoffs/${this.id(id)}/resolve`);
  }
  handback(id: string): Promise<{ handoff: HandoffSummary }> {
    return this.call('POST', `/handoffs/${this.id(id)}/handback`);
  }
  closeTicket(id: string, note?: string): Promise<{ handoff: HandoffSummary }> {
    return this.call('POST', `/handoffs/${this.id(id)}/close-ticket`, note ? { note } : {});
  }

  agents(): Promise<{ agents: AgentView[] }> {
    return this.call('GET', '/agents');
  }

  canned(): Promise<{ replies: CannedReply[] }> {
    return this.call('GET', '/canned');
  }
  addCanned(title: string, text: string): Promise<unknown> {
    return this.call('POST', '/canned', { title, text });
  }
  updateCanned(id: number, title: string, text: string): Promise<unknown> {
    return this.call('PUT', `/canned/${this.id(id)}`, { title, text });
  }
  deleteCanned(id: number): Promise<unknown> {
    return this.call('DELETE', `/canned/${this.id(id)}`);
  }

  requests(status?: string): Promise<{ requests: RequestSummary[] }> {
    return this.call('GET', status ? `/requests?status=${encodeURIComponent(status)}` : '/requests');
  }
  request(id: string): Promise<RequestDetailsView> {
    return this.call('GET', `/requests/${this.id(id)}`);
  }
  review(id: string, status: string, reason?: string): Promise<RequestDetailsView> {
    return this.call('POST', `/requests/${this.id(id)}/review`, reason ? { status, reason } : { status });
  }
  unbind(channelId: string, userId: string, merchantId: string): Promise<{ removed: number }> {
    return this.call('POST', '/identities/unbind', { channelId, userId, merchantId });
  }

  /** The dashboard for a range of days and a channel (empty values: the defaults); supervisors only. */
  dashboard(query: Record<string, string | undefined>): Promise<DashboardView> {
    return this.call('GET', `/dashboard${queryString(query)}`);
  }
  /** Unanswered and 👎 questions of a range of days, grouped by similarity (open, and handled apart); supervisors only. */
  gaps(query: Record<string, string | undefined>): Promise<{ groups: GapGroupView[]; handled: GapGroupView[] }> {
    return this.call('GET', `/knowledge/gaps${queryString(query)}`);
  }
  /** The audit log, filtered (empty values left out); supervisors only. */
  audit(query: Record<string, string | number | undefined>): Promise<AuditPage> {
    return this.call('GET', `/audit${queryString(query)}`);
  }
}
