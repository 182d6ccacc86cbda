/**
 * What a turn of the bot works on, typed once: the conversation's and the merchant's saved state, the
 * bot's options, and the message being handled (`Turn`). A turn runs the steps of `turn-pipeline.ts` in
 * order; each step (`steps/`) either handles the message and ends the turn, or passes it on.
 */
import type { ConversationState, TurnContext, UserState } from 'botbuilder';
import type { Locale } from '../i18n/messages.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { KnowledgeMissStore } from '../store/misses-store.js';
import type { FileRef, FlowState } from '../flows/engine.js';
import type { IntentDetector } from '../flows/intent.js';
import type { IntentClassifier } from '../flows/intent-classifier.js';
import type { GroundedAnswerer } from '../knowledge/grounded-answer.js';
import type { IdentityStore } from '../identity/identity-store.js';
import type { PhoneCheck } from '../identity/phone-check.js';
import type { AnswerFeedbackStore, FeedbackRating, FeedbackSource } from '../ops/feedback-store.js';
import type { FlowTurns } from './flow-turns.js';
import type { HandoffConversation, HandoffTurns } from './handoff-turns.js';
import type { TurnKit } from './turn-kit.js';

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
  /**
   * Statements that asked nothing and named no request ("我们店下个月要搬家"), the messages before: merchants
   * send a story in bursts, and the request that follows it within minutes ("想把结算停两个礼拜") is that
   * story's — its reason and days go into the request too. Its last message is `last`; the story read whole
   * may state the request none of its bursts did ("…团费4500刷卡付的" then "…原路给他打回去").
   */
  story?: { text: string; at: number; last?: string };
  /**
   * A request a rule stopped (told to void on the terminal first): a later message that changes the answer
   * it stopped on ("照你说的弄了…显示撤销失败") takes it up again with everything given.
   */
  stoppedFlow?: { state: FlowState; rule: string; at: number };
  /**
   * A request set aside while another ticket's materials are sent ("等下 先弄另一个 CX-… 你们要的盖章退货说明" +
   * the PDF): taken up again, with everything given, when that supplement ends.
   */
  parkedFlow?: { state: FlowState; at: number };
  /** The merchant ID given in this conversation: later flows start with it. */
  merchantId?: string;
  /** A ticket the back office asked more materials for: files sent now go to it. */
  /** The request waiting for materials: told by the review's notice, or shown by a status (`shown`). */
  awaitingSupplement?: { ticket: string; merchantId: string; shown?: true };
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

/** The message a turn handles, with the state it reads and changes (saved when the turn ends). */
export interface Turn {
  context: TurnContext;
  conversation: ConversationData;
  /**
   * The message's text as the bot reads it: trimmed ('' for a message with files only), traditional
   * characters in their simplified forms, as the flows, the guide and the rules are written.
   */
  text: string;
  /** …and exactly as the merchant wrote it, when that differs: what an agent is shown. */
  said?: string;
  /** The usable files it carried (stored already). */
  files: FileRef[];
  /** Attachments it carried that could not be used (too large, a type not taken, not downloaded). */
  unusableFiles: number;
  /** The language to answer in: the merchant's last message's. */
  locale: Locale;
}

/**
 * One step of a turn: true when it handled the message (the turn ends), false to pass it to the next.
 * A step may also only note something and pass (the card-number warning).
 */
export type TurnStep = (turn: Turn, kit: TurnKit) => Promise<boolean>;
