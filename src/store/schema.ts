/**
 * Kysely table interfaces of the SQL store. Column names are snake_case, as in the database; timestamps
 * are ISO-8601 UTC strings (`Date#toISOString()`), which sort correctly as text on SQLite and PostgreSQL.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Bot Framework `Storage` items (conversation/user state). `data` is the item's JSON without its eTag. */
export interface BotStateTable {
  key: string;
  data: string;
  etag: string;
  updated_at: string;
}

export type TranscriptDirection = 'in' | 'out';

/** One logged activity. `activity_json` is the whole activity as given to the store (already masked). */
export interface TranscriptTable {
  id: Generated<number>;
  channel_id: string;
  conversation_id: string;
  activity_id: string | null;
  direction: TranscriptDirection;
  type: string;
  from_id: string | null;
  from_role: string | null;
  text: string | null;
  activity_json: string;
  created_at: string;
}

/** A question the bot could not answer from the knowledge base. */
export interface KnowledgeMissesTable {
  id: Generated<number>;
  channel_id: string;
  conversation_id: string;
  user_id: string | null;
  question: string;
  confidence: number;
  locale: string;
  created_at: string;
}

/** A Direct Line conversation: bound to one user; `next_seq` is the next watermark to assign. */
export interface DlConversationsTable {
  id: string;
  user_id: string;
  next_seq: number;
  started: number;
  created_at: string;
}

/** One activity of a Direct Line conversation, in watermark order. */
export interface DlActivitiesTable {
  conversation_id: string;
  seq: number;
  activity_id: string;
  client_activity_id: string | null;
  from_role: string;
  activity_json: string;
  processed_at: string | null;
  created_at: string;
}

/** A file uploaded in a Direct Line conversation (stored once by content hash, readable only there). */
export interface DlFilesTable {
  conversation_id: string;
  file: string;
  content_type: string;
  size: number;
  created_at: string;
}

/**
 * A merchant's request to the back office (src/requests). `kind` and `status` are the string unions of
 * `src/requests/status.ts`; the JSON columns hold the gathered slots (masked), the attachments
 * (`{file, contentType, size, name}[]`) and the botbuilder ConversationReference for notifications.
 */
export interface RequestsTable {
  id: string;
  ticket: string;
  kind: string;
  merchant_id: string;
  /** "One open request per merchant + transaction": unique among open requests (partial index). */
  dedupe_key: string | null;
  status: string;
  slots_json: string;
  attachments_json: string;
  channel_id: string;
  conversation_ref_json: string | null;
  user_id: string | null;
  locale: string;
  created_at: string;
  updated_at: string;
  /** `RequestIdentity` JSON: whether the filer was verified for the merchant (null: filed before 0009). */
  identity_json: string | null;
}

/** Last ticket sequence number handed out per day (`YYYYMMDD`, in the merchants' time zone). */
export interface TicketCountersTable {
  day: string;
  last_seq: number;
}

/** One status change of a request; the creation is the first (`from_status` null). */
export interface RequestEventsTable {
  id: Generated<number>;
  request_id: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string | null;
  created_at: string;
  notified_at: string | null;
  /** Failed attempts to tell the merchant (0 when told at once). */
  notify_attempts: Generated<number>;
  /** When telling the merchant was given up (after MAX_NOTICE_ATTEMPTS failures). */
  notify_failed_at: string | null;
}

/** Files and a note a merchant added to a request that needed more information. */
export interface RequestSupplementsTable {
  id: Generated<number>;
  request_id: string;
  files_json: string;
  note: string | null;
  actor: string;
  created_at: string;
}

/** A message for the back-office webhook, written in the same transaction as the change it reports. */
export interface OutboxTable {
  id: Generated<number>;
  request_id: string;
  kind: string;
  payload_json: string;
  idempotency_key: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
  created_at: string;
}

export interface Database {
  bot_state: BotStateTable;
  transcript: TranscriptTable;
  knowledge_misses: KnowledgeMissesTable;
  dl_conversations: DlConversationsTable;
  dl_activities: DlActivitiesTable;
  dl_files: DlFilesTable;
  requests: RequestsTable;
  ticket_counters: TicketCountersTable;
  request_events: RequestEventsTable;
  request_supplements: RequestSupplementsTable;
  outbox: OutboxTable;
  agents: AgentsTable;
  agent_sessions: AgentSessionsTable;
  agent_login_failures: AgentLoginFailuresTable;
  identities: IdentitiesTable;
  binding_codes: BindingCodesTable;
  handoffs: HandoffsTable;
  handoff_events: HandoffEventsTable;
  canned_replies: CannedRepliesTable;
  llm_calls: LlmCallsTable;
  channel_inbound: ChannelInboundTable;
  answer_feedback: AnswerFeedbackTable;
  answer_feedback_sources: AnswerFeedbackSourcesTable;
  audit_log: AuditLogTable;
  knowledge_edits: KnowledgeEditsTable;
}

/**
 * One version of a knowledge edit made in the console (src/ops/knowledge-edits.ts). Rows are only added:
 * a question's current state is its newest row of its kind.
 */
export interface KnowledgeEditsTable {
  id: Generated<number>;
  /** `paraphrase`: the question is matched to `file`/`section`; `curated`: it is answered with `answer`. */
  kind: 'paraphrase' | 'curated';
  /** The question normalised (case, width, spaces): what makes two rows versions of one edit. */
  question_key: string;
  /** The question as the supervisor saved it (card-masked). */
  question: string;
  file: string | null;
  section: string | null;
  answer: string | null;
  /** `removed`: this version takes the edit back. */
  status: 'active' | 'removed';
  actor_id: number;
  actor_name: string;
  created_at: string;
}

/** One action of an agent or supervisor (src/ops/audit-log.ts). Kept: no retention deletes it. */
export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_id: number;
  /** The login name and role as they were when the action was taken. */
  actor_name: string;
  actor_role: string;
  /** `<area>.<verb>`: `handoff.claim`, `request.review`, `canned.update`, `identity.unbind`, `agent.login`… */
  action: string;
  target_type: string;
  target_id: string;
  /** Small, card-masked JSON: a decision's status and reason, a canned reply's title, a transfer's target. */
  detail_json: string;
  /** The client's address, for logins. */
  client: string | null;
}

/** A merchant's 👍 or 👎 on one knowledge answer. `question` is card-masked before it is stored. */
export interface AnswerFeedbackTable {
  id: Generated<number>;
  channel_id: string;
  conversation_id: string;
  user_id: string | null;
  rating: 'up' | 'down';
  question: string;
  /** `extractive` or `model`: who wrote the answer. */
  answered_by: string;
  /** The answer's retrieval confidence, 0–1. */
  confidence: number;
  locale: string;
  /** When the answer was given (the feedback may come minutes later). */
  answered_at: string;
  created_at: string;
}

/** A section the answer under feedback cited (in citation order; deleted with its feedback). */
export interface AnswerFeedbackSourcesTable {
  feedback_id: number;
  position: number;
  file: string;
  title: string;
  section: string;
}

/**
 * A Telegram update or WeChat message as received (card-masked), before its turn ran: replayed at start
 * while `processed_at` is null; kept a day after it arrived so a redelivery is recognised.
 */
export interface ChannelInboundTable {
  id: Generated<number>;
  /** The channel (`wechat`), or the bot where ids are counted per bot (`telegram:<bot id>`). */
  channel: string;
  /** The platform's id of the update or message (Telegram `update_id`, WeChat message id). */
  platform_id: string;
  /** The chat whose turns run one at a time (replays keep each chat's order). */
  chat_key: string;
  /** What the channel needs to run the turn again (JSON). */
  payload_json: string;
  /** Replays started (a message that fails every time is not replayed for ever). */
  attempts: Generated<number>;
  processed_at: string | null;
  created_at: string;
}

/** One language-model call: purpose, latency, token usage and outcome. No prompt text is kept. */
export interface LlmCallsTable {
  id: Generated<number>;
  purpose: string;
  model: string;
  outcome: 'ok' | 'timeout' | 'error' | 'malformed' | 'refused';
  latency_ms: number;
  input_tokens: number | null;
  output_tokens: number | null;
  error: string | null;
  created_at: string;
}

/** A support agent of the console. `password_hash` is scrypt (`scrypt$N$r$p$salt$hash`, base64). */
export interface AgentsTable {
  id: Generated<number>;
  name: string;
  role: 'agent' | 'supervisor';
  password_hash: string;
  failed_logins: Generated<number>;
  /** Locked after too many failed logins, until this instant. */
  locked_until: string | null;
  /** online | away | offline (away: no activity for a while; offline: no session in use). */
  presence: Generated<string>;
  last_active_at: string | null;
  created_at: string;
  /** What merchants see ("人工客服 李华 已接入"); without one they see "#<id>", never the login name. */
  display_name: string | null;
  /** Set by `agents disable`: no login, sessions ended. */
  disabled_at: string | null;
}

/** Failed logins of one account from one client (IP address), with its back-off. */
export interface AgentLoginFailuresTable {
  agent_id: number;
  client: string;
  failures: number;
  blocked_until: string | null;
  last_failed_at: string;
}

/** A console login. `id` is the SHA-256 (hex) of the cookie's token: the token itself is never stored. */
export interface AgentSessionsTable {
  id: string;
  agent_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

/**
 * A merchant handed to a person. waiting → active (claimed) → ended; or waiting → ticket (outside
 * business hours, no agent, not claimed in time: a message and callback number agents see later).
 */
export interface HandoffsTable {
  id: string;
  channel_id: string;
  conversation_id: string;
  conversation_ref_json: string;
  user_id: string | null;
  locale: string;
  status: 'waiting' | 'active' | 'ended' | 'ticket';
  reason: string;
  detail: string | null;
  /** What the agent sees beside the chat (masked): summary, flow and slots, attachments, requests, transcript. */
  package_json: string;
  agent_id: number | null;
  callback_phone: string | null;
  message: string | null;
  end_reason: string | null;
  rating: number | null;
  created_at: string;
  claimed_at: string | null;
  ended_at: string | null;
}

/** The handoff's log: messages both ways, internal notes, claims, transfers, the end. */
export interface HandoffEventsTable {
  id: Generated<number>;
  handoff_id: string;
  /** initiated | claimed | message_in | message_out | note | transfer | ended | ticket | cancelled | rating */
  kind: string;
  /** merchant | bot | agent:<name> | system */
  actor: string;
  text: string | null;
  attachments_json: Generated<string>;
  created_at: string;
}

export interface CannedRepliesTable {
  id: Generated<number>;
  title: string;
  text: string;
  updated_by: string;
  updated_at: string;
}

export type BotStateRow = Selectable<BotStateTable>;
export type TranscriptRow = Selectable<TranscriptTable>;
export type NewTranscriptRow = Insertable<TranscriptTable>;
export type KnowledgeMissRow = Selectable<KnowledgeMissesTable>;
export type RequestRow = Selectable<RequestsTable>;
export type RequestEventRow = Selectable<RequestEventsTable>;
export type RequestSupplementRow = Selectable<RequestSupplementsTable>;
export type OutboxRow = Selectable<OutboxTable>;

/** A channel user bound to a merchant: how (`site`, `binding_code`, `phone`) and when it was verified. */
export interface IdentitiesTable {
  channel_id: string;
  user_id: string;
  merchant_id: string;
  method: string;
  verified_at: string;
}

/** A one-time binding code (its SHA-256 only) for a merchant, single-use and short-lived. */
export interface BindingCodesTable {
  code_hash: string;
  merchant_id: string;
  expires_at: string;
  used_at: string | null;
  /** `<channel>:<user>` that redeemed it. */
  used_by: string | null;
  created_at: string;
  /** `binding_code` (issued through the API) or `phone` (texted to the phone on file). */
  method: ColumnType<string, string | undefined, string>;
  /** `<channel>:<user>` that asked for a phone code: only it may redeem it. Null: anyone holding it. */
  issued_to: string | null;
}
