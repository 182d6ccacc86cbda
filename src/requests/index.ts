/**
 * Requests and the back office, grouped by who needs what.
 *
 * - The flow engine: `RequestStore` (`create` → ticket or `{duplicate, existing}`, `getForMerchant`,
 *   `listByMerchant`, `history`, `addSupplement`), `dedupeKeyFor`, and the texts in `messages`.
 * - The composition root: `OutboxWorker` (start/stop/wake) and `backofficeRoutes` (a fastify plugin with
 *   a `notify` callback), `RequestStore.pendingNotifications` to retry notifications after a restart.
 * - The agent console: `RequestStore.transition` with `actor: 'agent:<name>'`, `OutboxStore.list`.
 * - A back office implementing the webhook: `verifySignature`.
 */
export {
  RequestStore,
  dedupeKeyFor,
  identifiesRequest,
  normalizeTicket,
  randomBase62,
  ticketDay,
  requestView,
  eventView,
  supplementView,
  REQUEST_ID_LENGTH,
  TICKET_PATTERN,
} from './request-store.js';
export type {
  CreateRequestResult,
  NewRequest,
  RequestAttachment,
  RequestDetails,
  RequestEvent,
  RequestIdentity,
  RequestRecord,
  RequestStoreOptions,
  RequestSupplement,
  SupplementInput,
} from './request-store.js';
export {
  REQUEST_KINDS,
  REQUEST_STATUSES,
  OPEN_STATUSES,
  FINISHED_STATUSES,
  TRANSITIONS,
  REASON_REQUIRED,
  canTransition,
  checkTransition,
  nextStatuses,
  isActor,
  isOpenStatus,
  isRequestKind,
  isRequestStatus,
} from './status.js';
export type { Actor, RequestKind, RequestStatus } from './status.js';
export { OutboxStore, OutboxWorker, backoffDelay, enqueueOutbox, OUTBOX_KINDS, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_CAP_MS } from './outbox.js';
export type { BackoffOptions, OutboxKind, OutboxMessage, OutboxWorkerOptions, RunResult } from './outbox.js';
export { BackofficeClient, signBody, verifySignature, SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER } from './backoffice-client.js';
export type { BackofficeClientOptions, DeliveryResult } from './backoffice-client.js';
export { backofficeRoutes } from './backoffice-routes.js';
export type { BackofficeRouteOptions } from './backoffice-routes.js';
export { safeEqual, bearerToken } from './api-key.js';
export {
  duplicateRequestText,
  kindLabel,
  requestCreatedText,
  requestMessageKeys,
  statusLabel,
  statusNotice,
  supplementReceivedText,
} from './messages.js';
export type { RequestNotice } from './messages.js';
