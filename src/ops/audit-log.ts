/**
 * The audit log (table `audit_log`): what agents and supervisors did — logins and logouts, claims,
 * transfers, resolutions and hand-backs, closed tickets, decisions on requests, canned-reply edits,
 * unbound identities, knowledge edits (paraphrases, curated answers, proposals, gaps marked handled). Written in the same transaction
 * as the action wherever the action is one transaction here (`record(tx, …)`), so an action and its
 * entry exist together or not at all. Read by supervisors only (`GET /agent/api/audit`, the console's
 * 审计 tab).
 *
 * An entry names its actor by id, login name and role as they were, the action (`<area>.<verb>`), its
 * target (`handoff`, `request`, `canned_reply`, `identity`, `agent`, `knowledge_section`, `curated_answer`, `knowledge_proposal`, `knowledge_gap` and an id) and
 * a small JSON detail (card-masked: a reason or a canned reply's text may carry anything an agent typed).
 * Entries are kept:
 * they hold no merchant's words beyond such a detail, and an audit trail that expires is no trail.
 */
import type { Kysely } from 'kysely';
import { maskDeep } from '../privacy/card-mask.js';
import type { Database } from '../store/schema.js';

export const AUDIT_ACTIONS = [
  'agent.login',
  'agent.logout',
  'handoff.claim',
  'handoff.transfer',
  'handoff.resolve',
  'handoff.handback',
  'handoff.close_ticket',
  'request.review',
  'canned.create',
  'canned.update',
  'canned.delete',
  'identity.unbind',
  'knowledge.paraphrase_add',
  'knowledge.paraphrase_remove',
  'knowledge.curated_add',
  'knowledge.curated_remove',
  'knowledge.proposal_create',
  'knowledge.proposal_approve',
  'knowledge.proposal_reject',
  'knowledge.gap_handle',
  'knowledge.gap_reopen',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: a console account as it was at the time. */
export interface AuditActor {
  id: number;
  name: string;
  role: string;
}

export interface AuditInput {
  actor: AuditActor;
  action: AuditAction;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
  /** The client's address (logins). */
  client?: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: AuditActor;
  action: string;
  targetType: string;
  targetId: string;
  detail: Record<string, unknown>;
  client: string | null;
}

export interface AuditQuery {
  /** Only this actor's entries (login name). */
  actor?: string;
  /** Only this action, or every action of an area (`handoff`, `request`…). */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** ISO instants: from (inclusive) and until (exclusive). */
  since?: string;
  until?: string;
  /** Entries older than this id (the `next` of the page before). */
  before?: number;
  /** Page size (1–200, default 50). */
  limit?: number;
}

export const AUDIT_PAGE_MAX = 200;

export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes one entry through `within` (the action's transaction) or the log's own connection. */
  async record(entry: AuditInput, within: Kysely<Database> = this.db): Promise<void> {
    await within
      .insertInto('audit_log')
      .values({
        at: this.now().toISOString(),
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        actor_role: entry.actor.role,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        detail_json: JSON.stringify(maskDeep(entry.detail ?? {}).value),
        client: entry.client ?? null,
      })
      .execute();
  }

  /** Newest first, one page; `next` is the `before` of the following page (null on the last). */
  async list(query: AuditQuery = {}): Promise<{ entries: AuditEntry[]; next: number | null }> {
    const limit = Math.min(AUDIT_PAGE_MAX, Math.max(1, query.limit ?? 50));
    let q = this.db.selectFrom('audit_log').selectAll();
    if (query.actor) q = q.where('actor_name', '=', query.actor);
    if (query.action) q = query.action.includes('.') ? q.where('action', '=', query.action) : q.where('action', 'like', `${query.action}.%`);
    if (query.targetType) q = q.where('target_type', '=', query.targetType);
    if (query.targetId) q = q.where('target_id', '=', query.targetId);
    if (query.since) q = q.where('at', '>=', query.since);
    if (query.until) q = q.where('at', '<', query.until);
    if (query.before !== undefined) q = q.where('id', '<', query.before);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return {
      entries: page.map((r) => ({
        id: r.id,
        at: r.at,
        actor: { id: r.actor_id, name: r.actor_name, role: r.actor_role },
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        detail: JSON.parse(r.detail_json) as Record<string, unknown>,
        client: r.client,
      })),
      next: rows.length > limit ? page.at(-1)!.id : null,
    };
  }
}
