/**
 * The composition root: opens the store and the knowledge base, builds the bot, and wires an adapter to
 * it. Commands and (later) the server start from here and close it when they are done.
 */
import { ConversationState, UserState, type TurnContext } from 'botbuilder';
import { PosAssistBot } from '../bot/pos-assist-bot.js';
import type { ChannelAdapter } from '../channels/channel-adapter.js';
import { detectLocale, t } from '../i18n/messages.js';
import { loadFlows } from '../flows/flow-loader.js';
import type { Flow } from '../flows/flow-schema.js';
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { IngestReport } from '../knowledge/ingest.js';
import { SqlStorage, SqlTranscriptStore, KnowledgeMissStore, openDatabase, type Store } from '../store/index.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  transcripts: SqlTranscriptStore;
  misses: KnowledgeMissStore;
  knowledge: KnowledgeBase;
  /** The validated flow definitions (flows/*.yaml), by id. */
  flows: Map<string, Flow>;
  bot: PosAssistBot;
  /** Connects a channel adapter to the bot (error handling included). */
  attach(adapter: ChannelAdapter): void;
  close(): Promise<void>;
}

export async function openKnowledge(config: Config, logger: Logger): Promise<KnowledgeBase> {
  const knowledge = await KnowledgeBase.open({
    knowledgeDir: config.knowledgeDir,
    indexDir: config.paths.index,
    minConfidence: config.answerMinConfidence,
    maxSources: config.answerMaxSources,
  });
  if (knowledge.ingestReport) logIngest(logger, knowledge.ingestReport);
  return knowledge;
}

export function logIngest(logger: Logger, report: IngestReport): void {
  for (const p of report.problems) logger.warn({ file: p.file, reason: p.reason }, 'knowledge file skipped');
  const { added, updated, unchanged, removed, total, reason, durationMs } = report;
  logger.info({ added, updated, unchanged, removed, total, reason, durationMs }, 'knowledge index updated');
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  // Flow files first: a bad one stops the start before anything is opened.
  const flows = loadFlows(config.flowsDir);
  const store = await openDatabase({ filename: config.paths.database });
  try {
    const storage = new SqlStorage(store.db);
    const transcripts = new SqlTranscriptStore(store.db);
    const misses = new KnowledgeMissStore(store.db);
    const retentionCutoff = new Date(Date.now() - config.transcriptRetentionDays * 86_400_000);
    const purged = await transcripts.deleteOlderThan(retentionCutoff);
    if (purged > 0) logger.info({ purged, retentionDays: config.transcriptRetentionDays }, 'old transcript entries deleted');

    const knowledge = await openKnowledge(config, logger);
    const bot = new PosAssistBot({
      knowledge,
      conversationState: new ConversationState(storage),
      userState: new UserState(storage),
      misses,
      defaultLocale: config.defaultLocale,
    });
    const adapters: ChannelAdapter[] = [];
    return {
      config,
      logger,
      store,
      transcripts,
      misses,
      knowledge,
      flows,
      bot,
      attach(adapter) {
        adapters.push(adapter);
        adapter.onTurnError = async (context: TurnContext, error: Error) => {
          logger.error(
            { err: error, channelId: context.activity.channelId, conversationId: context.activity.conversation?.id },
            'turn failed',
          );
          const locale = detectLocale(context.activity.text ?? '') ?? config.defaultLocale;
          await context.sendActivity(t(locale, 'internalError')).catch(() => undefined);
        };
      },
      async close() {
        await Promise.all(adapters.map((a) => a.drain()));
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
