/** A request read from its rows, and shown in the back-office API and the webhooks (dates as ISO strings). */
import type { ConversationReference } from 'botbuilder';
import { LOCALES, type Locale } from '../i18n/messages.js';
import type { RequestEventRow, RequestRow, RequestSupplementRow } from '../store/schema.js';
import type { Actor, RequestKind, RequestStatus } from './status.js';
import type { RequestAttachment, RequestEvent, RequestIdentity, RequestRecord, RequestSupplement } from './request-types.js';

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toRecord(row: RequestRow): RequestRecord {
  return {
    id: row.id,
    ticket: row.ticket,
    kind: row.kind as RequestKind,
    merchantId: row.merchant_id,
    dedupeKey: row.dedupe_key,
    status: row.status as RequestStatus,
    slots: parseJson<Record<string, unknown>>(row.slots_json, {}),
    attachments: parseJson<RequestAttachment[]>(row.attachments_json, []),
    channelId: row.channel_id,
    conversationRef: parseJson<Partial<ConversationReference> | null>(row.conversation_ref_json, null),
    userId: row.user_id,
    locale: (LOCALES as readonly string[]).includes(row.locale) ? (row.locale as Locale) : 'zh-CN',
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    identity: parseJson<RequestIdentity | null>(row.identity_json, null) ?? { verified: false, method: null, channel: row.channel_id, userId: row.user_id },
  };
}

export function toEvent(row: RequestEventRow): RequestEvent {
  return {
    id: row.id,
    requestId: row.request_id,
    from: row.from_status as RequestStatus | null,
    to: row.to_status as RequestStatus,
    actor: row.actor as Actor,
    reason: row.reason,
    createdAt: new Date(row.created_at),
    notifiedAt: row.notified_at === null ? null : new Date(row.notified_at),
    notifyFailedAt: row.notify_failed_at === null ? null : new Date(row.notify_failed_at),
  };
}

export function toSupplement(row: RequestSupplementRow): RequestSupplement {
  return {
    id: row.id,
    requestId: row.request_id,
    files: parseJson<RequestAttachment[]>(row.files_json, []),
    note: row.note,
    actor: row.actor as Actor,
    createdAt: new Date(row.created_at),
  };
}

/** What the back office receives about a request (no conversation reference: that is internal). */
export function requestView(request: RequestRecord): Record<string, unknown> {
  return {
    id: request.id,
    ticket: request.ticket,
    kind: request.kind,
    merchantId: request.merchantId,
    status: request.status,
    slots: request.slots,
    attachments: request.attachments,
    channelId: request.channelId,
    userId: request.userId,
    identity: request.identity,
    locale: request.locale,
    createdAt: request.createdAt.toISOString(),
    updatedAt: request.updatedAt.toISOString(),
  };
}

export function eventView(event: RequestEvent): Record<string, unknown> {
  return {
    from: event.from,
    to: event.to,
    actor: event.actor,
    reason: event.reason,
    at: event.createdAt.toISOString(),
  };
}

export function supplementView(supplement: RequestSupplement): Record<string, unknown> {
  return {
    id: supplement.id,
    files: supplement.files,
    note: supplement.note,
    actor: supplement.actor,
    at: supplement.createdAt.toISOString(),
  };
}
