/**
 * Knowledge upkeep from the console: a supervisor attaches a merchant's question to a
 * section of the guide as a paraphrase — from then on it is matched question to question as if the
 * section's file listed it under `### 问法` — or writes a curated answer to a question, given verbatim to
 * a later message that matches the question closely (as Dify's annotation replies).
 *
 * Stored in `knowledge_edits`, versioned: every change (an attachment, a move to another section, a
 * removal) is a new row naming who and when, never an update; a question's current state is its newest
 * row. Each change is written in one transaction with its audit entry (`knowledge.paraphrase_add`,
 * `knowledge.paraphrase_remove`, `knowledge.curated_add`, `knowledge.curated_remove`), then applied to
 * the running knowledge base (`applyTo`) — no restart, no re-ingest. Another process (a CLI chat) sees the change when it next opens the knowledge base.
 */
import type { Generated, Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { CuratedAnswer, KnowledgeBase } from '../knowledge/knowledge-base.js';
import { normalize } from '../knowledge/text.js';
import { maskCardNumbers } from '../privacy/card-mask.js';
import type { Database, KnowledgeEditsTable } from '../store/schema.js';
import { writeTransaction } from '../store/transactions.js';
import type { AuditAction, AuditActor, AuditLog } from './audit-log.js';

/** The longest question a supervisor may attach (a merchant's message is at most a few hundred characters). */
export const QUESTION_MAX_CHARS = 500;

export interface Paraphrase {
  /** The id of the version that made it current. */
  id: number;
  question: string;
  file: string;
  section: string;
  /** Who attached it (login name), and when (ISO). */
  by: string;
  at: string;
}

/** One version of an edit, as the history lists it. */
export interface KnowledgeEditVersion {
  id: number;
  kind: KnowledgeEditsTable['kind'];
  question: string;
  file: string | null;
  section: string | null;
  answer: string | null;
  status: KnowledgeEditsTable['status'];
  by: string;
  at: string;
}

/** What makes two questions one edit: Unicode width and case folded, spaces collapsed, end punctuation dropped. */
export function questionKey(question: string): string {
  return normalize(question).replace(/\s+/g, ' ').replace(/[?？!！。.,，~～]+$/u, '').trim();
}

/** What one version says (its kind and question_key aside). */
type EditValues = Pick<KnowledgeEditsTable, 'question' | 'file' | 'section' | 'answer' | 'status'>;
type EditRow = Omit<KnowledgeEditsTable, 'id'> & { id: number };

/** One mark (migration 0014): `handled` (by `edit_id` when an edit fixed it) or `open` again. */
export interface GapMarksTable {
  id: Generated<number>;
  question_key: string;
  question: string;
  status: 'handled' | 'open';
  edit_id: number | null;
  actor_id: number;
  actor_name: string;
  created_at: string;
}
export type GapMarkTables = { knowledge_gap_marks: GapMarksTable };

/**
 * Marks questions handled (by an edit, or none) or open again, one row per distinct question, through
 * `db` (the caller's transaction when the mark goes with an edit or an audit entry). Returns the rows written.
 */
export async function markGaps(
  db: Kysely<Database>,
  input: { actor: { id: number; name: string }; questions: readonly string[]; status: GapMarksTable['status']; editId: number | null; at: string },
): Promise<number> {
  const rows = new Map<string, string>();
  for (const q of input.questions) {
    const question = maskCardNumbers(q.trim()).text;
    const key = questionKey(question);
    if (key && !rows.has(key)) rows.set(key, question);
  }
  if (rows.size === 0) return 0;
  await db
    .withTables<GapMarkTables>()
    .insertInto('knowledge_gap_marks')
    .values([...rows].map(([key, question]) => ({ question_key: key, question, status: input.status, edit_id: input.editId, actor_id: input.actor.id, actor_name: input.actor.name, created_at: input.at })))
    .execute();
  return rows.size;
}

/** More work in an edit's transaction (a proposal's approval), given the new version's id. */
export type WithinEdit = (tx: Kysely<Database>, versionId: number) => Promise<void>;

export class KnowledgeEdits {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ── Paraphrases ──────────────────────────────────────────────────────────────────────────────────

  /** The paraphrases in force: each question's newest version, when it attaches (oldest first). */
  async paraphrases(): Promise<Paraphrase[]> {
    return (await this.current('paraphrase'))
      .filter((r) => r.file !== null && r.section !== null)
      .map((r) => ({ id: r.id, question: r.question, file: r.file!, section: r.section!, by: r.actor_name, at: r.created_at }));
  }

  /**
   * Attaches `question` to the section (which the knowledge base must have); attaching a question already
   * attached elsewhere moves it (a new version). Returns the new current paraphrase.
   */
  async addParaphrase(actor: AuditActor, knowledge: KnowledgeBase, input: { question: string; file: string; section: string }): Promise<Paraphrase> {
    const question = cleanQuestion(input.question);
    const section = knowledge.sections().find((s) => s.file === input.file && s.section === input.section);
    if (!section) throw new AppError('AGENT_INVALID', `no section "${input.section}" in ${input.file}`);
    const row = await this.change(actor, 'paraphrase', question, (before) => ({
      values: { question, file: input.file, section: input.section, answer: null, status: 'active' },
      action: 'knowledge.paraphrase_add',
      target: `${input.file}#${input.section}`,
      detail: before?.status === 'active' ? { from: { file: before.file, section: before.section } } : {},
    }), this.fixesGap(actor, question));
    await this.applyTo(knowledge);
    return { id: row!.id, question, file: input.file, section: input.section, by: actor.name, at: row!.created_at };
  }

  /** Takes a paraphrase back (a new version with status removed); false when the question is not attached. */
  async removeParaphrase(actor: AuditActor, knowledge: KnowledgeBase, question: string): Promise<boolean> {
    const row = await this.change(actor, 'paraphrase', cleanQuestion(question), (before) =>
      before?.status === 'active'
        ? { values: { ...pick(before), status: 'removed' }, action: 'knowledge.paraphrase_remove', target: `${before.file}#${before.section}`, detail: {} }
        : undefined,
    );
    if (row) await this.applyTo(knowledge);
    return row !== undefined;
  }

  // ── Curated answers ──────────────────────────────────────────────────────────────────────────────

  /** The curated answers in force: each question's newest version (oldest first). */
  async curatedAnswers(): Promise<CuratedAnswer[]> {
    return (await this.current('curated'))
      .filter((r) => r.answer !== null)
      .map((r) => ({ id: r.id, question: r.question, answer: r.answer!, by: r.actor_name, at: r.created_at }));
  }

  /** Writes (or rewrites: a new version) the answer to `question`; a message matching it closely gets it verbatim. */
  async addCurated(
    actor: AuditActor,
    knowledge: KnowledgeBase,
    input: { question: string; answer: string },
    /** Said in the audit entry (a proposal approved), and done in the same transaction. */
    extra: { detail?: Record<string, unknown>; within?: WithinEdit } = {},
  ): Promise<CuratedAnswer> {
    const question = cleanQuestion(input.question);
    const answer = maskCardNumbers(input.answer.trim()).text;
    if (!answer) throw new AppError('AGENT_INVALID', 'the answer is empty');
    const row = await this.change(actor, 'curated', question, (before) => ({
      values: { question, file: null, section: null, answer, status: 'active' },
      action: 'knowledge.curated_add',
      target: questionKey(question),
      detail: { ...(before?.status === 'active' ? { replaced: before.id } : {}), ...extra.detail },
    }), async (tx, id) => {
      await this.fixesGap(actor, question)(tx, id);
      await extra.within?.(tx, id);
    });
    await this.applyTo(knowledge);
    return { id: row!.id, question, answer, by: actor.name, at: row!.created_at };
  }

  /** Takes a curated answer back; false when the question has none. */
  async removeCurated(actor: AuditActor, knowledge: KnowledgeBase, question: string): Promise<boolean> {
    const row = await this.change(actor, 'curated', cleanQuestion(question), (before) =>
      before?.status === 'active' ? { values: { ...pick(before), status: 'removed' }, action: 'knowledge.curated_remove', target: before.question_key, detail: {} } : undefined,
    );
    if (row) await this.applyTo(knowledge);
    return row !== undefined;
  }

  /** What `pos-assist knowledge export` and the console's download write: the edits in force. */
  async inForce(): Promise<{ paraphrases: Paraphrase[]; curated: CuratedAnswer[] }> {
    return { paraphrases: await this.paraphrases(), curated: await this.curatedAnswers() };
  }

  /** The question an edit was saved for is no gap any more: marked handled by that edit. */
  private fixesGap(actor: AuditActor, question: string): WithinEdit {
    return async (tx, id) => {
      await markGaps(tx, { actor, questions: [question], status: 'handled', editId: id, at: this.now().toISOString() });
    };
  }

  // ── Versions ─────────────────────────────────────────────────────────────────────────────────────

  /** Every version, newest first (all questions, or one question's), at most `limit`. */
  async history(options: { question?: string; limit?: number } = {}): Promise<KnowledgeEditVersion[]> {
    let q = this.db.selectFrom('knowledge_edits').selectAll();
    if (options.question !== undefined) q = q.where('question_key', '=', questionKey(options.question));
    const rows = await q.orderBy('id', 'desc').limit(Math.min(500, Math.max(1, options.limit ?? 100))).execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, question: r.question, file: r.file, section: r.section, answer: r.answer, status: r.status, by: r.actor_name, at: r.created_at }));
  }

  /**
   * Puts the stored paraphrases and curated answers into the running knowledge base (at start, and after
   * each change); returns the paraphrases whose section the guide no longer has (kept, not matched).
   */
  async applyTo(knowledge: KnowledgeBase): Promise<Paraphrase[]> {
    const all = await this.paraphrases();
    const missing = new Set(knowledge.setParaphrases(all));
    knowledge.setCuratedAnswers(await this.curatedAnswers());
    return all.filter((p) => missing.has(p));
  }

  /** Each question's newest version of a kind, when active (oldest first). */
  private async current(kind: KnowledgeEditsTable['kind']): Promise<EditRow[]> {
    const rows = await this.db.selectFrom('knowledge_edits').selectAll().where('kind', '=', kind).orderBy('id', 'asc').execute();
    const latest = new Map<string, EditRow>();
    for (const r of rows) latest.set(r.question_key, r);
    return [...latest.values()].filter((r) => r.status === 'active');
  }

  /**
   * One change, in one write transaction: `decide` sees the question's newest version and says what the
   * new one holds and how it is audited (or undefined: nothing to do). Returns the new row.
   */
  private async change(
    actor: AuditActor,
    kind: KnowledgeEditsTable['kind'],
    question: string,
    decide: (before: EditRow | undefined) => { values: EditValues; action: AuditAction; target: string; detail: Record<string, unknown> } | undefined,
    within?: WithinEdit,
  ): Promise<EditRow | undefined> {
    const key = questionKey(question);
    if (!key) throw new AppError('AGENT_INVALID', 'the question is empty');
    return writeTransaction(this.db, async (tx) => {
      const before = await tx.selectFrom('knowledge_edits').selectAll().where('kind', '=', kind).where('question_key', '=', key).orderBy('id', 'desc').limit(1).executeTakeFirst();
      const next = decide(before);
      if (!next) return undefined;
      const values = { kind, question_key: key, ...next.values, actor_id: actor.id, actor_name: actor.name, created_at: this.now().toISOString() };
      const { id } = await tx.insertInto('knowledge_edits').values(values).returning('id').executeTakeFirstOrThrow();
      const targetType = kind === 'paraphrase' ? 'knowledge_section' : 'curated_answer';
      await this.audit.record({ actor, action: next.action, targetType, targetId: next.target, detail: { question: next.values.question, version: id, ...next.detail } }, tx);
      await within?.(tx, id);
      return { id, ...values };
    });
  }
}

/** The question as stored: trimmed, card numbers masked. */
function cleanQuestion(question: string): string {
  return maskCardNumbers(question.trim()).text;
}

function pick(row: EditRow): EditValues {
  return { question: row.question, file: row.file, section: row.section, answer: row.answer, status: row.status };
}
