/**
 * The same scripted conversation on every channel (issue 6, item 3): a knowledge answer with its source,
 * a full cancel-transaction flow with a slip photo, a request filed from "帮我撤销这笔" and a slip photo the
 * bot reads (issue 13), a handoff with live agent messages both ways, and a request status notification —
 * each through the channel's real adapter (see drivers.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStore } from '../../src/handoff/agents/agent-store.js';
import { shanghaiDate } from '../eval-conversations/dates.js';
import { cjkFontsInstalled, renderSlip } from '../helpers/slip-image.js';
import { DRIVERS, type ChannelDriver } from './drivers.js';

const SLIP = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'files', 'slip.png');

/** Accumulates the bot's texts until one matches `pattern`; returns everything received meanwhile. */
async function waitForText(driver: ChannelDriver, pattern: RegExp | string, timeoutMs = 10_000): Promise<string[]> {
  const got: string[] = [];
  const deadline = Date.now() + timeoutMs;
  const matches = () => got.some((t) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t)));
  while (!matches()) {
    if (Date.now() > deadline) throw new Error(`[${driver.name}] no reply matching ${pattern} within ${timeoutMs} ms; got:\n${got.join('\n---\n')}`);
    got.push(...(await driver.replies()));
  }
  return got;
}

describe.each(DRIVERS.map((d, index) => ({ ...d, index })))('the same conversation on $name', ({ create, index }) => {
  const driver = create();
  const merchantId = `8101000000000${String(index + 11).padStart(2, '0')}`;
  const reference = `12345678900${index + 1}`;

  beforeAll(async () => {
    await driver.start();
    await driver.replies(); // the greeting
  }, 30_000);

  afterAll(async () => {
    await driver.stop();
  }, 30_000);

  it('answers a knowledge question with its source', async () => {
    await driver.say('退货报25是什么意思');
    const text = (await driver.replies()).join('\n');
    expect(text).toContain('返回码25');
    expect(text).toContain('来源');
  }, 20_000);

  it('runs a full cancel-transaction flow with a slip photo and ends with a ticket', async () => {
    await driver.say(`昨天刷了1280元，参考号${reference}，想撤销`);
    const transcript: string[] = [];
    let ticket: string | undefined;
    for (let step = 0; step < 15 && !ticket; step++) {
      const replies = await driver.replies();
      transcript.push(...replies);
      const all = replies.join('\n');
      const found = /CX-\d{8}-\d+/.exec(all);
      if (found) {
        ticket = found[0];
        break;
      }
      const last = replies[replies.length - 1] ?? '';
      if (last.includes('请核对') || all.includes('请核对')) {
        // The summary names every slot before it is confirmed.
        for (const part of ['申请类型 ', `商户编号 ${merchantId}`, '¥1,280.00', reference, '原因：顾客退货', '138****8000', '签购单照片 1 个文件', '终端编号 12345678']) {
          expect(all, `[${driver.name}] summary`).toContain(part);
        }
        await driver.say('确认');
      } else if (last.includes('商户编号')) await driver.say(merchantId);
      else if (last.includes('终端编号')) await driver.say('12345678');
      else if (last.includes('后4位')) await driver.say('跳过');
      else if (last.includes('原因')) await driver.say('顾客退货');
      else if (last.includes('签购单')) await driver.sendPhoto(SLIP);
      else if (last.includes('手机号')) await driver.say('13800138000');
      else throw new Error(`[${driver.name}] unexpected prompt:\n${transcript.join('\n---\n')}`);
    }
    expect(ticket, transcript.join('\n---\n')).toMatch(/^CX-\d{8}-\d+$/);
    const [request] = await driver.runtime.requests.listByMerchant(merchantId);
    expect(request?.ticket).toBe(ticket);
    expect(request?.attachments).toHaveLength(1);
  }, 20_000);

  it.skipIf(!cjkFontsInstalled())('files a request from "帮我撤销这笔" and one slip photo: no transaction number typed', async () => {
    // The merchant's slip of yesterday (a refund), another sale than the one filed above; read on every channel alike.
    const slip = { merchantId, terminalId: '66074255', voucherNo: `07596${index + 1}`,
      referenceNo: `76632827147${index + 1}`, date: shanghaiDate(-1), time: '08:52:37', amount: '99.00', cardMasked: '622202******8103' };
    const dir = mkdtempSync(join(tmpdir(), 'slip-'));
    // Its own name: the fake Telegram serves files by path, and slip.png was sent above.
    const photo = join(dir, 'rendered-slip.png');
    writeFileSync(photo, await renderSlip(slip));
    try {
      await driver.say('帮我撤销这笔');
      await driver.replies();
      await driver.sendPhoto(photo);
      // Reading takes a second or two: wait for what was read.
      const read = (await waitForText(driver, '对吗', 30_000)).join('\n');
      for (const v of [slip.terminalId, slip.voucherNo, slip.referenceNo, '¥99.00', '8103']) expect(read, `[${driver.name}]`).toContain(v);
      await driver.say('对');
      await waitForText(driver, '原因');
      await driver.say('顾客退货');
      await waitForText(driver, '手机号');
      await driver.say('13800138000');
      await waitForText(driver, '请核对');
      await driver.say('确认');
      const ticket = /CX-\d{8}-\d+/.exec((await waitForText(driver, /CX-\d{8}-\d+/)).join('\n'))?.[0];
      const request = (await driver.runtime.requests.listByMerchant(merchantId)).find((r) => r.ticket === ticket);
      expect(request?.slots).toMatchObject({ terminal_id: slip.terminalId, voucher_no: slip.voucherNo, reference_no: slip.referenceNo, amount: 9900, transaction_date: slip.date, card_last4: '8103' });
      expect(request?.attachments).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('hands over to a live agent: messages both ways, then back to the bot with a rating question', async () => {
    const runtime = driver.runtime;
    const agents = new AgentStore(runtime.store.db, { loginMaxFailures: 5, lockoutMinutes: 15 });
    const agent = await agents.add({ name: `agent-${driver.name}`, role: 'agent', password: 'long-enough-pw' });
    await agents.touch(agent.id);
    const agentView = { ...agent, presence: 'online' as const };

    await driver.say('转人工客服');
    await driver.replies();
    const [handoff] = await runtime.handoff.store.list(['waiting']);
    expect(handoff, `[${driver.name}] a waiting handoff`).toBeDefined();

    await runtime.handoff.claim(handoff!.id, agentView);
    await runtime.handoff.sendToMerchant(handoff!.id, agentView, '您好，我是客服');
    await waitForText(driver, '您好，我是客服');

    await driver.say('我的撤销申请什么时候处理？');
    const events = await runtime.handoff.store.events(handoff!.id);
    expect(events.filter((e) => e.kind === 'message_in').map((e) => e.text)).toContain('我的撤销申请什么时候处理？');

    await runtime.handoff.finish(handoff!.id, agentView, 'handed_back');
    await waitForText(driver, '打个分');
  }, 20_000);

  it('delivers a status notification for the request filed earlier', async () => {
    const runtime = driver.runtime;
    const [request] = await runtime.requests.listByMerchant(merchantId);
    expect(request).toBeDefined();
    await driver.replies();
    const event = await runtime.requests.transition(request!.id, 'in_review', { actor: 'backoffice' });
    await runtime.notify(request!, event);
    const texts = await waitForText(driver, '已进入审核');
    expect(texts.join('\n')).toContain(request!.ticket);
  }, 20_000);
});
