/**
 * The CLI's commands. Loaded by `cli.ts` only after the arguments were checked, because they pull in the
 * whole bot (botbuilder, LangChain, hnswlib, jieba).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import type { Activity } from 'botbuilder';
import { answerPath, answerQuestion } from '../bot/answering.js';
import { GroundedAnswerer } from '../knowledge/grounded-answer.js';
import { LanguageModel, type LlmCallRecord } from '../llm/language-model.js';
import { safeName, storeFile } from '../channels/attachments.js';
import { AppError, isAppError } from './errors.js';
import { detectLocale, t, type Locale } from '../i18n/messages.js';
import { evaluate, loadEvalFixtures, type EvalResult } from '../knowledge/evaluate.js';
import { ingest } from '../knowledge/ingest.js';
import type { VectorEmbeddingDescriptor } from '../knowledge/vector-embeddings.js';
import { checkChatUser, checkFixturesFile, usageError } from './cli-usage.js';
import { PROJECT_ROOT, secretValues, type Config } from './config.js';
import type { Logger } from './logger.js';
import { openKnowledge } from './knowledge-open.js';
import type { Runtime } from './runtime.js';
import { formatSize } from '../core/sizes.js';

export async function runIngest(config: Config, logger: Logger, rebuild: boolean, json: boolean): Promise<number> {
  const report = await ingest({ knowledgeDir: config.knowledgeDir, indexDir: config.paths.index, rebuild, embeddings: config.embeddings });
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    for (const p of report.problems) process.stdout.write(`skipped ${p.file}: ${p.reason}\n`);
    process.stdout.write(
      `Knowledge index updated (${report.fullRebuild ? `full rebuild: ${report.reason}` : 'incremental'}): ` +
        `${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.removed} removed; ` +
        `${report.embedded} embedded, ${report.total} chunks from ${report.files} files in ${report.durationMs} ms.\n`,
    );
    process.stdout.write(`Vector embedding: ${describeVectorEmbedding(report.vectorEmbedding)}.\n`);
  }
  logger.debug({ report }, 'ingest finished');
  return 0;
}

/**
 * `local (hashed TF-IDF)`, `openai text-embedding-v3, 1024 dimensions, https://…/v1` (never the key) or
 * `onnx bge-small-zh-v1.5@3f2a9c01d4e7, cls pooling, 512 dimensions`.
 */
function describeVectorEmbedding(e: VectorEmbeddingDescriptor): string {
  if (e.provider === 'local') return 'local (hashed TF-IDF)';
  if (e.provider === 'onnx') return `onnx ${e.model}, ${e.pooling} pooling${e.dimensions ? `, ${e.dimensions} dimensions` : ''}`;
  return `openai ${e.model}${e.dimensions ? `, ${e.dimensions} dimensions` : ''}, ${e.endpoint}`;
}

export async function runAsk(config: Config, logger: Logger, question: string, json: boolean): Promise<number> {
  if (!question.trim()) usageError('the question is empty');
  const knowledge = await openKnowledge(config, logger);
  const locale = detectLocale(question) ?? config.defaultLocale;
  // The configured model answers here too (no database: its calls are logged, not stored).
  const llm = config.llm.apiKey ? new LanguageModel({ settings: config.llm, logger }) : undefined;
  const reply = await answerQuestion(knowledge, llm ? new GroundedAnswerer(llm, secretValues(config)) : undefined, question, locale);
  if (json) {
    const out = {
      answer: reply.text,
      confidence: reply.confidence,
      answered: reply.answered,
      // Only what the answer cites: the near misses of an unanswered question are not sources.
      sources: reply.answered ? reply.sources.map((s) => ({ file: s.file, title: s.title, section: s.section, score: s.score })) : [],
      by: reply.by,
      ...(reply.model ? { model: { name: llm!.model, ...reply.model } } : {}),
      // What the rewrite and rerank did (the rewrite is the merchant's question in the guide's words).
      ...(reply.steps ? { steps: reply.steps } : {}),
      // Why an off-topic message was (or was not) refused: the out-of-scope question it was judged to be,
      // and the nearest one with its similarity — what an operator adds a sibling of.
      ...(reply.knowledge.retrieval.outOfScope ? { outOfScope: reply.knowledge.retrieval.outOfScope } : {}),
      ...(reply.knowledge.retrieval.nearestOutOfScope ? { nearestOutOfScope: reply.knowledge.retrieval.nearestOutOfScope } : {}),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${reply.text}\n`);
  }
  return 0;
}

/**
 * The chat command. `shared`: a runtime the caller made and keeps (the scripted-conversation tests play
 * many chats through one instead of opening the knowledge base and the slip reader for each); it must
 * have been made from `config`, and is left open — the chat only waits for its own turns to finish.
 */
export async function runChat(config: Config, logger: Logger, jsonl: boolean, user: string | undefined, shared?: Runtime): Promise<number> {
  checkChatUser(user);
  // Only the chat needs the bot and botbuilder: the knowledge commands start without them.
  const [{ createRuntime }, { TerminalAdapter }] = await Promise.all([import('./runtime.js'), import('../channels/terminal/terminal-adapter.js')]);
  const runtime = shared ?? (await createRuntime(config, logger));
  const interactive = !jsonl && process.stdin.isTTY === true;
  let lastOptions: string[] = [];
  const write = (s: string) => new Promise<void>((resolve) => (process.stdout.write(s) ? resolve() : process.stdout.once('drain', resolve)));
  const adapter = new TerminalAdapter({
    transcripts: runtime.transcripts,
    userId: user ?? 'terminal-user',
    async onActivity(activity: Partial<Activity>) {
      if (activity.type === 'typing') return;
      const options = (activity.suggestedActions?.actions ?? []).map((a) => String(a.value ?? a.title));
      if (jsonl) {
        const line: Record<string, unknown> = { type: activity.type, text: activity.text ?? '' };
        if (options.length) line.suggestedActions = options;
        if (activity.attachments?.length) line.attachments = activity.attachments;
        await write(`${JSON.stringify(line)}\n`);
        return;
      }
      lastOptions = options;
      const numbered = options.map((o, i) => `  [${i + 1}] ${o}`).join('\n');
      await write(`\nPOS Assist › ${activity.text ?? ''}${numbered ? `\n${numbered}` : ''}\n`);
    },
  });
  runtime.attach(adapter);
  const logic = (ctx: Parameters<typeof runtime.bot.run>[0]) => runtime.bot.run(ctx);

  try {
    await adapter.start(logic);
    // Decisions made while this user was away are told now, in this conversation — only this user's.
    await runtime.sendPendingNotifications({ conversationId: adapter.conversationId });
    const rl = createInterface({ input: process.stdin, terminal: interactive });
    if (interactive) {
      process.stdout.write('\n(输入问题后回车；输入编号选择选项；/file 路径 发送图片或PDF；Ctrl+D 或 /quit 退出 · Type a question; a number picks an option; /file PATH sends an image or PDF; Ctrl+D or /quit to exit)\n');
      rl.setPrompt('\n您 › ');
      rl.prompt();
    }
    /**
     * Files named by path are stored like any upload (type by magic bytes, size limit) and attached. A
     * refusal is said in the merchant's language, naming the file (never its full path).
     */
    const attach = async (paths: string[], locale: Locale): Promise<NonNullable<Activity['attachments']>> => {
      const out: NonNullable<Activity['attachments']> = [];
      if (paths.length > config.webchat.uploadMaxFiles) throw new Error(t(locale, 'errTooManyFiles', { max: config.webchat.uploadMaxFiles }));
      for (const p of paths) {
        const path = resolve(p);
        const name = safeName(basename(path));
        if (!existsSync(path) || !statSync(path).isFile()) throw new Error(t(locale, 'errNoSuchFile', { name }));
        if (statSync(path).size > config.webchat.uploadMaxBytes) {
          throw new Error(t(locale, 'errNamedFileTooLarge', { name, size: formatSize(config.webchat.uploadMaxBytes) }));
        }
        let stored;
        try {
          stored = await storeFile(config.paths.files, readFileSync(path), name);
        } catch (err) {
          if (isAppError(err) && err.code === 'DL_ATTACHMENT_TYPE') throw new Error(t(locale, 'errNamedFileType', { name }));
          throw err;
        }
        out.push({ contentType: stored.contentType, contentUrl: pathToFileURL(join(config.paths.files, stored.file)).href, name });
      }
      return out;
    };
    const report = async (lineNo: number, error: string) => {
      // Reported in-band so a script (or the person typing) sees what was not delivered, and why.
      if (jsonl) await write(`${JSON.stringify({ type: 'error', line: lineNo, error })}\n`);
      else await write(`\n⚠️  ${error}\n`);
    };
    let lineNo = 0;
    // The language of the merchant's last words, for refusals said before the bot sees the message.
    let chatLocale: Locale = config.defaultLocale;
    for await (const raw of rl) {
      lineNo++;
      let text = raw;
      let files: string[] = [];
      if (jsonl) {
        const trimmed = raw.trim();
        if (!trimmed) continue;
        if (trimmed.startsWith('{')) {
          try {
            const obj = JSON.parse(trimmed) as { text?: unknown; attachments?: unknown };
            if (!obj || typeof obj !== 'object') throw new Error('expected an object');
            if (obj.text !== undefined && typeof obj.text !== 'string') throw new Error('"text" must be a string');
            if (obj.attachments !== undefined) {
              if (!Array.isArray(obj.attachments) || obj.attachments.some((a) => !a || typeof (a as { path?: unknown }).path !== 'string')) {
                throw new Error('"attachments" must be a list of {"path": "..."}');
              }
              files = (obj.attachments as { path: string }[]).map((a) => a.path);
            }
            if (typeof obj.text !== 'string' && files.length === 0) throw new Error('expected an object with a "text" string or "attachments"');
            text = typeof obj.text === 'string' ? obj.text : '';
          } catch (err) {
            await report(lineNo, `invalid JSON message: ${(err as Error).message}`);
            continue;
          }
        }
      } else {
        const trimmed = raw.trim();
        if (trimmed === '/quit' || trimmed === '/exit') break;
        const file = /^\/(file|attach)\s+(\S+)\s*(.*)$/.exec(trimmed);
        if (file) {
          files = [file[2]!];
          text = file[3] ?? '';
        }
        const pick = /^\d+$/.test(trimmed) ? lastOptions[Number(trimmed) - 1] : undefined;
        if (pick) text = pick;
      }
      let attachments: NonNullable<Activity['attachments']> = [];
      try {
        chatLocale = detectLocale(text) ?? chatLocale;
        attachments = await attach(files, chatLocale);
      } catch (err) {
        await report(lineNo, isAppError(err) ? err.message : (err as Error).message);
        if (interactive) rl.prompt();
        continue;
      }
      await adapter.say(text, logic, attachments);
      if (interactive) rl.prompt();
    }
    rl.close();
  } finally {
    if (shared) {
      await adapter.drain();
      await runtime.handoffTurns.idle();
    } else {
      await runtime.close();
    }
  }
  return 0;
}

/**
 * Without --fixtures, both splits of the labelled set (`test/fixtures/eval/`): `dev`, which the knowledge
 * data and weights are tuned on, and `test`, which is only ever scored — the honest estimate. Each is
 * reported for the hybrid retriever and BM25 alone, overall and per category. With `--model`, the bot's
 * answer path with the configured language model (rewrite, rerank, grounded answer) is scored the same way
 * beside them, with the calls it made.
 */
export async function runEval(config: Config, logger: Logger, fixtures: string | undefined, json: boolean, withModel = false): Promise<number> {
  const files = fixtures ? [fixtures] : EVAL_SPLITS.map((f) => join(PROJECT_ROOT, 'test', 'fixtures', 'eval', f)).filter((f) => existsSync(f));
  for (const file of files) checkFixturesFile(file);
  if (files.length === 0) usageError('no fixtures file found in test/fixtures/eval');
  if (withModel && !config.llm.apiKey) usageError('eval --model needs a language model: set LLM_API_KEY (and LLM_BASE_URL, LLM_MODEL)');
  const knowledge = await openKnowledge(config, logger);
  const calls: LlmCallRecord[] = [];
  const llm = withModel ? new LanguageModel({ settings: config.llm, logger, record: (call) => void calls.push(call) }) : undefined;
  const answer = llm ? answerPath(knowledge, new GroundedAnswerer(llm, secretValues(config)), config.defaultLocale) : undefined;
  const report: { file: string; results: EvalResult[]; model?: ModelEvalReport }[] = [];
  for (const file of files) {
    const data = loadEvalFixtures(file);
    const results: EvalResult[] = [];
    for (const mode of ['hybrid', 'bm25'] as const) results.push(await evaluate(knowledge, data, mode));
    const entry: (typeof report)[number] = { file: basename(file), results };
    if (llm && answer) {
      const from = calls.length;
      const result = await evaluate(knowledge, data, 'hybrid', { answer, concurrency: EVAL_MODEL_CONCURRENCY });
      entry.model = { name: llm.model, result, calls: tallyCalls(calls.slice(from), data.questions.length + data.offTopic.length) };
    }
    report.push(entry);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const { file, results, model } of report) {
    const [hybrid, bm25] = results as [EvalResult, EvalResult];
    process.stdout.write(`\n${file}: ${hybrid.questions} questions, ${hybrid.offTopic} off-topic (confidence gate ${knowledge.minConfidence})\n\n`);
    const rows = [
      ['retriever', 'correct', 'hit@1', 'hit@3', 'MRR', 'answered', 'off-topic rejected'],
      ...[...results, ...(model ? [model.result] : [])].map((r, i) => [
        i === 2 ? 'model' : r.mode,
        pct(r.correct),
        pct(r.hitAt1),
        pct(r.hitAt3),
        r.mrr.toFixed(3),
        pct(r.answerRate),
        pct(r.offTopicRejection),
      ]),
    ];
    for (const row of rows) process.stdout.write(`  ${row.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(i === 6 ? 19 : 9))).join(' ')}\n`);
    if (model) process.stdout.write(`  (model: hybrid retrieval + ${model.name}: rewrite, rerank, grounded answer)\n`);
    process.stdout.write(
      `\n  ${'category'.padEnd(14)} ${'n'.padStart(4)} ${'correct (hybrid)'.padStart(17)} ${'correct (bm25)'.padStart(15)} ${'hit@1 (hybrid)'.padStart(15)}${model ? ` ${'correct (model)'.padStart(16)}` : ''}\n`,
    );
    for (const c of hybrid.byCategory) {
      const b = bm25.byCategory.find((x) => x.category === c.category)!;
      const m = model?.result.byCategory.find((x) => x.category === c.category);
      process.stdout.write(
        `  ${c.category.padEnd(14)} ${String(c.questions).padStart(4)} ${pct(c.correct).padStart(17)} ${pct(b.correct).padStart(15)} ${pct(c.hitAt1).padStart(15)}${m ? ` ${pct(m.correct).padStart(16)}` : ''}\n`,
      );
    }
    if (model) {
      const list = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
      const c = model.calls;
      process.stdout.write(
        `\n  model calls: ${c.calls} (${c.perQuestion.toFixed(2)} per message; by purpose: ${list(c.byPurpose)}; by outcome: ${list(c.byOutcome)}; ${c.inputTokens} tokens in, ${c.outputTokens} out)\n`,
      );
    }
  }
  const verbose = process.env.EVAL_VERBOSE === '1';
  for (const { file, results, model } of report) {
    if (!verbose) continue;
    for (const [label, r] of [['hybrid', results[0]!], ...(model ? [['model', model.result] as const] : [])] as const) {
      process.stdout.write(`\n${file} — ${label}: not answered correctly (${r.misses.length}):\n`);
      for (const m of r.misses) {
        process.stdout.write(
          `  - [${m.category}] ${m.q}\n      expected ${m.expect.join(' | ')}\n      got      ${m.got.join(' | ')} (confidence ${m.confidence}${m.answered ? '' : ', not answered'})\n` +
            (m.missingFacts.length ? `      lacking  ${m.missingFacts.map((g) => g.join(' / ')).join('; ')}\n` : ''),
        );
      }
      process.stdout.write(`\n${file} — ${label}: off-topic questions answered anyway (${r.falseAnswers.length}):\n`);
      for (const f of r.falseAnswers) process.stdout.write(`  - ${f.q} (confidence ${f.confidence}, ${f.got})\n`);
    }
  }
  if (!verbose) process.stdout.write('\nEVAL_VERBOSE=1 lists the misses.\n');
  return 0;
}

/** Questions the model path answers at once in `eval --model` (the provider's rate limit is the bound). */
const EVAL_MODEL_CONCURRENCY = 4;

interface ModelEvalReport {
  /** The configured model. */
  name: string;
  result: EvalResult;
  /** Requests made (`perQuestion`: per labelled message, off-topic included). */
  calls: { calls: number; perQuestion: number; byPurpose: Record<string, number>; byOutcome: Record<string, number>; inputTokens: number; outputTokens: number };
}

/**
 * The requests made, by purpose and outcome. A refused output is recorded after its call (which counts
 * as ok): it shows under `refused` but is not another request.
 */
function tallyCalls(records: LlmCallRecord[], questions: number): ModelEvalReport['calls'] {
  const byPurpose: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  let inputTokens = 0;
  let outputTokens = 0;
  let calls = 0;
  for (const c of records) {
    byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
    if (c.outcome === 'refused') continue;
    calls++;
    byPurpose[c.purpose] = (byPurpose[c.purpose] ?? 0) + 1;
    inputTokens += c.inputTokens ?? 0;
    outputTokens += c.outputTokens ?? 0;
  }
  return { calls, perQuestion: questions ? Math.round((calls / questions) * 100) / 100 : 0, byPurpose, byOutcome, inputTokens, outputTokens };
}

/** The labelled set's splits: tuned on, and only ever scored. */
export const EVAL_SPLITS = ['dev.json', 'test.json'];


/** Runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
export async function runServe(config: Config, logger: Logger): Promise<number> {
  const { startServer } = await import('./server.js');
  const server = await startServer(config, logger);
  process.stdout.write(`POS Assist: ${server.url}  (demo page and web chat; Ctrl+C to stop)\n`);
  try {
    await server.ready;
  } catch (err) {
    // A bad flow file, an unreadable knowledge base…: stop listening and exit non-zero, so a supervisor
    // (systemd, Docker, Kubernetes) sees the failure instead of a server answering 503 for ever.
    await server.close().catch(() => undefined);
    throw err;
  }
  process.stdout.write('POS Assist is ready / 已就绪\n');
  const agents = await server.app.agentAuth.agents.count();
  process.stdout.write(
    agents > 0
      ? `Agent console / 客服台: ${server.url}/agent\n`
      : `Agent console / 客服台: ${server.url}/agent — no agents yet / 还没有客服账号: npx pos-assist agents add <name> --role supervisor\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.stdout.write('Stopping… / 正在停止…\n');
      server.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

