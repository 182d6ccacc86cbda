/**
 * Slip photos in the cancellation dialog (issue 13, items 4 and 5), through the real runtime (real flows,
 * SQLite, the real offline slip reader) on the terminal channel, with slips rendered by the test generator.
 * One runtime (and so one reader, one model load) serves the whole file; each test is its own merchant.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlipPhotos } from '../../src/bot/slip-photos.js';
import { storeFile } from '../../src/channels/attachments.js';
import type { FileRef } from '../../src/flows/engine.js';
import { SLIP_TIME } from '../../src/flows/slip-choice.js';
import { loadFlows } from '../../src/flows/flow-loader.js';
import { containsCardNumber } from '../../src/privacy/card-mask.js';
import type { RequestRecord } from '../../src/requests/index.js';
import type { SlipReadResult } from '../../src/slips/index.js';
import { startRuntime, tempDir, terminalConversation, type TestRuntime } from '../helpers/runtime.js';
import { cjkFontsInstalled, luhnCard, renderSlip, seededRandom, type SlipValues } from '../helpers/slip-image.js';
import { shanghaiDate } from '../eval-conversations/dates.js';

const FILES = new URL('../fixtures/files/', import.meta.url).pathname;
const FLOWS_DIR = new URL('../../flows/', import.meta.url).pathname;

interface FlowData {
  flowId: string;
  stage: string;
  pending?: string;
  attempts: Record<string, number>;
  values: Record<string, { value: unknown; display: string }>;
}

/** A slip of yesterday (a refund: no same-day questions), its values by the generator's names. */
function slip(n: number, extra: Partial<SlipValues> = {}): SlipValues {
  return {
    merchantName: '上海好再来便利店',
    merchantId: `8293100481${String(60000 + n).padStart(5, '0')}`,
    terminalId: `9081${String(1000 + n).padStart(4, '0')}`,
    batchNo: '000165',
    voucherNo: `25${String(2100 + n).padStart(4, '0')}`,
    authCode: '705D55',
    referenceNo: `6473510${String(65000 + n).padStart(5, '0')}`,
    date: shanghaiDate(-1),
    time: '15:10:26',
    amount: '1088.00',
    cardMasked: '622700******7739',
    type: '消费/SALE',
    ...extra,
  };
}

/** The reading of photos, with a stand-in reader: failures, disagreeing photos, a card number that cannot be covered. */
describe('SlipPhotos (stand-in reader)', () => {
  const flow = loadFlows(FLOWS_DIR).get('cancel-transaction')!;
  const result = (fields: SlipReadResult['fields'], extra: Partial<SlipReadResult> = {}): SlipReadResult => ({
    fields,
    confidence: {},
    lines: [],
    hadFullPan: false,
    size: { width: 1, height: 1 },
    timing: { queuedMs: 0, ocrMs: 0, totalMs: 0 },
    ...extra,
  });
  async function stored(dir: string, bytes: Buffer, name: string): Promise<FileRef> {
    const s = await storeFile(dir, bytes, name);
    return { file: s.file, contentType: s.contentType, size: s.size, name };
  }

  it('maps the fields to the flow\'s slots; a field two photos disagree on is left out; a PDF is not read', async () => {
    const dir = tempDir();
    try {
      const a = await stored(dir, readFileSync(join(FILES, 'slip.png')), 'a.png');
      const b = await stored(dir, readFileSync(join(FILES, 'slip-2.png')), 'b.png');
      const pdf = await stored(dir, readFileSync(join(FILES, 'licence.pdf')), 'l.pdf');
      const reads = [result({ voucher_no: '000123', amount: '12.00', date: '2026-11-30', time: '09:12:44', card_masked: '622202******1234', card_last4: '1234' }), result({ voucher_no: '000124', amount: '12.00' })];
      const photos = new SlipPhotos({ reader: { read: async () => reads.shift()! }, filesDir: dir });
      const read = await photos.read(flow, [a, b, pdf]);
      expect(read.values).toEqual({ transaction_date: '2026-11-30', amount: '12.00', card_last4: '1234' });
      // Each photo's own values too, for the flow to pick the sale meant.
      expect(read.each).toEqual([
        // …with the time it prints, which tells two slips of one double charge apart (src/flows/slip-choice.ts).
        { voucher_no: '000123', amount: '12.00', transaction_date: '2026-11-30', card_last4: '1234', [SLIP_TIME]: '09:12:44' },
        { voucher_no: '000124', amount: '12.00' },
      ]);
      expect(read.files).toEqual([a, b, pdf]);
      expect(read.read).toBe(2);
      expect(read.slots).toEqual(expect.arrayContaining(['merchant_id', 'terminal_id', 'transaction_date', 'amount', 'voucher_no', 'reference_no', 'card_last4']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reader that fails leaves the photo kept with nothing read, and says why to the caller', async () => {
    const dir = tempDir();
    try {
      const a = await stored(dir, readFileSync(join(FILES, 'slip.png')), 'a.png');
      const errors: unknown[] = [];
      const photos = new SlipPhotos({ reader: { read: async () => Promise.reject(new Error('timed out')) }, filesDir: dir, onError: (err) => errors.push(err) });
      const read = await photos.read(flow, [a]);
      expect(read).toMatchObject({ files: [a], values: {}, read: 0, failed: 1 });
      expect(errors).toHaveLength(1);
      expect(existsSync(join(dir, a.file))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a full card number with no covered copy: the photo is deleted and refused', async () => {
    const dir = tempDir();
    try {
      const a = await stored(dir, readFileSync(join(FILES, 'slip.png')), 'a.png');
      const photos = new SlipPhotos({ reader: { read: async () => result({ voucher_no: '000123' }, { hadFullPan: true }) }, filesDir: dir });
      const read = await photos.read(flow, [a]);
      expect(read).toMatchObject({ files: [], refused: 1, covered: 0 });
      expect(existsSync(join(dir, a.file))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!cjkFontsInstalled())('slip photos in the cancellation dialog (real OCR)', () => {
  let env: TestRuntime;

  beforeAll(async () => {
    env = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' });
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  /** A merchant's conversation: `send` a message (text and files), get the bot's messages' texts. */
  function merchant(user: string) {
    const runtime = env.runtime;
    const chat = terminalConversation(runtime, user);
    const filesDir = runtime.config.paths.files;
    async function send(text: string, photos: { bytes: Buffer; name: string }[] = []): Promise<string[]> {
      const attachments: NonNullable<Activity['attachments']> = [];
      for (const p of photos) {
        const stored = await storeFile(filesDir, p.bytes, p.name);
        attachments.push({ contentType: stored.contentType, contentUrl: pathToFileURL(join(filesDir, stored.file)).href, name: p.name });
      }
      const from = chat.received.length;
      await chat.adapter.say(text, chat.logic, attachments);
      return chat.received.slice(from).filter((a) => a.type === 'message').map((a) => a.text ?? '');
    }
    async function flow(): Promise<FlowData | undefined> {
      const row = await runtime.store.db.selectFrom('bot_state').select(['data']).where('key', '=', `terminal/conversations/${chat.adapter.conversationId}/`).executeTakeFirst();
      return row ? (JSON.parse(row.data) as { conversationData?: { flow?: FlowData } }).conversationData?.flow : undefined;
    }
    async function filed(): Promise<RequestRecord[]> {
      const rows = await runtime.store.db.selectFrom('requests').select(['id']).where('user_id', '=', user).execute();
      return Promise.all(rows.map(async (r) => (await runtime.requests.get(r.id))!));
    }
    return { chat, send, flow, filed };
  }

  it('"帮我撤销这笔" + one slip photo + confirmations files the request with the slip\'s values, no transaction number typed', { timeout: 60_000 }, async () => {
    const values = slip(1);
    const m = merchant('slip-photo-first');
    await m.chat.start();
    const opened = await m.send('帮我撤销这笔', [{ bytes: await renderSlip(values), name: 'slip.png' }]);
    const all = opened.join('\n');
    expect(all).toContain('撤销 / 退货申请');
    expect(all).toContain('我从签购单上读到');
    for (const v of [values.merchantId, values.terminalId, values.voucherNo, values.referenceNo, '¥1,088.00', '7739']) expect(all).toContain(v);
    expect(all).toContain('对吗？');
    let state = await m.flow();
    expect(state?.values.slip_photos?.display).toMatch(/1/);
    // Only what a slip cannot show is asked: the reason, then the phone.
    expect(state?.pending).toBe('reason');

    const after = await m.send('对');
    expect(after.join('\n')).toContain('原因');
    await m.send('顾客退货');
    const summary = (await m.send('13800138000')).join('\n');
    expect(summary).toContain('请核对');
    state = await m.flow();
    expect(state?.stage).toBe('confirming');
    expect((await m.send('确认')).join('\n')).toContain('工单号');

    const [request] = await m.filed();
    expect(request?.kind).toBe('cancel-transaction');
    expect(request?.slots).toMatchObject({
      merchant_id: values.merchantId,
      terminal_id: values.terminalId,
      transaction_date: values.date,
      amount: 108800,
      voucher_no: values.voucherNo,
      reference_no: values.referenceNo,
      card_last4: '7739',
      request_type: 'refund',
    });
    expect(request?.attachments).toHaveLength(1);
  });

  it('a photo in reply to the voucher question fills it, and the flow moves on', { timeout: 60_000 }, async () => {
    const values = slip(2);
    const m = merchant('slip-photo-voucher');
    await m.chat.start();
    await m.send('我要退款');
    await m.send(values.merchantId);
    await m.send(values.terminalId);
    await m.send('昨天');
    expect((await m.send('1088元')).join('\n')).toContain('凭证号');
    expect((await m.flow())?.pending).toBe('voucher_no');

    const replies = (await m.send('凭证号我看不清，你看小票吧', [{ bytes: await renderSlip(values), name: 'slip.png' }])).join('\n');
    expect(replies).toContain('我从签购单上读到');
    expect(replies).toContain(values.voucherNo);
    expect(replies).not.toContain('没有找到凭证号');
    const state = await m.flow();
    expect(state?.values.voucher_no?.value).toBe(values.voucherNo);
    expect(state?.values.slip_photos).toBeDefined();
    expect(state?.pending).toBe('reason');
    expect(state?.attempts.voucher_no ?? 0).toBe(0);
    // "是的" confirms what was read: the reason is asked again, nothing is taken as the reason.
    expect((await m.send('是的')).join('\n')).toContain('原因');
    expect((await m.flow())?.values.reason).toBeUndefined();
  });

  it('a value the merchant typed is not replaced by a different one on the photo', { timeout: 60_000 }, async () => {
    const values = slip(3, { amount: '1050.00' });
    const m = merchant('slip-photo-typed-wins');
    await m.chat.start();
    await m.send('我要退款');
    await m.send(values.merchantId);
    await m.send(values.terminalId);
    await m.send('昨天');
    await m.send('1500元');
    const replies = (await m.send('', [{ bytes: await renderSlip(values), name: 'slip.png' }])).join('\n');
    // The slip's amount is named, the merchant's is kept.
    expect(replies).toContain('¥1,050.00');
    expect(replies).toContain('已保留您提供的');
    const state = await m.flow();
    expect(state?.values.amount?.value).toBe(150000);
    expect(state?.values.voucher_no?.value).toBe(values.voucherNo);
    await m.send('对');
    await m.send('顾客退货');
    await m.send('13800138001');
    await m.send('确认');
    const [request] = await m.filed();
    expect(request?.slots.amount).toBe(150000);
    expect(request?.slots.voucher_no).toBe(values.voucherNo);
  });

  it('a photo sent before the request is read when the flow starts; "不对，金额是…" corrects what was read', { timeout: 60_000 }, async () => {
    const values = slip(4);
    const m = merchant('slip-photo-held');
    await m.chat.start();
    // Kept, and the bot asks what it is for.
    expect((await m.send('', [{ bytes: await renderSlip(values), name: 'slip.png' }])).join('\n')).toContain('收到 1 个文件');
    const opened = (await m.send('帮我撤销这笔')).join('\n');
    expect(opened).toContain('我从签购单上读到');
    expect(opened).toContain(values.voucherNo);
    let state = await m.flow();
    expect(state?.values.slip_photos?.value).toHaveLength(1);
    expect(state?.values.amount?.value).toBe(108800);

    const corrected = (await m.send('不对，金额是1000元')).join('\n');
    expect(corrected).toContain('已更正为 ¥1,000.00');
    state = await m.flow();
    expect(state?.values.amount?.value).toBe(100000);
    expect(state?.values.voucher_no?.value).toBe(values.voucherNo);
    expect(state?.pending).toBe('reason');
  });

  it('a ticket asked after with one digit too many is the merchant\'s own one a keystroke away', async () => {
    const m = merchant('ticket-typo');
    await m.chat.start();
    for (const text of ['昨天刷了990元，凭证号000999，帮我申请退款', '860900000000071', '12345678', '跳过', '顾客退货']) await m.send(text);
    await m.send('', [{ bytes: readFileSync(join(FILES, 'slip.png')), name: 'slip.png' }]);
    await m.send('13800138000');
    await m.send('确认');
    const [request] = await m.filed();
    expect(request?.ticket).toMatch(/^CX-\d{8}-\d{4}$/);
    const typo = `${request!.ticket}7`;
    const replies = (await m.send(`帮我查一下单号${typo} 现在到哪了 商户号860900000000071`)).join('\n');
    expect(replies).toContain(request!.ticket);
    expect(replies).toContain('已提交');
    // Two keystrokes away is no match.
    const far = (await m.send(`查一下${request!.ticket}77 商户号860900000000071`)).join('\n');
    expect(far).toContain('没有找到您名下的工单');
  });

  it('a refund given up and a hold asked for in the same message: the hold starts with the words that ask it', async () => {
    const m = merchant('give-up-then-hold');
    await m.chat.start();
    await m.send('昨天有笔退款要办 一件大衣1980 客人说穿着显胖');
    await m.send('商户号 847920316652014');
    const replies = (await m.send('算了 退款不弄了 客人刚说直接换一件就行 不退了 不过还有个事 我们店月底要搬 从后天开始你们往我卡里打钱那个先停一下')).join('\n');
    expect(replies).toContain('暂停 / 取消结算申请');
    const state = await m.flow();
    expect(state?.flowId).toBe('suspend-settlement');
    expect(state?.values.merchant_id?.value).toBe('847920316652014');
    expect(state?.values.start_date).toBeDefined();
  });

  it('a licence sent first and taken for a supplement goes with the hold the merchant then asks for', async () => {
    const m = merchant('files-then-hold');
    await m.chat.start();
    await m.send('营业执照先发给你们', [{ bytes: readFileSync(join(FILES, 'licence.pdf')), name: 'licence.pdf' }]);
    expect((await m.flow())?.flowId).toBe('supplement-materials');
    const replies = (await m.send('我们店要重新装修 这段时间不营业 你们往卡里打钱那个先停一下 不是机器上的结算')).join('\n');
    expect(replies).toContain('暂停 / 取消结算申请');
    const state = await m.flow();
    expect(state?.flowId).toBe('suspend-settlement');
    expect(state?.values.documents?.value).toHaveLength(1);
    expect(state?.values.reason?.value).toBe('business_change');
  });

  it('an unreadable photo is kept, and the bot asks plainly for the value, once — no failed try, no loop', { timeout: 60_000 }, async () => {
    const m = merchant('slip-photo-unreadable');
    await m.chat.start();
    await m.send('我要退款');
    await m.send('829310048169999');
    await m.send('90819999');
    await m.send('昨天');
    await m.send('1088元');
    const photo = { bytes: readFileSync(join(FILES, 'photo-5kb.png')), name: 'photo.png' };
    const first = await m.send('', [photo]);
    expect(first).toHaveLength(1);
    expect(first[0]).toContain('没能从照片上看清凭证号');
    expect(first[0]).toContain('凭证号（6位）或参考号（12位）');
    expect(first.join('\n')).not.toContain('没有找到');
    let state = await m.flow();
    expect(state?.values.slip_photos?.value).toHaveLength(1);
    expect(state?.pending).toBe('voucher_no');
    expect(state?.attempts.voucher_no ?? 0).toBe(0);
    // The same photo again: the same plain question, still no failed try counted, never a handoff offer.
    const again = (await m.send('', [photo])).join('\n');
    expect(again).not.toContain('转人工');
    expect((await m.flow())?.attempts.voucher_no ?? 0).toBe(0);
    // Typed, it goes on.
    await m.send('252199');
    state = await m.flow();
    expect(state?.values.voucher_no?.value).toBe('252199');
    expect(state?.pending).not.toBe('voucher_no');
  });

  it('a slip printed with the full card number is stored blacked out, the original deleted; only the last 4 are kept', { timeout: 90_000 }, async () => {
    const pan = luhnCard('622202', 16, seededRandom(11));
    const values = slip(5, { cardFull: pan, cardMasked: undefined, expiry: '29/12' });
    const photo = await renderSlip(values, { layout: 'unionpay' });
    const original = `${createHash('sha256').update(photo).digest('hex')}.png`;
    const filesDir = env.runtime.config.paths.files;

    const m = merchant('slip-photo-full-pan');
    await m.chat.start();
    const earlier = new Set(readdirSync(filesDir));
    const replies = (await m.send('帮我撤销这笔', [{ bytes: photo, name: 'slip.png' }])).join('\n');
    expect(replies).toContain('卡号遮盖');
    expect(replies).toContain(values.voucherNo);
    expect(replies).not.toContain(pan);
    expect(containsCardNumber(replies)).toBe(false);

    // The original is gone; the flow keeps the blacked-out copy, stored under its own hash.
    expect(existsSync(join(filesDir, original))).toBe(false);
    const state = await m.flow();
    const kept = state?.values.slip_photos?.value as { file: string }[];
    expect(kept).toHaveLength(1);
    expect(kept[0]!.file).not.toBe(original);
    const redacted = readFileSync(join(filesDir, kept[0]!.file));
    expect(kept[0]!.file).toBe(`${createHash('sha256').update(redacted).digest('hex')}.png`);
    expect(state?.values.card_last4?.value).toBe(pan.slice(-4));

    // No file on disk shows the full card number: not in its bytes, nor to the OCR (the files stored since).
    for (const file of readdirSync(filesDir)) {
      const bytes = readFileSync(join(filesDir, file));
      expect(bytes.toString('latin1')).not.toContain(pan);
      if (/\.(png|jpg)$/.test(file) && !earlier.has(file)) {
        const read = await env.runtime.slipReader.read(bytes);
        expect(read.hadFullPan, file).toBe(false);
        expect(read.lines.map((l) => l.text).join(' ')).not.toContain(pan.slice(6, 12));
      }
    }
    // Nor the database.
    const db = readdirSync(env.dataDir).filter((f) => f.startsWith('pos-assist.sqlite')).map((f) => readFileSync(join(env.dataDir, f)).toString('latin1')).join('');
    expect(db).not.toContain(pan);
  });

  it('a photo kept outside a flow is covered as well: the full card number is blacked out before it is held', { timeout: 60_000 }, async () => {
    const pan = luhnCard('621700', 16, seededRandom(12));
    const photo = await renderSlip(slip(6, { cardFull: pan, cardMasked: undefined }), { layout: 'thermal' });
    const original = `${createHash('sha256').update(photo).digest('hex')}.png`;
    const filesDir = env.runtime.config.paths.files;

    const m = merchant('slip-photo-held-pan');
    await m.chat.start();
    const replies = (await m.send('', [{ bytes: photo, name: 'slip.png' }])).join('\n');
    expect(replies).toContain('卡号遮盖');
    expect(replies).toContain('收到 1 个文件');
    expect(existsSync(join(filesDir, original))).toBe(false);
    const row = await env.runtime.store.db.selectFrom('bot_state').select(['data']).where('key', '=', `terminal/conversations/${m.chat.adapter.conversationId}/`).executeTakeFirst();
    const held = (JSON.parse(row!.data) as { conversationData: { heldFiles: { file: string }[] } }).conversationData.heldFiles;
    expect(held).toHaveLength(1);
    const kept = await env.runtime.slipReader.read(readFileSync(join(filesDir, held[0]!.file)));
    expect(kept.hadFullPan).toBe(false);
  });
});
