/**
 * Helpers for the web chat tests: a REAL server (`startServer`) on a temporary data directory — real
 * SQLite, the real knowledge base, a real port on 127.0.0.1 — and small real clients for it (fetch for
 * HTTP, `ws` for the stream). Nothing here fakes the server; tests talk to it over sockets.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Activity } from 'botbuilder';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { startServer, type Server, type ServerOptions } from '../../src/app/server.js';
import { DIRECTLINE_CHANNEL_ID } from '../../src/channels/webchat/webchat-adapter.js';
import { seedDatabase, seedIndex } from '../helpers/prebuilt-index.js';

// ── Servers ──────────────────────────────────────────────────────────────────────────────────────────

export interface TestServer {
  server: Server;
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/v3/directline` */
  dl: string;
  dataDir: string;
  config: Config;
  /** Closes the server (the data directory stays). */
  stop(): Promise<void>;
  /** Closes the server and deletes the data directory. */
  destroy(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'pos-assist-webchat-'));
}

/**
 * Starts a real server. `env` overrides the configuration (as environment variables); `DATA_DIR` may be
 * given to reuse a directory (restart). Unless `waitReady` is false, resolves once `server.ready` has.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: ServerOptions & { waitReady?: boolean } = {},
): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? tempDataDir();
  seedIndex(dataDir, env);
  // PORT stays at its default in the configuration (the schema rejects 0); the option picks a free port.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(await postgresFor(dataDir, env)), ...env });
  seedDatabase(config);
  const { waitReady = true, ...serverOptions } = options;
  const server = await startServer(config, createLogger(config), { port: 0, ...serverOptions });
  if (waitReady) await server.ready;
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= server.close());
  return {
    server,
    url: server.url,
    dl: `${server.url}/v3/directline`,
    dataDir,
    config,
    stop,
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      await releasePostgres(dataDir);
    },
  };
}

/**
 * `TEST_SERVER_DATABASE=postgres`: the servers these helpers start keep their state in PostgreSQL (an
 * empty schema per data directory, so a restart over the same DATA_DIR finds its rows again) instead of
 * SQLite — the whole server suite can be run on PostgreSQL with the same assertions.
 */
const serverSchemas = new Map<string, { schema: string; url: string }>();

async function postgresFor(dataDir: string, env: Record<string, string>): Promise<Record<string, string>> {
  if (process.env.TEST_SERVER_DATABASE !== 'postgres' || env.DATABASE_URL) return {};
  const { acquireMigratedSchema, postgresUnavailable } = await import('../helpers/dialects.js');
  if (postgresUnavailable !== undefined) throw new Error(`TEST_SERVER_DATABASE=postgres, but PostgreSQL does not answer: ${postgresUnavailable}`);
  let made = serverSchemas.get(dataDir);
  if (!made) serverSchemas.set(dataDir, (made = await acquireMigratedSchema()));
  return { DATABASE_URL: made.url };
}

async function releasePostgres(dataDir: string): Promise<void> {
  const made = serverSchemas.get(dataDir);
  if (!made) return;
  serverSchemas.delete(dataDir);
  const { releaseMigratedSchema } = await import('../helpers/dialects.js');
  await releaseMigratedSchema(made);
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────

export const LOCAL_ORIGIN = 'http://localhost:8080';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

export function jsonPost(token: string | undefined, body: unknown, extra: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}), ...extra },
    body: JSON.stringify(body),
  };
}

export interface TokenResponse {
  conversationId: string;
  userId: string;
  token: string;
  expires_in: number;
}

/** What a page does first: ask the server's token route (with an allowed Origin) for a token. */
export async function pageToken(url: string, origin = LOCAL_ORIGIN): Promise<TokenResponse> {
  const res = await call<TokenResponse>(`${url}/api/webchat/token`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`token route answered ${res.status}: ${res.text}`);
  return res.body;
}

export interface Conversation extends TokenResponse {
  streamUrl: string;
  /** Status of the POST /conversations call (201 when it started the conversation). */
  startStatus: number;
}

/** Token from the page route, then `POST /conversations` (the bot greets). */
export async function openConversation(ts: TestServer): Promise<Conversation> {
  const t = await pageToken(ts.url);
  const res = await call(`${ts.dl}/conversations`, jsonPost(t.token, {}));
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /conversations answered ${res.status}: ${res.text}`);
  return { ...t, token: res.body.token as string, streamUrl: res.body.streamUrl as string, startStatus: res.status };
}

let clientIds = 0;
/**
 * A client activity id shaped like Web Chat's (short, random base-36). Deliberately without long digit
 * runs: see the masking test in directline-limits.test.ts for what happens to ids with 13+ digits.
 */
export function clientActivityId(): string {
  clientIds += 1;
  return `wc:${clientIds}:${Math.random().toString(36).slice(2, 10)}`;
}

/** A Direct Line answer: `{id}` on success, `{error: {code, message}}` otherwise. */
export interface PostBody {
  id: string;
  error: { code: string; message: string };
}

export function postActivity(ts: TestServer, conv: { conversationId: string; token: string }, activity: Record<string, unknown>, extra: Record<string, string> = {}) {
  return call<PostBody>(`${ts.dl}/conversations/${conv.conversationId}/activities`, jsonPost(conv.token, activity, extra));
}

/** Posts a message as Web Chat does (with a client activity id); throws unless 200. */
export async function say(ts: TestServer, conv: { conversationId: string; token: string }, text: string, clientId = clientActivityId()): Promise<{ id: string; clientId: string }> {
  const res = await postActivity(ts, conv, { type: 'message', from: { id: conv.conversationId }, text, channelData: { clientActivityID: clientId } });
  if (res.status !== 200) throw new Error(`post answered ${res.status}: ${res.text}`);
  return { id: res.body.id, clientId };
}

export async function getActivities(ts: TestServer, conv: { conversationId: string; token: string }, watermark?: string) {
  const q = watermark === undefined ? '' : `?watermark=${encodeURIComponent(watermark)}`;
  const res = await call<{ activities: Activity[]; watermark: string }>(`${ts.dl}/conversations/${conv.conversationId}/activities${q}`, {
    headers: bearer(conv.token),
  });
  if (res.status !== 200) throw new Error(`GET activities answered ${res.status}: ${res.text}`);
  return res.body;
}

// ── Waiting ──────────────────────────────────────────────────────────────────────────────────────────

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 30,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Waits until the server is done with what the merchants said: every message posted (to `conv`, or to
 * any conversation) has been through the bot — its stored row is marked processed, which happens after
 * the turn and everything the turn sent — and the web chat's turn queue and the agent briefs being
 * written are idle. This is the event a "nothing more was said" check waits for, instead of a sleep.
 */
export async function settled(ts: TestServer, conv?: { conversationId: string }): Promise<void> {
  const runtime = ts.server.runtime();
  if (!runtime) throw new Error('the server is not ready');
  await waitFor(
    async () => {
      let unprocessed = runtime.store.db
        .selectFrom('dl_activities')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .where('from_role', '=', 'user');
      if (conv) unprocessed = unprocessed.where('conversation_id', '=', conv.conversationId);
      return Number((await unprocessed.executeTakeFirstOrThrow()).n) === 0;
    },
    'the merchants\' messages to be processed',
    10_000,
    10,
  );
  await runtime.handoffDelivery.adapterFor(DIRECTLINE_CHANNEL_ID)?.drain();
  await runtime.handoffTurns.idle();
}

/** Polls GET activities until a bot message replying to `replyToId` is there; returns all activities. */
export async function waitForReply(ts: TestServer, conv: { conversationId: string; token: string }, replyToId: string): Promise<Activity[]> {
  return waitFor(async () => {
    const { activities } = await getActivities(ts, conv);
    return activities.some((a) => a.from?.role === 'bot' && a.type === 'message' && a.replyToId === replyToId) ? activities : undefined;
  }, `the bot's reply to ${replyToId}`);
}

/** The conversation's activities once the server is done with its messages (`settled`). */
export async function settledActivities(ts: TestServer, conv: { conversationId: string; token: string }): Promise<Activity[]> {
  await settled(ts, conv);
  return (await getActivities(ts, conv)).activities;
}

/**
 * Polls until the number of activities stops changing for `quietMs`: for what no stored message
 * tracks (the greeting of a conversation just opened); after a message, `settledActivities` is exact.
 */
export async function waitUntilStable(ts: TestServer, conv: { conversationId: string; token: string }, quietMs = 400): Promise<Activity[]> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const { activities } = await getActivities(ts, conv);
    if (activities.length !== last) {
      last = activities.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return activities;
    }
    await sleep(50);
  }
}

export function botMessages(activities: Activity[]): Activity[] {
  return activities.filter((a) => a.from?.role === 'bot' && a.type === 'message');
}

// ── Stream ───────────────────────────────────────────────────────────────────────────────────────────

export interface Frame {
  activities: Activity[];
  watermark?: string;
}

/** A real WebSocket client of `streamUrl` that keeps every frame it receives. */
export class StreamClient {
  readonly frames: Frame[] = [];
  /** Raw frames, including empty ones. */
  readonly raw: string[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly ws: WebSocket;
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  private constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, headers ? { headers } : undefined);
    this.ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      if (text) this.frames.push(JSON.parse(text) as Frame);
    });
    this.closedPromise = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      });
    });
    this.ws.on('error', () => undefined);
  }

  static connect(url: string, headers?: Record<string, string>): StreamClient {
    return new StreamClient(url, headers);
  }

  /** Every activity received, typing indicators left out, in arrival order. */
  activities(): Activity[] {
    return this.frames.flatMap((f) => f.activities).filter((a) => a.type !== 'typing');
  }

  waitForActivity(predicate: (a: Activity) => boolean, what: string, timeoutMs = 10_000): Promise<Activity> {
    return waitFor(() => this.activities().find(predicate), what, timeoutMs);
  }

  /** Resolves with the close code and reason (the server closing, or after `close()`). */
  whenClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closedPromise,
      sleep(timeoutMs).then(() => {
        throw new Error('the stream did not close');
      }),
    ]);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.whenClosed().catch(() => this.ws.terminate());
  }
}

// ── Files ────────────────────────────────────────────────────────────────────────────────────────────

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A valid 1×1 RGB PNG of the given colour. `padding` bytes go into a private ancillary chunk (`paDd`),
 * which decoders skip: a valid PNG of any size.
 */
export function makePng(rgb: [number, number, number] = [255, 0, 0], padding = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = deflateSync(Buffer.from([0, ...rgb]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(padding > 0 ? [pngChunk('paDd', Buffer.alloc(padding, 7))] : []),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const ACTIVITY_PART_TYPE = 'application/vnd.microsoft.activity';

/** The multipart body a Direct Line client sends to `/upload`: the activity part, then the files. */
export function uploadForm(activity: Record<string, unknown>, files: { bytes: Buffer; name: string; type: string }[]): FormData {
  const form = new FormData();
  form.append('activity', new Blob([JSON.stringify(activity)], { type: ACTIVITY_PART_TYPE }));
  for (const f of files) form.append('file', new Blob([f.bytes], { type: f.type }), f.name);
  return form;
}

export function upload(ts: TestServer, conv: { conversationId: string; token: string; userId: string }, form: FormData, extra: Record<string, string> = {}) {
  return call<PostBody>(`${ts.dl}/conversations/${conv.conversationId}/upload?userId=${encodeURIComponent(conv.userId)}`, {
    method: 'POST',
    headers: bearer(conv.token, extra),
    body: form,
  });
}

/** The signing key a server without DIRECTLINE_SECRET keeps in its data directory. */
export function signingKey(dataDir: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(join(dataDir, 'secrets', 'directline-signing.key'), 'utf8').trim(), 'base64'));
}
