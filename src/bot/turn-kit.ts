/**
 * What the steps of a turn share: the bot's options and the replies more than one step sends — a
 * knowledge answer, a flow's start and its replies, a person when two questions went unanswered, the
 * flow's question asked again, buttons (or numbered lines where a channel has none).
 */
import { randomUUID } from 'node:crypto';
import { type Activity, ActivityTypes, MessageFactory, type TurnContext } from 'botbuilder';
import { t, type Locale, type MessageKey } from '../i18n/messages.js';
import { capabilitiesOf } from '../channels/channel-adapter.js';
import { finalActivity, streamingActivity } from '../channels/streaming.js';
import type { FileRef, Say } from '../flows/engine.js';
import { TICKET_IN_TEXT, type FlowReply } from './flow-turns.js';
import { citation } from './render.js';
import { waitingTicketText } from '../requests/messages.js';
import { answerQuestion } from './answering.js';
import type { ConversationData, PosAssistBotOptions, Turn } from './turn.js';

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
export const GREETING_TOPICS: MessageKey[] = ['topicVoid', 'topicRefund', 'topicSuspend', 'topicCodes', 'actionStartCancel', 'actionCheckStatus'];

/** Buttons (and typed words) that start a flow directly. */
export const FLOW_ACTIONS: Partial<Record<MessageKey, string>> = {
  actionStartCancel: 'cancel-transaction',
  actionStartSuspend: 'suspend-settlement',
  actionCheckStatus: 'request-status',
  actionSupplement: 'supplement-materials',
};

/** Handoffs a flow only offers (the merchant may go on instead); any other hands over at once. */
const OFFERED_HANDOFFS: ReadonlySet<string> = new Set(['slot_retry_limit', 'missing_document', 'submission_failed']);
const STREAM_INTERVAL_MS = 250;
const FOLLOW_UP_WINDOW_MS = 10 * 60_000;
/** How long a request set aside for another ticket's materials waits to be taken up again. */
const PARKED_FRESH_MS = 30 * 60_000;

/** A reply with optional buttons, as the handoff side sends them. */
export type Send = (say: string, actions?: string[]) => Promise<void>;

export class TurnKit {
  constructor(readonly options: PosAssistBotOptions) {}

  /** One plain message. */
  async say(context: TurnContext, text: string): Promise<void> {
    await context.sendActivity(MessageFactory.text(text));
  }

  /** A `Send` for this conversation: buttons when given, a plain message otherwise. */
  sender(context: TurnContext): Send {
    return (say, actions) => context.sendActivity(actions?.length ? this.withActions(context, say, actions) : MessageFactory.text(say)).then(() => undefined);
  }

  async sendSays(context: TurnContext, says: Say[]): Promise<void> {
    for (const say of says) {
      await context.sendActivity(say.suggestedActions?.length ? this.withActions(context, say.text, say.suggestedActions) : MessageFactory.text(say.text));
    }
  }

  /** The flow in progress, if any, asks its question again (after a reply that was not an answer to it). */
  async reprompt(turn: Pick<Turn, 'context' | 'conversation' | 'locale'>): Promise<void> {
    const flows = this.options.flows;
    if (flows && turn.conversation.flow) await this.sendSays(turn.context, flows.turns.reprompt(turn.conversation.flow, turn.locale));
  }

  /** Two questions in a row without an answer: a person, rather than a third "I don't know". */
  async handOverIfStuck(turn: Turn): Promise<void> {
    const handoff = this.options.handoff;
    const { context, conversation, locale } = turn;
    if (!handoff || conversation.unanswered < 2) return;
    conversation.unanswered = 0;
    this.options.onHandoff?.(context, { reason: 'unanswered', detail: '' });
    await handoff.request(context, conversation, 'unanswered', null, locale, this.sender(context));
  }

  /**
   * Answers from the knowledge base; true when it found an answer. With a language model the answer is
   * written from the retrieved passages (streamed where the channel can show it); a model that fails,
   * times out or breaks a rule leaves the extractive answer for this turn. `listening`: the message is a
   * statement that may start a story — with nothing in the guide about it, the merchant is asked to go on
   * instead of told "no answer", and it counts as no question missed.
   */
  async answer(turn: Turn, text: string, opts: { offerTopics: boolean; listening?: boolean }): Promise<boolean> {
    const { context, conversation, locale } = turn;
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
    if (opts.listening) {
      await send(this.withTopics(context, t(locale, 'storyListening'), locale, NO_ANSWER_TOPICS, true));
      return false;
    }
    conversation.unanswered += 1;
    await this.recordMiss(context, text, reply.confidence, locale);
    if (opts.offerTopics) await send(this.withTopics(context, reply.text, locale, NO_ANSWER_TOPICS, true));
    // No topics follow (a question in the middle of a request): the refusal does not point at any.
    else await send(MessageFactory.text(t(locale, 'noAnswerNoTopics')));
    return false;
  }

  feedbackActions(locale: Locale): string[] {
    return [t(locale, 'actionFeedbackUp'), t(locale, 'actionFeedbackDown')];
  }

  startLabel(flowId: string, locale: Locale): string {
    return t(locale, 'actionStartFlow', { title: this.options.flows!.turns.flow(flowId).title[locale] });
  }

  /** The files kept from before a flow started, handed to it once. */
  takeHeld(conversation: ConversationData): FileRef[] {
    const held = conversation.heldFiles ?? [];
    delete conversation.heldFiles;
    return held;
  }

  /**
   * Starts a flow with what the merchant said and sent; values known from before (the merchant ID given
   * earlier, a ticket named, the one waiting for materials, `carried` from a request given up) go in first.
   */
  async startFlow(
    turn: Turn,
    flowId: string,
    input: { text: string; files: FileRef[] },
    carried: Record<string, { value: unknown; display: string }> = {},
  ): Promise<void> {
    const { context, conversation, locale } = turn;
    const flows = this.options.flows!;
    // In a group every member would share the flow and see each other's merchant, ticket and notices:
    // requests and their status are handled in a private chat only.
    if (context.activity.conversation?.isGroup) {
      await this.say(context, t(locale, 'groupPrivateOnly'));
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
      else if (flowId === flows.turns.supplementFlowId() && conversation.awaitingSupplement) {
        prefill.ticket = { value: conversation.awaitingSupplement.ticket, display: conversation.awaitingSupplement.ticket };
      }
    }
    const reply = await flows.turns.start(context, flowId, input, locale, prefill);
    // The request a status showed, taken as the one the materials are for: named, as when it is found without
    // asking (the review's notice named it and asked for them: not again).
    const shown = !ticket && flowId === flows.turns.supplementFlowId() && conversation.awaitingSupplement?.shown ? prefill.ticket?.value : undefined;
    if (typeof shown === 'string' && reply.say.length) reply.say.splice(reply.say.length - 1, 0, { text: waitingTicketText(locale, shown) });
    await this.applyFlowReply(turn, reply);
  }

  /** A flow's reply: its state kept (or the flow ended), its messages sent, a handoff or a digression followed. */
  async applyFlowReply(turn: Turn, reply: FlowReply): Promise<void> {
    const { context, conversation, locale } = turn;
    if (reply.merchantId) conversation.merchantId = reply.merchantId;
    if (reply.waiting) conversation.awaitingSupplement = { ...reply.waiting, shown: true };
    if (reply.stopped) conversation.stoppedFlow = { ...reply.stopped, at: Date.now() };
    else if (reply.state) delete conversation.stoppedFlow;
    if (reply.state) conversation.flow = reply.state;
    else {
      const ended = conversation.flow?.flowId;
      // A rule that ends the flow by handing over: the agent still gets what was gathered.
      if (reply.handoff?.reason === 'business_rule' && conversation.flow) conversation.endedFlow = conversation.flow;
      delete conversation.flow;
      if (ended !== undefined && ended === this.options.flows?.turns.supplementFlowId()) delete conversation.awaitingSupplement;
    }
    await this.sendSays(context, reply.say);
    // The request set aside for another ticket's materials goes on where it stood.
    const parked = conversation.parkedFlow;
    if (!reply.state && parked && this.options.flows) {
      delete conversation.parkedFlow;
      if (Date.now() - parked.at < PARKED_FRESH_MS && this.options.flows.turns.has(parked.state.flowId)) {
        conversation.flow = parked.state;
        await this.say(context, t(locale, 'flowResumed', { title: this.options.flows.turns.flow(parked.state.flowId).title[locale] }));
        await this.sendSays(context, this.options.flows.turns.reprompt(parked.state, locale));
      }
    }
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
        await handoff.request(context, conversation, reply.handoff.reason, reply.handoff.detail, locale, this.sender(context));
      }
    }
    if (reply.digression) {
      await this.answer(turn, reply.digression.question, { offerTopics: false });
      await this.sendSays(context, reply.digression.reprompt);
      await this.handOverIfStuck(turn);
    }
  }

  async recordMiss(context: TurnContext, question: string, confidence: number, locale: Locale): Promise<void> {
    await this.options.misses.record({
      channelId: context.activity.channelId,
      conversationId: context.activity.conversation.id,
      userId: context.activity.from?.id,
      question,
      confidence,
      locale,
    });
  }

  /**
   * A message with follow-up topics: buttons where the channel has them, otherwise numbered lines the
   * merchant can answer with the number (the channel maps the number back to the option).
   */
  withTopics(context: TurnContext, text: string, locale: Locale, topics: MessageKey[], offerHuman: boolean) {
    const options = topics.filter((k) => this.options.flows || !(k in FLOW_ACTIONS)).map((k) => t(locale, k));
    if (offerHuman) options.push(t(locale, 'actionHuman'));
    return this.withActions(context, text, options);
  }

  withActions(context: TurnContext, text: string, options: string[]) {
    if (capabilitiesOf(context).suggestedActions) return MessageFactory.suggestedActions(options, text);
    return MessageFactory.text(`${text}\n${options.map((o, i) => `${i + 1}. ${o}`).join('\n')}`);
  }
}
