/**
 * One `ChannelDriver` per channel, each over the channel's REAL adapter and a REAL runtime (SQLite,
 * knowledge base, flows, requests, handoff), built from the channel test helpers:
 * terminal (TerminalAdapter), web chat (the real server over Direct Line), Telegram (grammY against the
 * fake Bot API on 127.0.0.1), WeChat (wechaty with wechaty-puppet-mock), the Official Account and WeCom kf
 * (test/channels/wechat-platform/drivers.ts: the real server, encrypted callbacks, the fake WeChat API).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Activity } from 'botbuilder';
import type { Runtime } from '../../src/app/runtime.js';
import { storeFile } from '../../src/channels/attachments.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';
import { unescapeHtml } from '../telegram/fake-bot-api.js';
import * as tg from '../telegram/helpers.js';
import * as wc from '../webchat/helpers.js';
import * as wx from '../wechat/helpers.js';
import { officialAccountDriver, wecomKfDriver } from '../channels/wechat-platform/drivers.js';

export interface ChannelDriver {
  readonly name: string;
  /** The runtime behind the channel (handoff service, requests, notifications). */
  readonly runtime: Runtime;
  start(): Promise<void>;
  say(text: string): Promise<void>;
  sendPhoto(path: string): Promise<void>;
  /** The bot's texts since the last call (waits briefly for the bot to go quiet). */
  replies(): Promise<string[]>;
  stop(): Promise<void>;
}

const ENV = { HANDOFF_BUSINESS_HOURS: 'always' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the runtime is done with what the channel took in: the adapter's turns and proactive sends
 * (its `drain()`; the Telegram and WeChat adapters' also wait for their inbox) and the agent briefs being
 * written. The harnesses' `say` already waits for the turn to be handled; this catches what it sent on.
 */
async function settledOn(runtime: Runtime, channelId: string): Promise<void> {
  await runtime.handoffDelivery.adapterFor(channelId)?.drain();
  await runtime.handoffTurns.idle();
}

/**
 * The texts after `seen` once `settle()` resolved. When there is nothing new, it pauses briefly: callers
 * waiting for something that comes later (a slip read, an agent's message) call it again in a loop.
 */
async function settledTexts(settle: () => Promise<void>, texts: () => string[] | Promise<string[]>, seen: number): Promise<string[]> {
  await settle();
  const out = (await texts()).slice(seen);
  if (out.length === 0) await sleep(20);
  return out;
}

/**
 * Waits until `count()` has not changed for `quietMs` (or `maxMs` passed): for the Official Account and
 * WeCom kf, whose customer-service messages may still be on their way to the API after the turn.
 */
export async function quiet(count: () => number | Promise<number>, quietMs = 250, maxMs = 5_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = await count();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(40);
    const now = await count();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

function textsOf(activities: Partial<Activity>[]): string[] {
  return activities.filter((a) => a.type === 'message' && typeof a.text === 'string' && a.text !== '').map((a) => a.text!);
}

// ── Terminal ───────────────────────────────────────────────────────────────────────────────────────

export function terminalDriver(): ChannelDriver {
  let rt: TestRuntime | undefined;
  let conv: ReturnType<typeof terminalConversation> | undefined;
  let seen = 0;
  return {
    name: 'terminal',
    get runtime() {
      return rt!.runtime;
    },
    async start() {
      rt = await startRuntime(ENV);
      conv = terminalConversation(rt.runtime, 'suite-merchant');
      await conv.start();
    },
    async say(text) {
      await conv!.say(text);
    },
    async sendPhoto(path) {
      const name = basename(path);
      const stored = await storeFile(rt!.config.paths.files, readFileSync(path), name);
      await conv!.adapter.say('', conv!.logic, [
        { contentType: stored.contentType, contentUrl: pathToFileURL(join(rt!.config.paths.files, stored.file)).href, name },
      ]);
    },
    async replies() {
      const out = await settledTexts(() => settledOn(rt!.runtime, 'terminal'), () => textsOf(conv!.received), seen);
      seen += out.length;
      return out;
    },
    async stop() {
      await rt?.cleanup();
    },
  };
}

// ── Web chat ───────────────────────────────────────────────────────────────────────────────────────

export function webchatDriver(): ChannelDriver {
  let ts: wc.TestServer | undefined;
  let conv: wc.Conversation | undefined;
  let seen = 0;
  const all = async () => wc.botMessages((await wc.getActivities(ts!, conv!)).activities);
  /**
   * Waits for the bot's reply to `id`. While a live agent has the conversation the bot does not answer
   * (the message goes to the agent): after a short wait, go on.
   */
  const replyTo = async (id: string) => {
    await wc
      .waitFor(async () => (await all()).some((a) => a.replyToId === id), `the reply to ${id}`, 3_000)
      .catch(() => undefined);
  };
  return {
    name: 'webchat',
    get runtime() {
      return ts!.server.runtime()!;
    },
    async start() {
      ts = await wc.startTestServer(ENV);
      conv = await wc.openConversation(ts);
    },
    async say(text) {
      const { id } = await wc.say(ts!, conv!, text);
      await replyTo(id);
    },
    async sendPhoto(path) {
      const form = wc.uploadForm({ type: 'message', from: { id: conv!.userId } }, [
        { bytes: readFileSync(path), name: basename(path), type: 'image/png' },
      ]);
      const res = await wc.upload(ts!, conv!, form);
      if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${res.text}`);
      await replyTo(res.body.id);
    },
    async replies() {
      const out = await settledTexts(() => wc.settled(ts!, conv!), async () => textsOf(await all()), seen);
      seen += out.length;
      return out;
    },
    async stop() {
      await ts?.destroy();
    },
  };
}

// ── Telegram ───────────────────────────────────────────────────────────────────────────────────────

export function telegramDriver(): ChannelDriver {
  let h: tg.Harness | undefined;
  const merchant = tg.person(7301);
  let seen = 0;
  const sent = () => h!.fake.calls.filter((c) => c.method === 'sendMessage');
  return {
    name: 'telegram',
    get runtime() {
      return h!.rt.runtime;
    },
    async start() {
      h = await tg.startHarness({ env: ENV });
      await h.send(tg.textUpdate(merchant, '/start'));
    },
    async say(text) {
      await h!.send(tg.textUpdate(merchant, text));
    },
    async sendPhoto(path) {
      const file = h!.fake.addFile(readFileSync(path), { path: `photos/${basename(path)}` });
      await h!.send(tg.messageUpdate(merchant, { photo: [{ ...file, width: 1280, height: 853 }] }));
    },
    async replies() {
      const out = await settledTexts(() => settledOn(h!.rt.runtime, 'telegram'), () => sent().map((c) => unescapeHtml(String(c.params.text))), seen);
      seen += out.length;
      return out;
    },
    async stop() {
      await h?.close();
    },
  };
}

// ── WeChat ─────────────────────────────────────────────────────────────────────────────────────────

export function wechatDriver(): ChannelDriver {
  let h: wx.Harness | undefined;
  let merchant: ReturnType<wx.Harness['contact']> | undefined;
  let seen = 0;
  return {
    name: 'wechat',
    get runtime() {
      return h!.rt.runtime;
    },
    async start() {
      h = await wx.startHarness({ env: ENV });
      merchant = h.contact('王老板');
    },
    async say(text) {
      await h!.say(merchant!, text);
    },
    async sendPhoto(path) {
      await h!.say(merchant!, wx.fileBox(basename(path), readFileSync(path)));
    },
    async replies() {
      await settledOn(h!.rt.runtime, 'wechat');
      const out = h!.sent.slice(seen).filter((s) => s.to === merchant!.id && s.text !== '').map((s) => s.text);
      if (h!.sent.length === seen) await sleep(20);
      seen = h!.sent.length;
      return out;
    },
    async stop() {
      await h?.close();
    },
  };
}

export const DRIVERS: { name: string; create: () => ChannelDriver }[] = [
  { name: 'terminal', create: terminalDriver },
  { name: 'webchat', create: webchatDriver },
  { name: 'telegram', create: telegramDriver },
  { name: 'wechat', create: wechatDriver },
  { name: 'wechat-official', create: officialAccountDriver },
  { name: 'wecom-kf', create: wecomKfDriver },
];
