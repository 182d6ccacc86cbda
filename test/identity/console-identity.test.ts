/**
 * Agents see who the merchant has proven to be (issue 15): the handoff package and a request say whether
 * the identity is verified for the merchant; a supervisor can remove a binding, an agent cannot. Real
 * server, a web chat merchant over Direct Line, the console API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Merchant, agent, api, details, onlyHandoff, startHandoffServer } from '../handoff/helpers.js';
import { terminalRequest } from '../requests/helpers.js';
import type { TestServer } from '../webchat/helpers.js';

const MERCHANT = '898310048160999';
let ts: TestServer;
beforeAll(async () => {
  ts = await startHandoffServer();
});
afterAll(async () => {
  await ts?.destroy();
});

describe('identity in the agent console', () => {
  it('the handoff package says whether the merchant is verified; a supervisor may unbind, an agent may not', async () => {
    const sup = await agent(ts, 'sup', 'supervisor');
    const plain = await agent(ts, 'plain');
    const verified = await Merchant.open(ts);
    const { code } = await ts.server.runtime()!.identities.issueCode(MERCHANT);
    await verified.turn(`绑定 ${code}`, '验证成功');
    await verified.turn('转人工', '正在为您转接人工客服');
    const stranger = await Merchant.open(ts);
    await stranger.turn('转人工', '正在为您转接人工客服');

    const mine = await details(ts, sup, (await onlyHandoff(ts, verified.conversationId)).id);
    expect(mine.package.channel.verified).toEqual([{ merchantId: MERCHANT, method: 'binding_code', at: expect.any(String) }]);
    expect(mine.package.summary).toContain(`身份：已验证为商户 ${MERCHANT}`);
    const theirs = await details(ts, sup, (await onlyHandoff(ts, stranger.conversationId)).id);
    expect(theirs.package.channel.verified).toEqual([]);
    expect(theirs.package.summary).toContain('身份：未验证');

    const body = { channelId: mine.package.channel.id, userId: mine.package.channel.userId, merchantId: MERCHANT };
    expect((await api(ts, plain, 'POST', '/agent/api/identities/unbind', { body })).status).toBe(403);
    const removed = await api(ts, sup, 'POST', '/agent/api/identities/unbind', { body });
    expect([removed.status, removed.body]).toEqual([200, { removed: 1 }]);
    expect(await ts.server.runtime()!.identities.bindings({ channelId: body.channelId, userId: body.userId! })).toEqual([]);
  });

  it('a request shows whether its filer was verified', async () => {
    const sup = await agent(ts, 'sup2', 'supervisor');
    const created = await ts.server.runtime()!.requests.create({ ...terminalRequest('someone', '500000000001'), merchantId: MERCHANT, dedupeKey: null });
    if (created.duplicate) throw new Error('a fresh request');
    const view = await api(ts, sup, 'GET', `/agent/api/requests/${created.request.id}`);
    expect(view.body.request.identity).toEqual({ verified: false, method: null, channel: 'terminal', userId: 'someone' });
  });
});
