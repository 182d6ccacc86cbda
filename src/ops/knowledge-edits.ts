/**
 * Knowledge upkeep from the console (issue 19, item 4): a supervisor attaches a merchant's question to a
 * section of the guide as a paraphrase — from then on it is matched question to question as if the
 * section's file listed it under `### 问法`.
 *
 * Stored in `knowledge_edits`, versioned: every change (an attachment, a move to another section, a
 * removal) is a new row naming who and when, never an update; a question's current state is its newest
 * row. Each change is written in one transaction with its audit entry (`knowledge.paraphrase_add`,
 * `knowledge.paraphrase_remove`), then applied to the running knowledge base (`applyTo`) — no restart,
 * no re-ingest. Another process (a CLI chat) sees the change when it next opens the knowledge base.
 */
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { normalize } from '../knowledge/text.js';
import { maskCardNumbers } from '../privacy/card-mask.js';
import type { Database, KnowledgeEditsTable } from '../store/schema.js';
import { writeTransaction } from '../store/transactions.js';
import type { AuditActor, AuditLog } from './audit-log.js';

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

export class KnowledgeEdits {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The paraphrases in force: each question's newest version, when it attaches (oldest first). */
  async paraphrases(): Promise<Paraphrase[]> {
    const rows = await this.db.selectFrom('knowledge_edits').selectAll().where('kind', '=', 'paraphrase').orderBy('id', 'asc').execute();
    const current = new Map<string, (typeof rows)[number]>();
    for (const r of rows) current.set(r.question_key, r);
    return [...current.values()]
      .filter((r) => r.status === 'active' && r.file !== null && r.section !== null)
      .map((r) => ({ id: r.id, question: r.question, file: r.file!, section: r.section!, by: r.actor_name, at: r.created_at }));
  }

  /**
   * Attaches `question` to the section (which the knowledge base must have); attaching a question already
   * attached elsewhere moves it (a new version). Returns the new current paraphrase.
   */
  async addParaphrase(actor: AuditActor, knowledge: KnowledgeBase, input: { question: string; file: string; section: string }): Promise<Paraphrase> {
    const question = maskCardNumbers(input.question.trim()).text;
    const key = questionKey(question);
    if (!key) throw new AppError('AGENT_INVALID', 'the question is empty');
    const section = knowledge.sections().find((s) => s.file === input.file && s.section === input.section);
    if (!section) throw new AppError('AGENT_INVALID', `no section "${input.section}" in ${input.file}`);
    const at = this.now().toISOString();
    const id = await writeTransaction(this.db, async (tx) => {
      const before = await this.latest(tx, 'paraphrase', key);
      const row = await tx
        .insertInto('knowledge_edits')
        .values({ kind: 'paraphrase', question_key: key, question, file: input.file, section: input.section, answer: null, status: 'active', actor_id: actor.id, actor_name: actor.name, created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      const moved = before?.status === 'active' ? { from: { file: before.file, section: before.section } } : {};
      await this.audit.record(
        { actor, action: 'knowledge.paraphrase_add', targetType: 'knowledge_section', targetId: `${input.file}#${input.section}`, detail: { question, version: row.id, ...moved } },
        tx,
      );
      return row.id;
    });
    await this.applyTo(knowledge);
    return { id, question, file: input.file, section: input.section, by: actor.name, at };
  }

  /** Takes a paraphrase back (a new version with status removed); false when the question is not attached. */
  async removeParaphrase(actor: AuditActor, knowledge: KnowledgeBase, question: string): Promise<boolean> {
    const key = questionKey(maskCardNumbers(question.trim()).text);
    const removed = await writeTransaction(this.db, async (tx) => {
      const before = await this.latest(tx, 'paraphrase', key);
      if (!before || before.status !== 'active') return false;
      const row = await tx
        .insertInto('knowledge_edits')
        .values({ kind: 'paraphrase', question_key: key, question: before.question, file: before.file, section: before.section, answer: null, status: 'removed', actor_id: actor.id, actor_name: actor.name, created_at: this.now().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.audit.record(
        { actor, action: 'knowledge.paraphrase_remove', targetType: 'knowledge_section', targetId: `${before.file}#${before.section}`, detail: { question: before.question, version: row.id } },
        tx,
      );
      return true;
    });
    if (removed) await this.applyTo(knowledge);
    return removed;
  }

  /** Every version, newest first (all questions, or one question's), at most `limit`. */
  async history(options: { question?: string; limit?: number } = {}): Promise<KnowledgeEditVersion[]> {
    let q = this.db.selectFrom('knowledge_edits').selectAll();
    if (options.question !== undefined) q = q.where('question_key', '=', questionKey(options.question));
    const rows = await q.orderBy('id', 'desc').limit(Math.min(500, Math.max(1, options.limit ?? 100))).execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, question: r.question, file: r.file, section: r.section, answer: r.answer, status: r.status, by: r.actor_name, at: r.created_at }));
  }

  /**
   * Puts the stored paraphrases into the running knowledge base (at start, and after each change); returns
   * those whose section the guide no longer has (kept, not matched).
   */
  async applyTo(knowledge: KnowledgeBase): Promise<Paraphrase[]> {
    const all = await this.paraphrases();
    const missing = new Set(knowledge.setParaphrases(all));
    return all.filter((p) => missing.has(p));
  }

  private async latest(tx: Kysely<Database>, kind: KnowledgeEditsTable['kind'], key: string) {
    return tx.selectFrom('knowledge_edits').selectAll().where('kind', '=', kind).where('question_key', '=', key).orderBy('id', 'desc').limit(1).executeTakeFirst();
  }
}
