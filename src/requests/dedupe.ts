/**
 * "One open request per merchant + transaction": the key a request carries, and how a breach of the
 * partial unique index on open requests' keys shows (another process filed the same request first).
 */
import type { RequestKind } from './status.js';

/**
 * The dedupe key of a request from its slots: one open request per merchant and transaction.
 *
 * - cancel-transaction: by reference number when given (unique per transaction), else by voucher
 *   number + transaction date (+ terminal, since voucher numbers restart per terminal and batch).
 *   Without either it returns null (no duplicate check).
 * - suspend-settlement: one open suspension per merchant and settlement kind (batch or payout).
 *
 * The same transaction filed once by reference and once by voucher number gets two keys; the back office
 * sees both (the slots carry both numbers where given).
 */
export function dedupeKeyFor(kind: RequestKind, merchantId: string, slots: Record<string, unknown>): string | null {
  const v = (name: string): string | undefined => {
    const value = slots[name];
    if (value === undefined || value === null || value === '') return undefined;
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  };
  const merchant = merchantId.trim();
  if (kind === 'cancel-transaction') {
    const ref = v('reference_no');
    if (ref) return `cancel-transaction|${merchant}|ref:${ref}`;
    const voucher = v('voucher_no');
    const date = v('transaction_date');
    if (voucher && date) return `cancel-transaction|${merchant}|${v('terminal_id') ?? ''}|voucher:${voucher}|${date}`;
    return null;
  }
  return `suspend-settlement|${merchant}|${v('settlement_kind') ?? ''}`;
}

/**
 * Whether a request being filled in says enough to look for a duplicate yet: a suspension is one per kind
 * of settlement, so not before the merchant said which; a transaction's key is tried as soon as there is one.
 */
export function identifiesRequest(kind: RequestKind, slots: Record<string, unknown>): boolean {
  return kind !== 'suspend-settlement' || slots.settlement_kind !== undefined;
}

/** Whether `err` is the database refusing a second open request with the same dedupe key. */
export function isDedupeConflict(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const text = typeof e?.message === 'string' ? e.message : '';
  return (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === '23505') && /dedupe_key|requests_open_dedupe_uq/.test(text);
}
