/**
 * Wrong credentials: the Official Account still answers passively (`passive-only`), the kf channel does
 * not start (`failed`); the web chat and the other channels stay up.
 */
import { expect, it } from 'vitest';
import { callback, KF_SECRETS, kfCallback, oaText, OA_SECRETS, openReply, postCallback, startPlatformServer } from '../wechat-platform/callbacks.js';

it('shows passive-only and failed in /readyz when WeChat refuses the secrets', async () => {
  const h = await startPlatformServer({ WECHAT_OA_APP_SECRET: 'ffffffffffffffffffffffffffffffff', WECOM_KF_SECRET: 'wrong_secret_0123456789abcdef' });
  try {
    const ready = (await (await fetch(`${h.ts.url}/readyz`)).json()) as { status: string; channels: Record<string, string> };
    expect(ready.status).toBe('ready');
    expect(ready.channels).toMatchObject({ webchat: 'up', wechatOfficial: 'passive-only', wecomKf: 'failed' });
    // The passive reply needs no token.
    const res = await postCallback(h.oaUrl, callback(OA_SECRETS, oaText('o-passive-only', '退货报25是什么意思')));
    expect(res.status).toBe(200);
    const reply = openReply(OA_SECRETS, res.text);
    if (reply) expect(String(reply.Content)).toContain('返回码25');
    // An authentic kf callback gets 503 (the channel is not running), so WeCom retries later.
    expect((await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback()))).status).toBe(503);
  } finally {
    await h.close();
  }
}, 60_000);
