/**
 * In a group every member shares one conversation: requests, their status and supplements are handled in
 * a private chat only, so members never see each other's merchant, ticket or notices (issue 15). grammY
 * against the fake Bot API server; the real runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT, groupChat, person, privateChat, sentTexts, startHarness, textUpdate, type Harness } from '../telegram/helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('Telegram groups', () => {
  const group = groupChat(-1009988776655);
  const member = person(4040);

  it('a request or a status check in a group is sent to a private chat; general questions are answered', async () => {
    for (const text of ['我要撤销一笔交易', '/status']) {
      const { calls } = await h.send(textUpdate(member, `@${TEST_BOT.username} ${text}`, group));
      const said = sentTexts(calls).join('\n');
      expect(said, text).toContain('请私聊我');
      expect(said, text).not.toMatch(/商户编号|工单号/);
    }
    const question = await h.send(textUpdate(member, `@${TEST_BOT.username} 已经结算的交易怎么退货`, group));
    expect(sentTexts(question.calls).join('\n')).toContain('来源');
  });

  it('the same words in a private chat start the request', async () => {
    const { calls } = await h.send(textUpdate(member, '我要撤销一笔交易', privateChat(member.id)));
    expect(sentTexts(calls).join('\n')).toMatch(/商户编号/);
  });
});
