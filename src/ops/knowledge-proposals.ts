/**
 * An agent's reply proposed as a curated answer: in a handoff the agent resolved (or is
 * resolving), the agent picks one of their own replies and proposes it as the answer to the merchant's
 * question. A proposal is not live: a supervisor reviews the pending ones on the knowledge screen, may
 * edit question and answer, and approves it — it becomes a curated answer, a knowledge_edits version like
 * any other, in the same transaction as the proposal's decision and both audit entries — or rejects it.
 *
 * Stored in `knowledge_proposals` (migration 0014), card-masked: an agent's reply or a merchant's question
 * may hold a card number. The reply is read from the handoff's events, not taken from the client, so a
 * proposal always quotes what the agent really sent.
 */
import type { Generated, Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { ProposalView } from '../handoff/console-api.js';
import type { CuratedAnswer, KnowledgeBase } from '../knowledge/knowledge-base.js';
import { maskCardNumbers } from '../privacy/card-mask.js';
import type { Database } from '../store/schema.js';
import { writeTransaction } from '../store/transactions.js';
import type { AuditActor, AuditLog } from './audit-log.js';
import type { KnowledgeEdits } from './knowledge-edits.js';

export interface KnowledgeProposalsTable {
  id: Generated<number>;
  handoff_id: string;
  /** The handoff event (`message_out`) whose text is proposed. */
  event_id: number;
  question: string;
  answer: string;
  status: ProposalView['status'];
  proposed_by_id: number;
  proposed_by_name: string;
  created_at: string;
  decided_by_id: number | null;
  decided_by_name: string | null;
  decided_at: string | null;
  /** The curated answer's version an approval made. */
  edit_id: number | null;
  /** Why it was rejected (the supervisor's words). */
  note: string | null;
}
type Tables = { knowledge_proposals: KnowledgeProposalsTable };
type Row = Omit<KnowledgeProposalsTable, 'id'> & { id: number };

function view(r: Row): ProposalView {
  return {
    id: r.id,
    handoffId: r.handoff_id,
    eventId: r.event_id,
    question: r.question,
    answer: r.answer,
    status: r.status,
    by: r.proposed_by_name,
    at: r.created_at,
    decidedBy: r.decided_by_name,
    decidedAt: r.decided_at,
    editId: r.edit_id,
    note: r.note,
  };
}

const mask = (text: string) => maskCardNumbers(text.trim()).text;

export class KnowledgeProposals {
  private readonly db: Kysely<Database & Tables>;

  constructor(
    private readonly base: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly edits: KnowledgeEdits,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = base.withTables<Tables>();
  }

  /**
   * Proposes the agent's reply `eventId` of handoff `handoffId` as the answer to `question`.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when the handoff is neither resolved nor being resolved by this
   *   agent, or the reply is proposed already (pending or approved).
   * @throws AppError `AGENT_INVALID` when the event is not a reply this agent sent in that handoff.
   */
  async propose(agent: AuditActor, input: { handoffId: string; eventId: number; question: string }): Promise<ProposalView> {
    const handoff = await this.db.selectFrom('handoffs').select(['id', 'status', 'end_reason', 'agent_id']).where('id', '=', input.handoffId).executeTakeFirst();
    if (!handoff) throw new AppError('HANDOFF_NOT_FOUND', `no handoff ${input.handoffId}`);
    const resolving = handoff.status === 'active' && handoff.agent_id === agent.id;
    if (!resolving && !(handoff.status === 'ended' && handoff.end_reason === 'resolved')) {
      throw new AppError('HANDOFF_CONFLICT', 'only a reply in a resolved conversation, or one you are resolving, can be proposed');
    }
    const event = await this.db.selectFrom('handoff_events').select(['id', 'kind', 'actor', 'text']).where('id', '=', input.eventId).where('handoff_id', '=', handoff.id).executeTakeFirst();
    if (!event || event.kind !== 'message_out' || event.actor !== `agent:${agent.name}` || !event.text?.trim()) {
      throw new AppError('AGENT_INVALID', 'eventId: not a text reply of yours in this conversation');
    }
    const question = mask(input.question);
    if (!question) throw new AppError('AGENT_INVALID', 'question: the question is empty');
    const at = this.now().toISOString();
    const row = await writeTransaction(this.base, async (tx) => {
      const t = tx.withTables<Tables>();
      const taken = await t.selectFrom('knowledge_proposals').select(['id', 'status']).where('event_id', '=', event.id).where('status', 'in', ['pending', 'approved']).executeTakeFirst();
      if (taken) throw new AppError('HANDOFF_CONFLICT', `this reply is proposed already (proposal ${taken.id}, ${taken.status})`);
      const values = {
        handoff_id: handoff.id,
        event_id: event.id,
        question,
        answer: mask(event.text!),
        status: 'pending' as const,
        proposed_by_id: agent.id,
        proposed_by_name: agent.name,
        created_at: at,
        decided_by_id: null,
        decided_by_name: null,
        decided_at: null,
        edit_id: null,
        note: null,
      };
      const { id } = await t.insertInto('knowledge_proposals').values(values).returning('id').executeTakeFirstOrThrow();
      await this.audit.record({ actor: agent, action: 'knowledge.proposal_create', targetType: 'knowledge_proposal', targetId: String(id), detail: { handoff: handoff.id, question } }, tx);
      return { id, ...values };
    });
    return view(row);
  }

  /** Proposals, newest first: all, or of one status, or of one handoff. */
  async list(filter: { status?: ProposalView['status']; handoffId?: string; limit?: number } = {}): Promise<ProposalView[]> {
    let q = this.db.selectFrom('knowledge_proposals').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.handoffId) q = q.where('handoff_id', '=', filter.handoffId);
    return (await q.orderBy('id', 'desc').limit(filter.limit ?? 200).execute()).map(view);
  }

  /**
   * Approves a pending proposal with the question and answer as the supervisor edited them: a curated
   * answer (a new knowledge_edits version) in force at once, the proposal's decision and both audit
   * entries in one transaction.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` / `HANDOFF_CONFLICT` when there is no such proposal or it is decided.
   */
  async approve(supervisor: AuditActor, knowledge: KnowledgeBase, id: number, input: { question: string; answer: string }): Promise<{ proposal: ProposalView; curated: CuratedAnswer }> {
    const before = await this.pending(id);
    const curated = await this.edits.addCurated(supervisor, knowledge, input, {
      detail: { proposal: id, proposedBy: before.proposed_by_name },
      within: async (tx, versionId) => {
        await this.decide(tx, supervisor, id, { status: 'approved', edit_id: versionId, note: null });
        await this.audit.record({ actor: supervisor, action: 'knowledge.proposal_approve', targetType: 'knowledge_proposal', targetId: String(id), detail: { question: mask(input.question), version: versionId, proposedBy: before.proposed_by_name } }, tx);
      },
    });
    return { proposal: view(await this.get(id)), curated };
  }

  /** Rejects a pending proposal (with the supervisor's note, if any). */
  async reject(supervisor: AuditActor, id: number, note?: string): Promise<ProposalView> {
    const before = await this.pending(id);
    const cleanNote = note ? mask(note) || null : null;
    await writeTransaction(this.base, async (tx) => {
      await this.decide(tx, supervisor, id, { status: 'rejected', edit_id: null, note: cleanNote });
      await this.audit.record({ actor: supervisor, action: 'knowledge.proposal_reject', targetType: 'knowledge_proposal', targetId: String(id), detail: { question: before.question, proposedBy: before.proposed_by_name, ...(cleanNote ? { note: cleanNote } : {}) } }, tx);
    });
    return view(await this.get(id));
  }

  private async get(id: number): Promise<Row> {
    const row = await this.db.selectFrom('knowledge_proposals').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('HANDOFF_NOT_FOUND', `no proposal ${id}`);
    return row;
  }

  private async pending(id: number): Promise<Row> {
    const row = await this.get(id);
    if (row.status !== 'pending') throw new AppError('HANDOFF_CONFLICT', `proposal ${id} is ${row.status} already`);
    return row;
  }

  /** The decision, only while still pending: a second supervisor deciding at the same time gets a 409. */
  private async decide(tx: Kysely<Database>, supervisor: AuditActor, id: number, values: Pick<KnowledgeProposalsTable, 'status' | 'edit_id' | 'note'>): Promise<void> {
    const result = await tx
      .withTables<Tables>()
      .updateTable('knowledge_proposals')
      .set({ ...values, decided_by_id: supervisor.id, decided_by_name: supervisor.name, decided_at: this.now().toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new AppError('HANDOFF_CONFLICT', `proposal ${id} was decided meanwhile`);
  }
}
