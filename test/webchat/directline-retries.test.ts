/**
 * Client retries: Direct Line clients re-post a message (same `channelData.clientActivityID`) when they
 * did not see the answer to their POST. The server must store it once, answer it once, and give the
 * retry the id of the stored activity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  botMessages,
  clientActivityId,
  openConversation,
  postActivity,
  startTestServer,
  waitForReply,
  settledActivities,
  type TestServer,
} from './helpers.js';

const QUESTION = 'POS机已经结算了还能撤销交易吗';
const LIMIT = 3;

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({ WEBCHAT_MESSAGES_PER_MINUTE: String(LIMIT), WEBCHAT_TOKENS_PER_MINUTE: '1000' });
});

afterAll(async () => {
  await ts?.destroy();
});

const message = (text: string, clientId: string) => ({ type: 'message', text, channelData: { clientActivityID: clientId } });

function userEchoes(activities: { from: { role?: string }; channelData?: any }[], clientId: string) {
  return activities.filter((a) => a.from.role === 'user' && a.channelData?.clientActivityID === clientId);
}

describe('retries with the same clientActivityID', () => {
  it('a retry after the answer gets the same id; one echo, one answer', async () => {
    const conv = await openConversation(ts);
    const clientId = clientActivityId();
    const first = await postActivity(ts, conv, message(QUESTION, clientId));
    expect(first.status).toBe(200);
    await waitForReply(ts, conv, first.body.id);
    const retry = await postActivity(ts, conv, message(QUESTION, clientId));
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);

    const activities = await settledActivities(ts, conv);
    expect(userEchoes(activities, clientId)).toHaveLength(1);
    const answers = botMessages(activities).filter((a) => a.replyToId === first.body.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.text).toContain('只能做退货');
    expect(botMessages(activities)).toHaveLength(2); // greeting + the one answer
  });

  it('concurrent duplicates (a client retrying before the first POST returned) all get the same id', async () => {
    const conv = await openConversation(ts);
    const clientId = clientActivityId();
    const results = await Promise.all(Array.from({ length: LIMIT }, () => postActivity(ts, conv, message(QUESTION, clientId))));
    expect(results.map((r) => r.status)).toEqual(Array(LIMIT).fill(200));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    await waitForReply(ts, conv, id!);
    const activities = await settledActivities(ts, conv);
    expect(userEchoes(activities, clientId)).toHaveLength(1);
    expect(botMessages(activities).filter((a) => a.replyToId === id)).toHaveLength(1);
  });

  it('different client ids are different messages; the same client id in another conversation is another message', async () => {
    const one = await openConversation(ts);
    const two = await openConversation(ts);
    const clientId = clientActivityId();
    const a = await postActivity(ts, one, message('你好', clientId));
    const b = await postActivity(ts, two, message('你好', clientId));
    const c = await postActivity(ts, one, message('你好', clientActivityId()));
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
    const activities = await settledActivities(ts, one);
    expect(activities.filter((x) => x.from.role === 'user')).toHaveLength(2);
  });

  it('messages without a client id are never merged', async () => {
    const conv = await openConversation(ts);
    const a = await postActivity(ts, conv, { type: 'message', text: '你好' });
    const b = await postActivity(ts, conv, { type: 'message', text: '你好' });
    expect(a.body.id).not.toBe(b.body.id);
  });

  // Regression (fixed): the rate limiter runs before the duplicate check (DirectLineService.post: `limiter.take` comes
  // before `store.append` finds the stored activity), so a client's retry of a message that was ALREADY
  // accepted is refused with 429 DL_RATE_LIMITED once the conversation used its quota, instead of getting
  // the stored id back. Web Chat then shows the message as failed although the bot answers it.
  // Input: WEBCHAT_MESSAGES_PER_MINUTE=3; post A, B, C (3 different client ids), then re-post A → 429.
  it('a retry of an accepted message gets its id back even when the conversation is at its rate limit', async () => {
    const conv = await openConversation(ts);
    const ids = [clientActivityId(), clientActivityId(), clientActivityId()];
    const first = await postActivity(ts, conv, message('你好', ids[0]!));
    expect(first.status).toBe(200);
    for (const id of ids.slice(1)) expect((await postActivity(ts, conv, message('谢谢', id))).status).toBe(200);
    const retry = await postActivity(ts, conv, message('你好', ids[0]!));
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
  });

  // Regression (fixed): same cause — every retry is counted as a new message, so a client that retried twice can send
  // one message fewer. Input: WEBCHAT_MESSAGES_PER_MINUTE=3; post A, re-post A twice, post B → 429.
  it('retries do not use up the rate limit', async () => {
    const conv = await openConversation(ts);
    const a = clientActivityId();
    for (let i = 0; i < 3; i++) expect((await postActivity(ts, conv, message('你好', a))).status).toBe(200);
    const b = await postActivity(ts, conv, message('谢谢', clientActivityId()));
    expect(b.status).toBe(200);
  });
});
