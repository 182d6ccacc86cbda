/**
 * What one Telegram user may send (issue 16, item 12): each message can cost a model call, so past
 * CHAT_MESSAGES_PER_MINUTE or CHAT_MAX_TEXT_LENGTH a message is kept in the transcript but not run, and
 * the user is told why once a minute (a flood does not get a flood back). grammY against the fake Bot API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, privateChat, sentTexts, startHarness, textUpdate, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHAT_MESSAGES_PER_MINUTE: '3', CHAT_MAX_TEXT_LENGTH: '200' } });
});
afterAll(async () => {
  await h?.close();
});

describe('per-user limits', () => {
  it('past the message rate: kept, not answered, told once', async () => {
    const user = person(7070);
    const chat = privateChat(user.id);
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) replies.push(sentTexts((await h.send(textUpdate(user, `撤销和退货有什么区别 ${i}`, chat))).calls).join('\n'));
    expect(replies.slice(0, 3).every((r) => r.includes('来源'))).toBe(true);
    expect(replies[3]).toMatch(/^发送太频繁了，请 \d+ 秒后再试。$/);
    expect(replies[4]).toBe('');
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', `tg:${chat.id}`);
    expect(page.items.filter((a) => a.from?.role === 'user')).toHaveLength(5);
    // Another user is not affected.
    const other = person(7071);
    expect(sentTexts((await h.send(textUpdate(other, '撤销和退货有什么区别', privateChat(other.id)))).calls).join('\n')).toContain('来源');
  });

  it('a text past the longest allowed is not run, and the user is told the limit', async () => {
    const user = person(7072);
    const reply = sentTexts((await h.send(textUpdate(user, '退货'.repeat(150), privateChat(user.id)))).calls).join('\n');
    expect(reply).toBe('消息太长了（最多 200 个字），请分几次发送。');
  });
});
