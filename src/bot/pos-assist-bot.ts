/**
 * The bot: one `ActivityHandler` for every channel. A merchant's message runs the steps of
 * `turn-pipeline.ts` in order (an open handoff → a request for a person → the flow in progress → small
 * talk → a flow's start → a knowledge answer); the conversation's language follows the merchant's last
 * message. Besides messages it greets new members (or resumes their half-filled request), shows the
 * handoff's status changes, and tells the merchant when a request's status changes.
 *
 * The bot never sees raw card numbers: the channel adapter masks them first and tells the turn how many
 * it found, so the bot can warn the merchant.
 */
import { simplifiedText } from '../core/chinese-script.js';
import { ActivityHandler, MessageFactory, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { detectLocale, t, type Locale } from '../i18n/messages.js';
import type { RequestEvent, RequestRecord } from '../requests/index.js';
import { statusNotice } from '../requests/index.js';
import { filesFromActivity } from './flow-turns.js';
import { retireRemovedFlows } from './steps/retired-flows.js';
import type { ConversationData, PosAssistBotOptions, UserProfile } from './turn.js';
import { GREETING_TOPICS, TurnKit } from './turn-kit.js';
import { runTurn } from './turn-pipeline.js';

export type { ConversationData, PosAssistBotOptions, UserProfile } from './turn.js';

export class PosAssistBot extends ActivityHandler {
  private readonly conversationData: StatePropertyAccessor<ConversationData>;
  private readonly userProfile: StatePropertyAccessor<UserProfile>;
  private readonly kit: TurnKit;

  constructor(private readonly options: PosAssistBotOptions) {
    super();
    this.conversationData = options.conversationState.createProperty<ConversationData>('conversationData');
    this.userProfile = options.userState.createProperty<UserProfile>('userProfile');
    this.kit = new TurnKit(options);

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const joined = (context.activity.membersAdded ?? []).filter((m) => m.id !== botId);
      if (joined.length > 0) {
        const locale = await this.localeFor(context);
        const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
        await retireRemovedFlows(this.kit, context, conversation, locale);
        if (conversation.flow && this.options.flows) {
          // Back to a conversation with a request half filled in: continue it where it stood.
          const title = this.options.flows.turns.flow(conversation.flow.flowId).title[locale];
          await context.sendActivity(MessageFactory.text(t(locale, 'flowResume', { title })));
          await this.kit.reprompt({ context, conversation, locale });
        } else {
          await context.sendActivity(this.kit.withTopics(context, t(locale, 'greeting'), locale, GREETING_TOPICS, false));
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

  /** The message's language, text and files, then the turn's steps. */
  private async handleMessage(context: TurnContext): Promise<void> {
    const said = (context.activity.text ?? '').trim();
    const text = simplifiedText(said);
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
    const flows = this.options.flows;
    const { files, unusable } = flows ? filesFromActivity(context.activity, flows.filesDir) : { files: [], unusable: 0 };
    await runTurn({ context, conversation, text, ...(said !== text ? { said } : {}), files, unusableFiles: unusable, locale }, this.kit);
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
        await this.kit.reprompt({ context, conversation, locale });
      }
      conversation.awaitingRating = true;
      await context.sendActivity(this.kit.withActions(context, t(locale, 'handoffRateAsk'), ['1', '2', '3', '4', '5']));
    } else if (value.state === 'failed') {
      conversation.takingMessage = { reason: 'timeout', detail: null, step: 'message', ...(value.handoffId ? { ticketId: value.handoffId } : {}) };
      await context.sendActivity(MessageFactory.text(t(locale, 'handoffTimeout')));
    }
  }

  /**
   * Tells the merchant about a decision on their request, in the conversation they filed it from (a
   * proactive turn). A request for more materials is remembered: files sent next go to that ticket.
   */
  async notifyRequest(context: TurnContext, request: RequestRecord, event: RequestEvent): Promise<void> {
    const notice = statusNotice(request.locale, request, { to: event.to, reason: event.reason });
    await context.sendActivity(notice.suggestedActions.length ? this.kit.withActions(context, notice.text, notice.suggestedActions) : MessageFactory.text(notice.text));
    const conversation = await this.conversationData.get(context, { unanswered: 0, turns: 0 });
    if (event.to === 'needs_more_info') conversation.awaitingSupplement = { ticket: request.ticket, merchantId: request.merchantId };
    else if (conversation.awaitingSupplement?.ticket === request.ticket) delete conversation.awaitingSupplement;
    await this.options.conversationState.saveChanges(context);
  }

  private async localeFor(context: TurnContext): Promise<Locale> {
    const profile = await this.userProfile.get(context, {});
    const fromActivity = context.activity.locale?.toLowerCase().startsWith('en') ? 'en' : undefined;
    return profile.locale ?? fromActivity ?? this.options.defaultLocale;
  }
}
