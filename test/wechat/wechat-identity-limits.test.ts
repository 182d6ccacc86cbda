/**
 * WeChat, the real wechaty with its mock puppet (issues 15 and 16): a stranger holding a merchant ID sees
 * none of its requests until bound with a binding code; requests are handled in private chats only; and
 * what one contact may send is limited (kept in the transcript, not run, told once a minute).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalRequest } from '../requests/helpers.js';
import { BOT_NAME, joinTexts, startHarness, type Harness } from './helpers.js';

const MERCHANT = '898310048160432';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHAT_MESSAGES_PER_MINUTE: '10', CHAT_MAX_TEXT_LENGTH: '200' } });
});
afterAll(async () => {
  await h?.close();
});

describe('WeChat', () => {
  it('a stranger with the merchant ID gets "not found" for its ticket and cannot supplement it; bound with a binding code, the same contact sees it', async () => {
    const created = await h.rt.runtime.requests.create({ ...terminalRequest('shop-owner', '700000000001'), merchantId: MERCHANT, dedupeKey: null });
    if (created.duplicate) throw new Error('a fresh request');
    const contact = h.contact('王老板');
    const status = async () => {
      await h.say(contact, '查询申请状态');
      await h.say(contact, MERCHANT);
      return joinTexts((await h.say(contact, created.request.ticket)).replies);
    };
    expect(await status()).toMatch(/没有找到[\s\S]*绑定/);
    await h.rt.runtime.requests.transition(created.request.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充签购单照片' });
    // Another stranger (each contact may send 10 messages a minute here).
    const passer = h.contact('路人');
    await h.say(passer, '补充材料');
    await h.say(passer, MERCHANT);
    expect(joinTexts((await h.say(passer, created.request.ticket)).replies)).toMatch(/没有找到/);
    expect((await h.rt.runtime.requests.details(created.request.id))!.supplements).toEqual([]);
    const { code } = await h.rt.runtime.identities.issueCode(MERCHANT);
    expect(joinTexts((await h.say(contact, `绑定 ${code}`)).replies)).toContain('验证成功');
    const shown = await status();
    expect(shown).toContain(created.request.ticket);
    expect(shown).not.toContain('没有找到');
  });

  it('a request asked for in a room is sent to a private chat', async () => {
    const member = h.contact('店员小李');
    const room = h.room('门店群', [member]);
    const asked = await h.say(member, `@${BOT_NAME}\u2005我要撤销一笔交易`, { room, mentions: [h.me] });
    expect(joinTexts(asked.replies)).toContain('请私聊我');
    expect(joinTexts(asked.replies)).not.toContain('商户编号');
  });

  it('in a room each member has a state of their own: the code one member was asked for is not taken from another', async () => {
    const asker = h.contact('店长');
    const other = h.contact('收银员');
    const room = h.room('分店群', [asker, other]);
    const said = async (who: typeof asker, text: string) =>
      joinTexts((await h.say(who, `@${BOT_NAME}\u2005${text}`, { room, mentions: [h.me] })).replies);
    expect(await said(asker, '绑定')).toContain('8 位绑定码');
    const { code } = await h.rt.runtime.identities.issueCode(MERCHANT);
    expect(await said(other, code)).not.toContain('验证成功');
    expect(await h.rt.runtime.identities.binding({ channelId: 'wechat', userId: `wx:${other.id}` }, MERCHANT)).toBeUndefined();
    expect(await said(asker, code)).toContain('验证成功');
    expect(await h.rt.runtime.identities.binding({ channelId: 'wechat', userId: `wx:${asker.id}` }, MERCHANT)).toBeDefined();
  });

  it('past the message rate or the longest text, a message is kept but not run, and the contact told once', async () => {
    const contact = h.contact('发得很快的人');
    const replies: string[] = [];
    for (let i = 0; i < 12; i++) replies.push(joinTexts((await h.say(contact, `你好 ${i}`)).replies));
    expect(replies.slice(0, 10).every((r) => r.length > 0 && !r.includes('发送太频繁'))).toBe(true);
    expect(replies[10]).toMatch(/^发送太频繁了，请 \d+ 秒后再试。$/);
    expect(replies[11]).toBe('');
    const long = h.contact('写长文的人');
    expect(joinTexts((await h.say(long, '退货'.repeat(150))).replies)).toBe('消息太长了（最多 200 个字），请分几次发送。');
  });
});
