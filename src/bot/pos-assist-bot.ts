/**
 * The bot: one `ActivityHandler` for every channel. A turn is routed in a fixed order — (handoff comes
 * here with its issue) → a request for a person → the flow in progress → small talk → a flow's start (a
 * request, a button, an accepted offer) → a knowledge answer — and the conversation's language follows
 * the merchant's last message.
 *
 * The bot never sees raw card numbers: the channel adapter masks them first and tells the turn how many
 * it found, so the bot can warn the merchant.
 */
import { randomUUID } from 'node:crypto';
import {
  type Activity,
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
import type { FileRef, FlowState, Say } from '../flows/engine.js';
import { asksIfDone, asksWhatIsNeeded, GIVE_UP_CURRENT, isQuestion, namesMerchantId, sendsMaterials, soundsLikeRequest, type IntentDetector } from '../flows/intent.js';
import type { IntentClassifier } from '../llm/intent-classifier.js';
import type { RequestEvent, RequestRecord } from '../requests/index.js';
import { statusNotice } from '../requests/index.js';
import { filesFromActivity, TICKET_IN_TEXT, type FlowReply, type FlowTurns } from './flow-turns.js';
import { fileView, isComplaint, type HandoffConversation, type HandoffTurns } from './handoff-turns.js';
import { citation } from './render.js';
import { answerQuestion } from './answering.js';
import { finalActivity, streamingActivity } from '../channels/streaming.js';
import type { GroundedAnswerer } from '../llm/grounded-answer.js';
import type { IdentityStore } from '../identity/identity-store.js';
import type { PhoneCheck } from '../identity/phone-check.js';
import type { AnswerFeedbackStore, FeedbackRating, FeedbackSource } from '../ops/feedback-store.js';

export interface ConversationData {
  locale?: Locale;
  /** Questions in a row the knowledge base could not answer (the handoff issue triggers on 2). */
  unanswered: number;
  turns: number;
  /** The flow in progress (persisted: a restart continues where it stood). */
  flow?: FlowState;
  /** A flow offered after answering a question about it; "yes" or its button starts it. */
  offer?: string;
  /**
   * The request the last question was about without asking for it ("顾客要退款怎么办"): the request's facts
   * sent right after the answer ("商户号…，昨天的") file it.
   */
  topic?: { flowId: string; at: number };
  /**
   * The question that led to the offer or the topic ("客人上周买的东西要退，还能退款吗"): what it told (the day,
   * the amount, why) goes into the request with the message that files it.
   */
  told?: string;
  /** The merchant ID given in this conversation: later flows start with it. */
  merchantId?: string;
  /** A ticket the back office asked more materials for: files sent now go to it. */
  awaitingSupplement?: { ticket: string; merchantId: string };
  /** Files sent outside a flow, kept until the merchant says what they are for. */
  heldFiles?: FileRef[];
  takingMessage?: HandoffConversation['takingMessage'];
  endedFlow?: FlowState;
  awaitingRating?: boolean;
  /** "绑定" was said without a code: the next 8 digits are the binding code. */
  awaitingBindingCode?: boolean;
  handoffOffer?: string;
  handoffOfferDetail?: string;
  tried?: HandoffConversation['tried'];
  /** The sections the last answer quoted in part: "查看完整说明" shows them whole. */
  fullSections?: { file: string; section: string; lang: 'zh' | 'en' }[];
  /** The last answer offered with 👍/👎: what a tap on either is stored with (once). */
  feedbackFor?: { question: string; sources: FeedbackSource[]; confidence: number; by: string; at: string };
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
  /** Flows. Without them the bot only answers questions. */
  flows?: { turns: FlowTurns; intents: IntentDetector; filesDir: string; classifier?: IntentClassifier };
  /** Human handoff. Without it a request for a person is recorded and answered honestly. */
  handoff?: HandoffTurns;
  /** Grounded answers by a language model. Without it answers are extractive. */
  answerer?: GroundedAnswerer;
  /** Binding codes and who may act for which merchant. Without it `/bind` is not understood. */
  identities?: IdentityStore;
  /** Texts a code to the merchant's phone on file ("短信验证"); without it that is not offered. */
  phoneCheck?: PhoneCheck;
  /** Where a handoff or a failure is logged. */
  onHandoff?: (context: TurnContext, handoff: { reason: string; detail: string }, error?: unknown) => void;
  /** Told of each question answered or not, with the answer's confidence (metrics). */
  onAnswer?: (context: TurnContext, answer: { answered: boolean; confidence: number }) => void;
  /** Where 👍/👎 on answers is stored. Without it answers carry no feedback buttons. */
  feedback?: Pick<AnswerFeedbackStore, 'record'>;
  /** Told of each 👍/👎 stored (metrics). */
  onFeedback?: (context: TurnContext, rating: FeedbackRating) => void;
}

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

/** How long after an answer a 👍/👎 still counts as feedback on it. */
const FEEDBACK_WINDOW_MS = 24 * 3_600_000;

/** A person asked for by name, not only a call: "转人工，电话138…" wants an agent even when a number was asked. */
const NAMES_A_PERSON = /人工|真人|活人|客服|经理|\b(?:agent|human|real person|operator|manager)\b/i;

const STREAM_INTERVAL_MS = 250;
const FOLLOW_UP_WINDOW_MS = 10 * 60_000;

/**
 * Asking for a person, however put: "转人工", "我要找人工", "给我找个活人", "让人给我回个电话", "我要跟人说",
 * "找个懂的人打电话教我", "can I talk to a real
 * person", "speak to a manager", "下午三点以后打给我". ("有问题打我电话", "有问题打给我" are a contact number for a
 * request, not a call-back request.)
 */
const HUMAN_REQUEST =
  /转人工|人工客服|人工服务|找(?:你们|您们)?(?:的)?(?:人工)?客服|客服(?:的)?电话(?:一直|老是|总是)?打不通|真人|活人|找人工|要人工|接人工|人工吧|回个电话|回电话|回电|给我打个电话|打个电话给我|打电话给我|给我打电话|直接打给我|(?<!别|不要|不用|问题|有事|的话)打给我|派(?:个|一个|一位)?(?:人|师傅|工作人员|技术员?)(?:过来|来|上门)|有没有(?:人工|真人)?客服|有没有(?:人工|真人)|有人工吗|人工在吗|(?:跟|和|与)(?:你们)?(?:的)?(?:工作人员|客服人员|人工|真人)(?:直接)?(?:沟通|说|聊|联系|对接)|(?:能|可以|直接)(?:直接)?(?:打|通)(?:个)?电话(?:说|讲|聊|沟通)|电话(?:里|上)(?:说|讲)|打字太(?:麻烦|累|慢)|不想打字|客服在吗|客服在不在|有客服吗|跟人说|和人说|找个人|找个懂的人|(?:直接)?找(?:个)?人(?:来)?(?:帮|给)(?:我|忙)?(?:弄|办|处理|搞|看)|找懂的人|叫个人|来个人|让人打电话|打电话教我|转客服|帮我转接|人工坐席|真人客服|轉人工|搵人|搵個人|同真人|打俾我|打畀我|给我回电|换个人|换人来|有没有人能|有没有人可以|客服小姐姐|客服小哥|找你们(?:的)?(?:经理|负责人|领导|工作人员)|(?:找|叫|来|换)(?:个|一个)?(?:能|会|懂|管)[\u4e00-\u9fff]{0,4}的人|让(?:客服|人|你们的?人|工作人员)[^，,。]{0,3}(?:打|联系|回)|让你们(?:的)?[^\s，,。]{0,4}(?:联系我|打给我|回电)|请(?:你们的?)?(?:客服|工作人员|经理)联系我|(?:让|找|派|叫)(?:个|一个)?人(?:来)?教(?:我|一下|教)|有(?:没有)?人(?:能|可以)?教(?:我|一下|教)|安排(?:个|一个|一位)?(?:人|客服|工作人员|专人|同事)[^，,。]{0,4}(?:联系|打|回)|(?:工作人员|客服人员|专人)(?:联系|打给|回电话?给?)我|^\s*人工\s*$|人工人工|[\s，,。!！]人工[!！。\s]*$|\b(agent|human|real person|operator|manager|call me back|call me at|call me on|(?:can|could|would) (?:someone|somebody|anyone|you) (?:please )?call me|phone me|ring me|give me a call|live chat|talk to (?:a|someone|somebody)|speak (?:to|with) (?:a|someone|somebody)|get (?:me )?(?:a|someone) (?:person|human|real)|get me someone|i (?:need|want) (?:someone|somebody|a person|a human|a real person)(?! to (?:refund|void|cancel))|someone now)\b/i;
/** A binding code sent with its command ("/bind 12345678", "绑定码：12345678"); group 1 is absent for the bare command. */
const BIND = /^\s*(?:\/bind|绑定码?|綁定碼?|bind(?:ing code)?)\s*[:：]?\s*(\d{8})?\s*[。.!！]?\s*$/i;
/** The code alone, after the bot asked for it. */
const BIND_CODE_ALONE = /^\s*(\d{8})\s*$/;
/** Asking for a code texted to the merchant's phone on file, with or without the merchant ID (group 1). */
const PHONE_CHECK = /^\s*(?:\/verify|短信验证|手机验证|短信認證|手機驗證|验证|驗證|verify(?: by (?:sms|text|phone))?|sms verify)\s*[:：]?\s*(\d{15})?\s*[。.!！]?\s*$/i;
/** Small talk is answered directly: it is not a question for the knowledge base, nor a miss. */
const END = '[\\s!！。.,，~～?？]*$';
const HELLO = new RegExp(`^(你好|您好|hi|hello|hey|嗨|哈喽|在吗|在不在|有人吗|早上好|下午好|晚上好)${END}`, 'i');
const HELP = new RegExp(`^(帮助|help|菜单|menu|你能做什么|你能帮我做什么|你会什么|你可以做什么|你是谁|what can you do|who are you)${END}`, 'i');
const THANKS = new RegExp(`^(谢谢|多谢|感谢|谢谢你|谢啦|好的谢谢|ok谢谢|thanks|thank you|thx)${END}`, 'i');
const GOODBYE = new RegExp(`^(再见|拜拜|bye|goodbye|88)${END}`, 'i');

/**
 * The topics the bot offers, by the question that finds them in each language: a click on an offered
 * topic is answered reliably, from the Chinese text or the English one.
 */
const TOPIC_QUERIES: Partial<Record<MessageKey, Record<Locale, string>>> = {
  topicRefund: { 'zh-CN': '已结算的交易怎么退货', en: 'How do I refund a settled transaction?' },
  topicVoid: { 'zh-CN': '消费撤销怎么操作', en: 'How do I void a sale on the POS?' },
  topicSuspend: { 'zh-CN': '怎么申请暂停结算', en: 'apply to suspend settlement process overview' },
  topicCodes: { 'zh-CN': '撤销不成功的排查思路', en: 'void failed troubleshooting' },
  topicMaterials: { 'zh-CN': '需要准备哪些证明材料', en: 'Which documents do I need?' },
};

const NO_ANSWER_TOPICS: MessageKey[] = ['topicRefund', 'topicSuspend', 'topicCodes'];
const GREETING_TOPICS: MessageKey[] = ['topicVoid', 'topicRefund', 'topicSuspend', 'topicCodes', 'actionStartCancel', 'actionCheckStatus'];

/** Buttons (and typed words) that start a flow directly. */
const FLOW_ACTIONS: Partial<Record<MessageKey, string>> = {
  actionStartCancel: 'cancel-transaction',
  actionStartSuspend: 'suspend-settlement',
  actionCheckStatus: 'request-status',
  actionSupplement: 'supplement-materials',
};
const TRY_AGAIN = /^(再试一次|重试|try again|retry)[\s!！。.]*$/i;
/** "取消" (or its button, "是，取消") with no flow in progress: there is nothing to cancel. */
const CANCEL_ALONE = /^((是|是的|确定|yes)[，,\s]*)?(取消|算了|不办了|不申请了|cancel|never ?mind)[\s!！。.]*$/i;
const ACCEPT = /^(好|好的|好啊|可以|行|是|是的|嗯|要|需要|办理|开始|麻烦了|ok|okay|yes|sure|please)[\s!！。.,，]*$/i;
/** Yes to an offer, put in more words ("好的，帮我办一下", "要的要的", "yes please, go ahead"). */
const ACCEPT_SAID = /^(?:好|好的|好呀|好啊|好吧|行|行啊|可以|可以的|嗯+|对|对的|是|是的|要|要的|需要|麻烦(?:你|您)?了?|那就|帮我|办吧|申请吧|ok|okay|yes|yeah|yep|sure|please|go ahead|do it)+(?:[\s!！。.,，]|$)[^?？]{0,20}$/i;
const DECLINE_SAID = /不用|不要|不需要|算了|先不|别|暂时不|\b(?:no|not now|don'?t|later)\b/i;
/** The facts of a request sent after the offer (an ID, an amount, a day): the offer taken, with them. */
/** Asking for it after an answer that offered nothing ("那你帮我申请吧"): a plain "好的" only acknowledges. */
const TOPIC_TAKEN = /帮我|帮忙|(?:申请|办|弄|提交)(?:吧|一下)|\b(?:please|file it|do it|go ahead)\b/i;
/** How long after a question its request's facts still mean that request. */
const TOPIC_FRESH_MS = 10 * 60_000;
/** Handoffs a flow only offers (the merchant may go on instead); any other hands over at once. */
const OFFERED_HANDOFFS: ReadonlySet<string> = new Set(['slot_retry_limit', 'missing_document', 'submission_failed']);
const REQUEST_FACTS = /\d{6,}|\d{2,}\s*(?:元|块|蚊|rmb|yuan)|今天|昨天|前天|上周|\b(?:today|yesterday)\b/i;

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
        const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
        await this.retireRemovedFlows(context, conversation, locale);
        if (conversation.flow && this.options.flows) {
          // Back to a conversation with a request half filled in: continue it where it stood.
          const title = this.options.flows.turns.flow(conversation.flow.flowId).title[locale];
          await context.sendActivity(MessageFactory.text(t(locale, 'flowResume', { title })));
          await this.sendSays(context, this.options.flows.turns.reprompt(conversation.flow, locale));
        } else {
          await context.sendActivity(this.withTopics(context, t(locale, 'greeting'), locale, GREETING_TOPICS, false));
        }
      }
      await next();
    });

    this.onEvent(async (context, next) => {
      if (context.activity.name === 'handoff.status') await this.handoffStatus(context);
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

  /**
   * A conversation saved inside (or offered) a flow that has since been removed or renamed: the merchant
   * is told once that it cannot go on, and the message is then handled as if no flow were in progress.
   * Without this every later turn would fail on the unknown flow id.
   */
  private async retireRemovedFlows(context: TurnContext, conversation: ConversationData, locale: Locale): Promise<void> {
    const flows = this.options.flows;
    if (!flows) return;
    if (conversation.offer && !flows.turns.has(conversation.offer)) delete conversation.offer;
    if (conversation.endedFlow && !flows.turns.has(conversation.endedFlow.flowId)) delete conversation.endedFlow;
    if (conversation.flow && !flows.turns.has(conversation.flow.flowId)) {
      delete conversation.flow;
      await context.sendActivity(MessageFactory.text(t(locale, 'flowRetired')));
    }
  }

  /**
   * "/bind 12345678", "绑定 12345678", "bind 12345678" — or "绑定", then the code: the identity is bound
   * to the merchant the back office issued the code for. True when the message was that.
   */
  private async bindingTurn(context: TurnContext, conversation: ConversationData, text: string, locale: Locale): Promise<boolean> {
    const identities = this.options.identities;
    if (!identities) return false;
    const phoneCheck = this.options.phoneCheck ? PHONE_CHECK.exec(text) : null;
    if (phoneCheck) {
      await this.phoneCheckTurn(context, conversation, phoneCheck[1] ?? conversation.merchantId, locale);
      return true;
    }
    const asked = conversation.awaitingBindingCode === true;
    delete conversation.awaitingBindingCode;
    const m = BIND.exec(text) ?? (asked ? BIND_CODE_ALONE.exec(text) : null);
    if (!m) return false;
    const code = m[1];
    if (!code) {
      conversation.awaitingBindingCode = true;
      await context.sendActivity(MessageFactory.text(t(locale, 'bindAsk')));
      return true;
    }
    const result = await identities.redeem({ channelId: context.activity.channelId, userId: context.activity.from?.id ?? '' }, code);
    const reply = result.ok
      ? t(locale, 'bindDone', { merchant: result.merchantId })
      : result.reason === 'limited'
        ? t(locale, 'bindLimited', { minutes: String(Math.max(1, Math.ceil(result.retryAfterSeconds / 60))) })
        : t(locale, 'bindInvalid');
    if (result.ok) conversation.merchantId = result.merchantId;
    await context.sendActivity(MessageFactory.text(reply));
    return true;
  }

  /**
   * "短信验证 898310048160001": the back office texts a one-time code to the phone it has on file for that
   * merchant (never to a number typed here), and the next 8 digits this user sends are taken as it.
   */
  private async phoneCheckTurn(context: TurnContext, conversation: ConversationData, merchantId: string | undefined, locale: Locale): Promise<void> {
    if (!merchantId) {
      await context.sendActivity(MessageFactory.text(t(locale, 'phoneCheckNeedsMerchant')));
      return;
    }
    const result = await this.options.phoneCheck!.send({ channelId: context.activity.channelId, userId: context.activity.from?.id ?? '' }, merchantId);
    if (result.ok) {
      conversation.awaitingBindingCode = true;
      const reply = result.phone ? t(locale, 'phoneCheckSent', { phone: result.phone }) : t(locale, 'phoneCheckSentUnnamed');
      await context.sendActivity(MessageFactory.text(reply));
      return;
    }
    const reply =
      result.reason === 'limited'
        ? t(locale, 'bindLimited', { minutes: String(Math.max(1, Math.ceil(result.retryAfterSeconds / 60))) })
        : t(locale, result.reason === 'no_phone' ? 'phoneCheckNoPhone' : 'phoneCheckUnavailable');
    await context.sendActivity(MessageFactory.text(reply));
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const text = (context.activity.text ?? '').trim();
    const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
    const profile = await this.userProfile.get(context, {});
    const detected = detectLocale(text);
    // In a flow, a single Latin word is an answer ("abcd" at the terminal ID prompt), not a change of language.
    // Nor is a command ("/bind 12345678").
    const oneWord = (conversation.flow !== undefined && detected === 'en' && (text.match(/[A-Za-z]{2,}/g) ?? []).length < 2) || /^\/[a-z]+\b/i.test(text);
    const locale = (oneWord ? undefined : detected) ?? conversation.locale ?? profile.locale ?? this.options.defaultLocale;
    conversation.locale = locale;
    profile.locale = locale;
    conversation.turns += 1;

    await this.retireRemovedFlows(context, conversation, locale);

    if (Number(context.turnState.get(MASKED_CARD_NUMBERS) ?? 0) > 0) {
      await context.sendActivity(MessageFactory.text(t(locale, 'cardNumberWarning')));
    }

    const flows = this.options.flows;
    const { files, unusable } = flows ? filesFromActivity(context.activity, flows.filesDir) : { files: [], unusable: 0 };
    if (unusable > 0 || (!flows && (context.activity.attachments ?? []).length > 0)) {
      await context.sendActivity(MessageFactory.text(t(locale, flows ? 'fileUnusable' : 'unsupportedAttachment')));
      if (!text && files.length === 0) return;
    }
    if (!text && files.length === 0) {
      await context.sendActivity(MessageFactory.text(t(locale, 'emptyMessage')));
      return;
    }

    if (await this.bindingTurn(context, conversation, text, locale)) {
      if (flows && conversation.flow) await this.sendSays(context, flows.turns.reprompt(conversation.flow, locale));
      return;
    }

    const handoff = this.options.handoff;
    if (handoff) {
      const send = (say: string, actions?: string[]) => context.sendActivity(actions?.length ? this.withActions(context, say, actions) : MessageFactory.text(say)).then(() => undefined);
      const resume = async () => {
        if (flows && conversation.flow) await this.sendSays(context, flows.turns.reprompt(conversation.flow, locale));
      };
      // A person owns (or is about to own) this conversation: the bot stays out of it.
      const open = await handoff.service.openFor(context.activity.channelId, context.activity.conversation.id);
      if (open) {
        if ((await handoff.whileOpen(context, open, text, files.map((f) => fileView(f.file, f.contentType, f.name)), locale, send)) === 'cancelled') await resume();
        return;
      }
      if (conversation.takingMessage) {
        await handoff.takeMessage(context, conversation, text, locale, send);
        if (!conversation.takingMessage) await resume();
        return;
      }
      if (await handoff.rating(context, conversation, text, locale, send)) {
        await resume();
        return;
      }
      const complaint = Boolean(text) && isComplaint(text);
      if (text && (HUMAN_REQUEST.test(text) || complaint) && !this.answersPhoneQuestion(conversation, text)) {
        const offered = complaint ? undefined : conversation.handoffOffer;
        const reason = complaint ? 'complaint' : (offered ?? 'human_request');
        this.options.onHandoff?.(context, { reason, detail: text.slice(0, 100) });
        const givenPhone = conversation.flow?.values.phone?.value;
        await handoff.request(context, conversation, reason, offered ? (conversation.handoffOfferDetail ?? null) : null, locale, send, text, givenPhone === undefined ? undefined : String(givenPhone));
        return;
      }
    }

    if (text && HUMAN_REQUEST.test(text) && !this.answersPhoneQuestion(conversation, text)) {
      // Without the handoff service (e.g. a deployment without agents) the request is on record for operators.
      await this.recordMiss(context, text, 0, locale);
      await context.sendActivity(MessageFactory.text(t(locale, 'humanRequested')));
      if (flows && conversation.flow) {
        await context.sendActivity(MessageFactory.text(t(locale, 'humanRequestedInFlow')));
        await this.sendSays(context, flows.turns.reprompt(conversation.flow, locale));
      }
      return;
    }

    // 👍/👎 is feedback, never an answer to a request's question (a slot value, a "yes" to confirm).
    const rating = files.length === 0 ? feedbackOf(text) : undefined;
    if (rating) {
      await this.feedbackTurn(context, conversation, rating, locale);
      return;
    }
    // Feedback is on the answer just given: any other message (but "查看完整说明") ends the offer.
    if (text !== t('zh-CN', 'actionFullSection') && text !== t('en', 'actionFullSection')) delete conversation.feedbackFor;
    if (text === t('zh-CN', 'actionRephrase') || text === t('en', 'actionRephrase')) {
      await context.sendActivity(MessageFactory.text(t(locale, 'rephraseAsk')));
      if (flows && conversation.flow) await this.sendSays(context, flows.turns.reprompt(conversation.flow, locale));
      return;
    }

    if (flows && conversation.flow && context.activity.conversation?.isGroup) {
      // A flow from before this rule (or a group that was a private chat): it does not go on here.
      delete conversation.flow;
      await context.sendActivity(MessageFactory.text(t(locale, 'groupPrivateOnly')));
      return;
    }
    if (flows && conversation.flow && files.length === 0 && text) {
      const merchantId = conversation.flow.values.merchant_id?.value ?? conversation.merchantId;
      const statusFlow = flows.intents.stated(text, 'own');
      const passing = await flows.turns.statusInPassing(context, conversation.flow, statusFlow, typeof merchantId === 'string' ? merchantId : undefined, locale);
      if (passing) {
        await this.applyFlowReply(context, conversation, passing, locale);
        return;
      }
      // Asked after an earlier request as a new one has just begun, nothing given yet: the new one is set
      // aside (nothing is lost) and the earlier one looked up.
      if (statusFlow && statusFlow !== conversation.flow.flowId && Object.keys(conversation.flow.values).length === 0) {
        delete conversation.flow;
        await context.sendActivity(MessageFactory.text(t(locale, 'flowSetAside')));
        await this.startFlow(context, conversation, statusFlow, { text, files: [] }, locale);
        return;
      }
      // Another request asked for outright ("算了退款先不弄 我要暂停结算"): the one under way ends when the
      // merchant gives it up or gave nothing but the merchant ID (which goes along); else it is an answer.
      const switched = statusFlow ? undefined : flows.intents.switchedTo(text, conversation.flow.flowId);
      const given = Object.keys(conversation.flow.values).filter((name) => name !== 'merchant_id');
      if (switched && (given.length === 0 || GIVE_UP_CURRENT.test(text))) {
        const left = flows.turns.flow(conversation.flow.flowId).title[locale];
        const carried = conversation.flow.values.merchant_id;
        delete conversation.flow;
        await context.sendActivity(MessageFactory.text(t(locale, 'flowSwitched', { title: left })));
        await this.startFlow(context, conversation, switched, { text, files: [] }, locale, carried ? { merchant_id: carried } : {});
        return;
      }
    }
    if (flows && conversation.flow) {
      const reply = TRY_AGAIN.test(text) && files.length === 0
        ? flows.turns.retry(conversation.flow, locale)
        : await flows.turns.continue(context, conversation.flow, { text, files }, locale);
      await this.applyFlowReply(context, conversation, reply, locale);
      return;
    }

    if (flows && files.length > 0) {
      await this.filesOutsideFlow(context, conversation, text, files, locale);
      return;
    }

    if (flows && CANCEL_ALONE.test(text)) {
      delete conversation.offer;
      await context.sendActivity(MessageFactory.text(t(locale, 'nothingToCancel')));
      return;
    }

    if (conversation.fullSections && (text === t('zh-CN', 'actionFullSection') || text === t('en', 'actionFullSection'))) {
      await this.sendFullSections(context, conversation.fullSections, locale);
      delete conversation.fullSections;
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

    if (flows) {
      const offered = conversation.offer;
      delete conversation.offer;
      const told = conversation.told;
      delete conversation.told;
      const withTold = (said: string): string => (told ? (said ? `${told}\n${said}` : told) : said);
      const byButton = (Object.keys(FLOW_ACTIONS) as MessageKey[]).find((k) => t(locale, k) === text || t('zh-CN', k) === text || t('en', k) === text);
      const flowId =
        (byButton && FLOW_ACTIONS[byButton]) ||
        (offered && (ACCEPT.test(text) || text === this.startLabel(offered, locale) || text === this.startLabel(offered, 'zh-CN')) ? offered : undefined);
      if (flowId) {
        await this.startFlow(context, conversation, flowId, { text: flowId === offered ? withTold('') : '', files: this.takeHeld(conversation) }, locale);
        return;
      }
      // The offer answered in more words, or with the request's facts: taken, and the facts with it.
      if (offered && !DECLINE_SAID.test(text) && (ACCEPT_SAID.test(text) || (REQUEST_FACTS.test(text) && !isQuestion(text)))) {
        await this.startFlow(context, conversation, offered, { text: withTold(text), files: this.takeHeld(conversation) }, locale);
        return;
      }
      const detected = flows.intents.detect(text);
      // "钱退给顾客了吗" from the chat that filed a refund asks after it, not after refunds in general.
      // …also where the guide would answer and offer a new request ("结算停了没有啊 今天怎么还到账了").
      // So does "你们发的消息说要补什么" (what the review wants): the status carries the reviewer's note.
      const statusFlowId = (!detected || detected.mode === 'offer') && (asksIfDone(text) || asksWhatIsNeeded(text)) ? flows.intents.statusFlowId() : undefined;
      // "营业执照要怎么发给你们" from the chat whose request needs more: that request's supplement.
      const supplementId = !detected && !statusFlowId && sendsMaterials(text) ? await flows.turns.supplementAsked(context) : undefined;
      // Asked with one's own merchant ID, it is about one's own requests wherever they were filed.
      const ownFlow = supplementId ?? (statusFlowId && (namesMerchantId(text) || (await flows.turns.filedHere(context))) ? statusFlowId : undefined);
      const intent = ownFlow ? { flowId: ownFlow, score: 1, mode: 'start' as const } : detected;
      const topic = conversation.topic;
      delete conversation.topic;
      if (!intent && !offered && topic && Date.now() - topic.at < TOPIC_FRESH_MS && (REQUEST_FACTS.test(text) || TOPIC_TAKEN.test(text)) && !isQuestion(text) && !DECLINE_SAID.test(text)) {
        await this.startFlow(context, conversation, topic.flowId, { text: withTold(text), files: this.takeHeld(conversation) }, locale);
        return;
      }
      const about = intent?.mode === 'start' ? undefined : flows.intents.topicOf(text);
      if (about) {
        conversation.topic = { flowId: about, at: Date.now() };
        conversation.told = text;
      }
      if (!intent && flows.classifier && soundsLikeRequest(text)) {
        // The rules are unsure; the model picks among the same flows, which then run as usual.
        await context.sendActivity({ type: ActivityTypes.Typing });
        const classified = await flows.classifier.classify(text, locale);
        if (classified?.flowId) {
          await this.startFlow(context, conversation, classified.flowId, { text, files: [] }, locale);
          return;
        }
      }
      if (intent?.mode === 'start') {
        await this.startFlow(context, conversation, intent.flowId, { text, files: [] }, locale);
        return;
      }
      if (intent?.mode === 'offer') {
        const answered = await this.answer(context, conversation, text, locale, { offerTopics: !!intent.asked });
        // A question the guide could not answer ("银行扣了我一笔年费，能申请退回吗") is no request of ours.
        if (intent.asked && !answered) {
          await this.handOverIfStuck(context, conversation, locale);
          return;
        }
        conversation.offer = intent.flowId;
        conversation.told = text;
        const title = flows.turns.flow(intent.flowId).title[locale];
        // The offer is the last message, so it carries the answer's 👍/👎 too (buttons show under the last one).
        const rate = answered && conversation.feedbackFor ? this.feedbackActions(locale) : [];
        await context.sendActivity(this.withActions(context, t(locale, 'offerFlow', { title }), [this.startLabel(intent.flowId, locale), ...rate]));
        return;
      }
    }

    await this.answer(context, conversation, text, locale, { offerTopics: true });
    await this.handOverIfStuck(context, conversation, locale);
  }

  /** Two questions in a row without an answer: a person, rather than a third "I don't know". */
  private async handOverIfStuck(context: TurnContext, conversation: ConversationData, locale: Locale): Promise<void> {
    const handoff = this.options.handoff;
    if (!handoff || conversation.unanswered < 2) return;
    conversation.unanswered = 0;
    const send = (say: string, actions?: string[]) => context.sendActivity(actions?.length ? this.withActions(context, say, actions) : MessageFactory.text(say)).then(() => undefined);
    this.options.onHandoff?.(context, { reason: 'unanswered', detail: '' });
    await handoff.request(context, conversation, 'unanswered', null, locale, send);
  }

  /** `handoff.status` from the handoff service: accepted, completed (the bot resumes), failed (timeout). */
  private async handoffStatus(context: TurnContext): Promise<void> {
    const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
    const locale = conversation.locale ?? this.options.defaultLocale;
    const value = (context.activity.value ?? {}) as { state?: string; message?: string; handoffId?: string };
    if (value.state === 'accepted') {
      await context.sendActivity(MessageFactory.text(t(locale, 'handoffAccepted', { agent: value.message ?? '' })));
    } else if (value.state === 'completed') {
      // A fresh start: the old conversation's misses must not send the merchant straight back to a person.
      conversation.unanswered = 0;
      delete conversation.handoffOffer;
      delete conversation.handoffOfferDetail;
      await context.sendActivity(MessageFactory.text(t(locale, 'handoffCompleted')));
      const flows = this.options.flows;
      if (flows && conversation.flow) {
        const title = flows.turns.flow(conversation.flow.flowId).title[locale];
        await context.sendActivity(MessageFactory.text(t(locale, 'flowResumeAfterAgent', { title })));
        await this.sendSays(context, flows.turns.reprompt(conversation.flow, locale));
      }
      conversation.awaitingRating = true;
      await context.sendActivity(this.withActions(context, t(locale, 'handoffRateAsk'), ['1', '2', '3', '4', '5']));
    } else if (value.state === 'failed') {
      conversation.takingMessage = { reason: 'timeout', detail: null, step: 'message', ...(value.handoffId ? { ticketId: value.handoffId } : {}) };
      await context.sendActivity(MessageFactory.text(t(locale, 'handoffTimeout')));
    }
  }

  /**
   * Answers from the knowledge base; true when it found an answer. With a language model the answer is
   * written from the retrieved passages (streamed where the channel can show it); a model that fails,
   * times out or breaks a rule leaves the extractive answer for this turn.
   */
  private async answer(context: TurnContext, conversation: ConversationData, text: string, locale: Locale, opts: { offerTopics: boolean }): Promise<boolean> {
    await context.sendActivity({ type: ActivityTypes.Typing });
    const topic = (Object.keys(TOPIC_QUERIES) as MessageKey[]).find((k) => t(locale, k) === text || t('zh-CN', k) === text);
    const topicLocale: Locale = topic && t('en', topic) === text ? 'en' : 'zh-CN';
    const stream = { id: randomUUID(), sequence: 0 };
    let lastSent = 0;
    const onText = capabilitiesOf(context).streaming
      ? async (soFar: string) => {
          // About four updates a second: smooth to read, light on the channel.
          if (Date.now() - lastSent < STREAM_INTERVAL_MS) return;
          lastSent = Date.now();
          stream.sequence += 1;
          await context.sendActivity(streamingActivity(stream.id, stream.sequence, soFar));
        }
      : undefined;
    // The last question asked within a few minutes: a short follow-up ("那要多久？") is read with it.
    const last = conversation.tried?.at(-1);
    const previous = last && last.at && Date.now() - Date.parse(last.at) < FOLLOW_UP_WINDOW_MS ? last.question : undefined;
    const reply = await answerQuestion(this.options.knowledge, this.options.answerer, topic ? TOPIC_QUERIES[topic]![topicLocale] : text, locale, onText, topic ? undefined : previous);
    // Once interim text was shown, whatever comes last must replace it (the stream's final message).
    const send = (activity: Partial<Activity>) => context.sendActivity(stream.sequence > 0 ? finalActivity(stream.id, activity) : activity);
    this.options.onAnswer?.(context, { answered: reply.answered, confidence: reply.confidence });
    // What the bot tried, for the agent if the merchant ends up with one.
    conversation.tried = [...(conversation.tried ?? []), { question: text.slice(0, 200), answered: reply.answered, sources: reply.sources.map(citation), at: new Date().toISOString() }].slice(-5);
    if (reply.answered) {
      conversation.unanswered = 0;
      // The answer quotes the sentences that answer; the whole section is one tap away.
      const lang = reply.knowledge.lang;
      // Kept after every answer, so "查看完整说明" typed by hand works too; the button only when abridged.
      conversation.fullSections = reply.sources.map((s) => ({ file: s.file, section: s.section, lang }));
      const actions = reply.by === 'extractive' && reply.knowledge.abridged ? [t(lang === 'en' ? 'en' : 'zh-CN', 'actionFullSection')] : [];
      // 👍/👎 where nothing follows the answer: a request's next question would push the buttons away.
      if (this.options.feedback && !conversation.flow) {
        conversation.feedbackFor = {
          question: text.slice(0, 500),
          sources: reply.sources.map((s) => ({ file: s.file, title: s.title, section: s.section })),
          confidence: reply.confidence,
          by: reply.by,
          at: new Date().toISOString(),
        };
        actions.push(...this.feedbackActions(locale));
      }
      await send(actions.length ? this.withActions(context, reply.text, actions) : MessageFactory.text(reply.text));
      return true;
    }
    conversation.unanswered += 1;
    await this.recordMiss(context, text, reply.confidence, locale);
    if (opts.offerTopics) await send(this.withTopics(context, reply.text, locale, NO_ANSWER_TOPICS, true));
    // No topics follow (a question in the middle of a request): the refusal does not point at any.
    else await send(MessageFactory.text(t(locale, 'noAnswerNoTopics')));
    return false;
  }

  private feedbackActions(locale: Locale): string[] {
    return [t(locale, 'actionFeedbackUp'), t(locale, 'actionFeedbackDown')];
  }

  /**
   * 👍 or 👎: stored once with the answer it is about (a second tap, or one with no answer shown lately,
   * is thanked but not stored). A 👎 offers a rephrase or a person; inside a request the merchant is
   * thanked and the request's question asked again, nothing taken as an answer to it.
   */
  private async feedbackTurn(context: TurnContext, conversation: ConversationData, rating: FeedbackRating, locale: Locale): Promise<void> {
    const target = conversation.feedbackFor;
    delete conversation.feedbackFor;
    if (target && this.options.feedback && Date.now() - Date.parse(target.at) < FEEDBACK_WINDOW_MS) {
      await this.options.feedback.record({
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
      this.options.onFeedback?.(context, rating);
    }
    const flows = this.options.flows;
    if (flows && conversation.flow) {
      await context.sendActivity(MessageFactory.text(t(locale, 'feedbackNoted')));
      await this.sendSays(context, flows.turns.reprompt(conversation.flow, locale));
      return;
    }
    if (rating === 'up') {
      await context.sendActivity(MessageFactory.text(t(locale, 'feedbackThanks')));
      return;
    }
    const options = [t(locale, 'actionRephrase')];
    if (this.options.handoff) options.push(t(locale, 'actionHuman'));
    await context.sendActivity(this.withActions(context, t(locale, 'feedbackSorry'), options));
  }

  /** The whole text of the sections the last answer quoted, each with its citation. */
  private async sendFullSections(context: TurnContext, sections: NonNullable<ConversationData['fullSections']>, locale: Locale): Promise<void> {
    const found = sections.map((s) => this.options.knowledge.fullSection(s.file, s.section, s.lang)).filter((x) => x !== undefined);
    if (found.length === 0) {
      await context.sendActivity(MessageFactory.text(t(locale, 'fullSectionGone')));
      return;
    }
    const lang: Locale = sections[0]!.lang === 'en' ? 'en' : 'zh-CN';
    const sep = lang === 'en' ? ': ' : '：';
    const text = `${found.map((f) => f.text).join('\n\n')}\n\n${t(lang, 'sourcesLabel')}${sep}${found.map((f) => citation(f.source)).join(lang === 'en' ? '; ' : '；')}`;
    await context.sendActivity(MessageFactory.text(text));
  }

  /** "call me on 177…" / "打电话给我 138…" said to the flow's question for a phone number: the number, no callback. */
  private answersPhoneQuestion(conversation: ConversationData, text: string): boolean {
    const flows = this.options.flows;
    return Boolean(flows && conversation.flow) && !NAMES_A_PERSON.test(text) && flows!.turns.givesAskedPhone(conversation.flow!, text);
  }

  private startLabel(flowId: string, locale: Locale): string {
    return t(locale, 'actionStartFlow', { title: this.options.flows!.turns.flow(flowId).title[locale] });
  }

  private takeHeld(conversation: ConversationData): FileRef[] {
    const held = conversation.heldFiles ?? [];
    delete conversation.heldFiles;
    return held;
  }

  private async startFlow(
    context: TurnContext,
    conversation: ConversationData,
    flowId: string,
    input: { text: string; files: FileRef[] },
    locale: Locale,
    carried: Record<string, { value: unknown; display: string }> = {},
  ): Promise<void> {
    const flows = this.options.flows!;
    // In a group every member would share the flow and see each other's merchant, ticket and notices:
    // requests and their status are handled in a private chat only.
    if (context.activity.conversation?.isGroup) {
      await context.sendActivity(MessageFactory.text(t(locale, 'groupPrivateOnly')));
      return;
    }
    const prefill: Record<string, { value: unknown; display: string }> = {};
    const known = conversation.awaitingSupplement?.merchantId ?? conversation.merchantId;
    const flow = flows.turns.flow(flowId);
    // Files kept from before ("a photo, then 撤销") go into a flow that takes files (its slip photo is read there).
    if (flow.slots.some((s) => s.type === 'attachments') && conversation.heldFiles?.length) {
      const held = this.takeHeld(conversation).filter((h) => !input.files.some((f) => f.file === h.file));
      input = { ...input, files: [...held, ...input.files] };
    }
    if (known && flow.slots.some((s) => s.name === 'merchant_id')) prefill.merchant_id = { value: known, display: known };
    for (const [name, value] of Object.entries(carried)) if (!prefill[name] && flow.slots.some((s) => s.name === name)) prefill[name] = value;
    const ticket = TICKET_IN_TEXT.exec(input.text);
    if (flow.slots.some((s) => s.name === 'ticket')) {
      if (ticket) prefill.ticket = { value: `${ticket[1]!.toUpperCase()}-${ticket[2]}-${ticket[3]}`, display: `${ticket[1]!.toUpperCase()}-${ticket[2]}-${ticket[3]}` };
      else if (flowId === 'supplement-materials' && conversation.awaitingSupplement) {
        prefill.ticket = { value: conversation.awaitingSupplement.ticket, display: conversation.awaitingSupplement.ticket };
      }
    }
    const reply = await flows.turns.start(context, flowId, input, locale, prefill);
    await this.applyFlowReply(context, conversation, reply, locale);
  }

  /** Files with no flow in progress: kept, and the merchant says what they are for (nothing dropped). */
  private async filesOutsideFlow(context: TurnContext, conversation: ConversationData, text: string, files: FileRef[], locale: Locale): Promise<void> {
    if (conversation.awaitingSupplement) {
      await this.startFlow(context, conversation, 'supplement-materials', { text, files }, locale);
      return;
    }
    // "帮我撤销这笔" with the slip photo: the request starts with the photo in it (and reads it).
    const intent = text ? this.options.flows!.intents.detect(text, { withFiles: true }) : undefined;
    if (intent?.mode === 'start' && this.options.flows!.turns.flow(intent.flowId).slots.some((s) => s.type === 'attachments')) {
      await this.startFlow(context, conversation, intent.flowId, { text, files }, locale);
      return;
    }
    // Kept: never with a full card number on a photo (blacked out in the copy kept, the merchant told).
    const covered = await this.options.flows!.turns.coverCardNumbers(context, files, locale);
    await this.sendSays(context, covered.notes);
    const held = [...(conversation.heldFiles ?? [])];
    for (const f of covered.files) if (!held.some((h) => h.file === f.file)) held.push(f);
    if (held.length === 0) return;
    conversation.heldFiles = held.slice(-10);
    const options = [t(locale, 'actionStartCancel'), t(locale, 'actionSupplement'), t(locale, 'actionStartSuspend')];
    await context.sendActivity(this.withActions(context, t(locale, 'filesWithoutFlow', { count: held.length }), options));
  }

  private async applyFlowReply(context: TurnContext, conversation: ConversationData, reply: FlowReply, locale: Locale): Promise<void> {
    if (reply.merchantId) conversation.merchantId = reply.merchantId;
    if (reply.state) conversation.flow = reply.state;
    else {
      const ended = conversation.flow?.flowId;
      // A rule that ends the flow by handing over: the agent still gets what was gathered.
      if (reply.handoff?.reason === 'business_rule' && conversation.flow) conversation.endedFlow = conversation.flow;
      delete conversation.flow;
      if (ended === 'supplement-materials') delete conversation.awaitingSupplement;
    }
    await this.sendSays(context, reply.say);
    if (reply.handoff) {
      this.options.onHandoff?.(context, reply.handoff, reply.error);
      const handoff = this.options.handoff;
      // A slot's retry limit, a required file the merchant does not have or a failed submission: a person
      // is offered (the merchant may also go on); accepting hands over with that reason. A rule that needs
      // a person hands over at once.
      if (OFFERED_HANDOFFS.has(reply.handoff.reason)) {
        conversation.handoffOffer = reply.handoff.reason;
        conversation.handoffOfferDetail = reply.handoff.detail;
      } else if (handoff) {
        const send = (say: string, actions?: string[]) => context.sendActivity(actions?.length ? this.withActions(context, say, actions) : MessageFactory.text(say)).then(() => undefined);
        await handoff.request(context, conversation, reply.handoff.reason, reply.handoff.detail, locale, send);
      }
    }
    if (reply.digression) {
      await this.answer(context, conversation, reply.digression.question, locale, { offerTopics: false });
      await this.sendSays(context, reply.digression.reprompt);
      await this.handOverIfStuck(context, conversation, locale);
    }
  }

  private async sendSays(context: TurnContext, says: Say[]): Promise<void> {
    for (const say of says) {
      await context.sendActivity(say.suggestedActions?.length ? this.withActions(context, say.text, say.suggestedActions) : MessageFactory.text(say.text));
    }
  }

  /**
   * Tells the merchant about a decision on their request, in the conversation they filed it from (a
   * proactive turn). A request for more materials is remembered: files sent next go to that ticket.
   */
  async notifyRequest(context: TurnContext, request: RequestRecord, event: RequestEvent): Promise<void> {
    const notice = statusNotice(request.locale, request, { to: event.to, reason: event.reason });
    await context.sendActivity(notice.suggestedActions.length ? this.withActions(context, notice.text, notice.suggestedActions) : MessageFactory.text(notice.text));
    const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
    if (event.to === 'needs_more_info') conversation.awaitingSupplement = { ticket: request.ticket, merchantId: request.merchantId };
    else if (conversation.awaitingSupplement?.ticket === request.ticket) delete conversation.awaitingSupplement;
    await this.options.conversationState.saveChanges(context);
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
    const options = topics.filter((k) => this.options.flows || !(k in FLOW_ACTIONS)).map((k) => t(locale, k));
    if (offerHuman) options.push(t(locale, 'actionHuman'));
    return this.withActions(context, text, options);
  }

  private withActions(context: TurnContext, text: string, options: string[]) {
    if (capabilitiesOf(context).suggestedActions) return MessageFactory.suggestedActions(options, text);
    return MessageFactory.text(`${text}\n${options.map((o, i) => `${i + 1}. ${o}`).join('\n')}`);
  }
}
