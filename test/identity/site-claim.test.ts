/**
 * The provider's site says who its logged-in user is (issue 15): its backend asks for a Direct Line token
 * with the secret and a merchant claim signed with it; the web chat user is then bound to that merchant.
 * A forged, unsigned, expired or too long-lived claim is refused and nothing is created. Real server, real
 * HTTP on 127.0.0.1.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERCHANT_CLAIM_AUDIENCE, signMerchantClaim } from '../../src/channels/webchat/tokens.js';
import { terminalRequest } from '../requests/helpers.js';
import { call, clientActivityId, jsonPost, postActivity, settledActivities, startTestServer, botMessages, type TestServer } from '../webchat/helpers.js';

const SECRET = 's'.repeat(40);
const MERCHANT = '898310048160555';
let ts: TestServer;
let ticket: string;

beforeAll(async () => {
  ts = await startTestServer({ DIRECTLINE_SECRET: SECRET, WEBCHAT_MESSAGES_PER_MINUTE: '1000' });
  // A request of this merchant filed elsewhere (another channel, another person of the shop).
  const created = await ts.server.runtime()!.requests.create({ ...terminalRequest('shop-owner', '400000000001'), merchantId: MERCHANT, dedupeKey: null });
  if (created.duplicate) throw new Error('a fresh database has no duplicate');
  ticket = created.request.ticket;
});
afterAll(async () => {
  await ts?.destroy();
});

/** What the provider's backend does: POST tokens/generate with the secret. */
const generate = (body: Record<string, unknown>) => call(`${ts.dl}/tokens/generate`, jsonPost(SECRET, body));

async function conversationCount(): Promise<number> {
  const row = await ts.server.runtime()!.store.db.selectFrom('dl_conversations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function ask(conv: { conversationId: string; token: string; userId: string }, text: string): Promise<string> {
  const posted = await postActivity(ts, conv, { type: 'message', from: { id: conv.userId }, text, channelData: { clientActivityID: clientActivityId() } });
  // Once the turn is over: a turn may answer with several messages, each visible as soon as it is stored.
  const activities = await settledActivities(ts, conv);
  return botMessages(activities.filter((a) => a.replyToId === posted.body.id)).map((a) => a.text ?? '').join('\n');
}

describe('a merchant claim from the provider’s site', () => {
  it('binds the web chat user to the merchant: its requests are visible at once', async () => {
    const res = await generate({ user: { id: 'site-user-7' }, merchantClaim: await signMerchantClaim(SECRET, MERCHANT) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'site-user-7', merchantId: MERCHANT, token: expect.any(String) });
    const started = await call(`${ts.dl}/conversations`, jsonPost(res.body.token, {}));
    const conv = { conversationId: res.body.conversationId as string, token: started.body.token as string, userId: 'site-user-7' };
    await ask(conv, '查一下工单进度');
    await ask(conv, MERCHANT);
    const status = await ask(conv, ticket);
    expect(status).toContain(ticket);
    expect(status).not.toMatch(/没有找到|绑定/);
  });

  it('without a claim the same question gets "not found" and how to verify', async () => {
    const res = await generate({ user: { id: 'site-user-8' } });
    const started = await call(`${ts.dl}/conversations`, jsonPost(res.body.token, {}));
    const conv = { conversationId: res.body.conversationId as string, token: started.body.token as string, userId: 'site-user-8' };
    await ask(conv, '查一下工单进度');
    await ask(conv, MERCHANT);
    expect(await ask(conv, ticket)).toContain('绑定');
  });

  it('refuses a forged, unsigned, expired, long-lived or plain claim (401 DL_BAD_CLAIM) and creates nothing', async () => {
    const key = (s: string) => new TextEncoder().encode(s);
    const now = Math.floor(Date.now() / 1000);
    const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const unsignedBody = Buffer.from(JSON.stringify({ sub: MERCHANT, aud: MERCHANT_CLAIM_AUDIENCE, iat: now, exp: now + 60 })).toString('base64url');
    const claims: [string, unknown][] = [
      ['another key', await signMerchantClaim('x'.repeat(40), MERCHANT)],
      ['unsigned', `${unsignedHeader}.${unsignedBody}.`],
      ['expired', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(MERCHANT).setAudience(MERCHANT_CLAIM_AUDIENCE).setIssuedAt(now - 900).setExpirationTime(now - 600).sign(key(SECRET))],
      ['a day long', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(MERCHANT).setAudience(MERCHANT_CLAIM_AUDIENCE).setIssuedAt(now).setExpirationTime(now + 86_400).sign(key(SECRET))],
      ['another audience', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(MERCHANT).setAudience('directline').setIssuedAt(now).setExpirationTime(now + 60).sign(key(SECRET))],
      ['the bare merchant ID', MERCHANT],
      ['an object', { merchantId: MERCHANT }],
    ];
    const before = await conversationCount();
    for (const [what, merchantClaim] of claims) {
      const res = await generate({ user: { id: 'forger' }, merchantClaim });
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe('DL_BAD_CLAIM');
    }
    expect(await conversationCount()).toBe(before);
    expect(await ts.server.runtime()!.identities.bindings({ channelId: 'directline', userId: 'forger' })).toEqual([]);
  });
});
