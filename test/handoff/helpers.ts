/**
 * Helpers for the handoff tests: a REAL server (test/webchat/helpers.ts: real SQLite, real HTTP on
 * 127.0.0.1), merchants talking through Direct Line, agents created in the server's database, logged in
 * over HTTP (cookie + CSRF header), and their console socket over a real `ws` connection.
 */
import type { Activity } from 'botbuilder';
import WebSocket from 'ws';
import { AgentStore } from '../../src/handoff/agents/agent-store.js';
import type { HandoffDetails, ServerEvent } from '../../src/handoff/console-api.js';
import {
  clientActivityId,
  getActivities,
  makePng,
  openConversation,
  postActivity,
  sleep,
  startTestServer,
  upload,
  uploadForm,
  waitFor,
  type Conversation,
  type TestServer,
} from '../webchat/helpers.js';

export const PASSWORD = 'correct horse battery';

/** A real server with handoff settings for tests (open around the clock unless `env` says otherwise). */
export async function startHandoffServer(env: Record<string, string> = {}, options: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  return startTestServer(
    {
      HANDOFF_BUSINESS_HOURS: 'always',
      WEBCHAT_TOKENS_PER_MINUTE: '1000',
      WEBCHAT_MESSAGES_PER_MINUTE: '1000',
      ...env,
    },
    options,
  );
}

export function dbOf(ts: TestServer) {
  return ts.server.runtime()!.store.db;
}

export function serviceOf(ts: TestServer) {
  return ts.server.runtime()!.handoff;
}

// ── Agents ───────────────────────────────────────────────────────────────────────────────────────────

export interface AgentClient {
  id: number;
  name: string;
  /** What merchants see (helpers give every agent one: 客服<name>). */
  displayName: string;
  cookie: string;
  csrf: string;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function addAgent(ts: TestServer, name: string, role: 'agent' | 'supervisor' = 'agent') {
  return new AgentStore(dbOf(ts), { loginMaxFailures: 5, lockoutMinutes: 15 }).add({ name, role, password: PASSWORD, displayName: `客服${name}` });
}

export async function login(ts: TestServer, name: string): Promise<AgentClient> {
  const res = await fetch(`${ts.url}/agent/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
  });
  const body = (await res.json()) as { agent: { id: number; name: string; displayName: string }; csrfToken: string };
  if (res.status !== 200) throw new Error(`login of ${name} answered ${res.status}: ${JSON.stringify(body)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { id: body.agent.id, name: body.agent.name, displayName: body.agent.displayName, cookie, csrf: body.csrfToken };
}

/** Adds an agent and logs them in (which makes them online). */
export async function agent(ts: TestServer, name: string, role: 'agent' | 'supervisor' = 'agent'): Promise<AgentClient> {
  await addAgent(ts, name, role);
  return login(ts, name);
}

/**
 * One console API call. `as` is the agent (cookie and, for changes, the CSRF header unless `csrf: false`);
 * without it the call has no session at all.
 */
export async function api<T = any>(
  ts: TestServer,
  as: AgentClient | undefined,
  method: string,
  path: string,
  options: { body?: unknown; form?: FormData; csrf?: boolean } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (as) headers.cookie = as.cookie;
  if (as && options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = as.csrf;
  let body: FormData | string | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(`${ts.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function details(ts: TestServer, as: AgentClient, id: string): Promise<HandoffDetails> {
  const res = await api<HandoffDetails>(ts, as, 'GET', `/agent/api/handoffs/${id}`);
  if (res.status !== 200) throw new Error(`GET handoff ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The agent's console socket: every ServerEvent received, kept in order. */
export class ConsoleSocket {
  readonly events: ServerEvent[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.events.push(JSON.parse(String(data)) as ServerEvent));
    ws.on('error', () => undefined);
  }

  static async open(ts: TestServer, as: AgentClient): Promise<ConsoleSocket> {
    const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/agent/api/socket`, { headers: { cookie: as.cookie, origin: ts.url } });
    const socket = new ConsoleSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`socket refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    await socket.waitFor((e) => e.type === 'queue', 'the queue on the socket');
    return socket;
  }

  waitFor<T extends ServerEvent>(predicate: (e: ServerEvent) => boolean, what: string, timeoutMs = 5_000): Promise<T> {
    return waitFor(() => this.events.find(predicate) as T | undefined, what, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await Promise.race([closed, sleep(2_000)]);
  }
}

// ── Merchants ────────────────────────────────────────────────────────────────────────────────────────

export function botTexts(activities: Activity[]): string[] {
  return activities.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => a.text ?? '');
}

/** A merchant in the web chat: a Direct Line conversation and its activities. */
export class Merchant {
  private constructor(
    readonly ts: TestServer,
    readonly conv: Conversation,
  ) {}

  static async open(ts: TestServer): Promise<Merchant> {
    const conv = await openConversation(ts);
    const merchant = new Merchant(ts, conv);
    await merchant.waitForText('POS Assist', 0);
    return merchant;
  }

  /** The same merchant (token, conversation) on another server run: after a restart. */
  static resume(ts: TestServer, conv: Conversation): Merchant {
    return new Merchant(ts, conv);
  }

  get conversationId(): string {
    return this.conv.conversationId;
  }

  async activities(): Promise<Activity[]> {
    return (await getActivities(this.ts, this.conv)).activities;
  }

  /** How many activities there are now: a mark to look for new ones after. */
  async mark(): Promise<number> {
    return (await this.activities()).length;
  }

  /** Bot (and agent) messages after `mark`. */
  async botMessagesSince(mark: number): Promise<Activity[]> {
    return (await this.activities()).slice(mark).filter((a) => a.type === 'message' && a.from?.role === 'bot');
  }

  async send(text: string): Promise<string> {
    const res = await postActivity(this.ts, this.conv, { type: 'message', from: { id: this.conv.userId }, text, channelData: { clientActivityID: clientActivityId() } });
    if (res.status !== 200) throw new Error(`post answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /**
   * Says `text` and waits until the bot's replies to it include one containing `last` (the turn's last
   * message); returns the texts of every reply to it.
   */
  async turn(text: string, last: string | RegExp, timeoutMs = 10_000): Promise<string[]> {
    const id = await this.send(text);
    return this.repliesTo(id, last, timeoutMs);
  }

  async repliesTo(id: string, last: string | RegExp, timeoutMs = 10_000): Promise<string[]> {
    const matches = (s: string) => (typeof last === 'string' ? s.includes(last) : last.test(s));
    return waitFor(
      async () => {
        const replies = (await this.activities()).filter((a) => a.type === 'message' && a.from?.role === 'bot' && a.replyToId === id).map((a) => a.text ?? '');
        return replies.some(matches) ? replies : undefined;
      },
      `a reply to "${id}" containing ${String(last)}`,
      timeoutMs,
    );
  }

  /** Waits for a bot (or agent) message after `mark` containing `needle`; returns that activity. */
  async waitForText(needle: string | RegExp, mark: number, timeoutMs = 10_000): Promise<Activity> {
    const matches = (s: string) => (typeof needle === 'string' ? s.includes(needle) : needle.test(s));
    return waitFor(async () => (await this.botMessagesSince(mark)).find((a) => matches(a.text ?? '')), `a message containing ${String(needle)}`, timeoutMs);
  }

  /** Sends a message with a PNG through /upload (as Web Chat does); returns the activity id. */
  async sendImage(text: string, png = makePng([0, 128, 255])): Promise<string> {
    const form = uploadForm({ type: 'message', from: { id: this.conv.userId }, text, channelData: { clientActivityID: clientActivityId() } }, [
      { bytes: png, name: 'slip.png', type: 'image/png' },
    ]);
    const res = await upload(this.ts, this.conv, form);
    if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
}

// ── Handoff rows ─────────────────────────────────────────────────────────────────────────────────────

export async function handoffRows(ts: TestServer, conversationId: string) {
  return dbOf(ts).selectFrom('handoffs').selectAll().where('conversation_id', '=', conversationId).orderBy('created_at').execute();
}

export async function onlyHandoff(ts: TestServer, conversationId: string) {
  const rows = await handoffRows(ts, conversationId);
  if (rows.length !== 1) throw new Error(`expected one handoff for ${conversationId}, found ${rows.length}`);
  return rows[0]!;
}

/** Moves a handoff's creation back in time (for the claim timeout). */
export async function ageHandoff(ts: TestServer, id: string, seconds: number): Promise<void> {
  const at = new Date(Date.now() - seconds * 1000).toISOString();
  await dbOf(ts).updateTable('handoffs').set({ created_at: at }).where('id', '=', id).execute();
}

/** "YYYY年M月D日" of the day `days` before today in Asia/Shanghai. */
export function shanghaiDate(daysAgo: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' })
      .formatToParts(new Date(Date.now() - daysAgo * 86_400_000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}年${parts.month}月${parts.day}日`;
}

/** The cancel flow answered one value at a time, up to its question for the voucher number. */
export async function cancelToVoucher(m: Merchant): Promise<void> {
  await m.turn('申请撤销/退货', '商户编号');
  await m.turn('810100000000001', '终端编号');
  await m.turn('10203040', '哪天');
  await m.turn('昨天', '交易金额');
  await m.turn('1280元', '凭证号');
}

/** …and on to its question for the slip photo. */
export async function cancelToSlip(m: Merchant): Promise<void> {
  await cancelToVoucher(m);
  await m.turn('000123', '后4位');
  await m.turn('4321', '原因');
  await m.turn('顾客退货', '签购单');
}

/**
 * The merchant files a cancellation request through the flow, one answer at a time (as in the scripted
 * happy path); returns the ticket number. `voucher` keeps two requests of one merchant apart.
 */
export async function fileCancelRequest(m: Merchant, merchantId: string, voucher = '000123'): Promise<string> {
  const start = await m.turn('申请撤销/退货', /商户编号|终端编号/);
  if (start.some((s) => s.includes('商户编号'))) await m.turn(merchantId, '终端编号');
  await m.turn('10203040', '哪天');
  await m.turn('昨天', '交易金额');
  await m.turn('1280元', '凭证号');
  await m.turn(voucher, '后4位');
  await m.turn('4321', '原因');
  await m.turn('顾客退货', '签购单');
  await m.repliesTo(await m.sendImage(''), '手机号');
  await m.turn('13800138000', '请核对');
  const done = await m.turn('确认', '工单号 CX-');
  const ticket = /CX-\d{8}-\d{4,}/.exec(done.join('\n'))?.[0];
  if (!ticket) throw new Error(`no ticket in ${JSON.stringify(done)}`);
  return ticket;
}
