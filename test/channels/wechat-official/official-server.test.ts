/**
 * The Official Account channel in the real server: callbacks built with the real crypto and posted over
 * real HTTP, the fake WeChat API on 127.0.0.1 (test/channels/wechat-platform/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlStorage } from '../../../src/store/index.js';
import { OfficialAccountAdapter, WECHAT_OFFICIAL_CHANNEL_ID, WindowClosedError } from '../../../src/channels/wechat-official/index.js';
import type { MessageHandled } from '../../../src/channels/wechat-official/index.js';
import { signatureOf } from '../../../src/channels/wechat-official/callback.js';
import { callback, nextMsgId, oaEvent, oaImage, oaText, OA_SECRETS, OA_TOKEN, openReply, postCallback, startPlatformServer, type PlatformServer } from '../wechat-platform/callbacks.js';

const SLIP = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'fixtures', 'files', 'slip.png');

let h: PlatformServer;
let adapter: OfficialAccountAdapter;

function handled(platformId: string): Promise<MessageHandled> {
  return new Promise((resolve) => {
    const listener = (m: MessageHandled) => {
      if (m.platformId !== platformId) return;
      adapter.events.off('message', listener);
      resolve(m);
    };
    adapter.events.on('message', listener);
  });
}

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
    const timestamp = '1764500000';
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
});
