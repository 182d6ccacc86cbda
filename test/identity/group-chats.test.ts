/**
 * Identity on Telegram (issue 15): a stranger holding the merchant ID learns nothing of its requests until
 * bound with a binding code; in a group every member shares one conversation, so requests, their status
 * and supplements are handled in a private chat only, and each member of a group has a conversation state
 * of their own. grammY against the fake Bot API server; the real
 * runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalRequest } from '../requests/helpers.js';
import { TEST_BOT, groupChat, person, privateChat, sentTexts, startHarness, textUpdate, type Harness } from '../telegram/helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('Telegram private chats', () => {
  it('a stranger with the merchant ID gets "not found" for its ticket and cannot supplement it; bound with a binding code, the same user sees it', async () => {
    const merchant = '898310048160321';
    const created = await h.rt.runtime.requests.create({ ...terminalRequest('shop-owner', '600000000001'), merchantId: merchant, dedupeKey: null });
    if (created.duplicate) throw new Error('a fresh request');
    const user = person(5050);
    const chat = privateChat(user.id);
    const status = async () => {
      await h.send(textUpdate(user, '查询申请状态', chat));
      await h.send(textUpdate(user, merchant, chat));
      return sentTexts((await h.send(textUpdate(user, created.request.ticket, chat))).calls).join('\n');
    };
    expect(await status()).toMatch(/没有找到[\s\S]*绑定/);
    await h.rt.runtime.requests.transition(created.request.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充签购单照片' });
    await h.send(textUpdate(user, '补充材料', chat));
    await h.send(textUpdate(user, merchant, chat));
    expect(sentTexts((await h.send(textUpdate(user, created.request.ticket, chat))).calls).join('\n')).toMatch(/没有找到/);
    await h.send(textUpdate(user, '不弄了', chat));
    await h.send(textUpdate(user, '是', chat));
    const { code } = await h.rt.runtime.identities.issueCode(merchant);
    expect(sentTexts((await h.send(textUpdate(user, `/bind ${code}`, chat))).calls).join('\n')).toContain('验证成功');
    const shown = await status();
    expect(shown).toContain(created.request.ticket);
    expect(shown).not.toContain('没有找到');
  });
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

  it('each member has a state of their own: a code one member was asked for cannot be used by another', async () => {
    const merchant = '898310048160322';
    const asker = person(4041);
    const other = person(4042);
    const said = async (who: ReturnType<typeof person>, text: string) =>
      sentTexts((await h.send(textUpdate(who, `@${TEST_BOT.username} ${text}`, group))).calls).join('\n');
    expect(await said(asker, '绑定')).toContain('8 位绑定码');
    const { code } = await h.rt.runtime.identities.issueCode(merchant);
    // The other member's 8 digits are not read as the code the asker was asked for.
    expect(await said(other, code)).not.toContain('验证成功');
    expect(await h.rt.runtime.identities.binding({ channelId: 'telegram', userId: `tg:${other.id}` }, merchant)).toBeUndefined();
    expect(await said(asker, code)).toContain('验证成功');
    expect(await h.rt.runtime.identities.binding({ channelId: 'telegram', userId: `tg:${asker.id}` }, merchant)).toBeDefined();
  });

  it('the same words in a private chat start the request', async () => {
    const { calls } = await h.send(textUpdate(member, '我要撤销一笔交易', privateChat(member.id)));
    expect(sentTexts(calls).join('\n')).toMatch(/商户编号/);
  });
});
