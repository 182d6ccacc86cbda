/**
 * A decision whose notice fails at decision time (the merchant's channel briefly failing) is told again
 * by the server's periodic retry — once, in the same Direct Line conversation — instead of waiting for
 * the next start. A REAL server; the failure is injected into the web chat adapter for one call.
 */
import type { ConversationReference } from 'botbuilder';
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import type { WebChatAdapter } from '../../src/channels/webchat/webchat-adapter.js';
import { call, getActivities, jsonPost, openConversation, sleep, startTestServer, waitFor, type TestServer } from '../webchat/helpers.js';

const API_KEY = 'backoffice-key-0123456789abcdef';
let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.destroy();
  ts = undefined;
});

/** A request filed from a fresh Direct Line conversation of the test server, ready for the back office to decide. */
async function filedFromWebChat(server: TestServer, merchantId: string) {
  const runtime = server.server.runtime()!;
  const conv = await openConversation(server);
  const reference: Partial<ConversationReference> = {
    channelId: 'directline',
    serviceUrl: server.url,
    conversation: { id: conv.conversationId, isGroup: false, conversationType: 'personal', name: conv.conversationId },
    bot: { ...BOT_ACCOUNT },
    user: { id: conv.userId, name: conv.userId },
  };
  const created = await runtime.requests.create({
    kind: 'cancel-transaction',
    merchantId,
    slots: { merchant_id: merchantId, amount: 28000 },
    channelId: 'directline',
    conversationRef: reference,
    dedupeKey: null,
  });
  if (created.duplicate) throw new Error('unexpected duplicate');
  return { runtime, conv, ticket: created.request.ticket, id: created.request.id };
}

/** The web chat channel fails its first delivery, then delivers each after `delayMs`. */
function failOnceThenDeliver(runtime: ReturnType<TestServer['server']['runtime']> & object, delayMs: number): void {
  const adapter = runtime.handoffDelivery.adapterFor('directline') as WebChatAdapter;
  const original = adapter.continueConversation.bind(adapter);
  let calls = 0;
  adapter.continueConversation = async (ref, logic) => {
    if (calls++ === 0) throw new Error('channel briefly down');
    if (delayMs > 0) await sleep(delayMs);
    return original(ref, logic);
  };
}

/** The back office approves the request. */
const approve = (server: NonNullable<typeof ts>, id: string) =>
  call(`${server.url}/api/requests/${id}/status`, jsonPost(undefined, { status: 'approved' }, { authorization: `Bearer ${API_KEY}` }));
/** The bot's messages in the conversation that name the ticket. */
const noticesOf = async (server: NonNullable<typeof ts>, conv: Parameters<typeof getActivities>[1], ticket: string) =>
  (await getActivities(server, conv)).activities.filter((a) => a.from?.role === 'bot' && a.type === 'message' && a.text?.includes(ticket));

describe('decision notices', () => {
  it('are retried while the server runs when telling the merchant failed, and told once', async () => {
    ts = await startTestServer({ BACKOFFICE_API_KEY: API_KEY, WEBCHAT_TOKENS_PER_MINUTE: '1000' }, { noticeRetryMs: 300 });
    const { runtime, conv, ticket, id } = await filedFromWebChat(ts, '898310048160001');

    // The channel fails once, at decision time.
    failOnceThenDeliver(runtime, 0);

    expect((await approve(ts, id)).status).toBe(200);
    const notices = () => noticesOf(ts!, conv, ticket);
    expect(await notices()).toHaveLength(0);

    // The retry tells the merchant, once, and marks it told.
    await waitFor(async () => ((await notices()).length > 0 ? true : undefined), 'the retried notice', 10_000);
    await sleep(1_000);
    expect(await notices()).toHaveLength(1);
    expect(await runtime.requests.pendingNotifications()).toHaveLength(0);
  });

  it('are told once when telling the merchant takes longer than the retry interval', async () => {
    ts = await startTestServer({ BACKOFFICE_API_KEY: API_KEY, WEBCHAT_TOKENS_PER_MINUTE: '1000' }, { noticeRetryMs: 300 });
    const { runtime, conv, ticket, id } = await filedFromWebChat(ts, '898310048160002');

    // Down once at decision time; then each notice takes 1.5 s, five retry intervals.
    failOnceThenDeliver(runtime, 1_500);

    expect((await approve(ts, id)).status).toBe(200);
    const notices = () => noticesOf(ts!, conv, ticket);
    await waitFor(async () => ((await notices()).length > 0 ? true : undefined), 'the retried notice', 10_000);
    await waitFor(async () => ((await runtime.requests.pendingNotifications()).length === 0 ? true : undefined), 'the notice marked told', 10_000);
    // Long enough for any second batch started meanwhile to have sent its copy.
    await sleep(2_000);
    expect(await notices()).toHaveLength(1);
    // A server start, a filing through Web Chat, a 1.5 s delivery and the 2 s wait above: more than vitest's
    // default 5 s on a loaded machine.
  }, 20_000);
});
