/**
 * Opening the knowledge base as the app configures it. Apart from the runtime so that the knowledge
 * commands (`ask`, `ingest`, `eval`) start without loading the bot, botbuilder and the channels.
 */
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { IngestReport } from '../knowledge/ingest.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export async function openKnowledge(config: Config, logger: Logger): Promise<KnowledgeBase> {
  const knowledge = await KnowledgeBase.open({
    knowledgeDir: config.knowledgeDir,
    indexDir: config.paths.index,
    minConfidence: config.answerMinConfidence,
    maxSources: config.answerMaxSources,
    embeddings: config.embeddings,
    logger,
  });
  if (knowledge.ingestReport) logIngest(logger, knowledge.ingestReport);
  return knowledge;
}

function logIngest(logger: Logger, report: IngestReport): void {
  for (const p of report.problems) logger.warn({ file: p.file, reason: p.reason }, 'knowledge file skipped');
  const { added, updated, unchanged, removed, total, reason, durationMs } = report;
  logger.info({ added, updated, unchanged, removed, total, reason, durationMs }, 'knowledge index updated');
}
