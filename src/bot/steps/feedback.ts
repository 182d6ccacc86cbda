/**
 * 👍/👎 under an answer, and the rephrase it may lead to. A rating is feedback, never an answer to a
 * request's question (a slot value, a "yes" to confirm): inside a request the merchant is thanked and the
 * request's question asked again. Any other message (but "查看完整说明") ends the chance to rate.
 */
import { t } from '../../i18n/messages.js';
import type { FeedbackRating } from '../../ops/feedback-store.js';
import type { Turn, TurnStep } from '../turn.js';
import type { TurnKit } from '../turn-kit.js';

/** How long after an answer a 👍/👎 still counts as feedback on it. */
const FEEDBACK_WINDOW_MS = 24 * 3_600_000;

/**
 * 👍/👎 under an answer: the buttons' labels in either language, or the emoji alone (with or without a
 * skin tone or variation selector). Nothing else — "好的" or "不对" are words, not feedback.
 */
function feedbackOf(text: string): FeedbackRating | undefined {
  const bare = text.replace(/[\u{1F3FB}-\u{1F3FF}\u{FE0F}\s]/gu, '');
  if (bare === '👍' || text === t('zh-CN', 'actionFeedbackUp') || text === t('en', 'actionFeedbackUp')) return 'up';
  if (bare === '👎' || text === t('zh-CN', 'actionFeedbackDown') || text === t('en', 'actionFeedbackDown')) return 'down';
  return undefined;
}

export const feedback: TurnStep = async (turn, kit) => {
  const { context, conversation, text, files, locale } = turn;
  const rating = files.length === 0 ? feedbackOf(text) : undefined;
  if (rating) {
    await rate(turn, kit, rating);
    return true;
  }
  if (text !== t('zh-CN', 'actionFullSection') && text !== t('en', 'actionFullSection')) delete conversation.feedbackFor;
  if (text === t('zh-CN', 'actionRephrase') || text === t('en', 'actionRephrase')) {
    await kit.say(context, t(locale, 'rephraseAsk'));
    await kit.reprompt(turn);
    return true;
  }
  return false;
};

/**
 * Stored once with the answer it is about (a second tap, or one with no answer shown lately, is thanked
 * but not stored). A 👎 offers a rephrase or a person.
 */
async function rate(turn: Turn, kit: TurnKit, rating: FeedbackRating): Promise<void> {
  const { context, conversation, locale } = turn;
  const target = conversation.feedbackFor;
  delete conversation.feedbackFor;
  const store = kit.options.feedback;
  if (target && store && Date.now() - Date.parse(target.at) < FEEDBACK_WINDOW_MS) {
    await store.record({
      channelId: context.activity.channelId,
      conversationId: context.activity.conversation.id,
      userId: context.activity.from?.id,
      rating,
      question: target.question,
      answeredBy: target.by,
      confidence: target.confidence,
      locale,
      sources: target.sources,
      answeredAt: new Date(target.at),
    });
    kit.options.onFeedback?.(context, rating);
  }
  if (kit.options.flows && conversation.flow) {
    await kit.say(context, t(locale, 'feedbackNoted'));
    await kit.reprompt(turn);
    return;
  }
  if (rating === 'up') {
    await kit.say(context, t(locale, 'feedbackThanks'));
    return;
  }
  const options = [t(locale, 'actionRephrase')];
  if (kit.options.handoff) options.push(t(locale, 'actionHuman'));
  await context.sendActivity(kit.withActions(context, t(locale, 'feedbackSorry'), options));
}
