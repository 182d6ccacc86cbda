/**
 * 👍/👎 on knowledge answers, through the real bot over the terminal channel (real SQLite, real index,
 * real flows): stored once with the question, the cited sections and the confidence; a 👎 offers a
 * rephrase or a person; the card number in a question is never stored; and a 👍 typed while a request is
 * being filled in is feedback, never a slot value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../src/i18n/messages.js';
import { AnswerFeedbackStore } from '../../src/ops/feedback-store.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

let env: TestRuntime;

beforeAll(async () => {
  env = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' });
});

afterAll(async () => {
  await env?.cleanup();
});

const feedbackOf = async (userId: string) => (await env.runtime.feedback.list()).filter((f) => f.userId === userId);
const actionsOf = (a: { suggestedActions?: { actions: { value?: unknown }[] } } | undefined) => a?.suggestedActions?.actions.map((x) => x.value) ?? [];

describe('feedback on answers', () => {
  it('offers 👍/👎 under an answer and stores a 👍 once, with the question, the cited sections and the confidence', async () => {
    const chat = terminalConversation(env.runtime, 'fb-up');
    const [answer] = await chat.say('退货多久能到账');
    expect(answer?.text).toContain('来源：');
    expect(actionsOf(answer)).toEqual(expect.arrayContaining(['👍 有帮助', '👎 没帮助']));

    const [thanks] = await chat.say('👍 有帮助');
    expect(thanks?.text).toBe(t('zh-CN', 'feedbackThanks'));
    const [stored] = await feedbackOf('fb-up');
    expect(stored).toMatchObject({ channelId: 'terminal', rating: 'up', question: '退货多久能到账', answeredBy: 'extractive', locale: 'zh-CN' });
    expect(stored!.confidence).toBeGreaterThan(0.28);
    expect(stored!.sources.length).toBeGreaterThan(0);
    expect(answer?.text).toContain(`《${stored!.sources[0]!.title}》`);

    // A second tap on the same answer is thanked, not counted again.
    await chat.say('👍');
    expect(await feedbackOf('fb-up')).toHaveLength(1);
  });

  it('a 👎 is stored and offers a rephrase or a person; the rephrase asks for the question in other words', async () => {
    const chat = terminalConversation(env.runtime, 'fb-down');
    await chat.say('How long does a refund take to reach the customer?');
    const [sorry] = await chat.say('👎 Not helpful');
    expect(sorry?.text).toBe(t('en', 'feedbackSorry'));
    expect(actionsOf(sorry)).toEqual([t('en', 'actionRephrase'), t('en', 'actionHuman')]);
    expect(await feedbackOf('fb-down')).toMatchObject([{ rating: 'down', locale: 'en', question: 'How long does a refund take to reach the customer?' }]);
    const [again] = await chat.say(t('en', 'actionRephrase'));
    expect(again?.text).toBe(t('en', 'rephraseAsk'));
  });

  it('a 👎 then the person: the handoff begins (no agent online here: a message for the agents is taken)', async () => {
    const chat = terminalConversation(env.runtime, 'fb-human');
    await chat.say('退货多久能到账');
    await chat.say('👎');
    const [handoff] = await chat.say(t('zh-CN', 'actionHuman'));
    expect(actionsOf(handoff)).toEqual([t('zh-CN', 'actionCancelWait')]);
    const [ticketed] = await chat.say('退款一直没到账，请回电');
    expect(ticketed?.text).toMatch(/电话|手机/);
  });

  it('feedback counts only for the answer just given: a message in between ends the offer', async () => {
    const chat = terminalConversation(env.runtime, 'fb-late');
    await chat.say('退货多久能到账');
    await chat.say('你好');
    await chat.say('👍');
    expect(await feedbackOf('fb-late')).toEqual([]);
  });

  it('stores no full card number: the question is masked as the transcript is', async () => {
    const chat = terminalConversation(env.runtime, 'fb-card');
    await chat.say('卡号6222021234567890128的退货多久能到账');
    await chat.say('👍');
    const [stored] = await feedbackOf('fb-card');
    expect(stored?.question).toMatch(/622202\*+0128/);
    expect(stored?.question).not.toContain('6222021234567890128');
    // The store masks what it is given, whoever calls it.
    const direct = await new AnswerFeedbackStore(env.runtime.store.db).record({
      channelId: 'terminal', conversationId: 'c', userId: 'fb-direct', rating: 'down', question: '4111 1111 1111 1111 刷不了', answeredBy: 'model', confidence: 0.6, locale: 'zh-CN', sources: [], answeredAt: new Date(),
    });
    expect(direct.question).not.toMatch(/4111 1111 1111 1111/);
    expect((await feedbackOf('fb-direct'))[0]!.question).toBe(direct.question);
  });
});

describe('feedback while a request is being filled in', () => {
  it('a 👍 at a prompt is not taken as the answer: the merchant is thanked and asked the same question again', async () => {
    const chat = terminalConversation(env.runtime, 'fb-flow');
    await chat.say('申请撤销/退货');
    for (const answer of ['810100000000001', '10203040', '昨天', '1280元', '000123', '4321']) await chat.say(answer);
    const state = async () => {
      const row = await env.runtime.store.db.selectFrom('bot_state').select('data').where('key', 'like', '%fb-flow%').where('key', 'like', '%conversations%').executeTakeFirst();
      return JSON.parse(row?.data ?? '{}') as { conversationData?: { flow?: { values: Record<string, unknown> } } };
    };
    expect(Object.keys((await state()).conversationData?.flow?.values ?? {})).not.toContain('reason');

    // At the free-text question (the reason), where anything would be taken.
    const replies = await chat.say('👍');
    expect(replies[0]?.text).toBe(t('zh-CN', 'feedbackNoted'));
    expect(replies.at(-1)?.text).toContain('原因');
    expect(Object.keys((await state()).conversationData?.flow?.values ?? {})).not.toContain('reason');
    const [next] = await chat.say('顾客退货');
    expect(next?.text).toContain('签购单');

    // A question in the middle of the request is answered without buttons (the prompt follows it).
    const digression = await chat.say('退货多久能到账');
    expect(digression.some((a) => a.text?.includes('来源：'))).toBe(true);
    expect(digression.flatMap(actionsOf)).not.toContain('👍 有帮助');
    expect(await feedbackOf('fb-flow')).toEqual([]);
  });
});
