/**
 * The conversation-evaluation fixtures: `test/fixtures/conversation-eval/{dev,test,samples}.yaml`, each a
 * YAML list of conversations in the shared format (the contract the fixture writers follow):
 *
 * ```yaml
 * - id: t-001
 *   category: several-facts
 *   lang: zh
 *   user: u-t-001                # optional channel user id (default: the id)
 *   setup:
 *     requests: [{ ref: A, flow: cancel-transaction, merchant: '810100000000123', status: needs_info, daysAgo: 5, note: 请补充签购单照片 }]
 *   slips:
 *     s1: { merchantId: '810100000000123', terminalId: '55667788', voucherNo: '000777', referenceNo: '123456789012', date: -2, amount: '560.00' }
 *   turns:
 *     - 前天那笔560的顾客要退，商户号810100000000123 终端 55667788
 *     - { text: 这是签购单, photo: s1 }
 *     - 确认
 *   expect:
 *     outcome: filed             # filed | not-filed | status-shown | supplemented | handoff | answered
 *     flow: cancel-transaction
 *     values: { amount: 560, transaction_date: -2, voucher_no: '000777', slip_photos: 1 }
 * ```
 *
 * Each conversation is checked on its own: one that does not fit the format is reported with the reason
 * (and left out of the scores) while the others still run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const FIXTURES_DIR = join(ROOT, 'test', 'fixtures', 'conversation-eval');
/** Non-slip files a turn may send (`{ file: licence.pdf }`). */
export const FILES_DIR = join(ROOT, 'test', 'fixtures', 'files');

export const CATEGORIES = [
  'request-statement',
  'several-facts',
  'any-order',
  'correction',
  'cancel',
  'digression',
  'status',
  'supplement',
  'handoff',
  'photo',
  'spoken-typo',
  'english',
  'suspend-settlement',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const OUTCOMES = ['filed', 'not-filed', 'status-shown', 'supplemented', 'handoff', 'answered'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The statuses a setup request may have; `needs_info` is the store's `needs_more_info`. */
export const SETUP_STATUSES = ['submitted', 'in_review', 'needs_info', 'needs_more_info', 'approved', 'rejected'] as const;

/** Days relative to today (Asia/Shanghai), or a calendar date. */
const RelativeDate = z.union([z.number().int(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date is 'YYYY-MM-DD' or a number of days relative to today")]);
/** A code written without quotes in YAML arrives as a number: taken as its digits. */
const Code = z.union([z.string(), z.number()]).transform((v) => String(v));

const SetupRequest = z
  .object({
    ref: z.string().min(1),
    flow: z.enum(['cancel-transaction', 'suspend-settlement']),
    merchant: Code,
    status: z.enum(SETUP_STATUSES),
    daysAgo: z.number().int().min(0).default(1),
    note: z.string().optional(),
  })
  .strict();

const Slip = z
  .object({
    merchantName: z.string().optional(),
    merchantId: Code,
    terminalId: Code,
    batchNo: Code.optional(),
    voucherNo: Code,
    authCode: Code.optional(),
    referenceNo: Code,
    date: RelativeDate,
    time: z.string().optional(),
    amount: Code,
    cardMasked: z.string().optional(),
    type: z.string().optional(),
  })
  .strict();
export type SlipSpec = z.infer<typeof Slip>;

const OneOrMore = z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const Turn = z.union([
  z.string(),
  z
    .object({ text: z.string().optional(), photo: OneOrMore.optional(), file: OneOrMore.optional() })
    .strict()
    .refine((t) => t.text !== undefined || t.photo !== undefined || t.file !== undefined, 'a turn needs text, a photo or a file'),
]);

const Expect = z
  .object({
    outcome: z.enum(OUTCOMES),
    flow: z.enum(['cancel-transaction', 'suspend-settlement']).optional(),
    values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    tickets: z.array(z.string()).optional(),
    status: z.enum(SETUP_STATUSES).optional(),
    handoff: z.object({ phone: Code.optional() }).strict().optional(),
    contains: z.array(z.string()).optional(),
    maxBotQuestions: z.number().int().min(0).optional(),
  })
  .strict();

export const ConversationSpec = z
  .object({
    id: z.string().min(1),
    category: z.enum(CATEGORIES),
    lang: z.enum(['zh', 'en']),
    user: z.string().min(1).optional(),
    setup: z.object({ requests: z.array(SetupRequest).default([]) }).strict().optional(),
    slips: z.record(z.string(), Slip).optional(),
    turns: z.array(Turn).min(1),
    expect: Expect,
  })
  .strict()
  .superRefine((c, ctx) => {
    const refs = new Set((c.setup?.requests ?? []).map((r) => r.ref));
    const slips = new Set(Object.keys(c.slips ?? {}));
    const texts: string[] = [];
    c.turns.forEach((turn, i) => {
      if (typeof turn === 'string') texts.push(turn);
      else {
        if (turn.text) texts.push(turn.text);
        for (const p of turn.photo ?? []) if (!slips.has(p)) ctx.addIssue({ code: 'custom', path: ['turns', i, 'photo'], message: `no slip "${p}" under slips` });
        for (const f of turn.file ?? []) {
          if (!existsSync(join(FILES_DIR, f))) ctx.addIssue({ code: 'custom', path: ['turns', i, 'file'], message: `no file "${f}" in test/fixtures/files` });
        }
      }
    });
    texts.push(...(c.expect.tickets ?? []), ...(c.expect.contains ?? []));
    for (const text of texts) {
      for (const m of text.matchAll(/\{\{\s*ticket:([^}\s]+)\s*\}\}/g)) {
        if (!refs.has(m[1]!)) ctx.addIssue({ code: 'custom', path: ['turns'], message: `{{ticket:${m[1]}}} names no setup request` });
      }
    }
    const e = c.expect;
    if (e.outcome === 'filed' && !e.flow) ctx.addIssue({ code: 'custom', path: ['expect', 'flow'], message: 'outcome filed needs the flow' });
    if (e.outcome === 'status-shown' && !e.tickets?.length && !e.status) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'tickets'], message: 'outcome status-shown needs tickets (or a status)' });
    }
    if (e.outcome === 'supplemented' && refs.size === 0) ctx.addIssue({ code: 'custom', path: ['setup'], message: 'outcome supplemented needs a setup request' });
  });
export type ConversationSpec = z.infer<typeof ConversationSpec>;
export type TurnSpec = ConversationSpec['turns'][number];

export interface InvalidConversation {
  /** The id if it had one, else `#<index>`. */
  id: string;
  reason: string;
}

export interface FixtureFile {
  file: string;
  conversations: ConversationSpec[];
  invalid: InvalidConversation[];
}

/** Reads one fixture file; conversations that do not fit the format are listed with the reason. */
export function loadFixtures(file: string): FixtureFile {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a YAML list of conversations`);
  const conversations: ConversationSpec[] = [];
  const invalid: InvalidConversation[] = [];
  const seen = new Set<string>();
  raw.forEach((item: unknown, index) => {
    const id = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string' ? (item as { id: string }).id : `#${index + 1}`;
    const parsed = ConversationSpec.safeParse(item);
    if (!parsed.success) {
      invalid.push({ id, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(conversation)'}: ${i.message}`).join('; ') });
      return;
    }
    if (seen.has(parsed.data.id)) {
      invalid.push({ id, reason: 'duplicate id' });
      return;
    }
    seen.add(parsed.data.id);
    conversations.push(parsed.data);
  });
  return { file, conversations, invalid };
}

/** The splits that exist: dev and test; the samples stand in while neither exists. */
export function availableSplits(dir = FIXTURES_DIR): { name: string; file: string }[] {
  const splits = ['dev', 'test'].map((name) => ({ name, file: join(dir, `${name}.yaml`) })).filter((s) => existsSync(s.file));
  if (splits.length > 0) return splits;
  const samples = join(dir, 'samples.yaml');
  return existsSync(samples) ? [{ name: 'samples', file: samples }] : [];
}
