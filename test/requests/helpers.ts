/** Shared pieces of the request tests: sample requests, row counts, a temp database per test. */
import { sql, type Kysely } from 'kysely';
import type { NewRequest } from '../../src/requests/index.js';
import type { Database } from '../../src/store/schema.js';

export { fakeClock, useTempDatabases } from '../store/helpers.js';

/** A Luhn-valid test card number (Visa test PAN) and what masking makes of it. */
export const CARD = '4111 1111 1111 1111';
export const CARD_MASKED = '411111******1111';

let seq = 0;

/** A complete cancel-transaction request; each call gets another reference number unless given one. */
export function cancelRequest(overrides: Partial<NewRequest> & { referenceNo?: string } = {}): NewRequest {
  const { referenceNo, ...rest } = overrides;
  const ref = referenceNo ?? String(100000000000 + ++seq);
  const merchantId = rest.merchantId ?? '123456789012345';
  return {
    kind: 'cancel-transaction',
    merchantId,
    dedupeKey: `cancel-transaction|${merchantId}|ref:${ref}`,
    slots: {
      merchant_id: merchantId,
      terminal_id: '12345678',
      transaction_date: '2025-01-01',
      amount: 128000,
      reference_no: ref,
      reason: '顾客退货',
      phone: '13800138000',
    },
    attachments: [{ file: `${'a'.repeat(64)}.png`, contentType: 'image/png', size: 1234, name: 'slip.png' }],
    channelId: 'webchat',
    conversationRef: {
      channelId: 'webchat',
      serviceUrl: 'http://127.0.0.1/',
      conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
      user: { id: 'user-1', name: 'merchant' },
      bot: { id: 'pos-assist', name: 'POS Assist' },
    },
    userId: 'user-1',
    locale: 'zh-CN',
    ...rest,
  };
}

export async function count(db: Kysely<Database>, table: keyof Database): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]!.n);
}

/** A cancel request filed from the terminal chat of `user` (its conversation is `terminal:<user>`). */
export function terminalRequest(user: string, referenceNo: string): NewRequest {
  return cancelRequest({
    referenceNo,
    channelId: 'terminal',
    userId: user,
    conversationRef: {
      channelId: 'terminal',
      serviceUrl: 'terminal://local',
      conversation: { id: `terminal:${user}`, isGroup: false, conversationType: 'personal', name: 'terminal' },
      user: { id: user, name: user },
      bot: { id: 'pos-assist', name: 'POS Assist' },
    },
  });
}
