/**
 * The composition root: opens the store and the knowledge base, builds the bot, and wires an adapter to
 * it. Commands and (later) the server start from here and close it when they are done.
 */
import { ActivityTypes, UserState, type TurnContext } from 'botbuilder';
import { MemberScopedConversationState } from '../bot/member-state.js';
import { FlowTurns } from '../bot/flow-turns.js';
import { HandoffTurns } from '../bot/handoff-turns.js';
import { HandoffService, type HandoffDelivery } from '../handoff/handoff-service.js';
import { PosAssistBot } from '../bot/pos-assist-bot.js';
import type { ChannelAdapter } from '../channels/channel-adapter.js';
import { detectLocale, t } from '../i18n/messages.js';
import { FlowEngine } from '../flows/engine.js';
import { loadFlows } from '../flows/flow-loader.js';
import type { Flow } from '../flows/flow-schema.js';
import { IntentDetector } from '../flows/intent.js';
import { SLOT_TYPES } from '../flows/slot-types/registry.js';
import { RequestStore, type RequestEvent, type RequestRecord } from '../requests/index.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { SqlStorage, SqlTranscriptStore, KnowledgeMissStore, openDatabase, type Store } from '../store/index.js';
import { secretValues, type Config } from './config.js';
import type { Logger } from './logger.js';
import { LanguageModel } from '../llm/language-model.js';
import { LlmCallStore } from '../llm/llm-call-store.js';
import { SlotExtractor } from '../flows/slot-extraction.js';
import { GroundedAnswerer } from '../knowledge/grounded-answer.js';
import { IntentClassifier } from '../flows/intent-classifier.js';
import { AgentBriefWriter } from '../handoff/agent-brief.js';
import { SlipReader, type OcrCache } from '../slips/index.js';
import { SlipPhotos } from '../bot/slip-photos.js';
import { purgeExpired as purgeExpiredRows, type RetentionResult } from '../store/retention.js';
import { IdentityStore } from '../identity/identity-store.js';
import { PhoneCheck } from '../identity/phone-check.js';
import type { Metrics } from './metrics.js';
import { openKnowledge } from './knowledge-open.js';
import { AnswerFeedbackStore } from '../ops/feedback-store.js';
import { AuditLog } from '../ops/audit-log.js';
import { KnowledgeEdits } from '../ops/knowledge-edits.js';

/**
 * Attempts at telling a merchant of a decision before giving up (retried every minute and at each start):
 * an undeliverable notice (a blocked bot, a deleted chat) must not hold back newer ones for ever.
 */
export const MAX_NOTICE_ATTEMPTS = 10;
export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  transcripts: SqlTranscriptStore;
  misses: KnowledgeMissStore;
  /** Merchants' 👍/👎 on answers. */
  feedback: AnswerFeedbackStore;
  knowledge: KnowledgeBase;
  /** The validated flow definitions (flows/*.yaml), by id. */
  flows: Map<string, Flow>;
  requests: RequestStore;
  /** Who may act for which merchant: bindings and binding codes. */
  identities: IdentityStore;
  /** The agents' queue and live chat. */
  handoff: HandoffService;
  /** How the handoff service reaches channels; the server adds file URLs for its channels. */
  handoffDelivery: HandoffDelivery;
  bot: PosAssistBot;
  /** The bot's handoff side (its `idle()` waits for agent briefs being written). */
  handoffTurns: HandoffTurns;
  /** The configured language model; undefined offline. */
  llm: LanguageModel | undefined;
  /** Every model call's purpose, latency, tokens and outcome. */
  llmCalls: LlmCallStore;
  /** Reads slip photos offline (one per process; the OCR model loads on the first photo, in a worker thread). */
  slipReader: SlipReader;
  /**
   * Tells the merchant about a decision, on the channel and conversation the request came from. Throws
   * when that channel is not running here (the event stays unnotified and is retried at the next start).
   */
  notify(request: RequestRecord, event: RequestEvent): Promise<void>;
  /**
   * Sends decisions not yet told (made while the server was down, or whose notice failed) on the channels
   * running here; returns how many were sent. `olderThanMs`: only decisions at least this old (a retry
   * leaves the ones being told right now to the notifier).
   */
  /**
   * Tells merchants of decisions not told yet, on the channels attached; `conversationId` limits it to
   * one conversation (the terminal chat of one user: never another user's notices).
   */
  sendPendingNotifications(options?: { olderThanMs?: number; conversationId?: string }): Promise<number>;
  /**
   * Deletes what holds merchants' words or files past TRANSCRIPT_RETENTION_DAYS (src/store/retention.ts).
   * Runs at creation; the server runs it again every day.
   */
  purgeExpired(): Promise<RetentionResult>;
  /** Connects a channel adapter to the bot (error handling included). */
  attach(adapter: ChannelAdapter): void;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Called after a request or supplement added outbox rows (the server wakes its outbox worker). */
  onOutbox?: () => void;
  /** A store opened already (the server opens it first: the console's login needs it at once). */
  store?: Store;
  /** The server's metrics: turns, answers, flow steps, handoffs and model calls are counted into it. */
  metrics?: Metrics;
  /** What the slip reader's OCR saw in photos it read before (the conversation evaluation keeps one on disk). */
  slipOcrCache?: OcrCache;
}

/** The flow engine, telling the metrics of each start and step (the turn's outcome is then a flow step). */
class CountedFlowEngine extends FlowEngine {
  constructor(flows: Map<string, Flow>, options: ConstructorParameters<typeof FlowEngine>[1], private readonly metrics: Metrics) {
    super(flows, options);
  }

  override start(...args: Parameters<FlowEngine['start']>): ReturnType<FlowEngine['start']> {
    this.metrics.flowStep();
    return super.start(...args);
  }

  override handle(...args: Parameters<FlowEngine['handle']>): ReturnType<FlowEngine['handle']> {
    this.metrics.flowStep();
    return super.handle(...args);
  }
}

export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  // Flow files first: a bad one stops the start before anything is opened.
  const flows = loadFlows(config.flowsDir);
  const store = options.store ?? (await openDatabase({ filename: config.paths.database, url: config.databaseUrl }));
  try {
    const storage = new SqlStorage(store.db);
    const transcripts = new SqlTranscriptStore(store.db);
    const misses = new KnowledgeMissStore(store.db);
    const feedback = new AnswerFeedbackStore(store.db);
    const purgeExpired = async () => {
      const purged = await purgeExpiredRows(store.db, {
        cutoff: new Date(Date.now() - config.transcriptRetentionDays * 86_400_000),
        filesDir: config.paths.files,
      });
      if (Object.values(purged).some((n) => n > 0)) logger.info({ ...purged, retentionDays: config.transcriptRetentionDays }, 'expired merchant data deleted');
      return purged;
    };
    await purgeExpired();

    const knowledge = await openKnowledge(config, logger);
    // The paraphrases supervisors attached in the console (knowledge_edits) count from the first message.
    for (const p of await new KnowledgeEdits(store.db, new AuditLog(store.db)).applyTo(knowledge)) {
      logger.warn({ question: p.question, file: p.file, section: p.section }, 'paraphrase not applied: the knowledge base has no such section');
    }
    const llmCalls = new LlmCallStore(store.db);
    const metrics = options.metrics;
    const recordCall = (call: Parameters<LlmCallStore['record']>[0]) => {
      metrics?.llmCall(call);
      return llmCalls.record(call);
    };
    const llm = config.llm.apiKey ? new LanguageModel({ settings: config.llm, logger, record: recordCall }) : undefined;
    if (llm) logger.info({ model: llm.model, baseUrl: config.llm.baseUrl ?? 'https://api.openai.com/v1', structuredOutput: llm.structuredOutput }, 'language model configured');
    const requests = new RequestStore(store.db, { timeZone: config.timeZone, onOutbox: () => options.onOutbox?.() });
    const engineOptions = { slotTypes: SLOT_TYPES, timeZone: config.timeZone };
    const engine = metrics ? new CountedFlowEngine(flows, engineOptions, metrics) : new FlowEngine(flows, engineOptions);
    const slipReader = new SlipReader({ ocrCache: options.slipOcrCache });
    const slips = new SlipPhotos({
      reader: slipReader,
      filesDir: config.paths.files,
      onError: (err, file) => logger.warn({ err, file }, 'slip photo could not be read or made safe; the dialog goes on'),
    });
    const identities = new IdentityStore(store.db);
    const { phoneCodeUrl, webhookSecret } = config.backoffice;
    const phoneCheck = phoneCodeUrl && webhookSecret ? new PhoneCheck({ url: phoneCodeUrl, secret: webhookSecret, identities }) : undefined;
    const flowTurns = new FlowTurns({
      engine,
      requests,
      identities,
      phoneCheck: phoneCheck !== undefined,
      filesDir: config.paths.files,
      extractor: llm ? new SlotExtractor(llm, { timeZone: engine.timeZone, logger }) : undefined,
      slips,
    });
    const handoff = new HandoffService({ db: store.db, settings: config.handoff, logger, audit: new AuditLog(store.db), onHandoff: metrics ? (event, record) => metrics.handoffEvent(event, record) : undefined });
    const handoffTurns = new HandoffTurns({
      service: handoff,
      requests,
      identities,
      transcripts,
      flows: flowTurns,
      brief: llm ? new AgentBriefWriter(llm, secretValues(config)) : undefined,
      onBriefError: (err) => logger.warn({ err }, 'could not store the agent brief'),
    });
    const bot = new PosAssistBot({
      knowledge,
      conversationState: new MemberScopedConversationState(storage),
      userState: new UserState(storage),
      misses,
      defaultLocale: config.defaultLocale,
      identities,
      phoneCheck,
      answerer: llm ? new GroundedAnswerer(llm, secretValues(config)) : undefined,
      handoff: handoffTurns,
      flows: {
        turns: flowTurns,
        intents: new IntentDetector(flows.values()),
        classifier: llm ? new IntentClassifier(llm, flows.values()) : undefined,
        filesDir: config.paths.files,
      },
      onHandoff: (context, handoff, error) => {
        const where = { channelId: context.activity.channelId, conversationId: context.activity.conversation?.id, ...handoff };
        if (error) logger.error({ err: error, ...where }, 'flow action failed; the merchant was offered a retry');
        else logger.info(where, 'human agent offered');
      },
      onAnswer: metrics ? (_context, answer) => metrics.answer(answer.answered, answer.confidence) : undefined,
      feedback,
      onFeedback: metrics ? (context, rating) => metrics.feedback(context.activity.channelId, rating) : undefined,
    });
    const adapters: ChannelAdapter[] = [];
    const handoffDelivery: HandoffDelivery = {
      adapterFor: (channelId) => adapters.findLast((a) => a.channelId === channelId),
      runBot: (context) => bot.run(context),
    };
    handoff.connect(handoffDelivery);
    const notify = async (request: RequestRecord, event: RequestEvent): Promise<void> => {
      // The latest adapter of the channel: a terminal user who came back is in the newest session.
      const adapter = adapters.findLast((a) => a.channelId === request.channelId);
      if (!adapter || !request.conversationRef) throw new Error(`channel "${request.channelId}" is not running here`);
      // A send that fails inside the turn must fail the notice (so it is retried), not reach the turn's
      // error handler, which would swallow it (and tell the merchant "something went wrong").
      let failure: { err: unknown } | undefined;
      await adapter.continueConversation(request.conversationRef, async (context) => {
        try {
          await bot.notifyRequest(context, request, event);
        } catch (err) {
          failure = { err };
        }
      });
      if (failure) throw failure.err;
    };
    return {
      config,
      logger,
      store,
      transcripts,
      misses,
      feedback,
      knowledge,
      flows,
      requests,
      identities,
      handoff,
      handoffDelivery,
      bot,
      handoffTurns,
      llm,
      llmCalls,
      slipReader,
      notify,
      purgeExpired,
      async sendPendingNotifications(options = {}) {
        let sent = 0;
        const channelIds = [...new Set(adapters.map((a) => a.channelId))];
        const before = options.olderThanMs !== undefined ? new Date(Date.now() - options.olderThanMs) : undefined;
        for (const { request, event } of await requests.pendingNotifications(100, { channelIds, ...(before ? { before } : {}) })) {
          if (options.conversationId !== undefined && request.conversationRef?.conversation?.id !== options.conversationId) continue;
          try {
            await notify(request, event);
            await requests.markNotified(event.id);
            sent++;
          } catch (err) {
            const gaveUp = await requests.noteNotifyFailure(event.id, MAX_NOTICE_ATTEMPTS).catch(() => false);
            if (gaveUp) {
              logger.error({ err, ticket: request.ticket, eventId: event.id, attempts: MAX_NOTICE_ATTEMPTS }, 'gave up telling the merchant of a decision; tell them another way');
            } else {
              logger.warn({ err, ticket: request.ticket, eventId: event.id }, 'could not notify the merchant; will retry');
            }
          }
        }
        return sent;
      },
      attach(adapter) {
        adapters.push(adapter);
        if (metrics) adapter.use(metrics.turnMiddleware);
        adapter.handoffSink = async (context, event) => {
          await handoff.initiate(context, event);
        };
        adapter.onTurnError = async (context: TurnContext, error: Error) => {
          logger.error(
            { err: error, channelId: context.activity.channelId, conversationId: context.activity.conversation?.id },
            'turn failed',
          );
          const locale = detectLocale(context.activity.text ?? '') ?? config.defaultLocale;
          const told = await context.sendActivity(t(locale, 'internalError')).then(
            () => true,
            () => false,
          );
          // Nothing reached the merchant (the store or the platform is down): a message's turn fails, so the
          // message stays unanswered and is taken up again (replay, orphan sweep) instead of being marked
          // answered with no answer. An event's turn (handoff.status, a notice) has no message to keep: what
          // follows it (a WeCom session moving to the agent, who may be the only one allowed to write) goes on.
          if (!told && context.activity.type === ActivityTypes.Message) throw error;
        };
      },
      async close() {
        await Promise.all(adapters.map((a) => a.drain()));
        await handoffTurns.idle();
        await slipReader.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
