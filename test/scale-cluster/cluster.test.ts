/**
 * The scale-out "done when" suite: three real instances (child processes of the built server, so
 * `kill -9` is a real crash) on one fresh PostgreSQL schema (through a TCP proxy the test can cut), one
 * private `redis-server` (killed and restarted on its port), one data directory and one Direct Line
 * secret — the way a deployment runs behind a load balancer. The three instances are shared by the tests,
 * which run in order; an instance killed is replaced by a new one, so three run at every step.
 *
 * What is checked is what the merchant and the back office see (the stream, the replies, the receiver)
 * and what the database holds (every message answered once, the request's slots, the outbox rows).
 *
 * Skipped, saying why, when PostgreSQL or Redis does not answer or `redis-server` is not installed.
 * Needs `dist/` (`npx tsc -p src/tsconfig.json`; `npm test` builds it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import type { Kysely } from 'kysely';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStore } from '../../src/handoff/agents/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import type { Database } from '../../src/store/schema.js';
import { createTestSchema, dropTestSchema, postgresUnavailable, TEST_DATABASE_URL } from '../helpers/dialects.js';
import { asServer, Cluster, Receiver, TcpProxy, type Instance } from '../helpers/cluster.js';
import { seedIndex } from '../helpers/prebuilt-index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { PrivateRedis, privateRedisAvailable, redisUnavailable, testPrefix } from '../helpers/redis.js';
import { FakeBotApi } from '../telegram/fake-bot-api.js';
import { person, textUpdate } from '../telegram/helpers.js';
import {
  StreamClient,
  call,
  jsonPost,
  postActivity,
  makePng,
  openConversation,
  say,
  upload,
  uploadForm,
  waitFor,
  type Conversation,
} from '../webchat/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SECRET = 'cluster-webhook-secret';
const API_KEY = 'cluster-backoffice-api-key-0123456789';
/**
 * The leases a dead instance leaves behind: the turn lock's and the leader's (production: 15 s each).
 * Shortened here so that the takeovers are seconds of waiting, not minutes; long enough that a live
 * instance renews them (every third of the lease) on a loaded 2-core machine.
 */
const LEASE_MS = 4_000;
/** What operators are promised: the leader dies, another instance polls and runs the timers within 30 s. */
const TAKEOVER_MS = 30_000;
/** Here: the leader's lease runs out, another instance takes the lead within a third of it (plus room for a loaded machine). */
const TAKEOVER_HERE_MS = LEASE_MS + LEASE_MS / 3 + 10_000;
/** The turn lease runs out, then the orphan sweep (every 0.5 s here) takes the message up. */
const ORPHAN_MS = LEASE_MS + 20_000;

const skipReason =
  postgresUnavailable !== undefined
    ? `PostgreSQL does not answer at ${TEST_DATABASE_URL}: ${postgresUnavailable}`
    : redisUnavailable !== undefined
      ? `Redis does not answer: ${redisUnavailable}`
      : !privateRedisAvailable
        ? 'no redis-server binary to start a private Redis'
        : !existsSync(join(ROOT, 'dist/app/server.js'))
          ? 'dist/ is not built (npx tsc -p src/tsconfig.json)'
          : undefined;
if (skipReason) console.warn(`cluster suite skipped: ${skipReason}`);
const describeCluster = skipReason ? describe.skip : describe;

// ── The deployment ───────────────────────────────────────────────────────────────────────────────────

const cleanups: (() => Promise<void> | void)[] = [];
let cluster: Cluster;
let store: Store;
let db: Kysely<Database>;
let redis: PrivateRedis;
let redisClient: Redis;
let proxy: TcpProxy;
let receiver: Receiver;
let llm: FakeOpenAI;
let prefix: string;
/** The instances in service now, by role in the tests. */
const live: { a?: Instance; b?: Instance; c?: Instance } = {};
/** Each instance's own fake Bot API (same token): whose fake is asked for updates says who polls. */
const botApis = new Map<Instance, FakeBotApi>();
/** Holds the language model's answers (instance A's "slow provider") until released. */
let releaseModel: () => void = () => undefined;

async function instance(name: string, env: Record<string, string> = {}): Promise<Instance> {
  const fake = await FakeBotApi.start();
  cleanups.push(() => fake.close());
  const started = await cluster.start(name, { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, ...env });
  botApis.set(started, fake);
  return started;
}

beforeAll(async () => {
  if (skipReason) return;
  const { schema, url } = await createTestSchema();
  cleanups.push(() => dropTestSchema(schema));
  // Migrated once here; the instances find it current.
  store = await openDatabase({ filename: '', url, poolSize: 3 });
  db = store.db;
  cleanups.push(() => store.close());

  proxy = await TcpProxy.start({ host: new URL(TEST_DATABASE_URL).hostname, port: Number(new URL(TEST_DATABASE_URL).port || 5432) });
  cleanups.push(() => proxy.close());
  const viaProxy = new URL(url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);

  redis = await PrivateRedis.start();
  cleanups.push(() => redis.kill());
  redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  redisClient.on('error', () => undefined);
  cleanups.push(() => redisClient.disconnect());
  prefix = testPrefix();

  receiver = await Receiver.start(SECRET);
  cleanups.push(() => receiver.close());
  llm = await startFakeOpenAI();
  cleanups.push(() => llm.close());
  // Instance A's language model does not answer until the test says so: a turn on A that asks it holds
  // the conversation's lease for as long as the test wants.
  let gate = new Promise<void>((resolve) => (releaseModel = resolve));
  llm.setChat(async () => {
    await gate;
    return { status: 500, error: 'released' };
  });
  cleanups.push(() => releaseModel());

  const dataDir = mkdtempSync(join(tmpdir(), 'pos-assist-cluster-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  seedIndex(dataDir);

  cluster = new Cluster(
    {
      DATA_DIR: dataDir,
      DATABASE_URL: viaProxy.toString(),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      DIRECTLINE_SECRET: 'cluster-test-directline-secret',
      LOG_LEVEL: 'warn',
      LANGSMITH_TRACING: 'false',
      BACKOFFICE_WEBHOOK_URL: receiver.url,
      BACKOFFICE_WEBHOOK_SECRET: SECRET,
      BACKOFFICE_API_KEY: API_KEY,
      WEBCHAT_TOKENS_PER_MINUTE: '1000',
      WEBCHAT_MESSAGES_PER_MINUTE: '1000',
      HANDOFF_BUSINESS_HOURS: 'always',
      // Unclaimed handoffs become tickets after 10 s (A, the leader, waits an hour: see the last test).
      HANDOFF_CLAIM_TIMEOUT_SECONDS: '10',
    },
    {
      // A message unanswered for 1.5 s is taken up by the sweeps (every 0.5 s); production: 60 s, 5 s.
      orphanAfterMs: 1_500,
      noticeRetryMs: 500,
      turnLeaseMs: LEASE_MS,
      leaderTtlMs: LEASE_MS,
      // Retries within a second; production: 2 s … 10 min.
      outbox: { baseDelayMs: 150, maxDelayMs: 600, pollIntervalMs: 150, timeoutMs: 3_000 },
    },
  );
  cleanups.push(() => cluster.closeAll());
  // A first: it leads (Telegram polling and the timers). It alone has a language model — the slow one.
  live.a = await instance('A', {
    LLM_API_KEY: 'sk-test-0123456789',
    LLM_BASE_URL: llm.url,
    LLM_TIMEOUT_MS: '120000',
    HANDOFF_CLAIM_TIMEOUT_SECONDS: '3600',
  });
  [live.b, live.c] = await Promise.all([instance('B'), instance('C')]);
  await waitFor(() => botApis.get(live.a!)!.polling, 'A to poll Telegram (it leads)', 20_000);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
}, 60_000);

// ── The merchant's side, and what the database says ─────────────────────────────────────────────────

interface StoredActivity extends Activity {
  seq: number;
  processed: boolean;
}

async function storedActivities(conversationId: string): Promise<StoredActivity[]> {
  const rows = await db.selectFrom('dl_activities').select(['seq', 'activity_json', 'processed_at', 'from_role']).where('conversation_id', '=', conversationId).orderBy('seq').execute();
  return rows.map((r) => ({ ...(JSON.parse(r.activity_json) as Activity), seq: r.seq, processed: r.from_role !== 'user' || r.processed_at !== null }));
}

/** What a client shows: the stored messages (no typing, no interim stream text). */
function shown<T extends Activity>(activities: T[]): T[] {
  return activities.filter((a) => a.type === 'message' && !/^(streaming|informative)$/.test(String((a.channelData as { streamType?: string } | undefined)?.streamType ?? '')));
}

class Merchant {
  /** Every message the merchant sent, by activity id. */
  readonly sent: { id: string; text: string; to: string }[] = [];
  lastPrompt = '';

  private constructor(readonly conv: Conversation) {}

  static async open(on: Instance): Promise<Merchant> {
    const m = new Merchant(await openConversation(asServer(on)));
    const greeting = await waitFor(async () => shown(await storedActivities(m.conv.conversationId)).find((a) => a.from?.role === 'bot'), 'the greeting');
    m.lastPrompt = greeting.text ?? '';
    return m;
  }

  /** Posts to `on` (the stored message is acknowledged); does not wait for the answer. */
  async post(on: Instance, text: string): Promise<string> {
    const { id } = await say(asServer(on), this.conv, text);
    this.sent.push({ id, text, to: on.name });
    return id;
  }

  async postFile(on: Instance): Promise<string> {
    const form = uploadForm({ type: 'message', from: { id: this.conv.userId }, text: '' }, [{ bytes: makePng([250, 250, 240]), name: 'slip.png', type: 'image/png' }]);
    const res = await upload(asServer(on), this.conv, form);
    if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${res.text}`);
    this.sent.push({ id: res.body.id, text: '(slip.png)', to: on.name });
    return res.body.id;
  }

  /** The bot's messages answering `id`, once its turn is over (its stored row marked processed). */
  async answer(id: string, timeoutMs = 20_000): Promise<string[]> {
    const texts = await waitFor(
      async () => {
        const all = await storedActivities(this.conv.conversationId);
        if (!all.find((a) => a.id === id)?.processed) return undefined;
        return shown(all).filter((a) => a.from?.role === 'bot' && a.replyToId === id).map((a) => a.text ?? '');
      },
      `the answer to ${id}`,
      timeoutMs,
      25,
    );
    if (texts.length > 0) this.lastPrompt = texts.at(-1)!;
    return texts;
  }

  async send(on: Instance, text: string): Promise<string[]> {
    return this.answer(await this.post(on, text));
  }

  /**
   * Nothing lost, nothing twice: every message the merchant sent is answered, none answered twice (a
   * turn run twice would say its prompt twice), and the replies come in the order of the messages.
   */
  async expectAnsweredOnce(): Promise<void> {
    const all = await storedActivities(this.conv.conversationId);
    const users = all.filter((a) => a.from?.role === 'user' && a.type === 'message');
    expect(users.map((a) => a.id)).toEqual(this.sent.map((s) => s.id));
    expect(users.filter((a) => !a.processed)).toEqual([]);
    let lastReplySeq = 0;
    for (const u of users) {
      const replies = shown(all).filter((a) => a.from?.role === 'bot' && a.replyToId === u.id);
      expect(replies.length, `replies to "${u.text}"`).toBeGreaterThan(0);
      const texts = replies.map((r) => r.text);
      expect(new Set(texts).size, `a reply to "${u.text}" said twice: ${texts.join(' | ')}`).toBe(texts.length);
      // In order: this message's replies come after the previous message's.
      expect(replies[0]!.seq, `replies to "${u.text}" before those of the message before it`).toBeGreaterThan(lastReplySeq);
      lastReplySeq = replies.at(-1)!.seq;
    }
  }
}

/** The cancel-transaction dialog's answers, by the prompt they answer (first match wins). */
const ANSWERS: [RegExp, string | 'FILE'][] = [
  [/请核对/, '确认'],
  [/拍照发送签购单/, 'FILE'],
  [/原因/, '顾客退货'],
  [/凭证号|参考号/, '000123'],
  [/后4位/, '4321'],
  [/商户编号/, '810100000000001'],
  [/终端编号/, '10203040'],
  [/哪天/, '昨天'],
  [/金额/, '1280元'],
  [/手机号/, '13800138000'],
];

function answerFor(prompt: string): string | 'FILE' {
  const found = ANSWERS.find(([re]) => re.test(prompt));
  if (!found) throw new Error(`no answer for the prompt: ${prompt}`);
  return found[1];
}

/**
 * Walks the dialog to its ticket, each turn posted to `pick(turn)`; `between(turn)` runs after each turn
 * (a kill between turns). Returns the ticket number.
 */
async function fileRequest(m: Merchant, pick: (turn: number) => Instance, between?: (turn: number) => Promise<void>): Promise<string> {
  for (let turn = 0; turn < 16; turn++) {
    const ticket = /工单号 (CX-\d{8}-\d{4})/.exec(m.lastPrompt)?.[1];
    if (ticket) return ticket;
    let answer: string;
    try {
      answer = answerFor(m.lastPrompt);
    } catch (err) {
      const said = shown(await storedActivities(m.conv.conversationId)).map((a) => `${a.from?.role}: ${a.text ?? '(file)'}`);
      throw new Error(`${(err as Error).message}\n${said.join('\n')}`);
    }
    const on = pick(turn);
    const id = answer === 'FILE' ? await m.postFile(on) : await m.post(on, answer);
    await m.answer(id);
    await between?.(turn);
  }
  throw new Error(`no ticket after 16 turns; last: ${m.lastPrompt}`);
}

async function requestOf(conversationId: string) {
  const rows = await db.selectFrom('requests').selectAll().where('conversation_ref_json', 'like', `%${conversationId}%`).execute();
  expect(rows).toHaveLength(1);
  return { ...rows[0]!, slots: JSON.parse(rows[0]!.slots_json) as Record<string, unknown> };
}

function expectSlots(slots: Record<string, unknown>): void {
  expect(slots).toMatchObject({ merchant_id: '810100000000001', terminal_id: '10203040', amount: 128000, voucher_no: '000123', card_last4: '4321' });
}

function streamOn(on: Instance, conv: Conversation): StreamClient {
  const client = StreamClient.connect(conv.streamUrl.replace(/^ws:\/\/[^/]+/, on.url.replace(/^http/, 'ws')));
  cleanups.push(() => client.close());
  return client;
}

async function readyz(on: Instance) {
  try {
    return await call(`${on.url}/readyz`);
  } catch (err) {
    throw new Error(`${on.name} does not answer (${on.dead ? 'dead' : 'alive'}):\n${on.output().slice(-3000)}`, { cause: err });
  }
}

// ── The tests ────────────────────────────────────────────────────────────────────────────────────────

describeCluster('three instances on PostgreSQL and Redis (child processes)', () => {
  it('a stream on A gets what the merchant posted to B and C, and the replies, in order, once', async () => {
    const { a, b, c } = live as Required<typeof live>;
    const m = await Merchant.open(b);
    const stream = streamOn(a, m.conv);
    await stream.waitForActivity((x) => x.from.role === 'bot', 'the greeting, on A\'s stream');
    // The merchant posts each message to another instance (a load balancer without stickiness).
    const questions = ['POS机已经结算了还能撤销交易吗', '怎么申请暂停结算', '退货要多久到账', '终端撤销失败报错怎么办'];
    for (const [i, q] of questions.entries()) {
      const id = await m.post(i % 2 ? c : b, q);
      await stream.waitForActivity((x) => x.replyToId === id && x.from.role === 'bot', `the reply to "${q}" on A's stream`);
      await m.answer(id);
    }
    await m.expectAnsweredOnce();
    const stored = shown(await storedActivities(m.conv.conversationId));
    await waitFor(() => shown(stream.activities()).length >= stored.length, 'everything on A\'s stream');
    expect(shown(stream.activities()).map((x) => x.id)).toEqual(stored.map((x) => x.id));
    const watermarks = stream.frames.filter((f) => f.activities.length > 0 && f.watermark !== undefined).map((f) => Number(f.watermark));
    expect(watermarks).toEqual([...watermarks].sort((x, y) => x - y));
  });

  it('kill -9 between the turns of a dialog: the merchant carries on on the others; no slot, message or delivery lost or doubled', async () => {
    const { b } = live as Required<typeof live>;
    receiver.failFirst = 1;
    const m = await Merchant.open(b);
    await m.send(b, '申请撤销/退货');
    let killed = false;
    const ticket = await fileRequest(
      m,
      (turn) => (turn % 2 ? live.c! : live.b!),
      async (turn) => {
        if (turn !== 2 || killed) return;
        // C answered the last message and holds the conversation's state nowhere but the database.
        killed = true;
        await cluster.kill9(live.c!);
        live.c = await instance('C2');
      },
    );
    expect(killed).toBe(true);
    expect(ticket).toMatch(/^CX-\d{8}-\d{4}$/);
    await m.expectAnsweredOnce();
    const request = await requestOf(m.conv.conversationId);
    expect(request.ticket).toBe(ticket);
    expectSlots(request.slots);
    // The back office gets it once (its first attempt failed).
    const [row] = await db.selectFrom('outbox').selectAll().where('request_id', '=', request.id).execute();
    await waitFor(() => receiver.stored.has(row!.idempotency_key), 'the request at the back office', 15_000);
    expect(receiver.attempts(row!.idempotency_key).filter((d) => d.status === 200)).toHaveLength(1);
  }, 90_000);

  it('the outbox delivers each request exactly once while the receiver fails and an instance dies', async () => {
    receiver.failFirst = 0;
    receiver.failing = true;
    // Three merchants file at once, on B and C.
    const merchants = await Promise.all([live.b!, live.c!, live.b!].map((on) => Merchant.open(on)));
    const tickets = await Promise.all(
      merchants.map(async (m, i) => {
        await m.send(i % 2 ? live.c! : live.b!, '昨天刷了1280元，凭证号000123，想撤销');
        return fileRequest(m, (turn) => ((turn + i) % 2 ? live.c! : live.b!));
      }),
    );
    expect(new Set(tickets).size).toBe(3);
    const requests = await Promise.all(merchants.map((m) => requestOf(m.conv.conversationId)));
    const rows = await db.selectFrom('outbox').selectAll().where('request_id', 'in', requests.map((r) => r.id)).execute();
    expect(rows).toHaveLength(3);
    const keys = rows.map((r) => r.idempotency_key);
    // Every row failed at least once…
    await waitFor(() => keys.every((k) => receiver.attempts(k).length > 0), 'a failed attempt of each row', 15_000);
    // …then B dies between two attempts (no row claimed by it at that moment, as far as the database says).
    await waitFor(
      async () => {
        const claimed = await db.selectFrom('outbox').select('id').where('delivered_at', 'is', null).where('next_attempt_at', '>', new Date(Date.now() + 5_000).toISOString()).execute();
        return claimed.length === 0;
      },
      'no row in the middle of an attempt',
      10_000,
      5,
    );
    await cluster.kill9(live.b!);
    const failedBefore = receiver.attempts().filter((d) => d.status === 500).length;
    live.b = await instance('B2');
    // The back office comes back.
    receiver.failing = false;
    await waitFor(() => keys.every((k) => receiver.stored.has(k)), 'every request at the back office', 45_000);
    await waitFor(async () => (await db.selectFrom('outbox').select('id').where('delivered_at', 'is', null).execute()).length === 0, 'every row marked delivered');
    expect(receiver.attempts().filter((d) => d.status === 500).length).toBeGreaterThanOrEqual(failedBefore);
    for (const [i, key] of keys.entries()) {
      expect(receiver.attempts(key).filter((d) => d.status === 200), `2xx answers for ${key}`).toHaveLength(1);
      expect(receiver.stored.get(key)!.request.ticket).toBe(requests.find((r) => r.id === rows[i]!.request_id)!.ticket);
    }
    expect(receiver.badSignatures).toBe(0);
    for (const m of merchants) await m.expectAnsweredOnce();
  }, 120_000);

  it('kill -9 of the leader in the middle of a turn: the turn is answered once elsewhere, the merchant carries on, another instance polls Telegram and runs the timers within 30 s', async () => {
    const { a, b, c } = live as Required<typeof live>;
    // A handoff nobody claimed for a minute: late for B and C (10 s), not for A (1 h), whose sweep — the
    // leader's — is the only one that runs.
    await new AgentStore(db, { loginMaxFailures: 5, lockoutMinutes: 15 }).add({ name: 'alice', role: 'agent', password: 'cluster-password-0123', displayName: '客服alice' });
    const login = await call(`${b.url}/agent/api/login`, jsonPost(undefined, { name: 'alice', password: 'cluster-password-0123' }));
    expect(login.status, login.text).toBe(200);
    const waiting = await Merchant.open(b);
    await waiting.send(c, '转人工');
    const handoff = () => db.selectFrom('handoffs').selectAll().where('conversation_id', '=', waiting.conv.conversationId).executeTakeFirstOrThrow();
    expect((await handoff()).status).toBe('waiting');
    await db.updateTable('handoffs').set({ created_at: new Date(Date.now() - 60_000).toISOString() }).where('conversation_id', '=', waiting.conv.conversationId).execute();

    // A dialog up to its date question, on B and C…
    const m = await Merchant.open(c);
    await m.send(b, '申请撤销/退货');
    await m.send(c, '810100000000001');
    await m.send(b, '10203040');
    expect(m.lastPrompt).toMatch(/哪天/);
    // …then a free-form answer reaches A, which asks its language model to read it: the model does not
    // answer, and A holds the conversation's lease in the middle of the turn.
    const asked = llm.chats.length;
    const slow = await m.post(a, '是昨天下午在店里刷的那笔');
    await waitFor(() => llm.chats.length > asked, 'A to be in the middle of the turn (asking its model)');
    expect(await redisClient.exists(`${prefix}turn:directline:${m.conv.conversationId}`)).toBe(1);
    expect((await readyz(a)).body.channels.telegram).toBe('up');
    expect((await handoff()).status).toBe('waiting');

    await cluster.kill9(a);
    const since = Date.now();
    const takeover = (async () => {
      const poller = await waitFor(() => [b, c].find((s) => botApis.get(s)!.callsOf('getUpdates').length > 0), 'another instance to poll Telegram', TAKEOVER_MS + 5_000, 50);
      const polledAfter = Date.now() - since;
      await waitFor(async () => (await handoff()).status === 'ticket', 'the new leader\'s sweep to make the handoff a ticket', TAKEOVER_MS + 5_000, 100);
      const sweptAfter = Date.now() - since;
      // The new leader answers what reaches Telegram.
      const fake = botApis.get(poller)!;
      fake.pushUpdate(textUpdate(person(770001), 'POS机已经结算了还能撤销交易吗'));
      await waitFor(() => fake.callsOf('sendMessage').some((x) => Number(x.params.chat_id) === 770001), 'the new leader to answer on Telegram', 15_000);
      expect((await readyz(poller)).body.channels.telegram).toBe('up');
      return { polledAfter, sweptAfter };
    })();
    // The message A died on is answered by another instance once A's lease has run out — once.
    const answered = await m.answer(slow, ORPHAN_MS);
    expect(answered.join('\n')).toMatch(/金额/);
    // The merchant carries on, on the others.
    const replacement = instance('A2');
    const ticket = await fileRequest(m, (turn) => (turn % 2 ? c : b));
    expect(ticket).toMatch(/^CX-\d{8}-\d{4}$/);
    const { polledAfter, sweptAfter } = await takeover;
    // Past the shortened lease's bound: the instances run with the 15 s default — dist/ older than the
    // turnLeaseMs/leaderTtlMs server options (npx tsc -p src/tsconfig.json).
    const stale = 'taken over later than the shortened lease allows (is dist/ built from this source?)';
    expect(polledAfter, stale).toBeLessThanOrEqual(Math.min(TAKEOVER_MS, TAKEOVER_HERE_MS));
    expect(sweptAfter, stale).toBeLessThanOrEqual(Math.min(TAKEOVER_MS, TAKEOVER_HERE_MS));
    live.a = await replacement;
    await m.expectAnsweredOnce();
    const request = await requestOf(m.conv.conversationId);
    expectSlots(request.slots);
    const [row] = await db.selectFrom('outbox').selectAll().where('request_id', '=', request.id).execute();
    await waitFor(() => receiver.stored.has(row!.idempotency_key), 'the request at the back office', 15_000);
    expect(receiver.attempts(row!.idempotency_key).filter((d) => d.status === 200)).toHaveLength(1);
  }, 120_000);

  it('a Redis restart: turns go on, nothing is lost, and a stream on another instance gets what it missed, in order, once', async () => {
    const { a, b, c } = live as Required<typeof live>;
    const m = await Merchant.open(b);
    const stream = streamOn(a, m.conv);
    await stream.waitForActivity((x) => x.from.role === 'bot', 'the greeting, on A\'s stream');

    await redis.kill();
    const down = await waitFor(async () => {
      const r = await readyz(b);
      return r.status === 503 && r;
    }, 'B\'s /readyz to say Redis is down');
    expect(down.body.failed).toEqual(['redis']);
    // The merchant goes on, on B and C: each message answered (with each instance's own order only).
    await m.send(b, 'POS机已经结算了还能撤销交易吗');
    await m.send(c, '退货要多久到账');

    await redis.restart();
    const stored = shown(await storedActivities(m.conv.conversationId));
    await waitFor(() => shown(stream.activities()).length >= stored.length, 'what A\'s stream missed, once Redis is back', 20_000);
    // Live again: the next reply reaches the stream as it is stored.
    const after = await m.post(c, '终端撤销失败报错怎么办');
    await stream.waitForActivity((x) => x.replyToId === after && x.from.role === 'bot', 'a reply after the restart, live', 15_000);
    await m.answer(after);
    await m.expectAnsweredOnce();
    expect(shown(stream.activities()).map((x) => x.id)).toEqual(shown(await storedActivities(m.conv.conversationId)).map((x) => x.id));
    for (const on of [a, b, c]) await waitFor(async () => (await readyz(on)).status === 200, `${on.name}'s /readyz to be 200 again`);
  }, 60_000);

  it('a PostgreSQL outage: /readyz says so, the merchant gets a clear error, no instance crashes; all recover', async () => {
    const { a, b, c } = live as Required<typeof live>;
    const m = await Merchant.open(b);
    await m.send(c, 'POS机已经结算了还能撤销交易吗');
    // Turns in flight on every instance when the database goes away (queries holding connections).
    const busy = await Promise.all([a, b, c].map((on) => Merchant.open(on)));
    const inFlight = await Promise.all(busy.map((x, i) => x.post([a, b, c][i]!, '退货要多久到账')));

    await proxy.cut();
    for (const on of [a, b, c]) {
      const r = await waitFor(async () => {
        const x = await readyz(on);
        return x.status === 503 && x;
      }, `${on.name}'s /readyz to say the database is down`);
      expect(r.body.failed).toEqual(['database']);
    }
    const clientId = 'cluster-pg-outage-1';
    const refused = await postActivity(asServer(c), m.conv, { type: 'message', text: '退货要多久到账', channelData: { clientActivityID: clientId } });
    // A clear answer the client can show (and send the message again), not "Internal error".
    expect(refused.status, refused.text).toBe(503);
    expect(refused.body.error).toEqual({ code: 'STORAGE_UNAVAILABLE', message: '系统暂时无法处理消息，这条消息没有发出，请稍后再发一次。' });

    await proxy.restore();
    for (const on of [a, b, c]) await waitFor(async () => (await readyz(on)).status === 200, `${on.name}'s /readyz to be 200 again`, 20_000);
    expect([a, b, c].filter((on) => on.dead)).toEqual([]);
    // The merchant's client sends the message again: taken and answered once.
    const res = await postActivity(asServer(c), m.conv, { type: 'message', text: '退货要多久到账', channelData: { clientActivityID: clientId } });
    expect(res.status, res.text).toBe(200);
    m.sent.push({ id: res.body.id, text: '退货要多久到账', to: c.name });
    await m.answer(res.body.id);
    await m.expectAnsweredOnce();
    // What was accepted before the outage is answered after it (a turn the outage broke is taken up again).
    for (const [i, x] of busy.entries()) expect((await x.answer(inFlight[i]!, ORPHAN_MS)).length).toBeGreaterThan(0);
  }, 60_000);
});

