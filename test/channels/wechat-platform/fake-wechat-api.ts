/**
 * A fake of WeChat's Official Account API and WeCom's API on 127.0.0.1 (one server serves both: the
 * paths differ), speaking their wire format: `?access_token=` on every call, `{errcode, errmsg}` errors.
 *
 * - tokens: `GET /cgi-bin/token` (appid + secret) and `GET /cgi-bin/gettoken` (corpid + corpsecret);
 *   `expireTokens()` makes every token issued so far answer 42001, like WeChat when one expired;
 * - media: `GET /cgi-bin/media/get` serves what `addMedia` registered; `POST /cgi-bin/media/upload`
 *   takes multipart and answers a media_id; `GET /pic/<id>` serves PicUrls;
 * - Official Account: `/cgi-bin/message/custom/send` and `/custom/typing` are recorded (`delayMs` slows
 *   them, `failNext` fails the next call of a path);
 * - WeCom kf: `pushKf` queues a message for `/cgi-bin/kf/sync_msg` (cursor = position, `limit` pages,
 *   `has_more`); `/cgi-bin/kf/send_msg` refuses (95018) unless the session is new or with the bot, and
 *   (95001) past 5 messages since the customer's last message, like WeCom (welcome messages not counted); `/cgi-bin/kf/service_state/get` and `/trans` keep each session's state with WeCom's allowed
 *   moves (95016 otherwise); a customer message into an ended session opens a new one (state 0).
 *
 * Every call is recorded (`calls`), and `waitFor` resolves when a recorded call matches: no sleeps.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  path: string;
  query: Record<string, string>;
  /** The JSON body (POST), or `{ multipart: { filename, bytes } }` for an upload. */
  body: any;
  at: number;
}

export const APP_ID = 'wx0123456789abcdef';
export const APP_SECRET = '0123456789abcdef0123456789abcdef';
export const CORP_ID = 'ww0123456789abcdef';
export const KF_SECRET = 'kfsecret_0123456789abcdefghijklmnopqrstuv';
export const OPEN_KFID = 'wkTESTACCOUNT000001';

/** WeCom's errcodes the fake uses: a send in a state that does not allow it, a state move it does not allow. */
export const KF_SEND_REFUSED = 95018;
/** WeCom's errcode for a send_msg past the 5 messages a customer's message allows. */
export const KF_SEND_LIMIT = 95001;
export const KF_SEND_ALLOWANCE = 5;
export const KF_TRANS_REFUSED = 95016;

const ALLOWED: Record<number, number[]> = { 0: [1, 2, 3, 4], 1: [1, 2, 3, 4], 2: [2, 3, 4], 3: [3, 4], 4: [] };

export class FakeWechatApi {
  readonly calls: RecordedCall[] = [];
  readonly events = new EventEmitter();
  /** Milliseconds every custom-service send waits (a slow WeChat). */
  delayMs = 0;
  private server!: Server;
  private valid = new Set<string>();
  private issued = 0;
  private readonly media = new Map<string, { bytes: Buffer; type: string }>();
  private readonly failures = new Map<string, { errcode: number; errmsg: string }[]>();
  /** kf messages in sync order. */
  readonly kfMessages: Record<string, unknown>[] = [];
  /** Each kf session's state and its history, by `<open_kfid>:<external_userid>`. */
  readonly states = new Map<string, number>();
  readonly stateHistory: { session: string; from: number; to: number; servicer?: string }[] = [];
  /** send_msg calls each session took since the customer's last message. */
  readonly sentSince = new Map<string, number>();
  /** Page size of sync_msg (tests make it small to see has_more paging). */
  syncPageSize = 1000;
  private uploads = 0;
  origin = '';

  static async start(): Promise<FakeWechatApi> {
    const fake = new FakeWechatApi();
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.origin = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Registers a media file for `media/get` (and as a PicUrl at `/pic/<id>`); returns its URL. */
  addMedia(mediaId: string, bytes: Buffer, type = 'image/jpeg'): string {
    this.media.set(mediaId, { bytes, type });
    return `${this.origin}/pic/${encodeURIComponent(mediaId)}`;
  }

  failNext(path: string, errcode: number, errmsg = 'failed on purpose'): void {
    const list = this.failures.get(path) ?? [];
    list.push({ errcode, errmsg });
    this.failures.set(path, list);
  }

  /** Every token issued so far answers 42001 (expired) from now on. */
  expireTokens(): void {
    this.valid.clear();
  }

  /** Queues a kf message or event for sync_msg (a customer message into an ended session opens a new one). */
  pushKf(message: Record<string, unknown>): void {
    this.kfMessages.push(message);
    if (message.origin === 3) {
      const session = `${String(message.open_kfid)}:${String(message.external_userid)}`;
      if ((this.states.get(session) ?? 4) === 4) this.states.set(session, 0);
      this.sentSince.set(session, 0);
    }
  }

  state(externalUserId: string, openKfId = OPEN_KFID): number {
    return this.states.get(`${openKfId}:${externalUserId}`) ?? 4;
  }

  callsTo(path: string): RecordedCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  /** Resolves with the first recorded call (from `from` on) that matches. */
  waitFor(match: (call: RecordedCall) => boolean, timeoutMs = 10_000, from = 0): Promise<RecordedCall> {
    const found = this.calls.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('call', listener);
        reject(new Error(`no matching call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.path).join(', ')}`));
      }, timeoutMs);
      const listener = (call: RecordedCall) => {
        if (!match(call)) return;
        clearTimeout(timer);
        this.events.off('call', listener);
        resolve(call);
      };
      this.events.on('call', listener);
    });
  }

  private issue(): { access_token: string; expires_in: number } {
    const token = `token-${++this.issued}`;
    this.valid.add(token);
    return { access_token: token, expires_in: 7200 };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const query = Object.fromEntries(url.searchParams);
    const raw = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
    const type = req.headers['content-type'] ?? '';
    let body: any;
    if (type.startsWith('multipart/form-data')) {
      const filename = /filename="([^"]*)"/.exec(raw.toString('latin1'))?.[1] ?? '';
      body = { multipart: { filename, bytes: raw.length } };
    } else if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
    }
    const path = url.pathname;
    const call: RecordedCall = { path, query, body, at: Date.now() };
    const json = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(value));
    };
    const record = () => {
      this.calls.push(call);
      this.events.emit('call', call);
    };

    if (path.startsWith('/pic/')) {
      record();
      const media = this.media.get(decodeURIComponent(path.slice(5)));
      if (!media) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': media.type, 'content-length': String(media.bytes.length) });
      return void res.end(media.bytes);
    }
    if (path === '/cgi-bin/token') {
      record();
      if (query.appid !== APP_ID || query.secret !== APP_SECRET) return json({ errcode: 40125, errmsg: 'invalid appsecret' });
      return json(this.issue());
    }
    if (path === '/cgi-bin/gettoken') {
      record();
      if (query.corpid !== CORP_ID || query.corpsecret !== KF_SECRET) return json({ errcode: 40001, errmsg: 'invalid credential' });
      return json({ errcode: 0, errmsg: 'ok', ...this.issue() });
    }
    if (!this.valid.has(query.access_token ?? '')) {
      record();
      return json({ errcode: query.access_token ? 42001 : 41001, errmsg: query.access_token ? 'access_token expired' : 'access_token missing' });
    }
    const failure = this.failures.get(path)?.shift();
    if (failure) {
      record();
      return json(failure);
    }
    switch (path) {
      case '/cgi-bin/media/get': {
        record();
        const media = this.media.get(query.media_id ?? '');
        if (!media) return json({ errcode: 40007, errmsg: 'invalid media_id' });
        res.writeHead(200, { 'content-type': media.type, 'content-disposition': `attachment; filename="${query.media_id}.jpg"`, 'content-length': String(media.bytes.length) });
        return void res.end(media.bytes);
      }
      case '/cgi-bin/media/upload':
        record();
        return json({ errcode: 0, errmsg: 'ok', type: query.type, media_id: `up-${++this.uploads}`, created_at: String(Math.floor(Date.now() / 1000)) });
      case '/cgi-bin/message/custom/send':
      case '/cgi-bin/message/custom/typing':
        if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
        record();
        return json({ errcode: 0, errmsg: 'ok' });
      case '/cgi-bin/kf/sync_msg': {
        record();
        const start = body?.cursor ? Number(body.cursor) : 0;
        const matching = this.kfMessages.map((m, i) => ({ m, i })).filter(({ m, i }) => i >= start && (!body?.open_kfid || m.open_kfid === body.open_kfid));
        const page = matching.slice(0, Math.min(this.syncPageSize, body?.limit ?? 1000));
        const next = page.length ? page[page.length - 1]!.i + 1 : start;
        return json({ errcode: 0, errmsg: 'ok', next_cursor: String(next), has_more: matching.length > page.length ? 1 : 0, msg_list: page.map(({ m }) => m) });
      }
      case '/cgi-bin/kf/send_msg': {
        record();
        const session = `${body?.open_kfid}:${body?.touser}`;
        const state = this.states.get(session) ?? 4;
        if (state !== 0 && state !== 1) return json({ errcode: KF_SEND_REFUSED, errmsg: `invalid service state ${state}` });
        const sent = this.sentSince.get(session) ?? 0;
        if (sent >= KF_SEND_ALLOWANCE) return json({ errcode: KF_SEND_LIMIT, errmsg: 'send msg count limit' });
        this.sentSince.set(session, sent + 1);
        return json({ errcode: 0, errmsg: 'ok', msgid: `sent-${this.calls.length}` });
      }
      case '/cgi-bin/kf/send_msg_on_event':
        record();
        return json({ errcode: 0, errmsg: 'ok', msgid: `welcome-${this.calls.length}` });
      case '/cgi-bin/kf/service_state/get': {
        record();
        const state = this.states.get(`${body?.open_kfid}:${body?.external_userid}`) ?? 4;
        return json({ errcode: 0, errmsg: 'ok', service_state: state, servicer_userid: state === 3 ? 'servicer' : '' });
      }
      case '/cgi-bin/kf/service_state/trans': {
        record();
        const session = `${body?.open_kfid}:${body?.external_userid}`;
        const from = this.states.get(session) ?? 4;
        const to = Number(body?.service_state);
        if (!ALLOWED[from]!.includes(to) || (to === 3 && !body?.servicer_userid)) return json({ errcode: KF_TRANS_REFUSED, errmsg: `cannot change state ${from} to ${to}` });
        this.states.set(session, to);
        this.stateHistory.push({ session, from, to, ...(body?.servicer_userid ? { servicer: body.servicer_userid } : {}) });
        return json({ errcode: 0, errmsg: 'ok' });
      }
      default:
        record();
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errcode: 404, errmsg: `no such path ${path}` }));
    }
  }
}
