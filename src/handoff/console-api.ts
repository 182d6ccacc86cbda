/**
 * The agent console's API, as types shared by the server (src/handoff/console-routes.ts) and the browser
 * code (src/handoff/console/). JSON over HTTP under `/agent/api/`, a session cookie set by the login, and
 * the header `x-csrf-token` on every call that changes something. Errors: `{error: {code, message}}`
 * with 401 (no session), 403 (CSRF, role), 404, 409 (another agent owns it / it has ended).
 *
 * Routes:
 *   POST /agent/api/login {name, password} → LoginResponse          POST /agent/api/logout → 204
 *   GET  /agent/api/me → LoginResponse                              POST /agent/api/presence {presence} → 204
 *   GET  /agent/api/handoffs → {handoffs: HandoffSummary[]}         (waiting, active and tickets)
 *   GET  /agent/api/handoffs/:id → HandoffDetails
 *   POST /agent/api/handoffs/:id/claim → {handoff}                  (409 when another agent was faster)
 *   POST /agent/api/handoffs/:id/messages {text} → {event}          (multipart with a `file` part for images)
 *   POST /agent/api/handoffs/:id/typing → 204
 *   POST /agent/api/handoffs/:id/notes {text} → {event}             (never shown to the merchant)
 *   POST /agent/api/handoffs/:id/transfer {agentId} → {handoff}
 *   POST /agent/api/handoffs/:id/resolve → {handoff}                POST /agent/api/handoffs/:id/handback → {handoff}
 *   POST /agent/api/handoffs/:id/close-ticket {note?} → {handoff}   (a ticket called back and done)
 *   GET  /agent/api/agents → {agents: AgentView[]}                  (for transfers)
 *   GET  /agent/api/canned → {replies: CannedReply[]}
 *   POST /agent/api/canned {title, text} · PUT /agent/api/canned/:id · DELETE /agent/api/canned/:id   (supervisors)
 *   GET  /agent/api/requests?status=… → {requests: RequestSummary[]}
 *   GET  /agent/api/requests/:id → RequestDetailsView
 *   POST /agent/api/requests/:id/review {status, reason?} → RequestDetailsView   (the merchant is told)
 *   GET  /agent/api/files/:file → the file (images and PDF of handoffs and requests)
 *   POST /agent/api/identities/unbind {channelId, userId, merchantId} → {removed}   (supervisors)
 *   WS   /agent/api/socket → ServerEvent messages; the client sends {type: 'activity'} on input (presence)
 */
import type { Locale } from '../core/locale.js';

export type Role = 'agent' | 'supervisor';
export type Presence = 'online' | 'away' | 'offline';

export interface AgentView {
  id: number;
  /** The login name (agents and operators see it). */
  name: string;
  /** What merchants see: the display name set with `agents display-name`, or "#<id>". */
  displayName: string;
  role: Role;
  presence: Presence;
}

export interface LoginResponse {
  agent: AgentView;
  csrfToken: string;
}

export type HandoffStatus = 'waiting' | 'active' | 'ended' | 'ticket';

export interface HandoffSummary {
  id: string;
  status: HandoffStatus;
  /** human_request | unanswered | slot_retry_limit | missing_document | business_rule | submission_failed | complaint */
  reason: string;
  channelId: string;
  userId: string | null;
  locale: Locale;
  createdAt: string;
  claimedAt: string | null;
  endedAt: string | null;
  agent: { id: number; name: string } | null;
  /** The last thing the merchant said (masked), for the queue list. */
  preview: string;
  /** Tickets: the merchant's message and callback number. */
  message: string | null;
  callbackPhone: string | null;
}

export interface FileView {
  file: string;
  contentType: string;
  name: string;
  /** `/agent/api/files/<file>` */
  url: string;
}

/** What the agent sees beside the chat. Every text is masked (card numbers). */
export interface HandoffPackage {
  reason: string;
  /** A few lines: why, what the merchant wants, where the bot stood. */
  summary: string;
  /** Who wrote the summary: the template (always first), or the language model's brief once it arrived. */
  summaryBy?: 'template' | 'model';
  flow: { id: string; title: string; stage: string; pending: string | null; values: { name: string; display: string }[] } | null;
  attachments: FileView[];
  /** Questions the bot tried to answer, and what it found. */
  botTried: { question: string; answered: boolean; sources: string[] }[];
  /** `verified`: the merchants this channel user has proven to act for (src/identity), when the handoff began. */
  channel: { id: string; userId: string | null; conversationId: string; verified?: { merchantId: string; method: string; at: string }[] };
  requests: { id: string; ticket: string; kind: string; status: string; createdAt: string }[];
  transcript: { from: 'merchant' | 'bot' | 'agent'; text: string; at: string; attachments: FileView[] }[];
}

export interface HandoffEvent {
  id: number;
  /** initiated | claimed | message_in | message_out | note | transfer | ended | ticket | cancelled | rating | bot */
  kind: string;
  /** merchant | bot | system | agent:<name> */
  actor: string;
  text: string | null;
  attachments: FileView[];
  at: string;
}

export interface HandoffDetails {
  handoff: HandoffSummary;
  package: HandoffPackage;
  events: HandoffEvent[];
}

export interface CannedReply {
  id: number;
  title: string;
  text: string;
  updatedBy: string;
  updatedAt: string;
}

export interface RequestSummary {
  id: string;
  ticket: string;
  kind: string;
  merchantId: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  /** A decision could not be told to the merchant (every attempt failed): someone should call them. */
  noticeFailed?: boolean;
}

export interface RequestDetailsView {
  /** `identity`: whether whoever filed it was verified for the merchant (a stranger holding the ID is not). */
  request: RequestSummary & { slots: Record<string, unknown>; attachments: FileView[]; identity: { verified: boolean; method: string | null; channel: string; userId: string | null } };
  /** `noticeFailed`: the merchant could not be told of this change (every attempt failed). */
  history: { from: string | null; to: string; actor: string; reason: string | null; at: string; noticeFailed: boolean }[];
  supplements: { files: FileView[]; note: string | null; at: string }[];
}

/** One audit-log entry (`GET /agent/api/audit`, supervisors only). */
export interface AuditEntryView {
  id: number;
  at: string;
  actor: { id: number; name: string; role: string };
  /** `<area>.<verb>`: agent.login, handoff.claim, request.review, canned.update, identity.unbind… */
  action: string;
  targetType: string;
  targetId: string;
  detail: Record<string, unknown>;
  client: string | null;
}

/** A page of the audit log, newest first; `next` is the `before` of the following page. */
export interface AuditPage {
  entries: AuditEntryView[];
  next: number | null;
}

/** Pushed on the socket. */
export type ServerEvent =
  | { type: 'hello'; agent: AgentView }
  | { type: 'queue'; handoffs: HandoffSummary[] }
  | { type: 'handoff.new'; handoff: HandoffSummary }
  | { type: 'handoff.updated'; handoff: HandoffSummary }
  | { type: 'event'; handoffId: string; event: HandoffEvent }
  | { type: 'typing'; handoffId: string; from: 'merchant' | 'agent' }
  | { type: 'agents'; agents: AgentView[] }
  | { type: 'requests.changed' };

/** The supervisor dashboard (`GET /agent/api/dashboard`, supervisors only): src/ops/dashboard.ts. */
export type { Dashboard as DashboardView, DashboardRow as DashboardRowView } from '../ops/dashboard.js';

/** A group of similar questions the guide did not answer, or answered to a 👎 (`GET /agent/api/knowledge/gaps`). */
export interface GapGroupView {
  count: number;
  misses: number;
  down: number;
  examples: string[];
  sections: { file: string; title: string; section: string; count: number }[];
  latestAt: string;
  /** Every distinct wording (newest first, at most 100): what marking the group handled marks. */
  questions: string[];
  /** Set when every question of the group was marked handled after it was last asked: who, when, by which edit. */
  handled: { by: string; at: string; edit: { id: number; kind: 'paraphrase' | 'curated' } | null } | null;
}

/** An agent's reply proposed as a curated answer (`/agent/api/knowledge/proposals`). */
export interface ProposalView {
  id: number;
  handoffId: string;
  eventId: number;
  question: string;
  answer: string;
  status: 'pending' | 'approved' | 'rejected';
  by: string;
  at: string;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The curated answer's version (knowledge_edits) an approval made. */
  editId: number | null;
  note: string | null;
}
