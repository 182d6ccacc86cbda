/**
 * The Official Account channel in the real server: callbacks built with the real crypto and posted over
 * real HTTP, the fake WeChat API on 127.0.0.1 (test/channels/wechat-platform/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlStorage } from '../../../src/store/index.js';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { OfficialAccountAdapter, WECHAT_OFFICIAL_CHANNEL_ID, WindowClosedError } from '../../../src/channels/wechat-official/index.js';
import { signatureOf } from '../../../src/channels/wechat-platform/callback.js';
import { callback, nowTimestamp, nextHandled, oaEvent, oaImage, oaText, OA_SECRETS, OA_TOKEN, openReply, postCallback, startPlatformServer, type PlatformServer } from '../wechat-platform/callbacks.js';

const SLIP = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'fixtures', 'files', 'slip.png');

let h: PlatformServer;
let adapter: OfficialAccountAdapter;

const handled = (platformId: string) => nextHandled(adapter, platformId);

/** The texts the API sent to `openId` (customer-service messages). */
function apiTexts(openId: string): string[] {
  return h.fake.callsTo('/cgi-bin/message/custom/send').filter((c) => c.body.touser === openId && c.body.msgtype === 'text').map((c) => String(c.body.text.content));
}

beforeAll(async () => {
  h = await startPlatformServer();
  adapter = h.ts.server.runtime()!.handoffDelivery.adapterFor(WECHAT_OFFICIAL_CHANNEL_ID) as OfficialAccountAdapter;
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('the Official Account callback URL', () => {
  it('answers the console URL check with echostr, and refuses a wrong signature', async () => {
    const timestamp = nowTimestamp();
    const nonce = 'n0nce';
    const ok = await fetch(`${h.oaUrl}?signature=${signatureOf(OA_TOKEN, timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}&echostr=hello123`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('hello123');
    const bad = await fetch(`${h.oaUrl}?signature=${'0'.repeat(40)}&timestamp=${timestamp}&nonce=${nonce}&echostr=hello123`);
    expect(bad.status).toBe(401);
  });

  it('refuses a message with a bad signature, or encrypted for another account, before anything runs', async () => {
    const before = h.fake.calls.length;
    const msg = oaText('o-bad', '你好');
    expect((await postCallback(h.oaUrl, callback(OA_SECRETS, msg, { badSignature: true }))).status).toBe(401);
    expect((await postCallback(h.oaUrl, callback(OA_SECRETS, msg, { wrongReceiver: true }))).status).toBe(401);
    // Plain mode is not accepted when an EncodingAESKey is configured.
    expect((await postCallback(h.oaUrl, callback({ ...OA_SECRETS, aesKey: undefined }, msg))).status).toBe(401);
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-bad');
    expect(transcript.items).toHaveLength(0);
    expect(h.fake.calls.length).toBe(before);
  });

  it('refuses (403) a signed callback whose timestamp is more than 5 minutes old or ahead (a replay), before anything runs', async () => {
    const before = h.fake.calls.length;
    const old = oaText('o-replay', '退货报25是什么意思');
    expect((await postCallback(h.oaUrl, callback(OA_SECRETS, old, { skewSeconds: -6 * 60 }))).status).toBe(403);
    expect((await postCallback(h.oaUrl, callback(OA_SECRETS, oaText('o-replay', '你好'), { skewSeconds: 6 * 60 }))).status).toBe(403);
    const stale = nowTimestamp(-6 * 60);
    expect((await fetch(`${h.oaUrl}?signature=${signatureOf(OA_TOKEN, stale, 'n0nce')}&timestamp=${stale}&nonce=n0nce&echostr=hello123`)).status).toBe(403);
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-replay');
    expect(transcript.items).toHaveLength(0);
    expect(h.fake.calls.length).toBe(before);
    // The same message signed now (WeChat's own retry) is taken.
    const done = handled(String(old.MsgId));
    expect((await postCallback(h.oaUrl, callback(OA_SECRETS, old))).status).toBe(200);
    expect((await done).outcome).toBe('processed');
  });

  it('answers a question passively (encrypted reply) within the 5 seconds', async () => {
    const res = await postCallback(h.oaUrl, callback(OA_SECRETS, oaText('o-passive', '退货报25是什么意思')));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(5000);
    const reply = openReply(OA_SECRETS, res.text);
    const texts = reply ? [String(reply.Content)] : [];
    if (!reply) texts.push(...apiTexts('o-passive'));
    expect(reply?.ToUserName ?? 'o-passive').toBe('o-passive');
    expect(texts.join('\n')).toContain('返回码25');
  });

  it('ends an answer with 👍/👎 as numbered options; the number sent back is stored as feedback on that answer', async () => {
    const asked = await postCallback(h.oaUrl, callback(OA_SECRETS, oaText('o-feedback', '退货多久能到账')));
    const reply = openReply(OA_SECRETS, asked.text);
    const answer = reply ? String(reply.Content) : apiTexts('o-feedback').join('\n');
    expect(answer).toContain('来源：');
    const down = answer.split('\n').find((l) => /^\d+\. 👎 没帮助$/.test(l));
    expect(down, answer).toBeDefined();
    const msg = oaText('o-feedback', down!.split('.')[0]!);
    const done = handled(String(msg.MsgId));
    await postCallback(h.oaUrl, callback(OA_SECRETS, msg));
    await done;
    await adapter.settled();
    const stored = (await h.ts.server.runtime()!.feedback.list()).filter((f) => f.conversationId === 'wxoa:o-feedback');
    expect(stored).toMatchObject([{ channelId: WECHAT_OFFICIAL_CHANNEL_ID, rating: 'down', question: '退货多久能到账' }]);
  });

  it('processes a callback WeChat repeats (same MsgId, also while the first still waits) once', async () => {
    const msg = oaText('o-retry', '退货报25是什么意思');
    const request = callback(OA_SECRETS, msg);
    const done = handled(String(msg.MsgId));
    const [first, second] = await Promise.all([postCallback(h.oaUrl, request), postCallback(h.oaUrl, request)]);
    const third = await postCallback(h.oaUrl, callback(OA_SECRETS, msg));
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    await done;
    await adapter.settled();
    // One of the deliveries carried the answer; the others were told "success".
    expect([first.text, second.text, third.text].filter((t) => t === 'success').length).toBeGreaterThanOrEqual(2);
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-retry');
    expect(transcript.items.filter((a) => a.type === 'message' && a.from?.role === 'user')).toHaveLength(1);
  });

  it('greets a new follower (subscribe event)', async () => {
    const res = await postCallback(h.oaUrl, callback(OA_SECRETS, oaEvent('o-follow', 'subscribe')));
    await adapter.settled();
    const reply = openReply(OA_SECRETS, res.text);
    const texts = [...(reply ? [String(reply.Content)] : []), ...apiTexts('o-follow')];
    expect(texts.join('\n').length).toBeGreaterThan(0);
  });

  it('downloads an image by MediaId, stores it and gives it to the bot; falls back to the PicUrl', async () => {
    const bytes = readFileSync(SLIP);
    const picUrl = h.fake.addMedia('media-slip-1', bytes, 'image/png');
    const msg = oaImage('o-image', 'media-slip-1', picUrl);
    const done = handled(String(msg.MsgId));
    await postCallback(h.oaUrl, callback(OA_SECRETS, msg));
    expect((await done).outcome).toBe('processed');
    expect(h.fake.callsTo('/cgi-bin/media/get').some((c) => c.query.media_id === 'media-slip-1')).toBe(true);
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-image');
    const inbound = transcript.items.find((a) => a.from?.role === 'user');
    expect(inbound?.attachments?.[0]?.contentType).toBe('image/png');

    // media/get fails (expired media): the PicUrl is fetched instead.
    h.fake.failNext('/cgi-bin/media/get', 40007, 'invalid media_id');
    const again = oaImage('o-image', 'media-slip-1', picUrl);
    const doneAgain = handled(String(again.MsgId));
    await postCallback(h.oaUrl, callback(OA_SECRETS, again));
    expect((await doneAgain).outcome).toBe('processed');
    expect(h.fake.callsTo('/pic/media-slip-1').length).toBeGreaterThan(0);
  });

  it('says why a voice message without recognition is not taken', async () => {
    const msg = { ...oaText('o-voice', ''), MsgType: 'voice', MediaId: 'voice-1', Format: 'amr', Content: undefined };
    const res = await postCallback(h.oaUrl, callback(OA_SECRETS, msg));
    await adapter.settled();
    const reply = openReply(OA_SECRETS, res.text);
    const texts = [...(reply ? [String(reply.Content)] : []), ...apiTexts('o-voice')];
    expect(texts.join('\n')).toContain('语音消息');
  });

  it('renews a refused access token once and sends the message (customer-service API)', async () => {
    await postCallback(h.oaUrl, callback(OA_SECRETS, oaText('o-token', '你好')));
    await adapter.settled();
    const tokensBefore = h.fake.callsTo('/cgi-bin/token').length;
    h.fake.expireTokens();
    const from = h.fake.calls.length;
    await adapter.continueConversation(
      { channelId: WECHAT_OFFICIAL_CHANNEL_ID, conversation: { id: 'wxoa:o-token' } as never, user: { id: 'wxoa:o-token', name: 'o-token' }, serviceUrl: 'urn:pos-assist:wechat-official' },
      async (context) => void (await context.sendActivity('您的申请已受理')),
    );
    expect(h.fake.callsTo('/cgi-bin/token').length).toBe(tokensBefore + 1);
    const sends = h.fake.calls.slice(from).filter((c) => c.path === '/cgi-bin/message/custom/send');
    expect(sends.map((c) => c.body.text?.content)).toContain('您的申请已受理');
  });

  it('does not drop a message for a user outside the 48-hour window: logged, thrown, kept in the transcript', async () => {
    const storage = new SqlStorage(h.ts.server.runtime()!.store.db);
    await storage.write({ 'wechat-official/reach/o-gone': { value: Date.now() - 1000, eTag: '*' } });
    const from = h.fake.calls.length;
    let failure: unknown;
    await adapter.continueConversation(
      { channelId: WECHAT_OFFICIAL_CHANNEL_ID, conversation: { id: 'wxoa:o-gone' } as never, user: { id: 'wxoa:o-gone', name: 'o-gone' }, serviceUrl: 'urn:pos-assist:wechat-official' },
      async (context) => {
        try {
          await context.sendActivity('您的申请已批准');
        } catch (err) {
          failure = err;
        }
      },
    );
    expect(failure).toBeInstanceOf(WindowClosedError);
    expect(h.fake.calls.slice(from).filter((c) => c.path === '/cgi-bin/message/custom/send')).toHaveLength(0);
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-gone');
    expect(transcript.items.map((a) => a.text)).toContain('您的申请已批准');
  });

  it("an agent's reply outside the window fails visibly for the agent (HANDOFF_NOT_DELIVERED)", async () => {
    const runtime = h.ts.server.runtime()!;
    const agents = new AgentStore(runtime.store.db, { loginMaxFailures: 5, lockoutMinutes: 15 });
    const agent = await agents.add({ name: 'oa-window', role: 'agent', password: 'long-enough-pw' });
    await agents.touch(agent.id);
    const view = { ...agent, presence: 'online' as const };
    const msg = oaText('o-late', '转人工客服');
    const done = handled(String(msg.MsgId));
    await postCallback(h.oaUrl, callback(OA_SECRETS, msg));
    await done;
    await adapter.settled();
    const handoff = (await runtime.handoff.store.list(['waiting'])).find((x) => x.conversationId === 'wxoa:o-late')!;
    await runtime.handoff.claim(handoff.id, view);
    await new SqlStorage(runtime.store.db).write({ 'wechat-official/reach/o-late': { value: Date.now() - 1000, eTag: '*' } });
    await expect(runtime.handoff.sendToMerchant(handoff.id, view, '还在吗？')).rejects.toMatchObject({ code: 'HANDOFF_NOT_DELIVERED', status: 502 });
    const transcript = await runtime.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-late');
    expect(transcript.items.map((a) => a.text)).toContain('还在吗？');
  });

  it('masks a card number before it is stored or sent', async () => {
    const msg = oaText('o-card', '我的卡号是6222021234567890128，刷错了');
    const done = handled(String(msg.MsgId));
    const res = await postCallback(h.oaUrl, callback(OA_SECRETS, msg));
    await done;
    await adapter.settled();
    const transcript = await h.ts.server.runtime()!.transcripts.getTranscriptActivities(WECHAT_OFFICIAL_CHANNEL_ID, 'wxoa:o-card');
    const all = JSON.stringify(transcript.items) + res.text + JSON.stringify(openReply(OA_SECRETS, res.text)) + JSON.stringify(h.fake.calls);
    expect(all).not.toContain('6222021234567890128');
    expect(transcript.items.find((a) => a.from?.role === 'user')?.text).toContain('622202*********0128');
  });

  it('shows the channel in /readyz', async () => {
    const ready = (await (await fetch(`${h.ts.url}/readyz`)).json()) as { channels: Record<string, string> };
    expect(ready.channels.wechatOfficial).toBe('up');
    expect(ready.channels.wecomKf).toBe('up');
  });
});

