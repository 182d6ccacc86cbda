/**
 * The supervisors' side of the agent console API: the dashboard (`GET /agent/api/dashboard`, and
 * `/agent/api/dashboard.csv` to download it), knowledge upkeep (`/agent/api/knowledge/…`: the gaps,
 * sections, paraphrases, curated answers, a preview, every version, gaps marked handled, agents' replies
 * proposed as curated answers, the export as a download) and the audit log (`GET /agent/api/audit`). Registered in
 * the console's scope, so the agentAuth guard (401 without a session) and its error handler apply; every
 * route here but proposing a reply (any agent, their own reply) needs the supervisor role (403
 * `AGENT_FORBIDDEN` for an agent).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { agentErrorHandler, currentAgent, requireRole } from '../handoff/agents/index.js';
import { parse } from '../handoff/console-routes.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { AUDIT_PAGE_MAX, type AuditLog } from './audit-log.js';
import { dashboard, dashboardCsv, dayIn, startOfDay } from './dashboard.js';
import { GROUP_QUESTIONS_MAX, knowledgeGaps } from './knowledge-gaps.js';
import { KnowledgeEdits, markGaps, QUESTION_MAX_CHARS } from './knowledge-edits.js';
import { planKnowledgeExport } from './knowledge-export.js';
import { KnowledgeProposals } from './knowledge-proposals.js';
import { zip } from './zip.js';
import { writeTransaction } from '../store/transactions.js';
import type { KnowledgeAnswer, KnowledgeBase } from '../knowledge/knowledge-base.js';

export interface OpsRouteOptions {
  db: Kysely<Database>;
  audit: AuditLog;
  /** The merchants' time zone (`TIME_ZONE`): the dashboard's days are theirs. */
  timeZone: string;
  /** Knowledge edits (paraphrases); with `knowledge`, the routes under /agent/api/knowledge/ that change it. */
  edits: KnowledgeEdits;
  /** The running knowledge base (`SERVER_NOT_READY` until the bot has loaded). */
  knowledge: () => KnowledgeBase;
}

/** The longest range the dashboard computes at once. */
const MAX_DAYS = 92;
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day (YYYY-MM-DD)').refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');
const DashboardQuery = z
  .object({
    from: Day.optional(),
    to: Day.optional(),
    channel: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/).optional(),
    table: z.enum(['daily', 'sections', 'requests']).optional(),
  })
  .strict();

/** A day (`2026-12-01`, from its start, UTC) or an ISO instant. */
const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, 'a day (YYYY-MM-DD) or an ISO instant (…Z)')
  .transform((v) => (v.length === 10 ? `${v}T00:00:00.000Z` : v))
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');

const AuditQuery = z
  .object({
    actor: z.string().min(1).max(64).optional(),
    action: z.string().regex(/^[a-z_]+(\.[a-z_]+)?$/, 'an action (handoff.claim) or an area (handoff)').optional(),
    targetType: z.string().regex(/^[a-z_]+$/).optional(),
    targetId: z.string().min(1).max(200).optional(),
    since: Instant.optional(),
    until: Instant.optional(),
    before: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional(),
  })
  .strict();

const Question = z.string().trim().min(1).max(QUESTION_MAX_CHARS);
const ParaphraseBody = z.object({ question: Question, file: z.string().min(1).max(200), section: z.string().min(1).max(200) }).strict();
const QuestionBody = z.object({ question: Question }).strict();
/** The longest curated answer (a phone screen or two). */
const ANSWER_MAX_CHARS = 2000;
const CuratedBody = z.object({ question: Question, answer: z.string().trim().min(1).max(ANSWER_MAX_CHARS) }).strict();
const PreviewBody = z.object({ question: Question }).strict();
const HistoryQuery = z.object({ question: Question.optional(), limit: z.coerce.number().int().min(1).max(500).optional() }).strict();
const GapMarkBody = z.object({ questions: z.array(Question).min(1).max(GROUP_QUESTIONS_MAX), editId: z.number().int().positive().optional() }).strict();
const ProposeBody = z.object({ eventId: z.number().int().positive(), question: Question }).strict();
const ProposalsQuery = z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() }).strict();
const RejectBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
const ProposalId = z.object({ id: z.coerce.number().int().positive() }).strict();

/** The preview's view of an answer: what the merchant would read, what it cites, how sure it is. */
function previewOf(answer: KnowledgeAnswer) {
  return {
    answered: answer.answered,
    lang: answer.lang,
    passages: answer.passages,
    confidence: answer.confidence,
    sources: answer.sources.map((s) => ({ file: s.file, title: s.title, section: s.section, headingPath: s.headingPath })),
    curated: answer.curated ?? null,
    outOfScope: answer.retrieval.outOfScope ?? null,
  };
}

export async function opsRoutes(app: FastifyInstance, options: OpsRouteOptions): Promise<void> {
  app.setErrorHandler(agentErrorHandler);

  // ── Dashboard ────────────────────────────────────────────────────────────────────────────────────
  // Default: the last 7 days, today included, in the merchants' time zone.
  const compute = (raw: unknown) => {
    const q = parse(DashboardQuery, raw);
    const to = q.to ?? dayIn(new Date(), options.timeZone);
    const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days < 1 || days > MAX_DAYS) throw new AppError('AGENT_INVALID', `from…to: 1 to ${MAX_DAYS} days, from not after to`);
    return { table: q.table ?? 'daily', from, to, data: () => dashboard(options.db, { from, to, timeZone: options.timeZone, channel: q.channel }) };
  };
  app.get('/agent/api/dashboard', async (request) => {
    requireRole(request, 'supervisor');
    return compute(request.query).data();
  });
  // What the guide did not answer (well) in the same range: unanswered and 👎 questions, grouped.
  app.get('/agent/api/knowledge/gaps', async (request) => {
    requireRole(request, 'supervisor');
    const { from, to } = compute(request.query);
    const until = startOfDay(new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), options.timeZone);
    const all = await knowledgeGaps(options.db, { since: startOfDay(from, options.timeZone), until });
    // Open first (the worklist); handled ones apart, to check or reopen.
    return { from, to, groups: all.filter((g) => !g.handled), handled: all.filter((g) => g.handled) };
  });
  // A group marked handled (by an edit, or as needing none) leaves the open list; reopened, it returns.
  const markRoute = (status: 'handled' | 'open') => async (request: FastifyRequest) => {
    const supervisor = requireRole(request, 'supervisor');
    const body = parse(GapMarkBody, request.body);
    if (status === 'handled' && body.editId !== undefined) {
      const edit = await options.db.selectFrom('knowledge_edits').select('id').where('id', '=', body.editId).executeTakeFirst();
      if (!edit) throw new AppError('AGENT_INVALID', `editId: no knowledge edit ${body.editId}`);
    }
    const marked = await writeTransaction(options.db, async (tx) => {
      const n = await markGaps(tx, { actor: supervisor, questions: body.questions, status, editId: status === 'handled' ? (body.editId ?? null) : null, at: new Date().toISOString() });
      await options.audit.record(
        {
          actor: supervisor,
          action: status === 'handled' ? 'knowledge.gap_handle' : 'knowledge.gap_reopen',
          targetType: 'knowledge_gap',
          targetId: body.questions[0]!.slice(0, 200),
          detail: { questions: body.questions.slice(0, 10), count: n, ...(body.editId !== undefined && status === 'handled' ? { edit: body.editId } : {}) },
        },
        tx,
      );
      return n;
    });
    return { marked };
  };
  app.post('/agent/api/knowledge/gaps/handle', markRoute('handled'));
  app.post('/agent/api/knowledge/gaps/reopen', markRoute('open'));
  app.get('/agent/api/dashboard.csv', async (request, reply) => {
    requireRole(request, 'supervisor');
    const { table, data } = compute(request.query);
    const d = await data();
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="pos-assist-${table}-${d.from}-${d.to}${d.channel ? `-${d.channel}` : ''}.csv"`)
      .header('cache-control', 'no-store')
      // A byte-order mark: Excel then reads the Chinese titles as UTF-8.
      .send(`\ufeff${dashboardCsv(d, table)}`);
  });

  // ── Knowledge upkeep ─────────────────────────────────────────────────────────────────────────────
  // The guide's sections (where a paraphrase may go), the paraphrases in force, every version.
  app.get('/agent/api/knowledge/sections', async (request) => {
    requireRole(request, 'supervisor');
    return { sections: options.knowledge().sections() };
  });
  app.get('/agent/api/knowledge/paraphrases', async (request) => {
    requireRole(request, 'supervisor');
    return { paraphrases: await options.edits.paraphrases() };
  });
  // Attach (or move) a question to a section; it is matched from the next message on.
  app.post('/agent/api/knowledge/paraphrases', async (request, reply) => {
    const supervisor = requireRole(request, 'supervisor');
    const body = parse(ParaphraseBody, request.body);
    const paraphrase = await options.edits.addParaphrase(supervisor, options.knowledge(), body);
    return reply.code(201).send(paraphrase);
  });
  app.post('/agent/api/knowledge/paraphrases/remove', async (request) => {
    const supervisor = requireRole(request, 'supervisor');
    const { question } = parse(QuestionBody, request.body);
    if (!(await options.edits.removeParaphrase(supervisor, options.knowledge(), question))) {
      throw new AppError('AGENT_INVALID', 'that question is not attached to a section');
    }
    return { removed: true };
  });
  // Curated answers: given verbatim to a message that matches the question closely.
  app.get('/agent/api/knowledge/curated', async (request) => {
    requireRole(request, 'supervisor');
    return { curated: await options.edits.curatedAnswers() };
  });
  app.post('/agent/api/knowledge/curated', async (request, reply) => {
    const supervisor = requireRole(request, 'supervisor');
    const curated = await options.edits.addCurated(supervisor, options.knowledge(), parse(CuratedBody, request.body));
    return reply.code(201).send(curated);
  });
  app.post('/agent/api/knowledge/curated/remove', async (request) => {
    const supervisor = requireRole(request, 'supervisor');
    const { question } = parse(QuestionBody, request.body);
    if (!(await options.edits.removeCurated(supervisor, options.knowledge(), question))) {
      throw new AppError('AGENT_INVALID', 'that question has no curated answer');
    }
    return { removed: true };
  });
  // What the knowledge base would now answer to a question (nothing is sent, nothing is recorded).
  app.post('/agent/api/knowledge/preview', async (request) => {
    requireRole(request, 'supervisor');
    const { question } = parse(PreviewBody, request.body);
    return previewOf(await options.knowledge().ask(question));
  });
  app.get('/agent/api/knowledge/history', async (request) => {
    requireRole(request, 'supervisor');
    return { versions: await options.edits.history(parse(HistoryQuery, request.query)) };
  });
  // What `pos-assist knowledge export` would write, as a ZIP of the files (paths as in knowledge/) and
  // its report: the same plan, nothing written on the server.
  app.get('/agent/api/knowledge/export', async (request, reply) => {
    requireRole(request, 'supervisor');
    const plan = planKnowledgeExport(options.knowledge().knowledgeDir, await options.edits.inForce());
    const report = { ...plan.report, remove: plan.removes };
    const archive = zip([...plan.writes.map((w) => ({ name: w.file, data: w.text })), { name: 'export-report.json', data: `${JSON.stringify(report, null, 2)}\n` }]);
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="pos-assist-knowledge-${dayIn(new Date(), options.timeZone)}.zip"`)
      .header('cache-control', 'no-store')
      .send(archive);
  });

  // ── Agents' replies proposed as curated answers ──────────────────────────────────────────────────
  const proposals = new KnowledgeProposals(options.db, options.audit, options.edits);
  // Any agent, their own reply in a conversation resolved or being resolved; a supervisor decides.
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/proposals', async (request, reply) => {
    const agent = currentAgent(request);
    const body = parse(ProposeBody, request.body);
    return reply.code(201).send(await proposals.propose(agent, { handoffId: request.params.id, eventId: body.eventId, question: body.question }));
  });
  app.get<{ Params: { id: string } }>('/agent/api/handoffs/:id/proposals', async (request) => {
    currentAgent(request);
    return { proposals: await proposals.list({ handoffId: request.params.id }) };
  });
  app.get('/agent/api/knowledge/proposals', async (request) => {
    requireRole(request, 'supervisor');
    return { proposals: await proposals.list(parse(ProposalsQuery, request.query)) };
  });
  app.post('/agent/api/knowledge/proposals/:id/approve', async (request) => {
    const supervisor = requireRole(request, 'supervisor');
    const { id } = parse(ProposalId, request.params);
    return proposals.approve(supervisor, options.knowledge(), id, parse(CuratedBody, request.body));
  });
  app.post('/agent/api/knowledge/proposals/:id/reject', async (request) => {
    const supervisor = requireRole(request, 'supervisor');
    const { id } = parse(ProposalId, request.params);
    const { note } = parse(RejectBody, request.body);
    return { proposal: await proposals.reject(supervisor, id, note) };
  });

  // ── Audit log ────────────────────────────────────────────────────────────────────────────────────
  // Newest first; `next` is the `before` of the following page.
  app.get('/agent/api/audit', async (request) => {
    requireRole(request, 'supervisor');
    const query = parse(AuditQuery, request.query);
    return options.audit.list(query);
  });
}
