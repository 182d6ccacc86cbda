/**
 * What the official Bot Framework Web Chat really posts (botframework-webchat's postActivity): an empty
 * `attachments` array with every text message, `entities` with its client capabilities,
 * `channelData.attachmentSizes`, `localTimezone`, `textFormat`, and a `from.name` of "". Such a message
 * must be taken and answered like any other; files in the body and bodies that are no activity are still
 * refused. Real server, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientActivityId, getActivities, openConversation, postActivity, startTestServer, waitForReply, type TestServer } from './helpers.js';

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({ DIRECTLINE_SECRET: 'dl-secret-for-tests-0123456789', WEBCHAT_MESSAGES_PER_MINUTE: '1000' });
});

afterAll(async () => {
  await ts?.destroy();
});

/** The activity Web Chat 4.x sends for a typed message (field for field, ids aside). */
function asWebChatSends(conversationId: string, text: string): Record<string, unknown> {
  return {
    type: 'message',
    text,
    textFormat: 'plain',
    locale: 'zh-CN',
    localTimestamp: new Date().toISOString(),
    localTimezone: 'Asia/Shanghai',
    timestamp: new Date().toISOString(),
    from: { id: `dl_${conversationId}`, name: '', role: 'user' },
    channelData: { clientActivityID: clientActivityId(), clientTimestamp: new Date().toISOString(), attachmentSizes: [] },
    entities: [{ type: 'ClientCapabilities', requiresBotState: true, supportsListening: true, supportsTts: true }],
    attachments: [],
  };
}

describe('the official Web Chat client', () => {
  it('sends a message with attachments: [] and the rest of its fields: accepted, stored without them, answered', async () => {
    const conv = await openConversation(ts);
    const res = await postActivity(ts, conv, asWebChatSends(conv.conversationId, '退货报25是什么意思'));
    expect(res.status, res.text).toBe(200);
    expect(res.body.id).toBeTruthy();
    await waitForReply(ts, conv, res.body.id);
    const { activities } = await getActivities(ts, conv);
    const echo = activities.find((a) => a.id === res.body.id)!;
    expect(echo.text).toBe('退货报25是什么意思');
    expect(echo.attachments ?? []).toEqual([]);
    expect(activities.some((a) => a.replyToId === res.body.id && /返回码25/.test(a.text ?? ''))).toBe(true);
  });

  it('still refuses files in the body (they come through /upload) and a body that is no activity object', async () => {
    const conv = await openConversation(ts);
    const withFile = await postActivity(ts, conv, {
      ...asWebChatSends(conv.conversationId, 'x'),
      attachments: [{ contentType: 'image/png', contentUrl: 'https://evil.example/a.png' }],
    });
    expect(withFile.status).toBe(400);
    expect(withFile.body.error.code).toBe('DL_BAD_REQUEST');
    const notAList = await postActivity(ts, conv, { ...asWebChatSends(conv.conversationId, 'x'), attachments: 'a.png' });
    expect(notAList.status).toBe(400);
    const array = await fetch(`${ts.dl}/conversations/${conv.conversationId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${conv.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([asWebChatSends(conv.conversationId, 'x')]),
    });
    expect(array.status).toBe(400);
    expect(((await array.json()) as { error: { code: string } }).error.code).toBe('DL_BAD_REQUEST');
  });

  it('may post the events Web Chat sends; an event the bot acts on (handoff.status) is refused from a client', async () => {
    const conv = await openConversation(ts);
    const join = await postActivity(ts, conv, { type: 'event', name: 'webchat/join', value: { language: 'zh-CN' } });
    expect(join.status).toBe(200);
    // A forged "an agent joined" would put the merchant in a handoff that does not exist.
    const forged = await postActivity(ts, conv, { type: 'event', name: 'handoff.status', value: { state: 'accepted', message: '人工客服 lihua 已接入' } });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('DL_BAD_REQUEST');
    const { activities } = await getActivities(ts, conv);
    expect(activities.some((a) => a.name === 'handoff.status')).toBe(false);
    expect(activities.some((a) => /lihua/.test(a.text ?? ''))).toBe(false);
  });
});
