/**
 * The request status machine:
 *
 * ```text
 * submitted ─→ in_review ─→ approved ─→ closed
 *     │           ↑ │   └─→ rejected ─→ closed
 *     │           │ ↓
 *     └──→ needs_more_info          (submitted may also go straight to approved or rejected)
 * ```
 *
 * `needs_more_info` goes back to `in_review` only (when the merchant adds materials, or the back office
 * resumes the review); `approved` and `rejected` are decisions and only close. `needs_more_info` and
 * `rejected` need a reason: the merchant is shown it.
 *
 * This file is pure (no database): `RequestStore.transition` applies it in a transaction.
 */
import { AppError } from '../core/errors.js';

export const REQUEST_STATUSES = ['submitted', 'in_review', 'needs_more_info', 'approved', 'rejected', 'closed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REQUEST_KINDS = ['cancel-transaction', 'suspend-settlement'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Statuses in which a request counts as open: a second request with its dedupe key is a duplicate. */
export const OPEN_STATUSES = ['submitted', 'in_review', 'needs_more_info'] as const satisfies readonly RequestStatus[];
/** Decided or finished: a new request for the same transaction may be filed. */
export const FINISHED_STATUSES = ['approved', 'rejected', 'closed'] as const satisfies readonly RequestStatus[];

/** Every allowed edge, from → to. */
export const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  submitted: ['in_review', 'needs_more_info', 'approved', 'rejected'],
  in_review: ['needs_more_info', 'approved', 'rejected'],
  needs_more_info: ['in_review'],
  approved: ['closed'],
  rejected: ['closed'],
  closed: [],
};

/** Statuses whose change must carry a reason (shown to the merchant). */
export const REASON_REQUIRED: readonly RequestStatus[] = ['needs_more_info', 'rejected'];

/**
 * Who changed a status: the bot (creation), the back office (webhook API), an agent in the console
 * (`agent:<name>`), or the merchant (adding materials).
 */
export type Actor = 'bot' | 'backoffice' | 'merchant' | `agent:${string}`;

const ACTOR = /^(?:bot|backoffice|merchant|agent:\S.{0,79})$/s;

export function isActor(value: unknown): value is Actor {
  return typeof value === 'string' && ACTOR.test(value) && !/[\u0000-\u001f\u007f]/.test(value);
}

export function isRequestStatus(value: unknown): value is RequestStatus {
  return typeof value === 'string' && (REQUEST_STATUSES as readonly string[]).includes(value);
}

export function isRequestKind(value: unknown): value is RequestKind {
  return typeof value === 'string' && (REQUEST_KINDS as readonly string[]).includes(value);
}

export function isOpenStatus(status: RequestStatus): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses reachable from `from` in one step. */
export function nextStatuses(from: RequestStatus): readonly RequestStatus[] {
  return TRANSITIONS[from];
}

/**
 * Validates one status change and returns the cleaned reason (trimmed; `null` when none). Throws
 * `REQUEST_INVALID_TRANSITION` naming from and to, `REQUEST_REASON_REQUIRED`, or `REQUEST_INVALID` for
 * a bad actor.
 */
export function checkTransition(
  from: RequestStatus,
  to: RequestStatus,
  change: { actor: string; reason?: string | null | undefined },
): string | null {
  if (!isActor(change.actor)) {
    throw new AppError('REQUEST_INVALID', `actor must be bot, backoffice, merchant or agent:<name> (got "${String(change.actor).slice(0, 40)}")`);
  }
  if (!canTransition(from, to)) {
    const allowed = TRANSITIONS[from];
    throw new AppError(
      'REQUEST_INVALID_TRANSITION',
      `${from} → ${to} (from ${from}: ${allowed.length > 0 ? allowed.join(', ') : 'none, the request is closed'})`,
      { details: { from, to } },
    );
  }
  const reason = typeof change.reason === 'string' ? change.reason.trim() : '';
  if (reason === '' && REASON_REQUIRED.includes(to)) {
    throw new AppError('REQUEST_REASON_REQUIRED', `${from} → ${to} needs a reason the merchant is shown`, { details: { from, to } });
  }
  return reason === '' ? null : reason;
}
