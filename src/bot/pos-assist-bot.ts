/**
 * The bot: one `ActivityHandler` for every channel. A turn is routed in a fixed order —
 * (handoff and active flow come here in later issues) → a request for a person → a knowledge answer —
 * and the conversation's language follows the merchant's last message.
 *
 * The bot never sees raw card numbers: the channel adapter masks them first and tells the turn how many
 * it found, so the bot can warn the merchant.
 */
import {
  ActivityHandler,
  ActivityTypes,
  MessageFactory,
  type ConversationState,
  type StatePropertyAccessor,
  type TurnContext,
  type UserState,
} from 'botbuilder';
import { detectLocale, t, type Locale, type MessageKey } from '../i18n/messages.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { KnowledgeMissStore } from '../store/misses-store.js';
import { capabilitiesOf, MASKED_CARD_NUMBERS } from '../channels/channel-adapter.js';
import { renderAnswer } from './render.js';

export interface ConversationData {
  locale?: Locale;
  /** Questions in a row the knowledge base could not answer (the handoff issue triggers on 2). */
  unanswered: number;
  turns: number;
}

export interface UserProfile {
  /** The language the merchant last wrote in; a new conversation starts in it. */
  locale?: Locale;
}

export interface PosAssistBotOptions {
  knowledge: KnowledgeBase;
  conversationState: ConversationState;
  userState: UserState;
  misses: KnowledgeMissStore;
  defaultLocale: Locale;
}

const HUMAN_REQUEST = /转人工|人工客服|人工服务|找客服|真人|^\s*人工\s*$|\b(agent|human|real person|operator)\b/i;
/** Small talk is answered directly: it is not a question for the knowledge base, nor a miss. */
const END = '[\\s!！。.,，~～?？]*$';
const HELLO = new RegExp(`^(你好|您好|hi|hello|hey|嗨|哈喽|在吗|在不在|有人吗|早上好|下午好|晚上好)${END}`, 'i');
const HELP = new RegExp(`^(帮助|help|菜单|menu|你能做什么|你能帮我做什么|你会什么|你可以做什么|你是谁|what can you do|who are you)${END}`, 'i');
const THANKS = new RegExp(`^(谢谢|多谢|感谢|谢谢你|谢啦|好的谢谢|ok谢谢|thanks|thank you|thx)${END}`, 'i');
const GOODBYE = new RegExp(`^(再见|拜拜|bye|goodbye|88)${END}`, 'i');

/**
 * The topics the bot offers, by the question that finds them: a click on an offered topic is answered
 * reliably in either language, whatever the retriever makes of its English wording.
 */
const TOPIC_QUERIES: Partial<Record<MessageKey, string>> = {
  topicRefund: '已结算的交易怎么退货',
  topicVoid: '当天未结算的交易怎么撤销',
  topicSuspend: '怎么申请暂停结算',
  topicCodes: '撤销不成功的排查思路',
  topicMaterials: '需要准备哪些证明材料',
};

const NO_ANSWER_TOPICS: MessageKey[] = ['topicRefund', 'topicSuspend', 'topicCodes'];
const GREETING_TOPICS: MessageKey[] = ['topicVoid', 'topicRefund', 'topicSuspend', 'topicCodes'];

export class PosAssistBot extends ActivityHandler {
  private readonly conversationData: StatePropertyAccessor<ConversationData>;
  private readonly userProfile: StatePropertyAccessor<UserProfile>;

  constructor(private readonly options: PosAssistBotOptions) {
    super();
    this.conversationData = options.conversationState.createProperty<ConversationData>('conversationData');
    this.userProfile = options.userState.createProperty<UserProfile>('userProfile');

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const joined = (context.activity.membersAdded ?? []).filter((m) => m.id !== botId);
      if (joined.length > 0) {
        const locale = await this.localeFor(context);
        await context.sendActivity(this.withTopics(context, t(locale, 'greeting'), locale, GREETING_TOPICS, false));
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
  }

  /** Every turn ends by saving state, also when a handler threw (the merchant's progress is kept). */
  override async run(context: TurnContext): Promise<void> {
    try {
      await super.run(context);
    } finally {
      await this.options.conversationState.saveChanges(context);
      await this.options.userState.saveChanges(context);
    }
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const text = (context.activity.text ?? '').trim();
    const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
    const profile = await this.userProfile.get(context, {});
    const locale = detectLocale(text) ?? conversation.locale ?? profile.locale ?? this.options.defaultLocale;
    conversation.locale = locale;
    profile.locale = locale;
    conversation.turns += 1;

    if (Number(context.turnState.get(MASKED_CARD_NUMBERS) ?? 0) > 0) {
      await context.sendActivity(MessageFactory.text(t(locale, 'cardNumberWarning')));
    }

    if (!text) {
      const hasFiles = (context.activity.attachments ?? []).length > 0;
      await context.sendActivity(MessageFactory.text(t(locale, hasFiles ? 'unsupportedAttachment' : 'emptyMessage')));
      return;
    }

    if (HELP.test(text)) {
      await context.sendActivity(this.withTopics(context, t(locale, 'greeting'), locale, GREETING_TOPICS, false));
      return;
    }
    if (HELLO.test(text)) {
      await context.sendActivity(this.withTopics(context, t(locale, 'hello'), locale, GREETING_TOPICS, false));
      return;
    }
    if (THANKS.test(text) || GOODBYE.test(text)) {
      await context.sendActivity(MessageFactory.text(t(locale, THANKS.test(text) ? 'thanks' : 'goodbye')));
      return;
    }

    if (HUMAN_REQUEST.test(text)) {
      // The live handoff arrives with the handoff issue; until then the request is on record for operators.
      await this.recordMiss(context, text, 0, locale);
      await context.sendActivity(MessageFactory.text(t(locale, 'humanRequested')));
      return;
    }

    await context.sendActivity({ type: ActivityTypes.Typing });
    const topic = (Object.keys(TOPIC_QUERIES) as MessageKey[]).find((k) => t(locale, k) === text || t('zh-CN', k) === text);
    const answer = await this.options.knowledge.ask(topic ? TOPIC_QUERIES[topic]! : text);
    if (answer.answered) {
      conversation.unanswered = 0;
      await context.sendActivity(MessageFactory.text(renderAnswer(answer, locale)));
      return;
    }
    conversation.unanswered += 1;
    await this.recordMiss(context, text, answer.confidence, locale);
    await context.sendActivity(this.withTopics(context, renderAnswer(answer, locale), locale, NO_ANSWER_TOPICS, true));
  }

  private async recordMiss(context: TurnContext, question: string, confidence: number, locale: Locale): Promise<void> {
    await this.options.misses.record({
      channelId: context.activity.channelId,
      conversationId: context.activity.conversation.id,
      userId: context.activity.from?.id,
      question,
      confidence,
      locale,
    });
  }

  private async localeFor(context: TurnContext): Promise<Locale> {
    const profile = await this.userProfile.get(context, {});
    const fromActivity = context.activity.locale?.toLowerCase().startsWith('en') ? 'en' : undefined;
    return profile.locale ?? fromActivity ?? this.options.defaultLocale;
  }

  /**
   * A message with follow-up topics: buttons where the channel has them, otherwise numbered lines the
   * merchant can answer with the number (the channel maps the number back to the option).
   */
  private withTopics(context: TurnContext, text: string, locale: Locale, topics: MessageKey[], offerHuman: boolean) {
    const options = topics.map((k) => t(locale, k));
    if (offerHuman) options.push(t(locale, 'actionHuman'));
    if (capabilitiesOf(context).suggestedActions) return MessageFactory.suggestedActions(options, text);
    return MessageFactory.text(`${text}\n${options.map((o, i) => `${i + 1}. ${o}`).join('\n')}`);
  }
}
