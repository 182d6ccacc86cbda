/**
 * A fake Telegram Bot API server on 127.0.0.1 for grammY (`client.apiRoot`), speaking the real wire
 * format: `POST /bot<token>/<method>` with JSON or multipart/form-data → `{ok, result}` or
 * `{ok: false, error_code, description, parameters?}`; files at `GET /file/bot<token>/<file_path>`.
 *
 * - records every method call with its params (multipart fields JSON-decoded, uploaded files with their
 *   bytes), including calls it failed on purpose;
 * - serves `getUpdates` from a queue (long polling held until an update arrives or the timeout ends),
 *   like Telegram: an update handed out stays pending — it comes again with the next `getUpdates` — until
 *   a later call's `offset` passes its id and so confirms it; a long poll whose connection the bot closed
 *   (it stopped) is dropped and takes nothing with it. It can redeliver an update regardless of the
 *   offset (what Telegram does when the bot stopped before confirming it): that one is pending until a
 *   `getUpdates` made after it was handed out confirms it;
 * - `getFile` + downloads for files registered with `addFile`;
 * - `failNext(method, …)` answers the next call of a method with an error (e.g. 429 with retry_after);
 * - answers `sendMessage`/`sendPhoto`/`sendDocument` with messages that carry increasing ids and the
 *   reply markup, so tests can press the buttons the bot sent; `editMessageText` changes a sent message
 *   (and refuses, like Telegram, an edit that changes nothing: "message is not modified");
 *   `deleteMessage` removes one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackQuery, Message, Update, UserFromGetMe } from 'grammy/types';

/** An update as tests write it (the id may be left to the fake). */
export interface UpdateInput {
  update_id?: number;
  message?: Message;
  callback_query?: CallbackQuery;
}

export interface UploadedFile {
  field: string;
  filename: string;
  bytes: Buffer;
}

export interface RecordedCall {
  method: string;
  params: Record<string, any>;
  files: UploadedFile[];
  /** HTTP status the fake answered with. */
  status: number;
  /** The `result` it answered with (e.g. the Message a sendMessage created). */
  result?: unknown;
  at: number;
}

export interface FakeError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

interface PendingPoll {
  /** The order the `getUpdates` calls came in: only a later call confirms what an earlier one was handed. */
  seq: number;
  offset: number;
  limit: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

export const TEST_TOKEN = '123456789:TEST-fake_token_for_tests_only_0123';

export const TEST_BOT: UserFromGetMe = {
  id: 123456789,
  is_bot: true,
  first_name: 'POS Assist',
  username: 'pos_assist_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export class FakeBotApi {
  readonly calls: RecordedCall[] = [];
  /** Messages the bot sent, by chat id and message id. */
  readonly sent = new Map<string, Message>();
  /**
   * Updates not confirmed yet, in order. `handedOutAt`: the `seq` of the last poll a forced redelivery was
   * written to (a forced update is confirmed only by a `getUpdates` that came after it was handed out).
   */
  private queue: { update: Update; force: boolean; handedOutAt?: number }[] = [];
  private nextPollSeq = 1;
  private readonly polls = new Set<PendingPoll>();
  private readonly files = new Map<string, { path: string; bytes: Buffer; declaredSize: number }>();
  private readonly failures = new Map<string, FakeError[]>();
  private readonly listeners = new Set<() => void>();
  private nextUpdateId = 1000;
  private nextMessageId = 5000;
  private nextFileId = 1;
  /** The highest offset a `getUpdates` confirmed. */
  confirmedOffset = 0;

  private constructor(
    private readonly server: Server,
    readonly apiRoot: string,
    readonly token: string,
    readonly botInfo: UserFromGetMe,
  ) {}

  static async start(options: { token?: string; botInfo?: UserFromGetMe } = {}): Promise<FakeBotApi> {
    let fake: FakeBotApi | undefined;
    const server = createServer((req, res) => {
      fake!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeBotApi(server, `http://127.0.0.1:${port}`, options.token ?? TEST_TOKEN, options.botInfo ?? TEST_BOT);
    return fake;
  }

  async close(): Promise<void> {
    for (const poll of this.polls) this.answerPoll(poll, []);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── Test controls ─────────────────────────────────────────────────────────────────────────────────

  /** Queues an update (its `update_id` assigned unless given); `force` redelivers it even if confirmed. */
  pushUpdate(update: UpdateInput, options: { force?: boolean } = {}): Update {
    const full = { ...update, update_id: update.update_id ?? this.nextUpdateId++ } as unknown as Update;
    this.queue.push({ update: full, force: options.force ?? false });
    for (const poll of [...this.polls]) this.tryAnswerPoll(poll);
    return full;
  }

  newUpdateId(): number {
    return this.nextUpdateId++;
  }

  /** Registers a downloadable file; `declaredSize` is what getFile reports (default: the real size). */
  addFile(bytes: Buffer, options: { path?: string; declaredSize?: number } = {}): { file_id: string; file_unique_id: string; file_size: number } {
    const n = this.nextFileId++;
    const file_id = `file-${n}`;
    this.files.set(file_id, { path: options.path ?? `documents/file_${n}`, bytes, declaredSize: options.declaredSize ?? bytes.length });
    return { file_id, file_unique_id: `u${n}`, file_size: options.declaredSize ?? bytes.length };
  }

  /** The next call of `method` fails with `error` (once per call to this function). */
  failNext(method: string, error: FakeError): void {
    const list = this.failures.get(method) ?? [];
    list.push(error);
    this.failures.set(method, list);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first recorded call (from index `from`) matching `predicate`. */
  async waitFor(predicate: (call: RecordedCall) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<RecordedCall> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.calls.slice(options.from ?? 0).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`FakeBotApi: no matching call within ${options.timeoutMs ?? 10_000} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.listeners.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 50);
        this.listeners.add(wake);
      });
    }
  }

  /** Whether a `getUpdates` long poll is waiting (the bot is polling). */
  get polling(): boolean {
    return this.polls.size > 0;
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.apiRoot);
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file && req.method === 'GET') {
      if (file[1] !== this.token) return this.json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const path = decodeURIComponent(file[2]!);
      const found = [...this.files.values()].find((f) => f.path === path);
      if (!found) return this.json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(found.bytes.length) });
      res.end(found.bytes);
      return;
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!call) return this.json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const body = await readBody(req);
    if (call[1] !== this.token) return this.json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = call[2]!;
    const { params, files } = parseParams(req.headers['content-type'] ?? '', body);
    const record: RecordedCall = { method, params, files, status: 200, at: Date.now() };
    const failure = this.failures.get(method)?.shift();
    if (failure) {
      record.status = failure.error_code;
      this.record(record);
      return this.json(res, failure.error_code, { ok: false, ...failure });
    }
    if (method === 'getUpdates') {
      this.record(record);
      return this.getUpdates(params, res);
    }
    this.record(record);
    const result = this.result(method, params, files);
    if (result instanceof Error) {
      record.status = 400;
      return this.json(res, 400, { ok: false, error_code: 400, description: result.message });
    }
    record.result = result;
    this.json(res, 200, { ok: true, result });
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    for (const wake of [...this.listeners]) wake();
  }

  private result(method: string, params: Record<string, any>, files: UploadedFile[]): unknown {
    switch (method) {
      case 'getMe':
        return this.botInfo;
      case 'deleteWebhook':
      case 'setWebhook':
      case 'setMyCommands':
      case 'answerCallbackQuery':
      case 'sendChatAction':
        return true;
      case 'getFile': {
        const f = this.files.get(String(params.file_id));
        if (!f) return new Error('Bad Request: invalid file_id');
        return { file_id: params.file_id, file_unique_id: `u-${params.file_id}`, file_size: f.declaredSize, file_path: f.path };
      }
      case 'sendMessage':
        if (typeof params.text !== 'string' || params.text.length === 0) return new Error('Bad Request: message text is empty');
        if (params.text.length > 4096) return new Error('Bad Request: message is too long');
        return this.message(params, { text: unescapeHtml(params.text) });
      case 'sendPhoto':
        return this.message(params, { photo: [{ file_id: `sent-${files[0]?.filename ?? params.photo}`, file_unique_id: 'p', width: 1, height: 1 }] });
      case 'sendDocument':
        return this.message(params, { document: { file_id: `sent-${files[0]?.filename ?? params.document}`, file_unique_id: 'd', file_name: files[0]?.filename } });
      case 'editMessageText': {
        const key = `${params.chat_id}:${params.message_id}`;
        const m = this.sent.get(key) as (Message & { text?: string; reply_markup?: unknown }) | undefined;
        if (!m) return new Error('Bad Request: message to edit not found');
        if (typeof params.text !== 'string' || params.text.length === 0) return new Error('Bad Request: message text is empty');
        if (params.text.length > 4096) return new Error('Bad Request: MESSAGE_TOO_LONG');
        const text = unescapeHtml(params.text);
        if (text === m.text && JSON.stringify(params.reply_markup ?? null) === JSON.stringify(m.reply_markup ?? null)) {
          return new Error('Bad Request: message is not modified: specified new message content and reply markup of the message are exactly the same as a current content and reply markup of the message');
        }
        // Like Telegram: an edit without reply_markup removes the inline keyboard.
        const edited = { ...m, text, edit_date: Math.floor(Date.now() / 1000) } as Message & { reply_markup?: unknown };
        if (params.reply_markup) edited.reply_markup = params.reply_markup;
        else delete edited.reply_markup;
        this.sent.set(key, edited);
        return edited;
      }
      case 'deleteMessage': {
        const key = `${params.chat_id}:${params.message_id}`;
        if (!this.sent.has(key)) return new Error('Bad Request: message to delete not found');
        this.sent.delete(key);
        return true;
      }
      case 'editMessageReplyMarkup': {
        const key = `${params.chat_id}:${params.message_id}`;
        const m = this.sent.get(key);
        if (!m) return new Error('Bad Request: message to edit not found');
        const edited = { ...m } as Message & { reply_markup?: unknown };
        if (params.reply_markup) edited.reply_markup = params.reply_markup;
        else delete edited.reply_markup;
        this.sent.set(key, edited);
        return edited;
      }
      default:
        return new Error(`Not Found: method ${method} is not faked`);
    }
  }

  private message(params: Record<string, any>, content: Record<string, unknown>): Message {
    const chatId = Number(params.chat_id);
    const m = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: chatId > 0 ? { id: chatId, type: 'private', first_name: 'Merchant' } : { id: chatId, type: 'supergroup', title: 'Shop group' },
      from: { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username },
      ...content,
      ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
    } as unknown as Message;
    this.sent.set(`${chatId}:${m.message_id}`, m);
    return m;
  }

  private getUpdates(params: Record<string, any>, res: ServerResponse): void {
    const offset = Number(params.offset ?? 0);
    if (offset > this.confirmedOffset) this.confirmedOffset = offset;
    const poll: PendingPoll = {
      seq: this.nextPollSeq++,
      offset,
      limit: Number(params.limit ?? 100),
      res,
      timer: setTimeout(() => this.answerPoll(poll, []), Math.min(Number(params.timeout ?? 0), 30) * 1000),
    };
    // The bot aborts its long poll when it stops: the connection closes before an answer was written. (The
    // request's own 'close' does not tell: it fired once its body was read.)
    res.on('close', () => {
      if (!res.writableEnded) {
        clearTimeout(poll.timer);
        this.polls.delete(poll);
      }
    });
    // This call confirms what its offset passes: ordinary updates below it, and forced redeliveries that
    // an earlier call was handed.
    this.queue = this.queue.filter((q) =>
      q.force ? !(q.handedOutAt !== undefined && q.handedOutAt < poll.seq && q.update.update_id < offset) : q.update.update_id >= offset,
    );
    this.polls.add(poll);
    if (!this.tryAnswerPoll(poll) && Number(params.timeout ?? 0) === 0) this.answerPoll(poll, []);
  }

  private tryAnswerPoll(poll: PendingPoll): boolean {
    // A poll whose connection is gone is no taker (its 'close' may not have been seen yet).
    if (poll.res.writableEnded || poll.res.destroyed || poll.res.socket?.destroyed !== false) {
      clearTimeout(poll.timer);
      this.polls.delete(poll);
      return false;
    }
    // What the poll's offset has not passed, and forced redeliveries whatever their id; nothing leaves the
    // queue here: an update handed out is pending until a later call confirms it (see getUpdates).
    const ready = this.queue.filter((q) => q.force || q.update.update_id >= poll.offset).slice(0, poll.limit);
    if (ready.length === 0) return false;
    for (const q of ready) if (q.force) q.handedOutAt = poll.seq;
    this.answerPoll(poll, ready.map((q) => q.update));
    return true;
  }

  private answerPoll(poll: PendingPoll, updates: Update[]): void {
    clearTimeout(poll.timer);
    this.polls.delete(poll);
    if (poll.res.writableEnded || poll.res.destroyed) return;
    this.json(poll.res, 200, { ok: true, result: updates });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON bodies, and grammY's multipart bodies (fields JSON-decoded where they are JSON; files kept). */
function parseParams(contentType: string, body: Buffer): { params: Record<string, any>; files: UploadedFile[] } {
  if (body.length === 0) return { params: {}, files: [] };
  if (contentType.startsWith('application/json')) return { params: JSON.parse(body.toString('utf8')) as Record<string, any>, files: [] };
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`unsupported content type ${contentType}`);
  const params: Record<string, any> = {};
  const files: UploadedFile[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    // A part: \r\n headers \r\n\r\n content \r\n
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
    const filename = /filename=("?)([^"\r\n;]*)\1/i.exec(headers)?.[2];
    if (filename !== undefined) files.push({ field: name, filename, bytes: Buffer.from(content) });
    else {
      const text = content.toString('utf8');
      try {
        params[name] = JSON.parse(text);
      } catch {
        params[name] = text;
      }
    }
    start = next;
  }
  // attach://<id> values name the uploaded part.
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' && value.startsWith('attach://')) {
      const file = files.find((f) => f.field === value.slice('attach://'.length));
      if (file) file.field = key;
    }
  }
  return { params, files };
}

export function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}
