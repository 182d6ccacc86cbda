/**
 * The WeCom 微信客服 channel in the real server: encrypted callbacks (real crypto, corp ID as receive ID)
 * posted over real HTTP, messages pulled from the fake WeCom API with sync_msg and its cursor, replies
 * with send_msg (menus for the bot's options), media, and the session's service state.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encrypt } from '@wecom/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { signatureOf } from '../../../src/channels/wechat-platform/callback.js';
import { KfAdapter, WECOM_KF_CHANNEL_ID } from '../../../src/channels/wecom-kf/index.js';
import { SqlStorage } from '../../../src/store/index.js';
import { callback, nowTimestamp, KF_AES_KEY, KF_SECRETS, KF_TOKEN, kfCallback, kfEnter, kfImage, kfText, kfTexts, nextHandled, postCallback, startPlatformServer, type PlatformServer } from '../wechat-platform/callbacks.js';
import { CORP_ID, OPEN_KFID } from '../wechat-platform/fake-wechat-api.js';

const SLIP = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'fixtures', 'files', 'slip.png');

let h: PlatformServer;
let adapter: KfAdapter;

/** Queues messages on the fake, sends WeCom's callback, and waits until each message is handled. */
async function deliver(...messages: Record<string, unknown>[]) {
  const done = Promise.all(messages.map((m) => nextHandled(adapter, String(m.msgid))));
  for (const m of messages) h.fake.pushKf(m);
  const res = await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback()));
  expect(res.text).toBe('success');
  const handled = await done;
  await adapter.settled();
  return handled;
}

beforeAll(async () => {
  h = await startPlatformServer();
  adapter = h.ts.server.runtime()!.handoffDelivery.adapterFor(WECOM_KF_CHANNEL_ID) as KfAdapter;
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('the WeCom kf callback URL', () => {
  it('answers the URL check with the decrypted echostr, and refuses a wrong signature', async () => {
    const echostr = encrypt(KF_AES_KEY, 'echo-1234567', CORP_ID);
    const timestamp = nowTimestamp();
    const nonce = 'abc';
    const ok = await fetch(`${h.kfUrl}?msg_signature=${signatureOf(KF_TOKEN, timestamp, nonce, echostr)}&timestamp=${timestamp}&nonce=${nonce}&echostr=${encodeURIComponent(echostr)}`);
    expect(await ok.text()).toBe('echo-1234567');
    const bad = await fetch(`${h.kfUrl}?msg_signature=${'0'.repeat(40)}&timestamp=${timestamp}&nonce=${nonce}&echostr=${encodeURIComponent(echostr)}`);
    expect(bad.status).toBe(401);
    const before = h.fake.callsTo('/cgi-bin/kf/sync_msg').length;
    expect((await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback(), { badSignature: true }))).status).toBe(401);
    expect(h.fake.callsTo('/cgi-bin/kf/sync_msg').length).toBe(before);
  });

  it('refuses (403) a signed callback whose timestamp is more than 5 minutes old or ahead, and pulls nothing', async () => {
    const before = h.fake.callsTo('/cgi-bin/kf/sync_msg').length;
    expect((await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback(), { skewSeconds: -10 * 60 }))).status).toBe(403);
    expect((await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback(), { skewSeconds: 10 * 60 }))).status).toBe(403);
    const stale = nowTimestamp(-10 * 60);
    const echostr = encrypt(KF_AES_KEY, 'echo-old', CORP_ID);
    expect((await fetch(`${h.kfUrl}?msg_signature=${signatureOf(KF_TOKEN, stale, 'abc', echostr)}&timestamp=${stale}&nonce=abc&echostr=${encodeURIComponent(echostr)}`)).status).toBe(403);
    expect(h.fake.callsTo('/cgi-bin/kf/sync_msg').length).toBe(before);
  });

  it('greets a customer who opens the chat with the welcome code, then answers with send_msg; the session goes to the bot', async () => {
    await deliver(kfEnter('wm-alice', 'welcome-1'));
    const welcome = h.fake.callsTo('/cgi-bin/kf/send_msg_on_event');
    expect(welcome.at(-1)?.body.code).toBe('welcome-1');

    const [result] = await deliver(kfText('wm-alice', '退货报25是什么意思'));
    expect(result?.outcome).toBe('processed');
    const sync = h.fake.callsTo('/cgi-bin/kf/sync_msg').at(-1)!;
    expect(sync.body).toMatchObject({ open_kfid: OPEN_KFID });
    expect(String(sync.body.token)).toMatch(/^sync-/);
    expect(kfTexts(h.fake, 'wm-alice').join('\n')).toContain('返回码25');
    expect(h.fake.state('wm-alice')).toBe(1);
  });

  it('pages with has_more, keeps the cursor, and runs a message pulled twice once', async () => {
    h.fake.syncPageSize = 1;
    try {
      const messages = [kfText('wm-bob', '你好'), kfText('wm-bob', '退货报25是什么意思'), kfText('wm-bob', '谢谢')];
      const results = await deliver(...messages);
      expect(results.map((r) => r.outcome)).toEqual(['processed', 'processed', 'processed']);
      const storage = new SqlStorage(h.ts.server.runtime()!.store.db);
      const cursor = (await storage.read([`wecom-kf/cursor/${OPEN_KFID}`]))[`wecom-kf/cursor/${OPEN_KFID}`] as { value: string };
      expect(Number(cursor.value)).toBe(h.fake.kfMessages.length);

      // The cursor lost (another instance's older copy): the same messages come again and are not run again.
      await storage.write({ [`wecom-kf/cursor/${OPEN_KFID}`]: { value: String(h.fake.kfMessages.length - 3), eTag: '*' } });
      const again = messages.map((m) => nextHandled(adapter, String(m.msgid)));
      await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback()));
      expect((await Promise.all(again)).map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECOM_KF_CHANNEL_ID, `wxkf:${OPEN_KFID}:wm-bob`);
      expect(transcript.items.filter((a) => a.from?.role === 'user')).toHaveLength(3);
    } finally {
      h.fake.syncPageSize = 1000;
    }
  });

  it('downloads an image a customer sends and gives it to the bot', async () => {
    h.fake.addMedia('kf-media-1', readFileSync(SLIP), 'image/png');
    const [result] = await deliver(kfImage('wm-carol', 'kf-media-1'));
    expect(result?.outcome).toBe('processed');
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECOM_KF_CHANNEL_ID, `wxkf:${OPEN_KFID}:wm-carol`);
    expect(transcript.items.find((a) => a.from?.role === 'user')?.attachments?.[0]?.contentType).toBe('image/png');
  });

  it('sends the bot options as a menu, and a tapped option comes back as its text', async () => {
    await deliver(kfText('wm-dave', '转人工'));
    const menus = h.fake.callsTo('/cgi-bin/kf/send_msg').filter((c) => c.body.touser === 'wm-dave' && c.body.msgtype === 'msgmenu');
    expect(menus.length).toBeGreaterThan(0);
    const option = menus.at(-1)!.body.msgmenu.list[0].click;
    const [result] = await deliver(kfText('wm-dave', option.content, undefined, option.id));
    expect(result?.outcome).toBe('processed');
  });

  it('console handoff: agents reply through the API while the session stays with the bot; resolved ends it', async () => {
    const runtime = h.ts.server.runtime()!;
    const agents = new AgentStore(runtime.store.db, { loginMaxFailures: 5, lockoutMinutes: 15 });
    const agent = await agents.add({ name: 'kf-agent', role: 'agent', password: 'long-enough-pw' });
    await agents.touch(agent.id);
    const view = { ...agent, presence: 'online' as const };

    await deliver(kfText('wm-erin', '转人工客服'));
    const handoff = (await runtime.handoff.store.list(['waiting'])).find((x) => x.conversationId === `wxkf:${OPEN_KFID}:wm-erin`);
    expect(handoff).toBeDefined();
    expect(h.fake.state('wm-erin')).toBe(1);
    await runtime.handoff.claim(handoff!.id, view);
    await runtime.handoff.sendToMerchant(handoff!.id, view, '您好，我是客服小王');
    expect(kfTexts(h.fake, 'wm-erin').join('\n')).toContain('您好，我是客服小王');
    await runtime.handoff.finish(handoff!.id, view, 'resolved');
    expect(h.fake.state('wm-erin')).toBe(4);
    expect(h.fake.stateHistory.filter((s) => s.session.endsWith(':wm-erin')).map((s) => s.to)).toEqual([1, 4]);
  });

  it('shows the channel in /readyz', async () => {
    const ready = (await (await fetch(`${h.ts.url}/readyz`)).json()) as { channels: Record<string, string> };
    expect(ready.channels.wecomKf).toBe('up');
  });
});
