/** What a request is: as filed, as stored (record, history event, supplement) and the store's options. */
import type { ConversationReference } from 'botbuilder';
import type { Locale } from '../i18n/messages.js';
import type { Actor, RequestKind, RequestStatus } from './status.js';

/** A proof file, as stored by the channel (by content hash, type checked by its bytes). */
export interface RequestAttachment {
  /** `<sha256>.<ext>` under the files folder. */
  file: string;
  contentType: string;
  size: number;
  /** The name the merchant's file had (display only). */
  name: string;
}

export interface NewRequest {
  kind: RequestKind;
  merchantId: string;
  /** "One open request per merchant + transaction" (`dedupeKeyFor`); null = never a duplicate. */
  dedupeKey?: string | null | undefined;
  /** The gathered slot values. Card numbers should already be masked; they are masked again here. */
  slots: Record<string, unknown>;
  attachments?: RequestAttachment[] | undefined;
  channelId: string;
  /** The merchant's conversation (`TurnContext.getConversationReference`), to notify them later. */
  conversationRef?: Partial<ConversationReference> | null | undefined;
  userId?: string | null | undefined;
  /** The merchant's language, for the notifications (default zh-CN). */
  locale?: Locale | undefined;
  /** Who filed it (default `bot`: a confirmed flow). */
  actor?: Actor | undefined;
  /** Whether the filer had proven to act for the merchant (src/identity); unset: not verified. */
  identity?: RequestIdentity | undefined;
}

/** Whether the identity that filed a request was verified for its merchant, and how. */
export interface RequestIdentity {
  verified: boolean;
  /** `site`, `binding_code` or `phone` when verified. */
  method: string | null;
  channel: string;
  userId: string | null;
}

export interface RequestRecord {
  id: string;
  ticket: string;
  kind: RequestKind;
  merchantId: string;
  dedupeKey: string | null;
  status: RequestStatus;
  slots: Record<string, unknown>;
  attachments: RequestAttachment[];
  channelId: string;
  conversationRef: Partial<ConversationReference> | null;
  userId: string | null;
  locale: Locale;
  createdAt: Date;
  updatedAt: Date;
  identity: RequestIdentity;
}

/** One entry of a request's status history. The creation is the first (`from` null, `to` submitted). */
export interface RequestEvent {
  id: number;
  requestId: string;
  from: RequestStatus | null;
  to: RequestStatus;
  actor: Actor;
  reason: string | null;
  createdAt: Date;
  /** When the merchant was told (decisions by the back office or an agent); null = not yet. */
  notifiedAt: Date | null;
  /** When telling the merchant was given up (every attempt failed); agents then reach the merchant. */
  notifyFailedAt: Date | null;
}

export interface RequestSupplement {
  id: number;
  requestId: string;
  files: RequestAttachment[];
  note: string | null;
  actor: Actor;
  createdAt: Date;
}

export interface RequestDetails {
  request: RequestRecord;
  history: RequestEvent[];
  supplements: RequestSupplement[];
}

export type CreateRequestResult =
  | { duplicate: false; request: RequestRecord; event: RequestEvent }
  | { duplicate: true; existing: RequestRecord };

export interface SupplementInput {
  files?: RequestAttachment[] | undefined;
  note?: string | null | undefined;
  /** Default `merchant`. */
  actor?: Actor | undefined;
}

export interface RequestStoreOptions {
  now?: () => Date;
  /** Time zone of the ticket's date (default: DEFAULT_TIME_ZONE). */
  timeZone?: string;
  /** Ticket prefix (default `CX`). */
  ticketPrefix?: string;
  /** Request ids (default: 22 random base62 characters). */
  newId?: () => string;
  /** Called after a commit that added outbox rows (e.g. `worker.wake()`); errors are ignored. */
  onOutbox?: () => void;
}

